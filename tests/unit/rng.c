/* Unit tests of the MT19937 generator against numpy's RandomState vectors
 * (taken from numpy 1.24, Debian 12's python3-numpy). */
#include "config.h"

#include <stdlib.h>

#include "rng.h"
#include "tap.h"

static void test_u32(void)
{
	static const uint32_t seed0[] = {2357136044u, 2546248239u, 3071714933u,
					 3626093760u, 2588848963u};
	struct rng r;

	rng_seed(&r, 0);
	for (int i = 0; i < 5; i++)
		is_int(rng_u32(&r), seed0[i], "seed 0 raw draw matches numpy");
	rng_seed(&r, 4294967295u);
	is_int(rng_u32(&r), 419326371u, "seed 2^32-1 first draw");
	is_int(rng_u32(&r), 479346978u, "seed 2^32-1 second draw");
}

static void test_draws(void)
{
	struct rng r;

	/* RandomState(12345): random_sample, uniform(.2,.5), randint(16,65),
	 * randint(0,5), 10**uniform(-4,0) */
	rng_seed(&r, 12345);
	is_double(rng_unit(&r), 0.9296160928171479, "random_sample");
	is_double(rng_uniform(&r, 0.2, 0.5), 0.2949126663745358, "uniform");
	is_int(16 + (long long)rng_intn(&r, 49), 52, "randint(16, 65)");
	is_int((long long)rng_intn(&r, 5), 1, "randint(0, 5)");
	is_double(pow(10, rng_uniform(&r, -4, 0)), 0.0006580230611475308,
		  "10**uniform(-4, 0)");

	rng_seed(&r, 7);	/* 64-bit masked draws */
	is_int((long long)rng_intn(&r, 1000000000000ULL), 752595690692LL, "randint(0, 10**12) #1");
	is_int((long long)rng_intn(&r, 1000000000000ULL), 108744157686LL, "randint(0, 10**12) #2");
	is_int((long long)rng_intn(&r, 1000000000000ULL), 291964244179LL, "randint(0, 10**12) #3");
}

static void test_intn_edges(void)
{
	struct rng r, copy;

	rng_seed(&r, 1);
	copy = r;
	is_int((long long)rng_intn(&r, 1), 0, "intn(1) is 0");
	ok(!memcmp(&r, &copy, sizeof(r)), "intn(1) draws nothing (Determined)");
	for (int i = 0; i < 1000; i++)
		if (rng_intn(&r, 3) > 2) {
			ok(0, "intn(3) out of range");
			return;
		}
	ok(1, "intn(3) stays in [0, 3)");
}

static void test_uuid_and_json(void)
{
	struct rng r, back;
	char id[37];
	json_t *j;

	rng_seed(&r, 99);
	rng_uuid4(&r, id);
	is_int((long long)strlen(id), 36, "uuid length");
	ok(id[14] == '4' && strchr("89ab", id[19]), "uuid is version 4, variant 1 (%s)", id);
	for (int i = 0; i < 700; i++)	/* cross a regeneration */
		rng_u32(&r);
	j = rng_to_json(&r);
	ok(rng_from_json(&back, j) == 0, "state loads back from JSON");
	ok(rng_u32(&back) == rng_u32(&r), "loaded state continues the same stream");
	json_object_set_new(j, "pos", json_integer(9999));
	ok(rng_from_json(&back, j) < 0, "a bad position is refused");
	json_decref(j);
}

int main(void)
{
	test_u32();
	test_draws();
	test_intn_edges();
	test_uuid_and_json();
	return done_testing();
}
