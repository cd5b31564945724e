/* rng-dump CONFIG N: the first N trials' hyperparameters (one JSON object
 * per line, sorted keys) and, for each, the request id and trial seed, as
 * the searcher draws them.  The numpy parity test compares this with
 * numpy's RandomState drawing the same flat space in the same order. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "expconf.h"
#include "rng.h"
#include "space.h"

int main(int argc, char **argv)
{
	struct hps_config cfg;
	struct diag d;
	struct rng r;
	int n;

	if (argc != 3) {
		fprintf(stderr, "usage: rng-dump CONFIG N\n");
		return 2;
	}
	diag_init(&d, argv[1]);
	if (expconf_load(argv[1], &cfg, &d) < 0) {
		diag_print(&d, stderr);
		return 2;
	}
	n = atoi(argv[2]);
	rng_seed(&r, cfg.experiment_seed);
	for (int i = 0; i < n; i++) {
		json_t *p = space_sample(&cfg.hparams, &r);
		char id[37], *s;
		uint64_t seed;

		rng_uuid4(&r, id);
		seed = rng_intn(&r, 1ULL << 31);
		s = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
		printf("%s %s %llu\n", s, id, (unsigned long long)seed);
		free(s);
		json_decref(p);
	}
	expconf_release(&cfg);
	diag_release(&d);
	return 0;
}
