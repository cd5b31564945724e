/* cmd_validate.c - hpsearch validate CONFIG...: lint without creating. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "expconf.h"
#include "space.h"

static void summary(const struct hps_config *cfg, const struct diag *d)
{
	const struct searcher_config *s = &cfg->searcher;
	uint64_t trials = s->kind == SEARCH_GRID
		? space_grid_size(&cfg->hparams) : (uint64_t)s->max_trials;

	printf("%s: valid: %s search, %llu trial%s, %zu hyperparameter%s",
	       d->file, searcher_kind_name(s->kind), (unsigned long long)trials,
	       trials == 1 ? "" : "s", hparam_count_leaves(&cfg->hparams),
	       hparam_count_leaves(&cfg->hparams) == 1 ? "" : "s");
	if (s->metric)
		printf(", metric %s (%s is better)", s->metric,
		       s->smaller_is_better ? "smaller" : "larger");
	if (s->length.unit == UNIT_TIME_METRIC)
		printf(", length %llu %s", (unsigned long long)s->length.units,
		       s->length.time_metric);
	else if (s->length.unit != UNIT_NONE)
		printf(", length %llu %s", (unsigned long long)s->length.units,
		       length_unit_name(s->length.unit));
	if (d->nwarnings)
		printf(" (%zu warning%s)", d->nwarnings,
		       d->nwarnings == 1 ? "" : "s");
	printf("\n");
}

static int validate_one(const char *path, bool quiet)
{
	struct hps_config cfg;
	struct diag d;
	int rc;

	diag_init(&d, path);
	expconf_load(path, &cfg, &d);
	diag_print(&d, stderr);
	rc = diag_has_errors(&d) ? HPS_EXIT_USAGE : HPS_EXIT_OK;
	if (rc == HPS_EXIT_OK && !quiet)
		summary(&cfg, &d);
	expconf_release(&cfg);
	diag_release(&d);
	return rc;
}

int cmd_validate(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *self = cli_find("validate");
	bool quiet = false;
	int c, rc = HPS_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			cli_usage(self, stdout);
			return HPS_EXIT_OK;
		default:
			return cli_bad_usage(self, "bad option");
		}
	}
	if (optind == argc)
		return cli_bad_usage(self, "no config given");
	for (int i = optind; i < argc; i++)
		if (validate_one(argv[i], quiet) != HPS_EXIT_OK)
			rc = HPS_EXIT_USAGE;
	return rc;
}
