/* searcher.h - the search as a pure state machine (DESIGN.md "searcher
 * contract"; REFERENCE.md 2.1-2.7).
 *
 * Events in, operations out.  No I/O, no clock, no knowledge of Slurm or
 * processes: the same config, seed and events give the same operations,
 * and the whole state saves to JSON and loads back mid-sequence.
 *
 * Trials are numbered 1, 2, ... in creation order.  Every trial creation
 * draws, from the one experiment RNG, its hyperparameters (random-style
 * searchers only), its request id and its trial seed, as Determined does.
 *
 * Searchers:
 *  - single, random, grid: every trial is created up front by
 *    searcher_start() (OP_CREATE + OP_RUN to the searcher's length each);
 *    concurrency is the backend's job.  Grid trials take the grid points
 *    from the last to the first (Determined pops from the end).  Random
 *    replaces a trial that exited with TEXIT_INVALID_HP (a new trial);
 *    single and grid do not; errored trials are never replaced.
 *  - adaptive_asha / async_halving, promotion-based (stop_once false, the
 *    legacy default): REFERENCE.md 2.6.  A trial is sent OP_RUN to its rung's
 *    cumulative length; the driver reports the run's metric with
 *    searcher_validation() when the run ends; the searcher answers with
 *    OP_RUN (promotion: resume to the next rung), OP_CLOSE (done: top rung,
 *    or closed out by closeOutRungs) and OP_CREATE+OP_RUN (new trials).
 *    A trial that gets neither waits (paused, checkpointed).
 *  - stopping-based (stop_once true, or time_metric): REFERENCE.md 2.5
 *    (time_metric, Determined 0.38) and 2.6's stop_once rule (legacy).  Each
 *    trial gets one OP_RUN to the top length; the driver reports every
 *    validation as it arrives; OP_STOP means "stop this trial now" (it is
 *    then closed as completed).
 *  adaptive_asha runs one such ASHA per bracket (asha_plan.h) behind a
 *    tournament that routes each trial's events to its bracket; initial
 *    trials are bracket 0's, then bracket 1's, ...
 *
 * Ownership: ops hold their hyperparameters (a new JSON reference each);
 * ops_release() drops them.  The searcher borrows cfg and space for its
 * whole life.
 */
#ifndef HPS_SEARCHER_H
#define HPS_SEARCHER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "expconf.h"

enum op_kind {
	OP_CREATE,	/* a new trial: hparams, request_id, seed, bracket */
	OP_RUN,		/* train trial to cumulative length (0: the trial decides) */
	OP_STOP,	/* stopping-based: stop this running trial (closed, completed) */
	OP_CLOSE,	/* promotion-based: this trial is done (closed, completed) */
};

struct op {
	enum op_kind kind;
	int64_t trial;
	uint64_t length;	/* OP_RUN */
	json_t *hparams;	/* OP_CREATE (owned) */
	char request_id[37];	/* OP_CREATE */
	uint32_t seed;		/* OP_CREATE: the trial seed */
	int bracket;		/* OP_CREATE: 0-based */
};

struct ops {
	struct op *v;
	size_t n, cap;
};

void ops_release(struct ops *ops);

/* How a trial ended, as far as the searcher needs to know.  Restarts are
 * the driver's: TEXIT_ERRORED comes only once max_restarts is spent. */
enum trial_exit {
	TEXIT_COMPLETED,	/* its last OP_RUN finished (after any validation) */
	TEXIT_ERRORED,
	TEXIT_INVALID_HP,	/* the trial said its hyperparameters are invalid */
	TEXIT_CANCELED,		/* the user cancelled it */
};

/* Where a trial stands (searcher_trial_state): RUNNING has an OP_RUN
 * outstanding; PAUSED (promotion-based only) reported its rung and waits
 * for OP_RUN or OP_CLOSE; CLOSED takes no more events. */
enum trial_state {
	TRIAL_UNKNOWN,
	TRIAL_RUNNING,
	TRIAL_PAUSED,
	TRIAL_CLOSED,
};

struct searcher;

/* searcher_new: a fresh searcher for cfg's searcher section and space,
 * with its RNG seeded by cfg->experiment_seed.  NULL with err set when the
 * config cannot be searched (an ASHA without a length, a grid too large). */
struct searcher *searcher_new(const struct hps_config *cfg,
			      struct hps_error *err);
void searcher_free(struct searcher *s);

/* Each call appends the resulting operations to out, in a deterministic
 * order, and returns 0, or -1 with err set for an event that makes no
 * sense (an unknown trial, a closed trial, a validation from a trial that
 * was not running): the state is then unchanged. */
int searcher_start(struct searcher *s, struct ops *out, struct hps_error *err);

/* searcher_validation: trial reached cumulative length with metric (the
 * raw value; smaller_is_better is applied inside).  Promotion-based: call
 * once per finished OP_RUN, with that OP_RUN's length.  Stopping-based:
 * call for every validation report.  single/random/grid: ignored (0). */
int searcher_validation(struct searcher *s, int64_t trial, uint64_t length,
			double metric, struct ops *out, struct hps_error *err);

/* searcher_exit: a running trial ended.  OP_STOP and OP_CLOSE close a
 * trial at once, so its exit is not reported (it would be refused).  A
 * paused trial (promotion-based) accepts TEXIT_COMPLETED as a no-op (its
 * run ended after reporting) and TEXIT_CANCELED (closed; if promoted later
 * it counts as the worst metric); other exits of a paused trial are
 * refused.  A promotion-based trial that ends TEXIT_COMPLETED without
 * reporting its rung counts as the worst metric, like an errored one. */
int searcher_exit(struct searcher *s, int64_t trial, enum trial_exit why,
		  struct ops *out, struct hps_error *err);

/* searcher_trial_state: TRIAL_UNKNOWN for an id never created. */
enum trial_state searcher_trial_state(const struct searcher *s, int64_t trial);

/* searcher_reopen: continue an errored or cancelled trial (Determined's
 * experiment continue, random/grid/single only): it gets an OP_RUN again.
 * -1 with err set for ASHA searchers or a trial that completed. */
int searcher_reopen(struct searcher *s, int64_t trial, struct ops *out,
		    struct hps_error *err);

/* searcher_done: every trial created is closed and no more will be. */
bool searcher_done(const struct searcher *s);

/* searcher_progress: 0..1, as Determined reports it (random/grid: closed
 * fraction; ASHA: rung-0 results / (1.2 * max_trials), capped at 1). */
double searcher_progress(const struct searcher *s);

/* The whole state (RNG included) as JSON, and back.  searcher_load borrows
 * cfg like searcher_new. */
json_t *searcher_save(const struct searcher *s);
struct searcher *searcher_load(const struct hps_config *cfg, const json_t *j,
			       struct hps_error *err);

/* searcher_rungs: for status: a JSON array, one object per bracket:
 * {"bracket": i, "rungs": [{"length": L, "reported": n, "promoted": p,
 * "outstanding": o}...]}; an empty array for non-ASHA searchers. */
json_t *searcher_rungs(const struct searcher *s);

#endif
