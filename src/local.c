/* local.c - the local runner's loop (see local.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpoints.h"
#include "fsutil.h"
#include "harvest.h"
#include "local.h"
#include "placement.h"
#include "store.h"
#include "xalloc.h"

struct child {
	int64_t trial, run;
	pid_t pid;
	bool ours;		/* our child (waitpid), or adopted (poll) */
	bool exited, termed;
	int group;		/* the slot group it holds (-1: none) */
};

struct driver {
	struct experiment *e;
	const struct local_opts *o;
	char exe[PATH_MAX];
	int per_trial;
	struct placement plan;	/* the slot groups: one trial each at a time */
	bool own_cpus;		/* bind runs to their group's cores */
	int ngroups;
	bool *busy;
	struct child *c;
	size_t nc;
	bool paused;
	int sfd;
	time_t start;
	char host[256];
};

/* ---- slot groups ---- */

static bool take_group(struct driver *d, struct child *c)
{
	for (int i = 0; i < d->ngroups; i++)
		if (!d->busy[i]) {
			d->busy[i] = true;
			c->group = i;
			return true;
		}
	c->group = -1;
	return false;
}

static void drop_child(struct driver *d, size_t i)
{
	if (d->c[i].group >= 0)
		d->busy[d->c[i].group] = false;
	d->c[i] = d->c[--d->nc];
}

/* ---- spawning ---- */

static pid_t spawn(struct driver *d, struct child *c, uint64_t length,
		   struct hps_error *err)
{
	char trial[32], run[32], len[32], slots[16];
	const struct slot_group *g = c->group >= 0 && c->group < d->plan.ng
		? &d->plan.g[c->group] : NULL;
	char *gpus = g ? placement_visible(&d->plan, g) : NULL;
	char *cpus = g && d->own_cpus ? placement_cpus(g) : NULL;
	const char *vendor = g && g->ngpus ? d->plan.gpus[g->gpus[0]].vendor : "";
	sigset_t none;
	pid_t pid;

	snprintf(trial, sizeof(trial), "%lld", (long long)c->trial);
	snprintf(run, sizeof(run), "%lld", (long long)c->run);
	snprintf(len, sizeof(len), "%llu", (unsigned long long)length);
	snprintf(slots, sizeof(slots), "%d", d->per_trial);
	pid = fork();
	if (pid == 0) {
		/* Its own process group: a terminal's Ctrl-C reaches the driver
		 * alone, which pauses before it stops the runs. */
		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl(d->exe, "hpsearch", "exec", "--trial", trial, "--run", run,
		      "--length", len, "--slots", slots, "--gpus", gpus ? gpus : "",
		      "--gpu-vendor", vendor, "--cpus", cpus ? cpus : "",
		      d->e->dir, (char *)NULL);
		_exit(127);
	}
	free(gpus);
	free(cpus);
	if (pid < 0)
		hps_errorf_errno(err, "cannot fork");
	return pid;
}

/* Runs that count against max_concurrent_trials: ours, or for a worker
 * every running trial of the experiment (other workers' too). */
static int running_count(const struct driver *d)
{
	int n = 0;

	if (!d->o->worker)
		return (int)d->nc;
	for (size_t i = 0; i < d->e->n; i++)
		n += d->e->t[i].running;
	return n;
}

static int launch(struct driver *d, struct trial *t, struct hps_error *err)
{
	struct child c = {.trial = t->id, .run = t->runs + 1, .ours = true};
	json_t *rec;
	int rc;

	if (!take_group(d, &c))
		return 0;
	rec = json_pack("{s:s,s:I,s:I,s:I}", "ev", "launch", "trial", (json_int_t)t->id,
			"run", (json_int_t)c.run, "target", (json_int_t)t->target);
	if (d->o->worker) {	/* the reaper settles it by this worker's task */
		json_object_set_new(rec, "array", json_integer(d->o->array));
		json_object_set_new(rec, "index", json_integer(d->o->index));
	}
	rc = exp_record(d->e, rec, err);
	json_decref(rec);
	if (rc < 0 || (c.pid = spawn(d, &c, t->target, err)) < 0)
		goto fail;
	d->c = xreallocarray(d->c, d->nc + 1, sizeof(*d->c));
	d->c[d->nc++] = c;
	return 1;
fail:
	d->busy[c.group] = false;
	return -1;
}

