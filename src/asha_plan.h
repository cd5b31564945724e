/* asha_plan.h - Determined's adaptive_asha brackets and rungs, exactly.
 *
 * REFERENCE.md 2.7: bracket rung counts, trials and concurrency per
 * bracket, with the truncating int(ln(x)/ln(d)) and the max(...,1) floors
 * reproduced as Determined computes them, and 2.5's rung targets.
 * async_halving is a single bracket.  Also what det preview-search reports:
 * how many trials stop at each rung and the total length trained.
 */
#ifndef HPS_ASHA_PLAN_H
#define HPS_ASHA_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "expconf.h"

#define ASHA_MAX_RUNGS 64

struct bracket {
	int64_t num_rungs;
	int64_t max_trials;
	int64_t max_concurrent_trials;
	uint64_t rung_units[ASHA_MAX_RUNGS];	/* cumulative target of each rung */
	int64_t stopped[ASHA_MAX_RUNGS];	/* trials whose last rung this is */
};

struct plan {
	struct bracket *b;
	size_t n;
	uint64_t total_trials;
	uint64_t total_units;	/* length trained if every trial ran its plan */
};

/* plan_make: the plan of any searcher (random/grid/single: one bracket of
 * one rung at the searcher's length).  grid_points is the grid size.
 * -1 with err set when the searcher has nothing to plan. */
int plan_make(const struct searcher_config *s, uint64_t grid_points,
	      struct plan *p, struct hps_error *err);
void plan_release(struct plan *p);

/* The formulas, exposed for tests (Determined's names). */
int64_t asha_max_rungs(double length, double divisor, int64_t max_rungs,
		       int64_t max_trials);
void asha_bracket_max_trials(int64_t max_trials, double divisor,
			     const int64_t *rungs, size_t n, int64_t *out);
void asha_bracket_max_concurrent(int64_t mct, double divisor,
				 const int64_t *trials, size_t n, int64_t *out);
uint64_t asha_rung_units(uint64_t length, double divisor, int64_t num_rungs,
			 int64_t rung);

#endif
