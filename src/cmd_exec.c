/* cmd_exec.c - hpsearch exec: what every trial run goes through.
 *
 *   hpsearch exec --trial T --run K [--length L] [--slots N] [--gpus LIST] DIR
 *
 * Claims runs/<K>/claim with O_EXCL before anything runs (a second
 * claimant exits at once: no run executes twice), builds the trial's
 * environment, runs the entrypoint under supervision, and records the
 * exit atomically in runs/<K>/exit.json.  A stop signal that comes before
 * a run starts ends the process, by that signal, before the claim.
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
#include "local.h"
#include "multinode.h"
#include "placement.h"
#include "reaper.h"
#include "runproc.h"
#include "sbatch_script.h"
#include "slurmcli.h"
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
	const char *gpu_vendor;	/* "amd": ROCR/HIP variables too */
	const char *cpus;	/* bind to these PUs (the local runner places) */
	const char *tasks;	/* Slurm: the task map of this array */
	bool rank;		/* one rank of a multi-node trial (under srun) */
	bool worker;		/* a packed-node worker (slurm.pack_nodes) */
	const char *master_addr;
	bool in_place;		/* go on in this allocation when a run waits */
	bool end_reap;		/* a reap pass when a run ends */
};

static int parse(int argc, char **argv, struct exec_args *a)
{
	static const struct option opts[] = {
		{"trial", required_argument, NULL, 't'},
		{"run", required_argument, NULL, 'r'},
		{"length", required_argument, NULL, 'l'},
		{"slots", required_argument, NULL, 's'},
		{"gpus", required_argument, NULL, 'g'},
		{"tasks", required_argument, NULL, 'T'},
		{"gpu-vendor", required_argument, NULL, 'V'},
		{"cpus", required_argument, NULL, 'C'},
		{"rank", no_argument, NULL, 'R'},
		{"worker", no_argument, NULL, 'W'},
		{"master-addr", required_argument, NULL, 'M'},
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
		case 'T': a->tasks = optarg; break;
		case 'V': a->gpu_vendor = optarg; break;
		case 'C': a->cpus = *optarg ? optarg : NULL; break;
		case 'R': a->rank = true; break;
		case 'W': a->worker = true; break;
		case 'M': a->master_addr = optarg; break;
		default: return -1;
		}
	}
	if (argc - optind != 1 || (!a->tasks && (a->trial < 1 || a->run < 1)) ||
	    (a->rank && !a->master_addr))
		return -1;
	a->dir = argv[optind];
	return 0;
}

/* Inside a Slurm array task: which run this task is, from the task map. */
static int from_tasks(struct exec_args *a, const struct hps_config *cfg,
		      struct hps_error *err)
{
	const char *idx = getenv("SLURM_ARRAY_TASK_ID");
	json_t *map = fs_read_json(a->tasks, err);
	const char *cvd = getenv("CUDA_VISIBLE_DEVICES");

