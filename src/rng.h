/* rng.h - MT19937 as Determined's nprand (and numpy's legacy RandomState).
 *
 * Determined's master draws hyperparameters with MT19937 seeded by
 * init_genrand(experiment_seed), bit for bit like numpy's RandomState, so
 * the same experiment_seed gives the same trials (REFERENCE.md 2.1).  The
 * whole state is a plain struct: copy it, or save and load it as JSON.
 */
#ifndef HPS_RNG_H
#define HPS_RNG_H

#include <jansson.h>
#include <stdint.h>

#define RNG_N 624

struct rng {
	uint32_t key[RNG_N];
	int pos;
};

void rng_seed(struct rng *r, uint32_t seed);
uint32_t rng_u32(struct rng *r);
/* rng_unit: [0, 1) with 53 random bits (random_sample). */
double rng_unit(struct rng *r);
/* rng_uniform: [lo, hi). */
double rng_uniform(struct rng *r, double lo, double hi);
/* rng_intn: [0, n) by masked rejection; n <= 1 returns 0 without a draw. */
uint64_t rng_intn(struct rng *r, uint64_t n);
/* rng_uuid4: Determined's request id: 16 bytes from four draws. */
void rng_uuid4(struct rng *r, char out[37]);

/* The state as JSON {"pos": N, "key": [...]} and back (0, or -1 if bad). */
json_t *rng_to_json(const struct rng *r);
int rng_from_json(struct rng *r, const json_t *j);

#endif
