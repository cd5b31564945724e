/* reaper.c - a reap pass over a Slurm experiment (see reaper.h). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoints.h"
#include "fsutil.h"
#include "harvest.h"
#include "reaper.h"
#include "report.h"
#include "runplan.h"
#include "sbatch_script.h"
#include "slurmcli.h"
#include "slurmlib.h"
#include "store.h"
#include "xalloc.h"

#define RETRY_TRANSIENT_S 60	/* a QOS or association limit refused us */
#define RETRY_PERMANENT_S 600
/* A task that ended without its exit record is settled only after a grace
 * period: on a shared filesystem the record may show up late. */
#define GRACE_FINAL_S 15	/* the controller says it ended */
#define GRACE_GONE_S 60		/* the controller no longer knows it */

struct pass {
	struct experiment *e;
	const struct reap_opts *o;
	struct reap_result *res;
	struct slurm_info si;
	struct sjobs q;
	struct slurmlib *lib;	/* NULL: the client commands */
	struct sjobs *pre;	/* the queue as reap_dir's quick look read it */
	json_t *status;		/* slurm-status.json as the last pass left it */
	json_t *unsettled;	/* "trial:run" -> when first seen ended, no record */
	json_t *still;		/* what is still unsettled after this pass */
};

static void say(struct pass *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct pass *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->o->out)
		return;
	va_start(ap, fmt);
	vfprintf(p->o->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->o->out);
}

static const struct array *array_of(const struct experiment *e, int64_t n)
{
	return n >= 1 && (size_t)n <= e->narrays ? &e->arrays[n - 1] : NULL;
}

static int record(struct experiment *e, json_t *rec, struct hps_error *err)
{
	int rc = exp_record(e, rec, err);

	json_decref(rec);
	return rc;
}

/* ---- submissions whose result was not journaled ---- */

static bool any_claim(struct pass *p, int64_t n)
{
	for (size_t i = 0; i < p->e->n; i++) {
		struct trial *t = &p->e->t[i];
		char *rd, *c;
		bool yes;
		if (t->array != n)
			continue;
		rd = store_run_dir(p->e->dir, t->id, t->runs);
		c = fs_join(rd, "claim");
		yes = fs_exists(c);
		free(c);
		free(rd);
		if (yes)
			return true;
	}
	return false;
}

static int submit_array(struct pass *p, int64_t n, struct hps_error *err);