	if (!map)
		return -1;
	if (!idx) {
		json_decref(map);
		return hps_errorf(err, "--tasks needs SLURM_ARRAY_TASK_ID (run by Slurm)");
	}
	if (sbatch_task_of(map, idx, &a->trial, &a->run, &a->length) < 0) {
		json_decref(map);
		return hps_errorf(err, "'%s' has no task %s", a->tasks, idx);
	}
	a->slots = cfg->slots_per_trial > 0 ? (int)cfg->slots_per_trial : 1;
	/* Slurm placed the GPUs: they are the ones it made visible. */
	if (cvd && *cvd && cfg->slots_per_trial > 0)
		a->gpus = cvd;
	json_decref(map);
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

/* mkdir_ck: the checkpoint directory; below the experiment no symbolic
 * link is followed, a storage path of the user's own may be one. */
static int mkdir_ck(const char *expdir, const char *ck, struct hps_error *err)
{
	size_t n = strlen(expdir);

	if (!strncmp(ck, expdir, n) && ck[n] == '/')
		return fs_mkdir_below(expdir, ck, err);
	return fs_mkdir_p(ck, FS_DIR_MODE, err);
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
	json_t *hp = NULL;
	char **envp = NULL, **argv = trialenv_argv(&e->cfg.entrypoint);
	int rc = -1;

	/* The trial's directory is made at its first launch (here), from the
	 * state: the driver that launched it wrote the hyperparameters there. */
	if ((size_t)a->trial > e->n) {
		hps_errorf(err, "experiment %lld has no trial %lld", (long long)e->id,
			   (long long)a->trial);
		goto out;
	}
	hp = json_incref(e->t[a->trial - 1].hparams);
	if ((!fs_exists(hp_path) && fs_write_json(hp_path, hp, err) < 0) ||
	    mkdir_ck(a->dir, ck, err) < 0)
		goto out;
	struct run_info ri = {
		.expdir = e->dir, .exp_id = e->id, .trial = a->trial,
		.run = a->run, .length = a->length,
		.seed = (size_t)a->trial <= e->n ? e->t[a->trial - 1].seed : 0,
		.hparams_path = hp_path, .hparams = hp, .metrics_path = metrics,
		.checkpoint_dir = ck,
		.amd = a->gpu_vendor && !strcmp(a->gpu_vendor, "amd"),
		.slots = a->slots, .gpus = a->gpus,
	};
	if (!(envp = trialenv_build(&e->cfg, &ri, err)))
		goto out;
	if (a->rank) {	/* one rank of a trial across nodes: become it */
		struct rank_args r = {.dir = a->dir, .trial = a->trial, .run = a->run,
				      .length = a->length, .master_addr = a->master_addr};
		if (!(envp = multinode_vars(envp, &e->cfg, &r, rundir, err)))
			goto out;
		if (chdir(fs_exists(ctx) ? ctx : e->dir) < 0) {
			hps_errorf_errno(err, "cannot enter the context directory");
			goto out;
		}
		execvpe(argv[0], argv, envp);
		hps_errorf_errno(err, "cannot run '%s'", e->cfg.entrypoint.v[0]);
		goto out;
	}
	if (a->tasks && expconf_nodes(&e->cfg) > 1) {	/* the batch task: srun the ranks */
		char *addr = multinode_master_addr();
		struct rank_args r = {.dir = a->dir, .trial = a->trial, .run = a->run,
				      .length = a->length, .master_addr = addr};
		rc = multinode_launch(e, &r, rundir, res, err);
		free(addr);
		goto out;
	}
	/* The local runner owns the placement: bind to the group's cores
	 * (the trial inherits it).  Under Slurm, Slurm's binding stands. */
	if (a->cpus && placement_bind(a->cpus, err) < 0)
		goto out;
	rc = runproc(argv, envp, fs_exists(ctx) ? ctx : e->dir,
		     logp, 30, res, err);
out:
	trialenv_free(envp);
	trialenv_free(argv);
	json_decref(hp);
	free(tdir);
	free(hp_path);
	free(metrics);
	free(logp);
	free(ck);
	free(ctx);
	return rc;
}

/* Switches read from the environment recorded at create (a task's own
 * environment is Slurm's --export=NONE): HPS_IN_PLACE=0 turns continuing
 * in place off, HPS_END_OF_RUN_REAP=0 the pass at the end of each run
 * (the reaper alone then drives the search; tests use both). */
static bool switched_on(const json_t *env, const char *name)
{
	const char *v = json_string_value(json_object_get(env, name));

	return !v || strcmp(v, "0");
}

static void read_switches(const struct experiment *e, struct exec_args *a)
{
	char *p = fs_join(e->dir, "environment");
	json_t *env = fs_read_json(p, NULL);

	a->in_place = switched_on(env, "HPS_IN_PLACE");
	a->end_reap = switched_on(env, "HPS_END_OF_RUN_REAP");
	json_decref(env);
	free(p);
}

/* one_run: claim and run one run; 0 ran, 1 claimed by another, -1 error. */
static int one_run(struct experiment *e, const struct exec_args *a,
		   struct run_result *res, struct hps_error *err)
{
	char *rundir = store_run_dir(a->dir, a->trial, a->run);
	int c, rc = -1;

