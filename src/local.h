/* local.h - driving an experiment on this machine (hpsearch run).
 *
 * Trials run as children (hpsearch exec) on local slots: GPUs when the
 * machine has any, else cores; --slots overrides.  A trial takes
 * slots_per_trial slots, at most max_concurrent_trials run at once, and a
 * slot is reused only after its run ended.
 *
 * The first SIGINT/SIGTERM journals a pause and asks every run to stop
 * (they checkpoint); the experiment stays resumable with hpsearch
 * continue.  A second one kills the runs.  Runs left by a driver that died
 * are adopted: their exit is harvested when it comes, never re-run.
 */
#ifndef HPS_LOCAL_H
#define HPS_LOCAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "experiment.h"

struct local_opts {
	int slots;		/* > 0: this many CPU slots, no GPUs */
	const char *topology;	/* hwloc XML, or NULL */
	FILE *out;		/* progress and events; NULL: silent */
	bool tty;		/* redraw one progress line */
	/* A packed-node worker (Slurm, slurm.pack_nodes): the experiment is
	 * shared with other workers and the reaper, so the lock is taken for
	 * each pass and the state reloaded; only this worker's runs are
	 * watched, and its launches name its task (array/index) so the reaper
	 * settles them if the node dies.  gpus: what Slurm gave. */
	bool worker;
	const char *dir;
	int64_t array, index;
	const char *gpus;
};

/* local_drive: until the experiment is over or paused.  *paused tells
 * which.  A worker (e NULL: it opens the experiment for each pass) runs
 * until no run is left for it. */
int local_drive(struct experiment *e, const struct local_opts *o,
		bool *paused, struct hps_error *err);

#endif
