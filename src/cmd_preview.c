/* cmd_preview.c - hpsearch preview CONFIG [--json]: the planned search,
 * as det preview-search shows it. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "asha_plan.h"
#include "cli.h"
#include "error.h"
#include "expconf.h"
#include "space.h"

static const char *unit_of(const struct searcher_config *s)
{
	if (s->length.unit == UNIT_TIME_METRIC)
		return s->length.time_metric;
	return length_unit_name(s->length.unit);
}

static void print_text(const struct hps_config *cfg, const struct plan *p)
{
	const struct searcher_config *s = &cfg->searcher;
	const char *unit = unit_of(s);

	printf("%s search on %s (%s is better)", searcher_kind_name(s->kind),
	       s->metric ? s->metric : "-",
	       s->smaller_is_better ? "smaller" : "larger");
	if (searcher_is_asha(s))
		printf(", divisor %g, %s", s->divisor,
		       s->stop_once ? "stopping-based" : "promotion-based");
	printf("\n");
	for (size_t i = 0; i < p->n; i++) {
		const struct bracket *b = &p->b[i];
		int64_t reach = b->max_trials;
		printf("\nbracket %zu: %lld rung%s, %lld trial%s, ", i + 1,
		       (long long)b->num_rungs, b->num_rungs == 1 ? "" : "s",
		       (long long)b->max_trials, b->max_trials == 1 ? "" : "s");
		if (b->max_concurrent_trials)
			printf("at most %lld at once\n", (long long)b->max_concurrent_trials);
		else
			printf("no limit at once\n");
		printf("  %-5s %14s %-10s %8s %10s\n", "rung", "length", "", "trials", "stop here");
		for (int64_t r = 0; r < b->num_rungs; r++) {
			if (s->length.unit == UNIT_NONE)
				printf("  %-5lld %14s %-10s", (long long)r + 1, "-", "");
			else
				printf("  %-5lld %14llu %-10s", (long long)r + 1,
				       (unsigned long long)b->rung_units[r], unit);
			printf(" %8lld %10lld\n", (long long)reach, (long long)b->stopped[r]);
			reach -= b->stopped[r];
		}
	}
	printf("\ntotal: %llu trial%s", (unsigned long long)p->total_trials,
	       p->total_trials == 1 ? "" : "s");
	if (s->length.unit != UNIT_NONE)
		printf(", at most %llu %s trained", (unsigned long long)p->total_units, unit);
	else
		printf(" (no length: each trial decides how long it trains)");
	printf("\n");
}

static json_t *plan_json(const struct hps_config *cfg, const struct plan *p)
{
	const struct searcher_config *s = &cfg->searcher;
	json_t *brackets = json_array();

	for (size_t i = 0; i < p->n; i++) {
		const struct bracket *b = &p->b[i];
		json_t *rungs = json_array(), *reach = json_array(), *stop = json_array();
		int64_t left = b->max_trials;
		for (int64_t r = 0; r < b->num_rungs; r++) {
			json_array_append_new(rungs, json_integer((json_int_t)b->rung_units[r]));
			json_array_append_new(reach, json_integer(left));
			json_array_append_new(stop, json_integer(b->stopped[r]));
			left -= b->stopped[r];
		}
		json_array_append_new(brackets, json_pack(
			"{s:o,s:I,s:I,s:o,s:o}", "rungs", rungs,
			"trials", (json_int_t)b->max_trials,
			"max_concurrent_trials", (json_int_t)b->max_concurrent_trials,
			"trials_per_rung", reach, "stopped_per_rung", stop));
	}
	return json_pack("{s:s,s:s?,s:b,s:s,s:o,s:I,s:I}",
			 "searcher", searcher_kind_name(s->kind),
			 "metric", s->metric,
			 "smaller_is_better", s->smaller_is_better,
			 "unit", unit_of(s), "brackets", brackets,
			 "total_trials", (json_int_t)p->total_trials,
			 "total_length", (json_int_t)p->total_units);
}

static int preview(const char *path, bool json)
{
	struct hps_config cfg;
	struct hps_error err;
	struct plan p;
	int rc = HPS_EXIT_USAGE;

	if (expconf_load_reported(path, &cfg, stderr) < 0)
		goto out;
	if (plan_make(&cfg.searcher, space_grid_size(&cfg.hparams), &p, &err) < 0) {
		fprintf(stderr, "hpsearch preview: %s\n", err.msg);
		goto out;
	}
	if (json) {
		json_t *j = plan_json(&cfg, &p);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
	} else {
		print_text(&cfg, &p);
	}
	plan_release(&p);
	rc = HPS_EXIT_OK;
out:
	expconf_release(&cfg);
	return rc;
}

int cmd_preview(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *self = cli_find("preview");
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'h') {
			cli_usage(self, stdout);
			return HPS_EXIT_OK;
		} else
			return cli_bad_usage(self, "bad option");
	}
	if (argc - optind != 1)
		return cli_bad_usage(self, "give exactly one config");
	return preview(argv[optind], json);
}
