/* cmd_reap.c - hpsearch create (Slurm) and hpsearch reap.
 *
 *   hpsearch create CONFIG [CONTEXT] [--dry-run]
 *   hpsearch experiment create CONFIG [CONTEXT]      (Determined's spelling)
 *   hpsearch reap [EXP...|--all] [--watch[=SEC]] [--quiet]
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "experiment.h"
#include "expconf.h"
#include "fsutil.h"
#include "reaper.h"
#include "sbatch_script.h"
#include "slurmcli.h"
#include "slurmlib.h"
#include "store.h"
#include "xalloc.h"

static char *self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}


/* Before anything is submitted, sbatch --test-only judges the first array
 * as the controller would: a bad partition or account fails create. */
static int test_first(struct experiment *e, const struct slurm_info *si,
		      struct hps_error *err)
{
	json_t *tasks = json_array();
	char *script = NULL, *msg = NULL;
	long long job, max_array = 1001;
	int rc;

	/* The first array as the first pass submits it: no larger than
	 * MaxArraySize (a bigger batch goes out in chunks). */
	if (slurm_config_int("MaxArraySize", &max_array, err) < 0) {
		json_decref(tasks);
		return -1;
	}
	for (size_t i = 0; i < e->n && (long long)json_array_size(tasks) < max_array; i++)
		if (e->t[i].want_run)
			json_array_append_new(tasks, json_pack("[I,i,I]", (json_int_t)e->t[i].id,
				1, (json_int_t)e->t[i].target));
	if (json_array_size(tasks) == 0) {
		json_decref(tasks);
		return 0;
	}
	rc = sbatch_write(e, si, 0, tasks, e->cfg.searcher.max_concurrent_trials, err);
	json_decref(tasks);
	if (rc < 0)
		return -1;
	script = sbatch_script_path(e->dir, 0);
	rc = slurm_submit(script, true, &job, &msg, err);
	if (rc == 1)
		rc = hps_errorf(err, "sbatch --test-only refused the first array: %s", msg);
	unlink(script);
	free(script);
	script = sbatch_tasks_path(e->dir, 0);
	unlink(script);
	free(script);
	free(msg);
	return rc;
}

static int slurm_setup(struct experiment *e, bool dry_run, struct hps_error *err)
{
	struct slurm_info si = {0};
	int rc = -1;

	si.exe = self_exe();
	si.prefix = slurm_job_prefix(e->dir, e->id);
	si.gpus = e->cfg.slots_per_trial > 0;
	if (!dry_run && slurm_partition_gpus(e->cfg.slurm.partition, &si.gpus, err) < 0)
		goto out;
	si.checked = !dry_run;
	if (!si.exe || slurm_info_write(e->dir, &si, err) < 0)
		goto out;
	rc = dry_run ? 0 : test_first(e, &si, err);
out:
	slurm_info_release(&si);
	return rc;
}

static int cancel_new(struct experiment *e, struct hps_error *err)
{
	json_t *rec = json_pack("{s:s}", "ev", "cancel");
	int rc = exp_record(e, rec, err);

	json_decref(rec);
	return rc < 0 ? -1 : exp_snapshot(e, err);
}

/* create_slurm: a new experiment, checked and submitted; returns its dir. */
char *create_slurm(struct cli *cli, const char *config, const char *context,
		   bool dry_run, bool quiet, int *status);

char *create_slurm(struct cli *cli, const char *config, const char *context,
		   bool dry_run, bool quiet, int *status)
{
	struct hps_config cfg;
	struct hps_error err;
	struct experiment *e = NULL;
	struct reap_opts ro = {.out = quiet ? NULL : stdout, .dry_run = dry_run};
	struct reap_result res;
	char *root, *dir = NULL, *ctx;
	int64_t id;
	int fd = -1, rc;

	*status = HPS_EXIT_FAILURE;
	rc = expconf_load_reported(config, &cfg, stderr);
	if (rc < 0) {
		expconf_release(&cfg);
		*status = HPS_EXIT_USAGE;
		return NULL;
	}
	if (!dry_run && !slurm_available()) {
		fprintf(stderr, "hpsearch create: sbatch is not on PATH: is this a Slurm login node? (hpsearch run drives a search on this machine)\n");
		expconf_release(&cfg);
		return NULL;
	}
	root = store_root(cli->root);
	ctx = store_context(config, context);
	e = exp_create(root, &cfg, config, ctx, &fd, &err);
	expconf_release(&cfg);
	free(root);
	free(ctx);
	if (!e)
		goto fail;
	dir = xstrdup(e->dir);
	id = e->id;
	if (slurm_setup(e, dry_run, &err) < 0) {
		struct hps_error e2;
		cancel_new(e, &e2);
		goto fail;
	}
	if (!quiet)
		printf("experiment %lld: %s\n", (long long)id, dir);
	if (reap_pass(e, &ro, &res, &err) < 0)
		goto fail;
	*status = HPS_EXIT_OK;
	goto out;
fail:
	fprintf(stderr, "hpsearch create: %s\n", err.msg);
	free(dir);
	dir = NULL;
out:
	exp_free(e);
	store_unlock(fd);
	return dir;
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *self = cli_find("create");
	bool dry = false, quiet = false;
	char *dir;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (c == 'n')
			dry = true;
		else if (c == 'q')
			quiet = true;
		else if (c == 'h') {
			cli_usage(self, stdout);
			return HPS_EXIT_OK;
		} else
			return cli_bad_usage(self, "bad option");
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_bad_usage(self, "give a config and optionally a context directory");
	dir = create_slurm(cli, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL,
			   dry, quiet, &status);
	if (dir && !quiet && !dry)
		printf("watch it: hpsearch reap --watch %lld   (or from cron: hpsearch reap --all --quiet)\n",
		       (long long)store_id_of(dir));
	free(dir);
	return status;
}