static int schedule(struct driver *d, struct hps_error *err)
{
	int64_t mct = d->e->cfg.searcher.max_concurrent_trials;

	for (size_t i = 0; i < d->e->n; i++) {
		struct trial *t = &d->e->t[i];
		int rc;

		if (!t->want_run || t->running || t->closed)
			continue;
		if (mct > 0 && running_count(d) >= mct)
			break;
		if ((rc = launch(d, t, err)) < 0)
			return -1;
		if (rc == 0)
			break;	/* no free slots */
	}
	return 0;
}

/* ---- adopting runs a dead driver left ---- */

static pid_t claim_pid(struct driver *d, const struct trial *t)
{
	char *rd = store_run_dir(d->e->dir, t->id, t->runs);
	char *p = fs_join(rd, "claim");
	json_t *j = fs_read_json(p, NULL);
	pid_t pid = 0;

	if (j && !strcmp(json_string_value(json_object_get(j, "host")) ?: "", d->host))
		pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
	else if (j)
		pid = -1;	/* claimed on another machine */
	json_decref(j);
	free(p);
	free(rd);
	return pid;
}

static bool alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static int reconcile(struct driver *d, struct hps_error *err)
{
	for (size_t i = 0; i < d->e->n; i++) {
		struct trial *t = &d->e->t[i];
		struct child c = {.trial = t->id, .run = t->runs};
		pid_t pid;

		if (!t->running)
			continue;
		pid = claim_pid(d, t);
		if (run_has_exit(d->e, t) || pid < 0 || (pid > 0 && !alive(pid))) {
			if (harvest_exit(d->e, t, "lost", NULL, d->o->out ? stderr : NULL, err) < 0)
				return -1;
			continue;
		}
		if (!take_group(d, &c))
			c.group = -1;	/* over-committed for a while: it runs already */
		if (pid == 0) {	/* journaled, never started: start it now */
			c.ours = true;
			if ((c.pid = spawn(d, &c, t->target, err)) < 0)
				return -1;
		} else {
			c.pid = pid;
		}
		d->c = xreallocarray(d->c, d->nc + 1, sizeof(*d->c));
		d->c[d->nc++] = c;
	}
	return 0;
}

/* ---- events ---- */

static void print_end(struct driver *d, const struct trial *t, int64_t restarts_before)
{
	FILE *out = d->o->out;
	const char *m = d->e->cfg.searcher.metric;

	if (!out)
		return;
	if (d->o->tty)
		fputs("\r\033[K", out);
	if (t->restarts > restarts_before)
		fprintf(out, "trial %lld: run %lld failed (%s), restart %lld of %lld\n",
			(long long)t->id, (long long)t->runs, t->end_reason,
			(long long)t->restarts, (long long)d->e->cfg.max_restarts);
	else if (d->paused && t->want_run)
		fprintf(out, "trial %lld: stopped at %llu; resumes from its checkpoint on continue\n",
			(long long)t->id, (unsigned long long)t->length);
	else if (t->state == TS_PAUSED)
		fprintf(out, "trial %lld: reached %llu, %s %.6g; waiting for promotion\n",
			(long long)t->id, (unsigned long long)t->target, m, t->run_metric);
	else if (t->state == TS_ACTIVE)
		fprintf(out, "trial %lld: %s %.6g at %llu; promoted to %llu\n",
			(long long)t->id, m, t->run_metric, (unsigned long long)t->length,
			(unsigned long long)t->target);
	else if (t->has_best)
		fprintf(out, "trial %lld: %s (%s), best %s %.6g\n", (long long)t->id,
			tstate_name(t->state), t->end_reason, m, t->best);
	else
		fprintf(out, "trial %lld: %s (%s)\n", (long long)t->id,
			tstate_name(t->state), t->end_reason);
	fflush(out);
}

static void progress(struct driver *d)
{
	const struct trial *b = exp_best_trial(d->e);
	size_t done = 0;
	long el = (long)(time(NULL) - d->start);
	double p = searcher_progress(d->e->s);

	if (!d->o->out || !d->o->tty)
		return;
	for (size_t i = 0; i < d->e->n; i++)
		done += d->e->t[i].closed;
	fprintf(d->o->out, "\r\033[K%zu/%zu trials done, %zu running", done, d->e->n, d->nc);
	if (b)
		fprintf(d->o->out, ", best %s %.6g (trial %lld)", d->e->cfg.searcher.metric,
			b->best, (long long)b->id);
	fprintf(d->o->out, ", %ld:%02ld elapsed", el / 60, el % 60);
	/* The searcher's own progress (ASHA: rung-0 results), as Determined
	 * shows it: a rough ETA, and only once there is something to go by. */
	if (p > 0.02 && p < 1 && el > 5) {
		long eta = (long)((double)el * (1 - p) / p);
		fprintf(d->o->out, ", ~%ld:%02ld left", eta / 60, eta % 60);
	}
	fflush(d->o->out);
}

