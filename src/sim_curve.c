/* sim_curve.c - the simulated trials' learning curves (see
 * sim_internal.h).  Everything is a pure function of the simulation
 * seed, the hyperparameter values and the trial seed: no RNG state, so a
 * curve does not depend on the order in which events happen. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define FULL_RUN_S 3600.0	/* a full-length run at average speed */
#define NOISE_SD 0.01

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A uniform in [0, 1) from 53 bits of the stream. */
static double unit(uint64_t *x)
{
	return (double)(splitmix(x) >> 11) * 0x1.0p-53;
}

/* FNV-1a over the canonical JSON of the values: equal hyperparameters
 * give equal curves (up to noise), whatever the key order. */
static uint64_t hash_hparams(const json_t *hp)
{
	char *s = json_dumps(hp, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (const char *p = s ? s : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * UINT64_C(0x100000001b3);
	free(s);
	return h;
}

void sim_curve_make(uint32_t sim_seed, const json_t *hparams,
		    uint32_t trial_seed, uint64_t max_length,
		    struct sim_curve *c)
{
	uint64_t x = hash_hparams(hparams) ^ ((uint64_t)sim_seed << 32);
	double len = max_length ? (double)max_length : 100.0;
	double u1 = unit(&x), u2 = unit(&x), u3 = unit(&x), u4 = unit(&x);

	c->asym = 0.05 + 0.45 * u1 * u1;
	/* The trade-off that makes curves cross: the better the asymptote
	 * (small u1), the slower the approach. */
	c->tau = len * (0.02 + 0.5 * (0.6 * u2 + 0.4 * (1.0 - u1)));
	c->alpha = 0.6 + 0.8 * u3;
	/* Throughput depends on the hyperparameters too (a batch size). */
	c->spu = FULL_RUN_S / len * (0.5 + u4);
	c->noise_key = ((uint64_t)trial_seed << 32 | sim_seed) ^
		       UINT64_C(0x5851f42d4c957f2d);
}

double sim_curve_loss(const struct sim_curve *c, uint64_t length)
{
	uint64_t x = c->noise_key ^ (length * UINT64_C(0x2545f4914f6cdd1d));
	/* A uniform with standard deviation NOISE_SD. */
	double noise = (unit(&x) - 0.5) * sqrt(12.0) * NOISE_SD;

	return c->asym + pow(1.0 + (double)length / c->tau, -c->alpha) + noise;
}
