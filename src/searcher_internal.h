/* searcher_internal.h - the searcher's state, shared by searcher.c (common
 * parts, dispatch, save/load), searcher_simple.c (single, random, grid) and
 * searcher_asha.c (one ASHA bracket, both variants).  Not a public header.
 *
 * Trial ids are 1-based and dense: trial id lives at t[id - 1].  Metrics in
 * rungs are stored "lower is better" (negated when maximising), as
 * Determined stores them, so the errored-trial value is always +DBL_MAX.
 */
#ifndef HPS_SEARCHER_INTERNAL_H
#define HPS_SEARCHER_INTERNAL_H

#include <float.h>

#include "asha_plan.h"
#include "rng.h"
#include "rung.h"
#include "searcher.h"

/* Determined's ashaExitedMetricValue: what an exited trial "reports". */
#define ASHA_WORST DBL_MAX

struct strial {
	int bracket;
	int rung;		/* ASHA: rung it runs toward or last reached */
	enum trial_state state;	/* never TRIAL_UNKNOWN */
	enum trial_exit end;	/* how it ended, once TRIAL_CLOSED */
	bool early_exit;	/* ASHA: exited on its own; counts as worst */
	uint32_t seed;
	char request_id[37];
};

struct asha {
	int64_t num_rungs, max_trials, max_concurrent;
	struct rung *rungs;
	int64_t created, invalid;	/* trials of this bracket */
};

struct searcher {
	const struct hps_config *cfg;
	const struct searcher_config *sc;
	struct rng rng;
	bool started;
	struct strial *t;
	size_t nt, cap;
	size_t nclosed;
	/* ASHA only: one entry per bracket. */
	struct asha *b;
	size_t nb;
	bool stopping;		/* stopping-based (2.5 / 2.6 stop_once) */
	bool legacy_cut;	/* stop_once without time_metric: 2.6's cut */
};

/* searcher.c: shared helpers. */
struct op *ops_push(struct ops *out, enum op_kind kind, int64_t trial);
struct strial *trial_get(struct searcher *s, int64_t id);
/* trial_create: a new trial in bracket; hp is stolen (NULL: draw it from
 * the space first, as random-style searchers do); then the request id and
 * the seed are drawn.  Appends OP_CREATE and OP_RUN(length). */
int64_t trial_create(struct searcher *s, int bracket, json_t *hp,
		     uint64_t length, struct ops *out);
void trial_close(struct searcher *s, int64_t id, enum trial_exit end);
json_t *metric_to_json(double m);
int metric_from_json(const json_t *j, double *m);

/* searcher_simple.c */
int simple_start(struct searcher *s, struct ops *out, struct hps_error *err);
void simple_exit(struct searcher *s, int64_t id, enum trial_exit why,
		 struct ops *out);
double simple_progress(const struct searcher *s);
void simple_reopen(struct searcher *s, int64_t id, struct ops *out);

/* searcher_asha.c */
int asha_setup(struct searcher *s, struct hps_error *err);
void asha_release(struct searcher *s);
void asha_start(struct searcher *s, struct ops *out);
int asha_check_validation(const struct searcher *s, int64_t id,
			  uint64_t length, struct hps_error *err);
void asha_validation(struct searcher *s, int64_t id, uint64_t length,
		     double metric, struct ops *out);
void asha_exit(struct searcher *s, int64_t id, enum trial_exit why,
	       struct ops *out);
double asha_progress(const struct searcher *s);
int64_t asha_outstanding(const struct searcher *s, size_t b, int r);
json_t *asha_to_json(const struct searcher *s);
int asha_from_json(struct searcher *s, const json_t *j,
		   struct hps_error *err);

#endif