/* ---- the loop ---- */

static void reap(struct driver *d)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (size_t i = 0; i < d->nc; i++)
			if (d->c[i].pid == pid)
				d->c[i].exited = true;
	for (size_t i = 0; i < d->nc; i++)
		if (!d->c[i].ours && !alive(d->c[i].pid))
			d->c[i].exited = true;
}

static int harvest_all(struct driver *d, struct hps_error *err)
{
	FILE *warn = d->o->out ? stderr : NULL;

	for (size_t i = 0; i < d->nc;) {
		struct child *c = &d->c[i];
		struct trial *t = &d->e->t[c->trial - 1];
		int64_t restarts = t->restarts;

		if (!t->running || t->runs != c->run) {
			drop_child(d, i);
			continue;
		}
		if (c->exited) {
			if (harvest_exit(d->e, t, "lost", NULL, warn, err) < 0)
				return -1;
			if (!t->running)
				print_end(d, t, restarts);
			drop_child(d, i);
			continue;
		}
		if (harvest_metrics(d->e, t, warn, err) < 0)
			return -1;
		if (t->kill && !c->termed) {	/* the searcher stopped it */
			kill(c->pid, SIGTERM);
			c->termed = true;
		}
		i++;
	}
	return 0;
}

static int on_signal(struct driver *d, struct hps_error *err)
{
	struct signalfd_siginfo si;
	json_t *rec;

	if (read(d->sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo == SIGCHLD)
		return 0;
	if (d->paused) {	/* the second time: no more waiting */
		for (size_t i = 0; i < d->nc; i++)
			kill(d->c[i].pid, SIGKILL);
		return 0;
	}
	d->paused = true;
	if (d->o->worker) {	/* only this node stops: its runs are retried */
		for (size_t i = 0; i < d->nc; i++)
			kill(d->c[i].pid, SIGTERM);
		return 0;
	}
	rec = json_pack("{s:s}", "ev", "pause");
	if (exp_record(d->e, rec, err) < 0) {
		json_decref(rec);
		return -1;
	}
	json_decref(rec);
	if (d->o->out)
		fprintf(d->o->out, "%sstopping: asking %zu runs to checkpoint and exit (again to kill them)\n",
			d->o->tty ? "\r\033[K" : "", d->nc);
	for (size_t i = 0; i < d->nc; i++)
		kill(d->c[i].pid, SIGTERM);
	return 0;
}

static int stuck(struct driver *d, struct hps_error *err)
{
	for (size_t i = 0; i < d->e->n; i++)
		if (d->e->t[i].want_run)
			return hps_errorf(err, "trial %lld cannot start: it needs %d slots and none run that could free them",
					  (long long)d->e->t[i].id, d->per_trial);
	return hps_errorf(err, "the search is stuck: no trial runs or waits to run, yet the searcher is not done (please report this with the experiment directory)");
}

static bool launchable(const struct experiment *e)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->t[i].want_run && !e->t[i].running && !e->t[i].closed)
			return true;
	return false;
}

/* worker_pass: one pass under the experiment's lock, on freshly loaded
 * state; *done when nothing is left for this worker. */
static int worker_pass(struct driver *d, bool *done, struct hps_error *err)
{
	bool busy;
	int fd = store_lock(d->o->dir, true, &busy, err), rc = -1;

	if (fd < 0)
		return -1;
	exp_free(d->e);
	if (!(d->e = exp_open(d->o->dir, true, err)))
		goto out;
	if (harvest_all(d, err) < 0)
		goto out;
	if (!d->paused && d->e->state == EXP_ACTIVE && schedule(d, err) < 0)
		goto out;
	*done = d->nc == 0 && (d->paused || d->e->state != EXP_ACTIVE || !launchable(d->e));
	rc = d->e->records_since_snapshot >= 100 ? exp_snapshot(d->e, err) : 0;
out:
	store_unlock(fd);
	return rc;
}

