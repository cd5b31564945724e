/* runplan.h - which waiting runs a reap pass starts, and how: the decision
 * the reaper makes on a Slurm cluster and the simulator (simulate.h) makes
 * on a simulated one, written once so that the two cannot drift apart.
 *
 * Pure: it reads the experiment's trials (their want_run, running and
 * closed marks, which only exp_apply changes) and decides; the caller acts
 * (journals "launch" and "submit" records, calls sbatch, or simulates).
 * No clock, no files, no Slurm.
 */
#ifndef HPS_RUNPLAN_H
#define HPS_RUNPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "experiment.h"

/* run_waits: t has an OP_RUN that no run serves yet. */
bool run_waits(const struct trial *t);

/* Whether a run of t fits in the host allocation's time left; ctx is the
 * caller's.  NULL stands for "always". */
typedef bool (*run_fits_fn)(const void *ctx, const struct trial *t);

struct run_plan {
	struct trial *in_place;	/* goes on in the host's allocation; NULL: none */
	int64_t *submit;	/* trials whose runs form the next submission,
				 * ascending (owned; NULL when nsubmit is 0) */
	size_t nsubmit;
};

/* run_plan_make: the pass's decision.
 *   host     the trial whose allocation has just become free (0: none)
 *   running  runs launched and not exited (the reaper counts them, the
 *            simulator keeps the count)
 *   cand     the trials to consider, ascending; NULL: all of e's.  A
 *            caller that tracks changes passes a superset of the waiting
 *            trials and gets the same plan as from the full list.
 * The in-place run is the host's own (a promotion) when it waits, else the
 * first waiting trial, and only when fits says so.  The others are all
 * submitted together unless max_concurrent_trials is already reached (the
 * array throttle, run_throttle, limits them once submitted).  Never fails;
 * release p with run_plan_release. */
void run_plan_make(struct experiment *e, int64_t host, run_fits_fn fits,
		   const void *ctx, int64_t running, const int64_t *cand,
		   size_t ncand, struct run_plan *p);
void run_plan_release(struct run_plan *p);

/* run_throttle: the %N of an array of ntasks runs just marked running
 * (running counts them): what max_concurrent_trials leaves beside the
 * other runs, at least 1; 0 (no throttle) without max_concurrent_trials. */
int64_t run_throttle(const struct experiment *e, int64_t running,
		     int64_t ntasks);

/* run_chunk_held: whether the next MaxArraySize chunk of a pass waits for
 * a later pass.
 *   running    runs launched and not exited (those just submitted too)
 *   queued     of those, the tasks still waiting in the queue (PENDING)
 *   max_array  the controller's MaxArraySize (one chunk's tasks)
 *   first      nothing was submitted yet in this pass
 * With max_concurrent_trials, a chunk after the first waits while the
 * runs submitted already fill it: each array has a throttle of its own,
 * and a chunk throttled to what is left (1) would stay at that once the
 * first chunk drains.  Without a limit, any chunk waits while a whole
 * chunk's worth of tasks is still queued: the cluster is not running
 * them yet, and a queue of 100,000 tasks would only cost the controller
 * (and run into per-user limits such as MaxSubmitJobs, which counts
 * array tasks).  Held runs go to in-place continuation or to a later
 * pass's array. */
bool run_chunk_held(const struct experiment *e, int64_t running,
		    int64_t queued, int64_t max_array, bool first);

#endif
