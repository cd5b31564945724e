/* cmd_report.c - hpsearch report EXP [-o FILE] [--top N]: the experiment
 * as one self-contained HTML page (report.h).  Reads the experiment
 * without the lock, like status. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "error.h"
#include "experiment.h"
#include "fsutil.h"
#include "report.h"
#include "store.h"
#include "xalloc.h"

struct report_args {
	const char *out;
	size_t top;
};

static int parse_top(const char *s, size_t *top)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 1 || v > 1000)
		return -1;
	*top = (size_t)v;
	return 0;
}

/* parse: 0, HPS_EXIT_USAGE, or -2 after --help. */
static int parse(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"top", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *c = cli_find("report");
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			a->out = optarg;
			break;
		case 't':
			if (parse_top(optarg, &a->top) < 0)
				return cli_bad_usage(c, "--top wants a number from 1 to 1000, not '%s'",
						     optarg);
			break;
		case 'h':
			cli_usage(c, stdout);
			return -2;
		default:
			return cli_bad_usage(c, "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_bad_usage(c, "give one experiment");
	return 0;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
	struct report_args a = {.top = REPORT_TOP_DEFAULT};
	struct hps_error err;
	struct experiment *e = NULL;
	char *root = NULL, *dir = NULL, *out = NULL;
	int rc = parse(argc, argv, &a);

	if (rc)
		return rc == -2 ? HPS_EXIT_OK : rc;
	rc = HPS_EXIT_FAILURE;
	root = store_root(cli->root);
	if (!(dir = store_resolve(root, argv[optind], &err)) ||
	    !(e = exp_open(dir, false, &err)))
		goto out;
	out = a.out ? xstrdup(a.out) : fs_join(e->dir, "report.html");
	if (report_write_top(e, out, a.top, &err) < 0)
		goto out;
	printf("%s\n", out);
	rc = HPS_EXIT_OK;
out:
	if (rc != HPS_EXIT_OK)
		fprintf(stderr, "hpsearch report: %s\n", err.msg);
	exp_free(e);
	free(out);
	free(dir);
	free(root);
	return rc;
}