static int worker_loop(struct driver *d, struct hps_error *err)
{
	for (;;) {
		struct pollfd p = {.fd = d->sfd, .events = POLLIN};
		bool done = false;

		reap(d);
		if (worker_pass(d, &done, err) < 0)
			return -1;
		if (done)
			return 0;
		if (poll(&p, 1, 500) > 0 && on_signal(d, err) < 0)
			return -1;
	}
}

static int loop(struct driver *d, struct hps_error *err)
{
	for (;;) {
		struct pollfd p = {.fd = d->sfd, .events = POLLIN};

		reap(d);
		if (harvest_requests(d->e, err) < 0 || harvest_all(d, err) < 0)
			return -1;
		if (!d->paused && !exp_is_over(d->e) && schedule(d, err) < 0)
			return -1;
		if ((exp_is_over(d->e) || d->paused) && d->nc == 0)
			return 0;
		if (!d->paused && d->nc == 0 && !exp_is_over(d->e))
			return stuck(d, err);
		progress(d);
		if (poll(&p, 1, 200) > 0 && on_signal(d, err) < 0)
			return -1;
	}
}

/* setup: the slot groups: --slots N gives N CPU slots (no binding);
 * otherwise the placement plan of this machine (GPUs, else cores), with
 * the GPUs on offer restricted by CUDA_VISIBLE_DEVICES. */
static int setup(struct driver *d, struct hps_error *err)
{
	ssize_t n = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1);
	const char *cvd = getenv("CUDA_VISIBLE_DEVICES");

	if (n < 0)
		return hps_errorf_errno(err, "cannot find the hpsearch binary");
	d->exe[n] = '\0';
	gethostname(d->host, sizeof(d->host) - 1);
	d->per_trial = d->e->cfg.slots_per_trial > 0 ? (int)d->e->cfg.slots_per_trial : 1;
	if (d->o->slots > 0) {
		if (d->per_trial > d->o->slots)
			return hps_errorf(err, "a trial needs %d slots; --slots gives %d",
					  d->per_trial, d->o->slots);
		d->ngroups = d->o->slots / d->per_trial;
	} else {
		if (d->o->worker && d->o->gpus && *d->o->gpus) {
			/* A node Slurm gave us: its GPUs are ours, seen or not. */
			if (placement_plan_trusted(d->o->gpus, d->per_trial, &d->plan, err) < 0)
				return -1;
		} else if (placement_plan(d->o->topology, cvd && *cvd ? cvd : NULL, d->per_trial,
					  &d->plan, err) < 0)
			return -1;
		/* slots_per_trial 0: a CPU-only trial, one core, no GPU. */
		if (d->e->cfg.slots_per_trial == 0 && d->plan.ngpus) {
			placement_release(&d->plan);
			if (placement_plan(d->o->topology, "", 1, &d->plan, err) < 0)
				return -1;
		}
		d->ngroups = d->plan.ng;
		/* Bind only on the machine itself, not on a topology file's. */
		d->own_cpus = !d->o->topology && !getenv("HWLOC_XMLFILE");
	}
	d->busy = xcalloc((size_t)d->ngroups + 1, sizeof(bool));
	d->start = time(NULL);
	return 0;
}

int local_drive(struct experiment *e, const struct local_opts *o,
		bool *paused, struct hps_error *err)
{
	struct driver d = {.e = e, .o = o, .sfd = -1};
	sigset_t mask, old;
	int rc = -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if (o->worker && !(d.e = exp_open(o->dir, false, err)))
		goto out;
	if (setup(&d, err) < 0)
		goto out;
	if ((d.sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		hps_errorf_errno(err, "cannot create a signalfd");
		goto out;
	}
	if (o->worker) {
		rc = worker_loop(&d, err);
		goto out;
	}
	if (e->state == EXP_PAUSED) {
		json_t *rec = json_pack("{s:s}", "ev", "resume");
		rc = exp_record(e, rec, err);
		json_decref(rec);
		if (rc < 0)
			goto out;
	}
	rc = reconcile(&d, err) < 0 ? -1 : loop(&d, err);
	if (rc == 0 && exp_is_over(e) && checkpoints_gc(e, err) < 0)
		rc = -1;
	if (o->out && o->tty)
		fputs("\r\033[K", o->out);
	if (exp_snapshot(e, rc < 0 ? NULL : err) < 0 && rc == 0)
		rc = -1;
out:
	*paused = d.paused;
	if (o->worker)
		exp_free(d.e);
	free(d.c);
	free(d.busy);
	placement_release(&d.plan);
	if (d.sfd >= 0)
		close(d.sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
