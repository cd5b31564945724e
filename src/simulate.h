/* simulate.h - a search run against simulated trials on a simulated
 * Slurm cluster, on a virtual clock (hpsearch simulate).
 *
 * The search is the real one: the searcher (searcher.h) behind the same
 * pure record application as a journaled experiment (exp_apply), and the
 * reaper's own decision of what a pass launches and submits (runplan.h).
 * Only the world is simulated: trials follow a seeded family of learning
 * curves (sim_curve.c), and the cluster has `slots` slots, starts the
 * tasks of an array submission `queue_delay` seconds after it and in
 * submission order, within each array's throttle.  A reap pass runs at
 * every task end, as hpsearch exec runs one, and a promotion or another
 * waiting run goes on in the ending task's allocation.  Nothing is
 * written: the whole experiment lives in memory.
 *
 * Deterministic: the same config, options and seed give the same result.
 */
#ifndef HPS_SIMULATE_H
#define HPS_SIMULATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "expconf.h"

struct sim_opts {
	int64_t slots;		/* > 0, at least the config's slots_per_trial */
	double queue_delay;	/* seconds from a submission to its start, >= 0 */
	uint32_t seed;		/* the curves; and the searcher when the
				 * config sets no experiment_seed */
};

struct sim_result {
	double makespan_s;	/* virtual time when the search was over */
	double busy_slot_s;	/* slot-seconds spent running trials */
	double utilisation;	/* busy_slot_s / (slots * makespan_s), 0..1 */
	/* Slot-seconds idle while a run waited for them (queue delay,
	 * throttles), and busy over busy plus that: the scheduling's part,
	 * without the idle time of a search that had nothing to run. */
	double idle_with_work_slot_s, utilisation_with_work;
	uint64_t length_trained;	/* searcher units, summed over all runs */
	int64_t trials, runs, in_place_runs, array_submissions;
	int64_t promotions;	/* all brackets, all rungs */
	bool has_best;
	double best_metric;	/* the searcher metric, raw */
	int64_t best_trial;
	const char *state;	/* the experiment's end state ("COMPLETED") */
	/* Per bracket, per rung: [[n, ...], ...] (owned references). */
	json_t *promotions_per_rung, *trials_per_rung, *rung_lengths;
};

/* simulate: run the search of cfg (a validated config, expconf_load) to
 * its end.  cfg is borrowed and left as it was.  -1 with err set when the config cannot be
 * searched (an ASHA without a length, a grid too large), the options do
 * not fit it, or the search stalls; r is then empty.  Release r with
 * sim_result_release. */
int simulate(const struct hps_config *cfg, const struct sim_opts *o,
	     struct sim_result *r, struct hps_error *err);
void sim_result_release(struct sim_result *r);

#endif
