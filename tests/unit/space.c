/* Unit tests of sampling and grid enumeration (REFERENCE.md 2.2, 2.3). */
#include "config.h"

#include <stdlib.h>

#include "expconf.h"
#include "space.h"
#include "tap.h"

static int load(const char *yaml, struct hps_config *cfg)
{
	struct diag d;
	struct ynode *root;
	int rc;

	diag_init(&d, "t.yaml");
	root = ytree_load_string(yaml, strlen(yaml), &d);
	rc = root ? expconf_load_tree(root, cfg, &d) : -1;
	if (rc < 0)
		for (size_t i = 0; i < d.n; i++)
			diag("%s", d.v[i].msg);
	diag_release(&d);
	return rc;
}

static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
}

#define HEAD "entrypoint: x\nsearcher: {name: grid, metric: m}\nhyperparameters:\n"

static void grid_is(const char *hps, const char *want, const char *name)
{
	struct hps_config cfg;
	struct hps_error err;
	char *yaml = malloc(strlen(HEAD) + strlen(hps) + 1);
	json_t *g;
	char *s;

	strcpy(yaml, HEAD);
	strcat(yaml, hps);
	if (!ok(load(yaml, &cfg) == 0, "%s: loads", name)) {
		free(yaml);
		return;
	}
	g = space_grid(&cfg.hparams, &err);
	s = dump(g);
	is_str(s, want, name);
	is_int((long long)space_grid_size(&cfg.hparams), (long long)json_array_size(g),
	       "  size agrees");
	free(s);
	json_decref(g);
	expconf_release(&cfg);
	free(yaml);
}

static void test_grid(void)
{
	grid_is("  a: {type: int, minval: 0, maxval: 10, count: 3}\n",
		"[{\"a\":0},{\"a\":5},{\"a\":10}]", "int grid");
	grid_is("  a: {type: int, minval: 0, maxval: 3, count: 3}\n",
		"[{\"a\":0},{\"a\":2},{\"a\":3}]", "int points round half away from zero (1.5 -> 2)");
	grid_is("  a: {type: int, minval: -3, maxval: 0, count: 3}\n",
		"[{\"a\":-3},{\"a\":-2},{\"a\":0}]", "negative half rounds away from zero (-1.5 -> -2)");
	grid_is("  a: {type: int, minval: 1, maxval: 3, count: 10}\n",
		"[{\"a\":1},{\"a\":2},{\"a\":3}]", "int count clamped to the range");
	grid_is("  a: {type: int, minval: 1, maxval: 4, count: 1}\n",
		"[{\"a\":3}]", "count 1 takes the rounded midpoint (2.5 -> 3)");
	grid_is("  a: {type: double, minval: 0, maxval: 1, count: 3}\n",
		"[{\"a\":0.0},{\"a\":0.5},{\"a\":1.0}]", "double grid");
	grid_is("  a: {type: double, minval: 0, maxval: 1, count: 1}\n",
		"[{\"a\":0.5}]", "double midpoint");
	grid_is("  a: {type: log, base: 10, minval: -2, maxval: 0, count: 3}\n",
		"[{\"a\":0.01},{\"a\":0.10000000000000001},{\"a\":1.0}]", "log grid");
	grid_is("  b: {type: categorical, vals: [x, y]}\n  a: {type: int, minval: 1, maxval: 2, count: 2}\n  c: 7\n",
		"[{\"a\":1,\"b\":\"x\",\"c\":7},{\"a\":1,\"b\":\"y\",\"c\":7},"
		"{\"a\":2,\"b\":\"x\",\"c\":7},{\"a\":2,\"b\":\"y\",\"c\":7}]",
		"sorted names; the first axis varies slowest");
	grid_is("  opt: {lr: {type: categorical, vals: [1, 2]}, empty: {}}\n",
		"[{\"opt\":{\"empty\":{},\"lr\":1}},{\"opt\":{\"empty\":{},\"lr\":2}}]",
		"nested, and an empty {} is a one-point axis (Determined #9966)");
}

static void test_grid_limits(void)
{
	struct hps_config cfg;
	struct hps_error err;

	ok(load(HEAD "  a: {type: int, minval: 0, maxval: 1000000000, count: 1000000000}\n"
		"  b: {type: int, minval: 0, maxval: 1000000000, count: 1000000000}\n",
		&cfg) < 0, "a grid of 10^18 points is a config error");
	expconf_release(&cfg);
	ok(load("entrypoint: x\nsearcher: {name: grid, metric: m}\n", &cfg) == 0 &&
	   space_grid_size(&cfg.hparams) == 0, "no hyperparameters: no grid points");
	json_t *g = space_grid(&cfg.hparams, &err);
	ok(g && json_array_size(g) == 0, "an empty grid");
	json_decref(g);
	expconf_release(&cfg);
}

static void test_sample(void)
{
	struct hps_config cfg;
	struct rng r;
	json_t *p;
	int in_range = 1;

	ok(load("entrypoint: x\nsearcher: {name: random, metric: m, max_trials: 5}\n"
		"hyperparameters:\n"
		"  i: {type: int, minval: 1, maxval: 3}\n"
		"  d: {type: double, minval: 0.5, maxval: 0.75}\n"
		"  l: {type: log, base: 2, minval: 1, maxval: 3}\n"
		"  c: {type: categorical, vals: [a, b]}\n"
		"  k: {type: const, val: [1, 2]}\n"
		"  n: {z: {type: int, minval: 0, maxval: 9}, a: 1}\n", &cfg) == 0,
	   "sampling config loads");
	rng_seed(&r, 1);
	for (int t = 0; t < 500; t++) {
		p = space_sample(&cfg.hparams, &r);
		json_int_t i = json_integer_value(json_object_get(p, "i"));
		double d = json_real_value(json_object_get(p, "d"));
		double l = json_real_value(json_object_get(p, "l"));
		const char *c = json_string_value(json_object_get(p, "c"));
		json_t *z = json_object_get(json_object_get(p, "n"), "z");
		if (i < 1 || i > 3 || d < 0.5 || d >= 0.75 || l < 2 || l >= 8 ||
		    !c || !json_is_integer(z) ||
		    json_array_size(json_object_get(p, "k")) != 2)
			in_range = 0;
		json_decref(p);
	}
	ok(in_range, "500 samples: int inclusive, double [min,max), log base^[min,max), nested");
	expconf_release(&cfg);
}

int main(void)
{
	test_grid();
	test_grid_limits();
	test_sample();
	return done_testing();
}
