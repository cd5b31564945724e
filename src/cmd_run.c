/* cmd_run.c - hpsearch run CONFIG [CONTEXT] and hpsearch continue EXP:
 * create an experiment and drive it to the end on this machine. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "experiment.h"
#include "expconf.h"
#include "local.h"
#include "reaper.h"
#include "store.h"
#include "xalloc.h"

struct run_opts {
	int slots;
	const char *topology;
	bool quiet;
	bool slurm;		/* --backend slurm: create, then reap --watch */
};

static int summary(const struct experiment *e, bool paused)
{
	const struct trial *b = exp_best_trial(e);

	if (paused) {
		printf("paused: %s\nresume with: hpsearch continue %lld\n", e->dir, (long long)e->id);
		return HPS_EXIT_FAILURE;
	}
	printf("experiment %lld %s: %s\n", (long long)e->id, exp_state_name(e->state), e->dir);
	if (b) {
		char *hp = json_dumps(b->hparams, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
		printf("best: trial %lld, %s %.6g at %llu %s, %s\n", (long long)b->id,
		       e->cfg.searcher.metric, b->best, (unsigned long long)b->best_length,
		       exp_length_key(e), hp ? hp : "");
		free(hp);
	}
	printf("see: hpsearch status %lld, hpsearch best %lld\n", (long long)e->id, (long long)e->id);
	return e->state == EXP_COMPLETED ? HPS_EXIT_OK : HPS_EXIT_FAILURE;
}

/* drive: e is locked by the caller (fd). */
static int drive(struct experiment *e, const struct run_opts *ro, int fd)
{
	struct local_opts lo = {.slots = ro->slots, .topology = ro->topology,
				.out = ro->quiet ? NULL : stdout, .tty = isatty(1)};
	struct hps_error err;
	bool paused = false;
	int rc;

	rc = local_drive(e, &lo, &paused, &err);
	store_unlock(fd);
	if (rc < 0) {
		fprintf(stderr, "hpsearch: %s\n", err.msg);
		return HPS_EXIT_FAILURE;
	}
	return summary(e, paused);
}

static int parse(int argc, char **argv, const char *verb, struct run_opts *ro)
{
	static const struct option opts[] = {
		{"slots", required_argument, NULL, 's'},
		{"topology", required_argument, NULL, 't'},
		{"backend", required_argument, NULL, 'b'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			ro->slots = atoi(optarg);
			if (ro->slots < 1)
				return cli_bad_usage(cli_find(verb), "--slots needs a positive number");
			break;
		case 't': ro->topology = optarg; break;
		case 'q': ro->quiet = true; break;
		case 'b':
			if (!strcmp(optarg, "slurm"))
				ro->slurm = true;
			else if (strcmp(optarg, "local"))
				return cli_bad_usage(cli_find(verb), "--backend is local or slurm");
			break;
		case 'h':
			cli_usage(cli_find(verb), stdout);
			return -2;
		default:
			return cli_bad_usage(cli_find(verb), "bad option");
		}
	}
	return 0;
}


char *create_slurm(struct cli *cli, const char *config, const char *context,
		   bool dry_run, bool quiet, int *status);

/* run --backend slurm: create and submit, then reap passes every few
 * seconds in the foreground until the experiment is over. */
static int run_slurm(struct cli *cli, const char *config, const char *context,
		     bool quiet)
{
	struct reap_opts o = {.out = quiet ? NULL : stdout};
	enum exp_state st = EXP_ACTIVE;
	int status;
	char *dir = create_slurm(cli, config, context, false, quiet, &status);

	while (dir) {
		struct reap_result res;
		struct hps_error err;
		bool busy;

		sleep(2);
		if (reap_dir(dir, &o, 0, &res, &busy, &st, &err) < 0) {
			fprintf(stderr, "hpsearch run: %s (retrying)\n", err.msg);
			continue;
		}
		if (!busy && (st == EXP_PAUSED || res.settled)) {
			struct experiment *e = exp_open(dir, false, &err);
			status = e ? summary(e, st == EXP_PAUSED) : HPS_EXIT_FAILURE;
			exp_free(e);
			break;
		}
	}
	free(dir);
	return status;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct run_opts ro = {0};
	struct hps_config cfg;
	struct hps_error err;
	struct experiment *e;
	char *root, *ctx;
	int fd = -1;
	int rc = parse(argc, argv, "run", &ro);

	if (rc)
		return rc == -2 ? HPS_EXIT_OK : rc;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_bad_usage(cli_find("run"), "give a config and optionally a context directory");
	if (ro.slurm)
		return run_slurm(cli, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL,
				 ro.quiet);
	rc = expconf_load_reported(argv[optind], &cfg, stderr);
	if (rc < 0) {
		expconf_release(&cfg);
		return HPS_EXIT_USAGE;
	}
	root = store_root(cli->root);
	ctx = store_context(argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL);
	e = exp_create(root, &cfg, argv[optind], ctx, &fd, &err);
	expconf_release(&cfg);
	free(root);
	free(ctx);
	if (!e) {
		fprintf(stderr, "hpsearch run: %s\n", err.msg);
		return HPS_EXIT_FAILURE;
	}
	if (!ro.quiet)
		printf("experiment %lld: %s\n", (long long)e->id, e->dir);
	fflush(stdout);
	rc = drive(e, &ro, fd);
	exp_free(e);
	return rc;
}

/* A cancelled or failed experiment is continued (Determined's experiment
 * continue): errored and cancelled trials run again.  A completed one has
 * nothing left. */
static int reopen(struct experiment *e, struct hps_error *err)
{
	json_t *rec;
	int rc;

	if (e->state == EXP_COMPLETED)
		return hps_errorf(err, "experiment %lld is COMPLETED: nothing to continue",
				  (long long)e->id);
	if (e->state != EXP_CANCELED && e->state != EXP_ERROR)
		return 0;
	/* Refused before anything is journaled: the record must apply. */
	if (searcher_is_asha(&e->cfg.searcher))
		return hps_errorf(err, "experiment %lld is %s: an %s search cannot be continued (as in Determined); create a new one",
				  (long long)e->id, exp_state_name(e->state),
				  searcher_kind_name(e->cfg.searcher.kind));
	rec = json_pack("{s:s}", "ev", "continue");
	rc = exp_record(e, rec, err);
	json_decref(rec);
	return rc < 0 ? -1 : exp_snapshot(e, err);
}

/* On Slurm, continue resumes and submits; the reaper does the rest. */
static int resume_slurm(struct experiment *e, bool quiet, struct hps_error *err)
{
	struct reap_opts o = {.out = quiet ? NULL : stdout};
	struct reap_result res;
	json_t *rec;

	if (e->state == EXP_PAUSED) {
		rec = json_pack("{s:s}", "ev", "resume");
		if (exp_record(e, rec, err) < 0) {
			json_decref(rec);
			return -1;
		}
		json_decref(rec);
	}
	if (reap_pass(e, &o, &res, err) < 0)
		return -1;
	if (!quiet)
		printf("experiment %lld continues on Slurm: hpsearch reap --watch %lld\n",
		       (long long)e->id, (long long)e->id);
	return 1;
}

int cmd_continue(struct cli *cli, int argc, char **argv)
{
	struct run_opts ro = {0};
	struct hps_error err;
	struct experiment *e;
	char *root, *dir;
	int fd = -1;
	bool busy;
	int rc = parse(argc, argv, "continue", &ro);

	if (rc)
		return rc == -2 ? HPS_EXIT_OK : rc;
	if (argc - optind != 1)
		return cli_bad_usage(cli_find("continue"), "give one experiment");
	root = store_root(cli->root);
	dir = store_resolve(root, argv[optind], &err);
	free(root);
	if (!dir || (fd = store_lock(dir, false, &busy, &err)) < 0 ||
	    !(e = exp_open(dir, true, &err))) {
		fprintf(stderr, "hpsearch continue: %s\n", err.msg);
		store_unlock(fd);
		free(dir);
		return HPS_EXIT_FAILURE;
	}
	rc = reopen(e, &err);
	if (rc == 0 && reaper_is_slurm(dir))
		rc = resume_slurm(e, ro.quiet, &err);
	free(dir);
	if (rc < 0) {
		fprintf(stderr, "hpsearch continue: %s\n", err.msg);
		store_unlock(fd);
		exp_free(e);
		return HPS_EXIT_FAILURE;
	}
	if (rc == 1) {	/* Slurm: submitted; the reaper drives it */
		store_unlock(fd);
		exp_free(e);
		return HPS_EXIT_OK;
	}
	rc = drive(e, &ro, fd);
	exp_free(e);
	return rc;
}