int cmd_experiment(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "create"))
		return cli_bad_usage(cli_find("experiment"), "only 'experiment create' exists");
	return cmd_create(cli, argc - 1, argv + 1);
}

/* ---- reap ---- */

/* reap_some: one pass over each; *active counts those not over. */
static int reap_some(char **dirs, size_t n, bool quiet, bool report, int *active)
{
	struct reap_opts o = {.out = quiet ? NULL : stdout, .report = report};
	int rc = HPS_EXIT_OK;

	*active = 0;
	for (size_t i = 0; i < n; i++) {
		struct reap_result res;
		struct hps_error err;
		enum exp_state st = EXP_ACTIVE;
		bool busy = false;

		if (!reaper_is_slurm(dirs[i]))
			continue;
		if (reap_dir(dirs[i], &o, 0, &res, &busy, &st, &err) < 0) {
			fprintf(stderr, "hpsearch reap: %s: %s\n", dirs[i], err.msg);
			rc = HPS_EXIT_FAILURE;
			*active += 1;
			continue;
		}
		/* An experiment over with runs still ending stays watched
		 * until their records are in (or their grace runs out). */
		*active += busy || st == EXP_ACTIVE || (st != EXP_PAUSED && !res.settled);
	}
	return rc;
}

static char **targets(struct cli *cli, int argc, char **argv, bool all, size_t *n)
{
	struct hps_error err;
	char *root = store_root(cli->root), **v;

	*n = 0;
	if (all) {
		v = store_list(root, &err);
		if (!v)
			fprintf(stderr, "hpsearch reap: %s\n", err.msg);
		for (; v && v[*n]; (*n)++)
			;
	} else {
		v = xcalloc((size_t)argc + 1, sizeof(*v));
		for (int i = 0; i < argc; i++) {
			char *d = store_resolve(root, argv[i], &err);
			if (!d) {
				fprintf(stderr, "hpsearch reap: %s\n", err.msg);
				continue;
			}
			v[(*n)++] = d;
		}
	}
	free(root);
	return v;
}

int cmd_reap(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"watch", optional_argument, NULL, 'w'},
		{"quiet", no_argument, NULL, 'q'},
		{"report", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *self = cli_find("reap");
	bool all = false, quiet = false, report = false;
	int watch = 0, c, rc, active;
	char **dirs;
	size_t n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'w')
			watch = optarg ? atoi(optarg) : 10;
		else if (c == 'q')
			quiet = true;
		else if (c == 'r')
			report = true;
		else if (c == 'h') {
			cli_usage(self, stdout);
			return HPS_EXIT_OK;
		} else
			return cli_bad_usage(self, "bad option");
	}
	if (all == (optind < argc))
		return cli_bad_usage(self, "give experiments or --all");
	if (watch < 0)
		return cli_bad_usage(self, "--watch takes a positive number of seconds");
	if (!quiet) {
		char why[200];
		slurmlib_close(slurmlib_open(false, why, sizeof(why)));
		printf("controller access: %s\n", why);
	}
	dirs = targets(cli, argc - optind, argv + optind, all, &n);
	if (!all && n < (size_t)(argc - optind)) {
		for (size_t i = 0; i < n; i++)
			free(dirs[i]);
		free(dirs);
		return HPS_EXIT_FAILURE;
	}
	for (;;) {
		rc = reap_some(dirs, n, quiet, report, &active);
		if (!watch || active == 0)
			break;
		sleep((unsigned)(watch > 0 ? watch : 10));
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	return rc;
}
