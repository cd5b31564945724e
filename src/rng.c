/* rng.c - MT19937 matching Determined's nprand and numpy's RandomState. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rng.h"

#define M 397
#define MATRIX_A 0x9908b0dfU
#define UPPER 0x80000000U
#define LOWER 0x7fffffffU

void rng_seed(struct rng *r, uint32_t seed)
{
	r->key[0] = seed;
	for (int i = 1; i < RNG_N; i++) {
		seed = 1812433253U * (seed ^ (seed >> 30)) + (uint32_t)i;
		r->key[i] = seed;
	}
	r->pos = RNG_N;
}

static void regenerate(struct rng *r)
{
	uint32_t y;
	int i;

	for (i = 0; i < RNG_N - M; i++) {
		y = (r->key[i] & UPPER) | (r->key[i + 1] & LOWER);
		r->key[i] = r->key[i + M] ^ (y >> 1) ^ (-(y & 1U) & MATRIX_A);
	}
	for (; i < RNG_N - 1; i++) {
		y = (r->key[i] & UPPER) | (r->key[i + 1] & LOWER);
		r->key[i] = r->key[i + (M - RNG_N)] ^ (y >> 1) ^
			    (-(y & 1U) & MATRIX_A);
	}
	y = (r->key[RNG_N - 1] & UPPER) | (r->key[0] & LOWER);
	r->key[RNG_N - 1] = r->key[M - 1] ^ (y >> 1) ^ (-(y & 1U) & MATRIX_A);
	r->pos = 0;
}

uint32_t rng_u32(struct rng *r)
{
	uint32_t y;

	if (r->pos >= RNG_N)
		regenerate(r);
	y = r->key[r->pos++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680U;
	y ^= (y << 15) & 0xefc60000U;
	y ^= y >> 18;
	return y;
}

double rng_unit(struct rng *r)
{
	uint32_t a = rng_u32(r) >> 5, b = rng_u32(r) >> 6;

	return (a * 67108864.0 + b) / 9007199254740992.0;
}

double rng_uniform(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(r);
}

uint64_t rng_intn(struct rng *r, uint64_t n)
{
	uint64_t limit, mask, v;

	if (n <= 1)
		return 0;
	limit = n - 1;
	mask = limit;
	for (int s = 1; s < 64; s <<= 1)
		mask |= mask >> s;
	if (limit <= 0xffffffffULL) {
		while ((v = rng_u32(r) & mask) > limit)
			;
	} else {
		do {
			v = (uint64_t)rng_u32(r) << 32;
			v |= rng_u32(r);
			v &= mask;
		} while (v > limit);
	}
	return v;
}

void rng_uuid4(struct rng *r, char out[37])
{
	unsigned char b[16];

	for (int i = 0; i < 4; i++) {
		uint32_t v = rng_u32(r);
		for (int j = 0; j < 4; j++)
			b[4 * i + j] = (unsigned char)(v >> (8 * j));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

json_t *rng_to_json(const struct rng *r)
{
	json_t *key = json_array();

	for (int i = 0; i < RNG_N; i++)
		json_array_append_new(key, json_integer(r->key[i]));
	return json_pack("{s:i,s:o}", "pos", r->pos, "key", key);
}

int rng_from_json(struct rng *r, const json_t *j)
{
	json_t *key = json_object_get(j, "key");
	json_t *pos = json_object_get(j, "pos");

	if (!json_is_array(key) || json_array_size(key) != RNG_N ||
	    !json_is_integer(pos) || json_integer_value(pos) < 0 ||
	    json_integer_value(pos) > RNG_N)
		return -1;
	for (int i = 0; i < RNG_N; i++) {
		json_t *v = json_array_get(key, (size_t)i);
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 0xffffffffLL)
			return -1;
		r->key[i] = (uint32_t)json_integer_value(v);
	}
	r->pos = (int)json_integer_value(pos);
	return 0;
}