static int resolve_intents(struct pass *p, struct hps_error *err)
{
	for (size_t i = 0; i < p->e->narrays; i++) {
		const struct array *a = &p->e->arrays[i];
		char name[200];
		const struct sjob *j;

		if (a->state != ARRAY_INTENT)
			continue;
		snprintf(name, sizeof(name), "%sa%lld", p->si.prefix, (long long)a->n);
		if ((j = sjobs_find_name(&p->q, name)))
			return record(p->e, json_pack("{s:s,s:I,s:I}", "ev", "submitted",
				"array", (json_int_t)a->n, "job", (json_int_t)j->array_job), err);
		/* Not known to the controller: either it ran and aged out
		 * (its tasks claimed their runs), or sbatch never took it. */
		if (any_claim(p, a->n))
			return record(p->e, json_pack("{s:s,s:I,s:I}", "ev", "submitted",
				"array", (json_int_t)a->n, "job", (json_int_t)-1), err);
		say(p, "experiment %lld: submission %lld was interrupted; submitting it again",
		    (long long)p->e->id, (long long)a->n);
		if (submit_array(p, a->n, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- running tasks ---- */

/* after_grace: whether this run has been ended without a record long
 * enough; the first sighting starts the clock (kept in slurm-status.json,
 * outside the journal: only the final decision is journaled). */
static bool after_grace(struct pass *p, const struct trial *t, int grace)
{
	char key[64];
	json_t *first;
	long long now = (long long)time(NULL);

	snprintf(key, sizeof(key), "%lld:%lld", (long long)t->id, (long long)t->runs);
	first = json_object_get(p->unsettled, key);
	if (!json_is_integer(first)) {
		json_object_set_new(p->still, key, json_integer(now));
		return false;
	}
	if (now - json_integer_value(first) >= grace)
		return true;
	json_object_set(p->still, key, first);
	return false;
}

static int settle_trial(struct pass *p, struct trial *t, struct hps_error *err)
{
	const struct array *a = array_of(p->e, t->array);
	const struct sjob *j;
	FILE *warn = p->o->out;

	if (!a || a->state != ARRAY_SUBMITTED)
		return 0;	/* not submitted yet, or being resolved */
	j = a->job > 0 ? sjobs_find(&p->q, a->job, t->index) : NULL;
	/* The exit record is read after the query: a task writes it before
	 * it ends, so a final state without one means the task was killed. */
	if (run_has_exit(p->e, t))
		return harvest_exit(p->e, t, "failed", j && slurm_state_final(j->state)
				    ? j->state : NULL, warn, err);
	if (j && !slurm_state_final(j->state))
		return harvest_metrics(p->e, t, warn, err) < 0 ? -1 : 0;
	if (j)
		return after_grace(p, t, GRACE_FINAL_S)
			? harvest_exit(p->e, t, "failed", j->state, warn, err) : 0;
	/* Gone from the controller (MinJobAge) without an exit record. */
	return after_grace(p, t, GRACE_GONE_S)
		? harvest_exit(p->e, t, "lost", NULL, warn, err) : 0;
}

static int settle_all(struct pass *p, struct hps_error *err)
{
	for (size_t i = 0; i < p->e->n; i++) {
		struct trial *t = &p->e->t[i];
		if (t->running && settle_trial(p, t, err) < 0)
			return -1;
	}
	return 0;
}

static int scancel(struct slurmlib *lib, char **specs, size_t n, struct hps_error *err)
{
	return lib ? slurmlib_cancel(lib, specs, n, err) : slurm_cancel(specs, n, err);
}

/* Stopped or cancelled trials: scancel their tasks, one call for all. */
static int scancel_killed(struct experiment *e, struct slurmlib *lib,
			  struct hps_error *err)
{
	char **specs = xcalloc(e->n + 1, sizeof(*specs));
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < e->n; i++) {
		const struct trial *t = &e->t[i];
		const struct array *a = array_of(e, t->array);
		if (t->running && t->kill && a && a->job > 0)
			specs[n++] = xasprintf("%lld_%lld", a->job, (long long)t->index);
	}
	rc = n ? scancel(lib, specs, n, err) : 0;
	for (size_t i = 0; i < n; i++)
		free(specs[i]);
	free(specs);
	return rc;
}

/* ---- submitting ---- */

static int64_t running(const struct experiment *e)
{
	int64_t n = 0;

	for (size_t i = 0; i < e->n; i++)
		n += e->t[i].running;
	return n;
}

/* settled: over, and no run left to settle (see reap_result.settled). */
static bool settled(const struct experiment *e)
{
	return exp_is_over(e) && running(e) == 0;
}

static json_t *tasks_of(const struct experiment *e, const struct array *a)
{
	json_t *tasks = json_array();
	json_t **v = xcalloc((size_t)a->ntasks + 1, sizeof(*v));

	for (size_t i = 0; i < e->n; i++) {
		const struct trial *t = &e->t[i];
		if (t->array == a->n && t->index < a->ntasks)
			v[t->index] = json_pack("[I,I,I]", (json_int_t)t->id,
						(json_int_t)t->runs, (json_int_t)t->target);
	}
	for (int64_t i = 0; i < a->ntasks; i++)
		json_array_append_new(tasks, v[i] ? v[i] : json_pack("[i,i,i]", 0, 0, 0));
	free(v);
	return tasks;
}

/* sbatch an array whose intent is journaled; journal what it answered. */
static int submit_array(struct pass *p, int64_t n, struct hps_error *err)
{
	const struct array *a = array_of(p->e, n);
	json_t *tasks = tasks_of(p->e, a);
	int64_t throttle = run_throttle(p->e, running(p->e), a->ntasks);
	char *script, *msg = NULL;
	long long job = 0;
	int rc;

	if (a->workers)	/* their number was capped already */
		throttle = 0;
	rc = sbatch_write(p->e, &p->si, n, tasks, throttle, err);
	json_decref(tasks);
	if (rc < 0)
		return -1;
	script = sbatch_script_path(p->e->dir, n);
	rc = slurm_submit(script, false, &job, &msg, err);
	free(script);
	if (rc < 0) {
		free(msg);
		return -1;
	}
	p->res->queries++;
	if (rc == 0) {
		p->res->submitted++;
		say(p, "experiment %lld: submitted array job %lld (%lld %s)",
		    (long long)p->e->id, job, (long long)a->ntasks,
		    a->workers ? "node workers" : "runs");
		return record(p->e, json_pack("{s:s,s:I,s:I}", "ev", "submitted",
			      "array", (json_int_t)n, "job", (json_int_t)job), err);
	}
	say(p, "experiment %lld: sbatch refused submission %lld: %s", (long long)p->e->id,
	    (long long)n, msg);
	rc = record(p->e, json_pack("{s:s,s:I,s:s,s:I}", "ev", "unsubmit",
		    "array", (json_int_t)n, "reason", msg,
		    "retry_after", (json_int_t)(time(NULL) + (slurm_refusal_transient(msg)
			? RETRY_TRANSIENT_S : RETRY_PERMANENT_S))), err);
	free(msg);
	return rc;
}

/* In place: a run goes on in the allocation of the task that just ended
 * (the same trial promoted, else the next waiting run): no new job, no
 * queue wait. */
static int launch_in_place(struct pass *p, struct trial *t, struct hps_error *err)
{
	const struct trial *host = &p->e->t[p->o->in_place_trial - 1];
	int64_t run = t->runs + 1;
	uint64_t len = t->target;

	if (record(p->e, json_pack("{s:s,s:I,s:I,s:I,s:b,s:I,s:I,s:s?}", "ev", "launch",
		   "trial", (json_int_t)t->id, "run", (json_int_t)run,
		   "target", (json_int_t)len, "in_place", 1,
		   "array", (json_int_t)host->array, "index", (json_int_t)host->index,
		   "job", getenv("SLURM_JOB_ID")), err) < 0)
		return -1;
	p->res->in_place_trial = t->id;
	p->res->in_place_run = run;
	p->res->in_place_length = len;
	return 0;
}

/* Whether a run to t->target fits in the time the allocation has left,
 * judged by the run that just ended (conservatively: as if from zero),
 * with two minutes to spare.  A run that would hit the limit is better
 * submitted than killed by TIMEOUT. */
static bool fits(const void *ctx, const struct trial *t)
{
	const struct pass *p = ctx;
	double ratio, est;

	if (p->o->time_left < 0)
		return true;
	ratio = p->o->last_target ? (double)t->target / (double)p->o->last_target : 1;
	est = p->o->last_run_s * (ratio > 1 ? ratio : 1);
	return (double)p->o->time_left >= est + 120;
}

/* Whether a packed-node worker is queued or running: it takes the work. */
static bool worker_alive(const struct pass *p)
{
	for (size_t i = 0; i < p->e->narrays; i++) {
		const struct array *a = &p->e->arrays[i];
		if (!a->workers)
			continue;
		if (a->state == ARRAY_INTENT)
			return true;
		for (int64_t k = 0; a->state == ARRAY_SUBMITTED && a->job > 0 && k < a->ntasks; k++) {
			const struct sjob *j = sjobs_find(&p->q, a->job, k);
			if (j && !slurm_state_final(j->state))
				return true;
		}
	}
	return false;
}

/* Packed nodes: as many whole-node workers as the waiting runs fill (a
 * node holds slots_per_node / slots_per_trial of them), within
 * max_concurrent_trials; none while one is alive. */
static int submit_workers(struct pass *p, size_t waiting, struct hps_error *err)
{
	const struct hps_config *cfg = &p->e->cfg;
	int64_t per_node = cfg->slurm.slots_per_node / (cfg->slots_per_trial > 0 ? cfg->slots_per_trial : 1);
	int64_t mct = cfg->searcher.max_concurrent_trials, k, n = (int64_t)p->e->narrays + 1;

	if (!waiting || worker_alive(p) || time(NULL) < p->e->retry_after)
		return 0;
	if (per_node < 1)
		per_node = 1;
	k = ((int64_t)waiting + per_node - 1) / per_node;
	if (mct > 0 && k > (mct + per_node - 1) / per_node)
		k = (mct + per_node - 1) / per_node;
	if (record(p->e, json_pack("{s:s,s:I,s:[],s:I}", "ev", "submit", "array", (json_int_t)n,
				   "tasks", "workers", (json_int_t)k), err) < 0)
		return -1;
	return submit_array(p, n, err);
}

/* The experiment's tasks the queue still holds (the query lists only its
 * own jobs, array tasks one by one). */
static int64_t queued_tasks(const struct sjobs *q)
{
	int64_t n = 0;

	for (size_t i = 0; i < q->n; i++)
		n += !strcmp(q->v[i].state, "PENDING");
	return n;
}

static int submit_pending(struct pass *p, struct hps_error *err)
{
	struct experiment *e = p->e;
	int64_t mct = e->cfg.searcher.max_concurrent_trials;
	long long max_array = 1001;
	json_t *tasks = json_array();
	struct run_plan plan = {0};
	int rc = 0;

	if (e->cfg.slurm.pack_nodes) {
		size_t waiting = 0;
		for (size_t i = 0; i < e->n; i++)
			waiting += run_waits(&e->t[i]);
		rc = p->o->dry_run ? 0 : submit_workers(p, waiting, err);
		goto out;
	}
	/* The decision is runplan's, shared with hpsearch simulate. */
	run_plan_make(e, p->o->in_place_trial, fits, p, running(e), NULL, 0, &plan);
	if (plan.in_place && launch_in_place(p, plan.in_place, err) < 0)
		goto fail;
	for (size_t i = 0; i < plan.nsubmit; i++) {
		const struct trial *t = &e->t[plan.submit[i] - 1];
		json_array_append_new(tasks, json_pack("[I,I,I]", (json_int_t)t->id,
						       (json_int_t)t->runs + 1, (json_int_t)t->target));
	}
	if (!json_array_size(tasks) || time(NULL) < e->retry_after)
		goto out;
	if (p->o->dry_run) {
		struct array a = {.n = (int64_t)e->narrays + 1};
		rc = sbatch_write(e, &p->si, a.n, tasks, mct, err);
		say(p, "wrote %s/arrays/%lld.sbatch (%zu runs); nothing submitted", e->dir,
		    (long long)a.n, json_array_size(tasks));
		goto out;
	}
	if (slurm_config_int("MaxArraySize", &max_array, err) < 0)
		goto fail;
	p->res->queries++;
	/* MaxArraySize caps the index: a larger batch goes out in chunks. */
	int64_t queued = queued_tasks(&p->q);
	for (size_t off = 0; off < json_array_size(tasks); off += (size_t)max_array) {
		if (run_chunk_held(e, running(e), queued, max_array, off == 0)) {
			if (mct > 0)
				say(p, "%zu runs wait for a later pass (max_concurrent_trials %lld)",
				    json_array_size(tasks) - off, (long long)mct);
			else
				say(p, "%zu runs wait for a later pass (%lld tasks still queued)",
				    json_array_size(tasks) - off, (long long)queued);
			break;
		}
		json_t *chunk = json_array();
		for (size_t k = off; k < json_array_size(tasks) && k < off + (size_t)max_array; k++)
			json_array_append(chunk, json_array_get(tasks, k));
		queued += (int64_t)json_array_size(chunk);
		int64_t n = (int64_t)e->narrays + 1;
		rc = record(e, json_pack("{s:s,s:I,s:o}", "ev", "submit", "array",
					 (json_int_t)n, "tasks", chunk), err);
		if (rc < 0 || (rc = submit_array(p, n, err)) < 0 || e->retry_after > time(NULL))
			break;
	}
	goto out;
fail:
	rc = -1;
out:
	run_plan_release(&plan);
	json_decref(tasks);
	return rc;
}

static void write_status(struct pass *p)
{
	json_t *st = json_object();
	char *path = fs_join(p->e->dir, "slurm-status.json");

	json_object_set(st, "unsettled", p->still);
	for (size_t i = 0; i < p->e->n; i++) {
		const struct trial *t = &p->e->t[i];
		const struct array *a = array_of(p->e, t->array);
		const struct sjob *j = t->running && a && a->job > 0
			? sjobs_find(&p->q, a->job, t->index) : NULL;
		char key[32];
		if (!j)
			continue;
		snprintf(key, sizeof(key), "%lld", (long long)t->id);
		json_object_set_new(st, key, json_pack("{s:s,s:s,s:I}", "state", j->state,
			"reason", j->reason, "job", (json_int_t)j->job));
	}
	/* A pass with nothing new writes nothing. */
	if (!json_equal(st, p->status))
		fs_write_json(path, st, NULL);
	json_decref(st);
	free(path);
}

/* ---- the digest: a pass with nothing new without loading the state ----
 *
 * reap-digest.json says what the next pass would have to look at: the
 * journal's length, the running tasks (job, task, the state and reason the
 * controller gave, how far their metrics were harvested) and when a
 * submission could next be due.  reap_dir compares it with one controller
 * query and a stat of each running run: when nothing differs, the pass
 * would journal nothing, submit nothing and write nothing, and the state
 * (O(trials) to load) is not read at all.  "valid" is false whenever the
 * next pass must do more than look (grace clocks, intents, kills, packed
 * workers, a submission due, a task the controller did not list). */
static char *digest_path(const char *dir)
{
	return fs_join(dir, "reap-digest.json");
}

static void write_digest(struct pass *p)
{
	struct experiment *e = p->e;
	int64_t mct = e->cfg.searcher.max_concurrent_trials, nrun = running(e);
	json_t *run = json_array(), *d, *old;
	char *path = digest_path(e->dir);
	bool valid = p->si.checked && !e->cfg.slurm.pack_nodes &&
		     json_object_size(p->still) == 0;
	long long submit_at = 0;
	size_t waiting = 0;

	for (size_t i = 0; valid && i < e->narrays; i++)
		valid = e->arrays[i].state != ARRAY_INTENT;
	for (size_t i = 0; i < e->n; i++) {
		const struct trial *t = &e->t[i];
		const struct array *a;
		const struct sjob *j;
		waiting += t->want_run && !t->running && !t->closed;
		if (!valid || !t->running)
			continue;
		a = array_of(e, t->array);
		j = a && a->state == ARRAY_SUBMITTED && a->job > 0
			? sjobs_find(&p->q, a->job, t->index) : NULL;
		if (t->kill || !j || slurm_state_final(j->state)) {
			valid = false;
			continue;
		}
		json_array_append_new(run, json_pack("[I,I,I,I,I,s,s]", (json_int_t)t->id,
			(json_int_t)t->runs, (json_int_t)a->job, (json_int_t)t->index,
			(json_int_t)t->offset, j->state, j->reason));
	}
	if (e->state == EXP_ACTIVE && waiting && !(mct > 0 && nrun >= mct)) {
		if (e->retry_after > (long long)time(NULL))
			submit_at = e->retry_after;
		else
			valid = false;	/* due now: the next pass submits */
	}
	d = json_pack("{s:I,s:s,s:b,s:b,s:I,s:o}", "journal_end", (json_int_t)e->journal_end,
		      "state", exp_state_name(e->state), "over", settled(e),
		      "valid", valid, "submit_at", (json_int_t)submit_at, "running", run);
	old = fs_exists(path) ? fs_read_json(path, NULL) : NULL;
	if (!json_equal(d, old) && fs_write_json(path, d, NULL) < 0)
		unlink(path);	/* a stale digest must not stand */
	json_decref(old);
	json_decref(d);
	free(path);
}

static bool requests_waiting(const char *dir)
{
	char *rq = fs_join(dir, "requests");
	DIR *d = opendir(rq);
	struct dirent *de;
	bool any = false;

	while (d && !any && (de = readdir(d)))
		any = de->d_name[0] != '.';
	if (d)
		closedir(d);
	free(rq);
	return any;
}

static long long file_size(const char *dir, const char *name)
{
	char *p = fs_join(dir, name);
	struct stat st;
	long long n = stat(p, &st) == 0 ? (long long)st.st_size : -1;

	free(p);
	return n;
}

enum quick { QUICK_NO, QUICK_SAME, QUICK_FAILED };

/* quick_look: whether a pass over dir would change nothing (QUICK_SAME, and
 * *state); QUICK_NO with *q filled when it has queried the controller (the
 * full pass reuses the answer); QUICK_FAILED when the controller cannot be
 * reached (err says why: the pass fails, as a full one would). */
static enum quick quick_look(const char *dir, struct sjobs *q, bool *queried,
			     int64_t *queries, enum exp_state *state, bool *settled,
			     struct hps_error *err)
{
	char *dp = digest_path(dir);
	json_t *d = fs_exists(dp) ? fs_read_json(dp, NULL) : NULL, *r;
	const char *st = json_string_value(json_object_get(d, "state"));
	json_int_t submit_at = json_integer_value(json_object_get(d, "submit_at"));
	struct slurm_info si = {0};
	enum quick rc = QUICK_NO;
	struct slurmlib *lib = NULL;
	char why[200];
	size_t i;

	free(dp);
	if (!json_is_object(d) || !st ||
	    file_size(dir, "journal.jsonl") != json_integer_value(json_object_get(d, "journal_end")) ||
	    requests_waiting(dir))
		goto out;
	for (int k = 0; k <= EXP_CANCELED; k++)
		if (!strcmp(st, exp_state_name((enum exp_state)k)) && state)
			*state = (enum exp_state)k;
	if (json_is_true(json_object_get(d, "over"))) {
		*settled = true;
		rc = QUICK_SAME;	/* nothing can change: no controller query */
		goto out;
	}
	if (!json_is_true(json_object_get(d, "valid")) ||
	    (submit_at && (long long)time(NULL) >= submit_at) ||
	    slurm_info_read(dir, &si, err) < 0)
		goto out;
	lib = slurmlib_open(true, why, sizeof(why));
	if ((lib ? slurmlib_query(lib, si.prefix, q, err) : slurm_query(si.prefix, q, err)) < 0) {
		rc = QUICK_FAILED;
		goto out;
	}
	sjobs_sort(q);
	*queried = true;
	(*queries)++;
	rc = QUICK_SAME;
	json_array_foreach(json_object_get(d, "running"), i, r) {
		const struct sjob *j = sjobs_find(q, json_integer_value(json_array_get(r, 2)),
						  json_integer_value(json_array_get(r, 3)));
		char *rd;
		long long off = json_integer_value(json_array_get(r, 4)), size;
		if (!j || strcmp(j->state, json_string_value(json_array_get(r, 5)) ?: "") ||
		    strcmp(j->reason, json_string_value(json_array_get(r, 6)) ?: "")) {
			rc = QUICK_NO;
			break;
		}
		rd = store_run_dir(dir, json_integer_value(json_array_get(r, 0)),
				   json_integer_value(json_array_get(r, 1)));
		size = file_size(rd, "metrics.jsonl");
		if (file_size(rd, "exit.json") >= 0 || (size < 0 ? 0 : size) != off)
			rc = QUICK_NO;
		free(rd);
		if (rc != QUICK_SAME)
			break;
	}
out:
	slurmlib_close(lib);
	slurm_info_release(&si);
	json_decref(d);
	return rc;
}

static int reap_pass_q(struct experiment *e, const struct reap_opts *o,
		       struct reap_result *res, struct sjobs *pre,
		       struct hps_error *err);

int reap_pass(struct experiment *e, const struct reap_opts *o,
	      struct reap_result *res, struct hps_error *err)
{
	return reap_pass_q(e, o, res, NULL, err);
}

/* reap_pass_q: a pass; pre (moved in) is the queue as just queried. */
static int reap_pass_q(struct experiment *e, const struct reap_opts *o,
		       struct reap_result *res, struct sjobs *pre,
		       struct hps_error *err)
{
	struct pass p = {.e = e, .o = o, .res = res, .pre = pre};
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (settled(e)) {
		/* Nothing can change: no controller query.  A journal tail
		 * (records another process appended) is folded into state.json
		 * once, so that readers do not replay it every time. */
		rc = e->records_since_snapshot ? exp_snapshot(e, err) : 0;
		if (rc == 0 && !o->dry_run)
			write_digest(&p);
		return rc;
	}
	if (slurm_info_read(e->dir, &p.si, err) < 0)
		return -1;
	/* Ask first: if the controller is down, nothing changes. */
	if (!o->dry_run) {
		char why[200], *sp = fs_join(e->dir, "slurm-status.json");
		p.status = fs_exists(sp) ? fs_read_json(sp, NULL) : NULL;
		p.unsettled = json_incref(json_object_get(p.status, "unsettled"));
		p.still = json_object();
		free(sp);
		p.lib = slurmlib_open(true, why, sizeof(why));
		if (pre) {	/* reap_dir has just asked */
			p.q = *pre;
			pre->v = NULL;
			pre->n = 0;
		} else {
			if ((p.lib ? slurmlib_query(p.lib, p.si.prefix, &p.q, err)
				   : slurm_query(p.si.prefix, &p.q, err)) < 0)
				goto out;
			sjobs_sort(&p.q);
			res->queries++;
		}
	}
	/* After create --dry-run: ask the partition about GPUs now. */
	if (!o->dry_run && !p.si.checked) {
		if (slurm_partition_gpus(e->cfg.slurm.partition, &p.si.gpus, err) < 0)
			goto out;
		p.si.checked = true;
		if (slurm_info_write(e->dir, &p.si, err) < 0)
			goto out;
	}
	if (harvest_requests(e, err) < 0 || resolve_intents(&p, err) < 0 ||
	    (!o->dry_run && settle_all(&p, err) < 0) ||
	    (!o->dry_run && scancel_killed(e, p.lib, err) < 0))
		goto out;
	if (e->state == EXP_ACTIVE && submit_pending(&p, err) < 0)
		goto out;
	if (settled(e) && checkpoints_gc(e, err) < 0)
		goto out;
	if (o->report) {	/* best effort: a report is no reason to fail a pass */
		char *rp = fs_join(e->dir, "report.html");
		struct hps_error rerr;
		if (report_write(e, rp, &rerr) < 0 && o->out)
			fprintf(o->out, "experiment %lld: report: %s\n", (long long)e->id, rerr.msg);
		free(rp);
	}
	if (!o->dry_run)
		write_status(&p);
	/* A snapshot costs the whole state: take one when the journal tail
	 * has grown, so a pass with nothing new writes (almost) nothing. */
	rc = e->records_since_snapshot >= 100 || exp_is_over(e) ? exp_snapshot(e, err) : 0;
	if (rc == 0 && !o->dry_run)
		write_digest(&p);
out:
	if (rc < 0 && !o->dry_run) {	/* the next pass must be a full one */
		char *dp = digest_path(e->dir);
		unlink(dp);
		free(dp);
	}
	sjobs_release(&p.q);
	slurm_info_release(&p.si);
	slurmlib_close(p.lib);
	json_decref(p.status);
	json_decref(p.unsettled);
	json_decref(p.still);
	return rc;
}

int reaper_scancel_killed(struct experiment *e, struct hps_error *err)
{
	char why[200];
	struct slurmlib *lib = slurmlib_open(true, why, sizeof(why));
	int rc = scancel_killed(e, lib, err);

	slurmlib_close(lib);
	return rc;
}

/* ---- one experiment, locked ---- */

static char *dirty_path(const char *dir)
{
	return fs_join(dir, "dirty");
}

int reap_dir(const char *dir, const struct reap_opts *o, int wait_s,
	     struct reap_result *res, bool *busy, enum exp_state *state,
	     struct hps_error *err)
{
	char *dirty = dirty_path(dir);
	struct experiment *e = NULL;
	struct reap_opts po = *o;	/* in_place_trial: until its launch */
	struct sjobs pre = {0};
	bool queried = false;
	int fd = -1, rc = -1;

	memset(res, 0, sizeof(*res));
	for (int tries = 0;; tries++) {
		fd = store_lock(dir, false, busy, err);
		if (fd >= 0 || !*busy || tries >= wait_s * 10)
			break;
		usleep(100000);
	}
	if (fd < 0) {
		/* Tell the holder to go once more: this pass's news waits. */
		if (*busy)
			rc = fs_write_atomic(dirty, "1\n", 2, FS_FILE_MODE, err) < 0 ? -1 : 0;
		goto out;
	}
	/* A pass from cron or reap --watch first looks whether anything
	 * changed: most find nothing, and then cost one controller query
	 * and a stat per running task, whatever the number of trials. */
	if (o->in_place_trial == 0 && !o->dry_run && !o->report) {
		enum exp_state st = EXP_ACTIVE;
		enum quick k;
		unlink(dirty);
		k = quick_look(dir, &pre, &queried, &res->queries, &st, &res->settled, err);
		if (k == QUICK_FAILED)
			goto out;
		if (k == QUICK_SAME && !fs_exists(dirty)) {
			if (state)
				*state = st;
			rc = 0;
			goto out;
		}
	}
	if (!(e = exp_open(dir, true, err)))
		goto out;
	for (int pass = 0; pass < 5; pass++) {
		struct reap_result r;
		unlink(dirty);
		if (reap_pass_q(e, &po, &r, queried && pass == 0 ? &pre : NULL, err) < 0)
			goto out;
		res->queries += r.queries;
		res->submitted += r.submitted;
		/* The allocation now has its run: a further pass (one another
		 * process asked for) must not give it a second one. */
		if (r.in_place_run) {
			res->in_place_trial = r.in_place_trial;
			res->in_place_run = r.in_place_run;
			res->in_place_length = r.in_place_length;
			po.in_place_trial = 0;
		}
		if (!fs_exists(dirty))
			break;
	}
	if (state)
		*state = e->state;
	res->settled = settled(e);
	rc = 0;
out:
	sjobs_release(&pre);
	exp_free(e);
	store_unlock(fd);
	free(dirty);
	return rc;
}

bool reaper_is_slurm(const char *dir)
{
	char *p = fs_join(dir, "slurm.json");
	bool yes = fs_exists(p);

	free(p);
	return yes;
}
