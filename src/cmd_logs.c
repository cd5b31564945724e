/* cmd_logs.c - hpsearch logs EXP TRIAL [-f]: a trial's output, run by run. */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "experiment.h"
#include "fsutil.h"
#include "store.h"
#include "xalloc.h"

/* copy_from: print path from *off to its end; *off moves along. */
static void copy_from(const char *path, off_t *off)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = pread(fd, buf, sizeof(buf), *off)) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		*off += n;
	}
	fflush(stdout);
	close(fd);
}

static char *log_of(const char *dir, int64_t trial, int64_t run)
{
	char *rd = store_run_dir(dir, trial, run), *p = fs_join(rd, "output.log");

	free(rd);
	return p;
}

/* follow: keep printing the latest run until the trial neither runs nor
 * waits to run. */
static int follow(const char *dir, int64_t trial, int64_t run, off_t off)
{
	for (;;) {
		struct hps_error err;
		struct experiment *e = exp_open(dir, false, &err);
		char *p;
		bool more;

		if (!e) {
			fprintf(stderr, "hpsearch logs: %s\n", err.msg);
			return HPS_EXIT_FAILURE;
		}
		more = (size_t)trial <= e->n && (e->t[trial - 1].running ||
						 e->t[trial - 1].want_run) && !exp_is_over(e);
		if ((size_t)trial <= e->n && e->t[trial - 1].runs > run) {
			run = e->t[trial - 1].runs;
			off = 0;
			printf("==> run %lld <==\n", (long long)run);
		}
		exp_free(e);
		p = log_of(dir, trial, run);
		copy_from(p, &off);
		free(p);
		if (!more)
			return HPS_EXIT_OK;
		usleep(500000);
	}
}

int cmd_logs(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hps_error err;
	struct experiment *e;
	bool f = false;
	char *root, *dir, *end;
	int64_t trial, runs;
	off_t off = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'f')
			f = true;
		else if (c == 'h') {
			cli_usage(cli_find("logs"), stdout);
			return HPS_EXIT_OK;
		} else
			return cli_bad_usage(cli_find("logs"), "bad option");
	}
	if (argc - optind != 2)
		return cli_bad_usage(cli_find("logs"), "give an experiment and a trial");
	trial = strtoll(argv[optind + 1], &end, 10);
	if (*end || trial < 1)
		return cli_bad_usage(cli_find("logs"), "'%s' is not a trial id", argv[optind + 1]);
	root = store_root(cli->root);
	dir = store_resolve(root, argv[optind], &err);
	free(root);
	if (!dir || !(e = exp_open(dir, false, &err))) {
		fprintf(stderr, "hpsearch logs: %s\n", err.msg);
		free(dir);
		return HPS_EXIT_FAILURE;
	}
	if ((size_t)trial > e->n) {
		fprintf(stderr, "hpsearch logs: experiment %lld has no trial %lld\n",
			(long long)e->id, (long long)trial);
		exp_free(e);
		free(dir);
		return HPS_EXIT_FAILURE;
	}
	runs = e->t[trial - 1].runs;
	exp_free(e);
	for (int64_t k = 1; k <= runs; k++) {
		char *p = log_of(dir, trial, k);
		if (runs > 1)
			printf("==> run %lld <==\n", (long long)k);
		off = 0;
		copy_from(p, &off);
		free(p);
	}
	c = f ? follow(dir, trial, runs, off) : HPS_EXIT_OK;
	free(dir);
	return c;
}
