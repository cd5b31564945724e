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
	int *slots;		/* slot indices held */
	int nslots;
};

struct driver {
	struct experiment *e;
	const struct local_opts *o;
	char exe[PATH_MAX];
	int nslots, per_trial;
	bool gpus;
	char **gpu_names;	/* from CUDA_VISIBLE_DEVICES, or NULL: 0..n-1 */
	bool *busy;
	struct child *c;
	size_t nc;
	bool paused;
	int sfd;
	time_t start;
	char host[256];
};

/* ---- slots ---- */

static bool take_slots(struct driver *d, struct child *c)
{
	int got = 0;

	c->slots = xcalloc((size_t)d->per_trial, sizeof(int));
	for (int i = 0; i < d->nslots && got < d->per_trial; i++)
		if (!d->busy[i])
			c->slots[got++] = i;
	if (got < d->per_trial) {
		free(c->slots);
		c->slots = NULL;
		return false;
	}
	for (int i = 0; i < got; i++)
		d->busy[c->slots[i]] = true;
	c->nslots = got;
	return true;
}

static void drop_child(struct driver *d, size_t i)
{
	for (int k = 0; k < d->c[i].nslots; k++)
		d->busy[d->c[i].slots[k]] = false;
	free(d->c[i].slots);
	d->c[i] = d->c[--d->nc];
}

/* ---- spawning ---- */

static char *gpu_list(const struct driver *d, const struct child *c)
{
	char buf[1024] = "";
	size_t len = 0;

	for (int i = 0; i < c->nslots && len < sizeof(buf) - 64; i++) {
		const char *name = d->gpu_names ? d->gpu_names[c->slots[i]] : NULL;
		if (name)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
						i ? "," : "", name);
		else
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%d",
						i ? "," : "", c->slots[i]);
	}
	return d->gpus ? xstrdup(buf) : NULL;
}

static pid_t spawn(struct driver *d, struct child *c, uint64_t length,
		   struct hps_error *err)
{
	char trial[32], run[32], len[32], slots[16];
	char *gpus = gpu_list(d, c);
	sigset_t none;
	pid_t pid;

	snprintf(trial, sizeof(trial), "%lld", (long long)c->trial);
	snprintf(run, sizeof(run), "%lld", (long long)c->run);
	snprintf(len, sizeof(len), "%llu", (unsigned long long)length);
	snprintf(slots, sizeof(slots), "%d", c->nslots);
	pid = fork();
	if (pid == 0) {
		/* Its own process group: a terminal's Ctrl-C reaches the driver
		 * alone, which pauses before it stops the runs. */
		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl(d->exe, "hpsearch", "exec", "--trial", trial, "--run", run,
		      "--length", len, "--slots", slots, "--gpus", gpus ? gpus : "",
		      d->e->dir, (char *)NULL);
		_exit(127);
	}
	free(gpus);
	if (pid < 0)
		hps_errorf_errno(err, "cannot fork");
	return pid;
}

static int running_count(const struct driver *d)
{
	return (int)d->nc;
}

static int launch(struct driver *d, struct trial *t, struct hps_error *err)
{
	struct child c = {.trial = t->id, .run = t->runs + 1, .ours = true};
	json_t *rec;
	int rc;

	if (!take_slots(d, &c))
		return 0;
	rec = json_pack("{s:s,s:I,s:I,s:I}", "ev", "launch", "trial", (json_int_t)t->id,
			"run", (json_int_t)c.run, "target", (json_int_t)t->target);
	rc = exp_record(d->e, rec, err);
	json_decref(rec);
	if (rc < 0 || (c.pid = spawn(d, &c, t->target, err)) < 0)
		goto fail;
	d->c = xreallocarray(d->c, d->nc + 1, sizeof(*d->c));
	d->c[d->nc++] = c;
	return 1;
fail:
	free(c.slots);
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
		if (!take_slots(d, &c)) {
			/* Journaled under another slot count (continue --slots):
			 * it shares slots for a while rather than run short. */
			c.slots = xcalloc((size_t)d->per_trial, sizeof(int));
			for (int k = 0; k < d->per_trial; k++)
				c.slots[k] = k % d->nslots;
			c.nslots = d->per_trial;
		}
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

	if (!d->o->out || !d->o->tty)
		return;
	for (size_t i = 0; i < d->e->n; i++)
		done += d->e->t[i].closed;
	fprintf(d->o->out, "\r\033[K%zu/%zu trials done, %zu running", done, d->e->n, d->nc);
	if (b)
		fprintf(d->o->out, ", best %s %.6g (trial %lld)", d->e->cfg.searcher.metric,
			b->best, (long long)b->id);
	fprintf(d->o->out, ", %ld:%02ld elapsed", el / 60, el % 60);
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

/* The GPUs on offer are those CUDA_VISIBLE_DEVICES names, when it is set:
 * a user who hides GPUs from hpsearch means it. */
static void offer_visible_gpus(struct driver *d)
{
	const char *v = getenv("CUDA_VISIBLE_DEVICES");
	char *copy, *tok, *save = NULL;
	int n = 0;

	if (!v || !*v)
		return;
	copy = xstrdup(v);
	d->gpu_names = xcalloc((size_t)d->nslots + 1, sizeof(char *));
	for (tok = strtok_r(copy, ",", &save); tok && n < d->nslots;
	     tok = strtok_r(NULL, ",", &save))
		d->gpu_names[n++] = xstrdup(tok);
	free(copy);
	d->nslots = n;
}

static int setup(struct driver *d, struct hps_error *err)
{
	struct slots s;
	ssize_t n = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1);

	if (n < 0)
		return hps_errorf_errno(err, "cannot find the hpsearch binary");
	d->exe[n] = '\0';
	gethostname(d->host, sizeof(d->host) - 1);
	if (d->o->slots > 0) {
		d->nslots = d->o->slots;
	} else {
		if (placement_count(d->o->topology, &s, err) < 0)
			return -1;
		d->nslots = s.n;
		d->gpus = s.gpus > 0;
		if (d->gpus)
			offer_visible_gpus(d);
	}
	d->per_trial = d->e->cfg.slots_per_trial > 0 ? (int)d->e->cfg.slots_per_trial : 1;
	if (d->e->cfg.slots_per_trial == 0)
		d->gpus = false;	/* slots_per_trial 0: a CPU-only trial */
	if (d->per_trial > d->nslots)
		return hps_errorf(err, "a trial needs %d slots; this machine offers %d %s (see --slots)",
				  d->per_trial, d->nslots, d->gpus ? "GPUs" : "cores");
	d->busy = xcalloc((size_t)d->nslots, sizeof(bool));
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
	if (setup(&d, err) < 0)
		goto out;
	if ((d.sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		hps_errorf_errno(err, "cannot create a signalfd");
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
	for (size_t i = 0; i < d.nc; i++)
		free(d.c[i].slots);
	free(d.c);
	free(d.busy);
	for (int i = 0; d.gpu_names && d.gpu_names[i]; i++)
		free(d.gpu_names[i]);
	free(d.gpu_names);
	if (d.sfd >= 0)
		close(d.sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
