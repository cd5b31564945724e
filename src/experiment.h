/* experiment.h - an experiment's state and the events that change it.
 *
 * The state (searcher, trials, runs, harvest offsets) changes only by
 * applying journal records, so a crash loses nothing that was journaled
 * and replaying the journal rebuilds exactly the state that was lost:
 *
 *   exp_record(): give the record its sequence number, append it to
 *   journal.jsonl (durable), then apply it.  The caller acts on the world
 *   (launches a run, kills one) only after exp_record() returned.
 *
 * Records ("ev"):
 *   start                     the searcher's first operations
 *   launch  trial run target  a run is about to be started (an intent)
 *   report  trial run offset lines reports[[length|null, metric|null]...]
 *   exit    trial run outcome (ok|failed|invalid_hp|lost) code signal
 *   cancel  [trials]          the user cancelled trials, or everything
 *   submit  array tasks[[trial, run, target]...]   Slurm: intent; launches
 *   submitted array job       Slurm: sbatch answered
 *   unsubmit  array reason retry_after   Slurm: sbatch refused; un-launch
 *   pause / resume            the driver stopped (Ctrl-C) / came back
 * Applying is a pure function of the state and the record.
 *
 * state.json is a snapshot: the whole state plus the journal offset it
 * covers; exp_open() loads it and replays only the journal after it.
 */
#ifndef HPS_EXPERIMENT_H
#define HPS_EXPERIMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "expconf.h"
#include "searcher.h"

/* A trial's exit status that means "my hyperparameters are invalid"
 * (sysexits' EX_CONFIG), Determined's InvalidHP. */
#define HPS_EXIT_INVALID_HP 78

enum exp_state { EXP_ACTIVE, EXP_PAUSED, EXP_COMPLETED, EXP_ERROR, EXP_CANCELED };
enum tstate { TS_ACTIVE, TS_PAUSED, TS_COMPLETED, TS_ERROR,
		   TS_CANCELED };

struct trial {
	int64_t id;
	int bracket;
	char request_id[37];
	uint32_t seed;
	json_t *hparams;	/* owned */
	enum tstate state;
	char end_reason[48];
	uint64_t target;	/* cumulative length of the latest OP_RUN (0: none) */
	bool want_run;		/* an OP_RUN waits for a launch */
	bool running;		/* a run was launched and has not exited */
	bool closed;		/* the searcher is done with it */
	bool kill;		/* running, but must be stopped */
	int64_t runs;		/* runs launched; the latest is number `runs` */
	int64_t restarts;
	uint64_t length;	/* the longest length reported */
	bool has_best, has_latest, run_has_metric;
	double best, latest, run_metric;
	uint64_t best_length;
	long long offset;	/* harvest position in the latest run's metrics */
	int64_t lines;
	int64_t array;		/* Slurm: the array of the latest run (0: none) */
	int64_t index;		/* its task index in that array */
};

/* A Slurm submission: journaled as an intent before sbatch, then as its
 * result, so an interrupted submission is reconciled, never repeated
 * blindly. */
enum array_state { ARRAY_INTENT, ARRAY_SUBMITTED, ARRAY_REJECTED };

struct array {
	int64_t n;		/* arrays/<n>.sbatch */
	enum array_state state;
	long long job;		/* the array job id (-1: unknown, aged out) */
	int64_t ntasks;
	bool workers;		/* packed-node workers, not one run per task */
};

struct experiment {
	char *dir;
	int64_t id;
	struct hps_config cfg;
	struct searcher *s;
	struct trial *t;	/* t[i].id == i + 1 */
	size_t n, cap;
	int64_t seq;		/* last record applied */
	long long journal_end;	/* bytes of journal.jsonl applied */
	enum exp_state state;
	bool pausing;
	int64_t records_since_snapshot;
	struct array *arrays;	/* arrays[i].n == i + 1 */
	size_t narrays;
	long long retry_after;	/* Slurm: no submission before this time */
	/* Optional (NULL for a journaled experiment): told of each searcher
	 * operation once applied, so that hpsearch simulate can follow the
	 * trials that changed without scanning them all. */
	void (*on_op)(void *ctx, const struct op *op);
	void *on_op_ctx;
};

/* exp_create: a new experiment under root (store_create), its "start"
 * recorded and its first snapshot written before it becomes visible;
 * returned open for writing with its lock held (*lockfd). */
struct experiment *exp_create(const char *root, const struct hps_config *cfg,
			      const char *config_path, const char *context_dir,
			      int *lockfd, struct hps_error *err);

/* exp_open: load the config, the snapshot and the journal after it.
 * writer: the caller holds the lock (a torn journal tail is repaired). */
struct experiment *exp_open(const char *dir, bool writer, struct hps_error *err);
void exp_free(struct experiment *e);

/* exp_record: journal rec (this function sets "seq"; rec is borrowed) and
 * apply it. */
int exp_record(struct experiment *e, json_t *rec, struct hps_error *err);

/* exp_snapshot: write state.json covering every record applied. */
int exp_snapshot(struct experiment *e, struct hps_error *err);

/* The unit key of metrics lines ("batches", or the time_metric). */
const char *exp_length_key(const struct experiment *e);

bool exp_is_over(const struct experiment *e);
const char *exp_state_name(enum exp_state s);
const char *tstate_name(enum tstate s);

/* The trial with the best metric so far, or NULL. */
const struct trial *exp_best_trial(const struct experiment *e);
/* exp_better: whether metric a beats b for this experiment. */
bool exp_better(const struct experiment *e, double a, double b);

/* exp_status_json: DESIGN.md's status --json object (new reference). */
json_t *exp_status_json(const struct experiment *e);
/* exp_status_write: the same document as json_dumpf(exp_status_json(e),
 * JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) would write
 * to out, without building the tree (no final newline).  1 (nothing
 * written) when a value is not one it writes itself; -1 when out of
 * memory.  The caller then writes the tree. */
int exp_status_write(const struct experiment *e, FILE *out);

#endif
