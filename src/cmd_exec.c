/* cmd_exec.c - hpsearch exec: what every trial run goes through.
 *
 *   hpsearch exec --trial T --run K [--length L] [--slots N] [--gpus LIST] DIR
 *
 * Claims runs/<K>/claim with O_EXCL before anything runs (a second
 * claimant exits at once: no run executes twice), builds the trial's
 * environment, runs the entrypoint under supervision, and records the
 * exit atomically in runs/<K>/exit.json.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "experiment.h"
#include "fsutil.h"
#include "runproc.h"
#include "store.h"
#include "trialenv.h"
#include "xalloc.h"

#define EXEC_ALREADY_CLAIMED 75	/* EX_TEMPFAIL: another process has the run */

struct exec_args {
	const char *dir;
	int64_t trial, run;
	uint64_t length;
	int slots;
	const char *gpus;
};

static int parse(int argc, char **argv, struct exec_args *a)
{
	static const struct option opts[] = {
		{"trial", required_argument, NULL, 't'},
		{"run", required_argument, NULL, 'r'},
		{"length", required_argument, NULL, 'l'},
		{"slots", required_argument, NULL, 's'},
		{"gpus", required_argument, NULL, 'g'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->slots = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->trial = atoll(optarg); break;
		case 'r': a->run = atoll(optarg); break;
		case 'l': a->length = strtoull(optarg, NULL, 10); break;
		case 's': a->slots = atoi(optarg); break;
		case 'g': a->gpus = *optarg ? optarg : NULL; break;
		default: return -1;
		}
	}
	if (argc - optind != 1 || a->trial < 1 || a->run < 1)
		return -1;
	a->dir = argv[optind];
	return 0;
}

static int claim(const char *rundir, struct hps_error *err)
{
	char host[256] = "?", *p = fs_join(rundir, "claim"), *body;
	json_t *j;
	int rc;

	gethostname(host, sizeof(host) - 1);
	j = json_pack("{s:s?,s:I,s:I,s:s?}", "host", host, "pid", (json_int_t)getpid(),
		      "time", (json_int_t)time(NULL), "slurm_job", getenv("SLURM_JOB_ID"));
	body = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	rc = fs_create_excl(p, body, strlen(body), err);
	free(body);
	free(p);
	return rc;
}

static const char *outcome(const struct run_result *r)
{
	if (!r->signal && r->code == 0)
		return "ok";
	if (!r->signal && r->code == HPS_EXIT_INVALID_HP)
		return "invalid_hp";
	return "failed";
}

static int record_exit(const char *rundir, const struct run_result *r,
		       struct hps_error *err)
{
	char host[256] = "?", *p = fs_join(rundir, "exit.json");
	json_t *j;
	int rc;

	gethostname(host, sizeof(host) - 1);
	j = json_pack("{s:s,s:i,s:i,s:b,s:I,s:I,s:s,s:I}", "outcome", outcome(r),
		      "code", r->code, "signal", r->signal, "terminated", r->terminated,
		      "start", (json_int_t)r->start, "end", (json_int_t)r->end,
		      "host", host, "pid", (json_int_t)getpid());
	rc = fs_write_json(p, j, err);
	json_decref(j);
	free(p);
	return rc;
}

static int run_trial(struct experiment *e, const struct exec_args *a,
		     const char *rundir, struct run_result *res,
		     struct hps_error *err)
{
	char *tdir = store_trial_dir(e->dir, a->trial);
	char *hp_path = fs_join(tdir, "hparams.json");
	char *metrics = fs_join(rundir, "metrics.jsonl");
	char *logp = fs_join(rundir, "output.log");
	char *ck = store_checkpoint_dir(e->dir, &e->cfg, e->id, a->trial);
	char *ctx = fs_join(e->dir, "context");
	json_t *hp = fs_read_json(hp_path, err);
	char **envp = NULL;
	int rc = -1;

	if (!hp || fs_mkdir_p(ck, 0777, err) < 0)
		goto out;
	struct run_info ri = {
		.expdir = e->dir, .exp_id = e->id, .trial = a->trial,
		.run = a->run, .length = a->length,
		.seed = (size_t)a->trial <= e->n ? e->t[a->trial - 1].seed : 0,
		.hparams_path = hp_path, .hparams = hp, .metrics_path = metrics,
		.checkpoint_dir = ck,
		.slots = a->slots, .gpus = a->gpus,
	};
	if (!(envp = trialenv_build(&e->cfg, &ri, err)))
		goto out;
	rc = runproc(e->cfg.entrypoint.v, envp, fs_exists(ctx) ? ctx : e->dir,
		     logp, 30, res, err);
out:
	trialenv_free(envp);
	json_decref(hp);
	free(tdir);
	free(hp_path);
	free(metrics);
	free(logp);
	free(ck);
	free(ctx);
	return rc;
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
	struct exec_args a;
	struct hps_error err;
	struct experiment *e = NULL;
	struct run_result res;
	char *rundir = NULL;
	int rc = HPS_EXIT_FAILURE, c;

	if (parse(argc, argv, &a) < 0)
		return cli_bad_usage(cli_find("exec"), "bad arguments");
	if (!(e = exp_open(a.dir, false, &err)))
		goto fail;
	rundir = store_run_dir(a.dir, a.trial, a.run);
	if (fs_mkdir_p(rundir, 0777, &err) < 0 || (c = claim(rundir, &err)) < 0)
		goto fail;
	if (c == 0) {
		fprintf(stderr, "hpsearch exec: run %lld of trial %lld was claimed already: not running it twice\n",
			(long long)a.run, (long long)a.trial);
		rc = EXEC_ALREADY_CLAIMED;
		goto out;
	}
	if (run_trial(e, &a, rundir, &res, &err) < 0 ||
	    record_exit(rundir, &res, &err) < 0)
		goto fail;
	rc = res.signal ? 128 + res.signal : res.code;
	goto out;
fail:
	fprintf(stderr, "hpsearch exec: %s\n", err.msg);
out:
	free(rundir);
	exp_free(e);
	return rc;
}
