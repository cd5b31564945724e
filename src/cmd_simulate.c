/* cmd_simulate.c - hpsearch simulate CONFIG [--slots N] [--queue-delay S]
 * [--seed S] [--json]: the search on simulated trials and a simulated
 * cluster (simulate.h), and what it would cost. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "error.h"
#include "expconf.h"
#include "simulate.h"

#define UTILISATION_TARGET 0.97	/* issue 8: on 1,000 slots */
#define MAX_SLOTS 10000000

static const char *unit_of(const struct searcher_config *s)
{
	if (s->length.unit == UNIT_TIME_METRIC)
		return s->length.time_metric;
	return s->length.unit == UNIT_NONE ? "units" : length_unit_name(s->length.unit);
}

static void print_rungs(const struct sim_result *r)
{
	size_t b, k;
	json_t *row;

	printf("\n  %-8s %-5s %14s %9s %9s\n", "bracket", "rung", "length", "trials", "promoted");
	json_array_foreach(r->trials_per_rung, b, row) {
		for (k = 0; k < json_array_size(row); k++)
			printf("  %-8zu %-5zu %14lld %9lld %9lld\n", b + 1, k + 1,
			       json_integer_value(json_array_get(json_array_get(r->rung_lengths, b), k)),
			       json_integer_value(json_array_get(row, k)),
			       json_integer_value(json_array_get(json_array_get(r->promotions_per_rung, b), k)));
	}
}

static void print_text(const struct hps_config *cfg, const struct sim_opts *o,
		       const struct sim_result *r)
{
	const struct searcher_config *sc = &cfg->searcher;

	printf("%s search, %lld trials on %lld slots (queue delay %g s, seed %lu): %s\n",
	       searcher_kind_name(sc->kind), (long long)r->trials, (long long)o->slots,
	       o->queue_delay, (unsigned long)o->seed, r->state);
	printf("  %-20s %.0f s (%.1f h)\n", "makespan", r->makespan_s, r->makespan_s / 3600);
	printf("  %-20s %.2f %% (target %.0f %%: %s)\n", "slot utilisation",
	       100 * r->utilisation, 100 * UTILISATION_TARGET,
	       r->utilisation >= UTILISATION_TARGET ? "met" : "not met");
	printf("  %-20s %.2f %% (idle %.0f slot-s while runs waited)\n",
	       "while runs waited", 100 * r->utilisation_with_work, r->idle_with_work_slot_s);
	printf("  %-20s %llu %s\n", "length trained",
	       (unsigned long long)r->length_trained, unit_of(sc));
	printf("  %-20s %lld (%lld in place)\n", "runs", (long long)r->runs,
	       (long long)r->in_place_runs);
	printf("  %-20s %lld\n", "array submissions", (long long)r->array_submissions);
	printf("  %-20s %lld\n", "promotions", (long long)r->promotions);
	if (r->has_best)
		printf("  %-20s %.6g (trial %lld, %s)\n", "best", r->best_metric,
		       (long long)r->best_trial, sc->metric ? sc->metric : "metric");
	print_rungs(r);
}

static void print_json(const struct hps_config *cfg, const struct sim_opts *o,
		       const struct sim_result *r)
{
	const struct searcher_config *sc = &cfg->searcher;
	json_t *j = json_pack(
		"{s:s,s:s?,s:s,s:I,s:I,s:f,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:I,s:s,s:I,s:I,"
		"s:I,s:I,s:O,s:O,s:O}",
		"searcher", searcher_kind_name(sc->kind), "metric", sc->metric,
		"state", r->state, "trials", (json_int_t)r->trials,
		"slots", (json_int_t)o->slots, "queue_delay_s", o->queue_delay,
		"seed", (json_int_t)o->seed, "makespan_s", r->makespan_s,
		"busy_slot_s", r->busy_slot_s, "utilisation", r->utilisation,
		"utilisation_target", UTILISATION_TARGET,
		"utilisation_with_work", r->utilisation_with_work,
		"idle_with_work_slot_s", r->idle_with_work_slot_s,
		"length_trained", (json_int_t)r->length_trained, "unit", unit_of(sc),
		"runs", (json_int_t)r->runs, "in_place_runs", (json_int_t)r->in_place_runs,
		"array_submissions", (json_int_t)r->array_submissions,
		"promotions", (json_int_t)r->promotions,
		"promotions_per_rung", r->promotions_per_rung,
		"trials_per_rung", r->trials_per_rung, "rung_lengths", r->rung_lengths);

	json_object_set_new(j, "best_metric", r->has_best ? json_real(r->best_metric) : json_null());
	json_object_set_new(j, "best_trial", r->has_best ? json_integer(r->best_trial) : json_null());
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	fputc('\n', stdout);
	json_decref(j);
}

/* The config is loaded as validate and preview load it: the same errors,
 * exit 2.  A config the searcher refuses is a usage error too. */
static int run_sim(const char *path, const struct sim_opts *o, bool json)
{
	struct hps_config cfg;
	struct sim_result r;
	struct hps_error err;
	int rc = HPS_EXIT_USAGE;

	if (expconf_load_reported(path, &cfg, stderr) < 0)
		goto out;
	if (simulate(&cfg, o, &r, &err) < 0) {
		fprintf(stderr, "hpsearch simulate: %s\n", err.msg);
		goto out;
	}
	if (json)
		print_json(&cfg, o, &r);
	else
		print_text(&cfg, o, &r);
	sim_result_release(&r);
	rc = HPS_EXIT_OK;
out:
	expconf_release(&cfg);
	return rc;
}

static int parse_num(const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return *s && !*end && !errno && isfinite(*v) && *v >= lo && *v <= hi ? 0 : -1;
}

int cmd_simulate(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"slots", required_argument, NULL, 's'},
		{"queue-delay", required_argument, NULL, 'q'},
		{"seed", required_argument, NULL, 'S'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *self = cli_find("simulate");
	struct sim_opts o = {.slots = 100, .queue_delay = 10, .seed = 0};
	bool json = false;
	double v;
	int c;

	(void)cli;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's') {
			if (parse_num(optarg, 1, MAX_SLOTS, &v) < 0 || v != floor(v))
				return cli_bad_usage(self, "--slots wants a whole number from 1 to %d", MAX_SLOTS);
			o.slots = (int64_t)v;
		} else if (c == 'q') {
			if (parse_num(optarg, 0, 1e9, &o.queue_delay) < 0)
				return cli_bad_usage(self, "--queue-delay wants seconds, 0 or more");
		} else if (c == 'S') {
			if (parse_num(optarg, 0, UINT32_MAX, &v) < 0 || v != floor(v))
				return cli_bad_usage(self, "--seed wants a whole number from 0 to %lu",
						     (unsigned long)UINT32_MAX);
			o.seed = (uint32_t)v;
		} else if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			cli_usage(self, stdout);
			return HPS_EXIT_OK;
		} else
			return cli_bad_usage(self, "bad option");
	}
	if (argc - optind != 1)
		return cli_bad_usage(self, "give exactly one config");
	return run_sim(argv[optind], &o, json);
}
