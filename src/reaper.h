/* reaper.h - one reap pass of a Slurm experiment.
 *
 * A pass (the caller holds the experiment's lock): ask the controller
 * about this experiment's jobs once; resolve submissions whose result was
 * not journaled (by job name, then by claims); harvest metrics of running
 * tasks and the exits of ended ones; cancel the tasks of stopped or
 * cancelled trials; submit the runs the searcher wants as one array
 * (chunked by MaxArraySize).  When the controller cannot be reached the
 * pass changes nothing and fails.
 *
 * From inside a task (hpsearch exec at the end of its run), in_place_trial
 * names the trial whose allocation is still held: if the searcher wants it
 * to run on (a promotion), or another run waits, that run is journaled for
 * this allocation and returned instead of being submitted.
 */
#ifndef HPS_REAPER_H
#define HPS_REAPER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "experiment.h"

struct reap_opts {
	FILE *out;		/* events and problems; NULL: silent */
	int64_t in_place_trial;	/* 0: none */
	long long time_left;	/* seconds the allocation has left (-1: no limit) */
	double last_run_s;	/* how long the run that just ended took ... */
	uint64_t last_target;	/* ... to reach this length */
	bool dry_run;		/* create --dry-run: write scripts, submit nothing */
	bool report;		/* refresh report.html after each pass */
};

struct reap_result {
	int64_t in_place_trial;	/* the trial to run on in this allocation ... */
	int64_t in_place_run;	/* ... this run of it (> 0), to this length */
	uint64_t in_place_length;
	int64_t submitted;	/* arrays submitted by this pass */
	int64_t queries;	/* controller queries made */
	bool settled;		/* over, and no run left to settle: a run
				 * still ending (a cancelled one writing its
				 * checkpoint within KillWait) keeps it false */
};

int reap_pass(struct experiment *e, const struct reap_opts *o,
	      struct reap_result *res, struct hps_error *err);

/* reaper_scancel_killed: scancel the tasks of trials that must stop. */
int reaper_scancel_killed(struct experiment *e, struct hps_error *err);

/* reaper_is_slurm: whether dir is a Slurm experiment (has slurm.json). */
bool reaper_is_slurm(const char *dir);

/* reap_dir: lock dir, open it, run passes while other processes marked it
 * dirty, unlock.  wait_s: how long to wait for the lock (0: do not wait;
 * a busy experiment is then marked dirty for its holder).  *busy tells
 * whether another process held it. */
int reap_dir(const char *dir, const struct reap_opts *o, int wait_s,
	     struct reap_result *res, bool *busy, enum exp_state *state,
	     struct hps_error *err);

#endif