	if (fs_mkdir_below(a->dir, rundir, err) < 0 || (c = claim(rundir, err)) < 0)
		goto out;
	if (c == 0) {
		fprintf(stderr, "hpsearch exec: run %lld of trial %lld was claimed already: not running it twice\n",
			(long long)a->run, (long long)a->trial);
		rc = 1;
		goto out;
	}
	if (run_trial(e, a, rundir, res, err) < 0 || record_exit(rundir, res, err) < 0)
		goto out;
	rc = 0;
out:
	free(rundir);
	return rc;
}

/* After a run inside Slurm: a reap pass now, so promotions need not wait
 * for cron; a promotion of this trial, or another waiting run, goes on
 * in this allocation. */
static bool next_in_place(struct exec_args *a, const struct run_result *r)
{
	struct reap_opts o = {.out = NULL, .in_place_trial = r->terminated ? 0 : a->trial,
			      .time_left = -1, .last_run_s = (double)(r->end - r->start),
			      .last_target = a->length};
	struct reap_result res;
	struct hps_error err;
	const char *job = getenv("SLURM_JOB_ID");
	bool busy;

	if (job && slurm_time_left(job, &o.time_left, &err) < 0)
		o.in_place_trial = 0;	/* unknown time left: submit instead */
	if (!a->in_place || runproc_stop_pending())
		o.in_place_trial = 0;	/* a stopping task takes no new run */

	if (reap_dir(a->dir, &o, 10, &res, &busy, NULL, &err) < 0) {
		fprintf(stderr, "hpsearch exec: end-of-run reap: %s\n", err.msg);
		return false;
	}
	if (!res.in_place_run)
		return false;
	a->trial = res.in_place_trial;
	a->run = res.in_place_run;
	a->length = res.in_place_length;
	fprintf(stderr, "hpsearch exec: trial %lld run %lld goes on in this allocation (to %llu)\n",
		(long long)a->trial, (long long)a->run, (unsigned long long)a->length);
	return true;
}

/* A rank of a trial across nodes: its run was claimed by the batch task;
 * it becomes the entrypoint (srun watches it). */
static int rank_main(struct exec_args *a)
{
	struct hps_error err;
	struct experiment *e = exp_open(a->dir, false, &err);
	char *rundir = store_run_dir(a->dir, a->trial, a->run);
	struct run_result res;
	const char *cvd = getenv("CUDA_VISIBLE_DEVICES");

	if (e) {
		a->slots = e->cfg.slurm.slots_per_node > 0 ? (int)e->cfg.slurm.slots_per_node : 1;
		if (cvd && *cvd && e->cfg.slots_per_trial > 0)
			a->gpus = cvd;
		run_trial(e, a, rundir, &res, &err);	/* returns only on failure */
	}
	fprintf(stderr, "hpsearch exec --rank: %s\n", err.msg);
	free(rundir);
	exp_free(e);
	return HPS_EXIT_FAILURE;
}

/* A packed-node worker: this task holds a whole node; the local runner
 * places waiting runs of the experiment on the node's slot groups (the
 * same O_EXCL claims) until none is left for it. */
static int worker_main(struct exec_args *a)
{
	const char *idx = getenv("SLURM_ARRAY_TASK_ID"), *base;
	struct local_opts lo = {.worker = true, .dir = a->dir,
				.gpus = getenv("CUDA_VISIBLE_DEVICES")};
	struct hps_error err;
	bool paused;

	base = a->tasks ? strrchr(a->tasks, '/') : NULL;
	if (!base || !idx) {
		fprintf(stderr, "hpsearch exec --worker: needs --tasks and a Slurm array task\n");
		return HPS_EXIT_USAGE;
	}
	lo.array = atoll(base + 1);
	lo.index = atoll(idx);
	if (local_drive(NULL, &lo, &paused, &err) < 0) {
		fprintf(stderr, "hpsearch exec --worker: %s\n", err.msg);
		return HPS_EXIT_FAILURE;
	}
	return HPS_EXIT_OK;
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
	struct exec_args a;
	struct hps_error err;
	struct experiment *e = NULL;
	struct run_result res;
	int rc = HPS_EXIT_FAILURE, c;

	if (parse(argc, argv, &a) < 0)
		return cli_bad_usage(cli_find("exec"), "bad arguments");
	if (a.rank)
		return rank_main(&a);
	if (a.worker)
		return worker_main(&a);
	/* A stop signal (the local driver pausing, cancel, scancel) that
	 * comes before a run starts waits for the check below: no run is
	 * claimed after it, and none is cut off halfway through a write. */
	runproc_hold_signals();
	if (!(e = exp_open(a.dir, false, &err)) ||
	    (a.tasks && from_tasks(&a, &e->cfg, &err) < 0))
		goto fail;
	read_switches(e, &a);
	for (;;) {
		if ((c = runproc_stop_pending())) {
			exp_free(e);
			runproc_die_by(c);
		}
		if ((c = one_run(e, &a, &res, &err)) < 0)
			goto fail;
		if (c == 1) {
			rc = EXEC_ALREADY_CLAIMED;
			goto out;
		}
		rc = res.signal ? 128 + res.signal : res.code;
		if (!a.tasks || !a.end_reap || !next_in_place(&a, &res))
			break;
		exp_free(e);	/* the next run sees the state the pass left */
		if (!(e = exp_open(a.dir, false, &err)))
			goto fail;
	}
	goto out;
fail:
	fprintf(stderr, "hpsearch exec: %s\n", err.msg);
out:
	exp_free(e);
	return rc;
}
