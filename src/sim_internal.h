/* sim_internal.h - the simulator's parts (simulate.c, sim_curve.c,
 * sim_heap.c).  Not a public header. */
#ifndef HPS_SIM_INTERNAL_H
#define HPS_SIM_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- sim_curve.c: one trial's learning curve and speed ----
 *
 * loss(L) = asym + (1 + L/tau)^-alpha + noise, where asym, tau and alpha
 * are functions of the hyperparameter values (a hash of them, mixed with
 * the simulation seed) and the noise of the trial seed and L.  A lower
 * asymptote comes with a larger tau (slower), so curves cross: the trial
 * ahead early is not always the best at the end. */
struct sim_curve {
	double asym, tau, alpha;
	double spu;		/* virtual seconds per unit of length */
	uint64_t noise_key;
};

/* max_length: the searcher's length (the curve's scale; full-length runs
 * take about an hour).  hparams is borrowed. */
void sim_curve_make(uint32_t sim_seed, const json_t *hparams,
		    uint32_t trial_seed, uint64_t max_length,
		    struct sim_curve *c);
/* sim_curve_loss: the validation loss after length units (> 0). */
double sim_curve_loss(const struct sim_curve *c, uint64_t length);

/* ---- sim_heap.c: the event queue, earliest first ----
 * Ties go in insertion order (seq), so runs are deterministic. */
enum sim_ev { SEV_ELIGIBLE, SEV_REPORT, SEV_END };

struct sim_event {
	double time;
	uint64_t seq;
	enum sim_ev kind;
	int64_t id;		/* SEV_ELIGIBLE: array index; else the trial */
	int64_t run;
	uint64_t length;	/* what the run reaches at this event */
};

struct sim_heap {
	struct sim_event *v;
	size_t n, cap;
	uint64_t seq;
};

void sim_heap_push(struct sim_heap *h, struct sim_event ev);
/* sim_heap_pop: false when empty. */
bool sim_heap_pop(struct sim_heap *h, struct sim_event *ev);
void sim_heap_release(struct sim_heap *h);

#endif
