/* exp_apply.c - how each journal record changes an experiment.
 *
 * Pure: the state and the record decide everything (no clock, no files),
 * so replaying the journal after a crash rebuilds the same state, and the
 * same searcher decisions, as the run that wrote it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "xalloc.h"

static struct trial *trial_of(struct experiment *e, json_int_t id)
{
	return id >= 1 && (size_t)id <= e->n ? &e->t[id - 1] : NULL;
}

static void set_reason(struct trial *t, const char *reason)
{
	snprintf(t->end_reason, sizeof(t->end_reason), "%s", reason);
}

static int add_trial(struct experiment *e, const struct op *op,
		     struct hps_error *err)
{
	struct trial *t;

	if (op->trial != (int64_t)e->n + 1)
		return hps_errorf(err, "the searcher created trial %lld out of order",
				  (long long)op->trial);
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 16;
		e->t = xreallocarray(e->t, e->cap, sizeof(*e->t));
	}
	t = &e->t[e->n++];
	memset(t, 0, sizeof(*t));
	t->id = op->trial;
	t->bracket = op->bracket;
	memcpy(t->request_id, op->request_id, sizeof(t->request_id));
	t->seed = op->seed;
	t->hparams = json_incref(op->hparams);
	t->state = TS_ACTIVE;
	return 0;
}

/* start_run: run number run of t is launched (in Slurm task array/index,
 * 0 outside Slurm); its harvest starts from the top of its file. */
static void start_run(struct trial *t, int64_t run, int64_t array, int64_t index)
{
	t->runs = run;
	t->running = true;
	t->want_run = false;
	t->state = TS_ACTIVE;
	t->offset = 0;
	t->lines = 0;
	t->run_has_metric = false;
	t->array = array;
	t->index = index;
}

/* close_trial: the searcher (or the user) is done with t. */
static void close_trial(struct trial *t, enum tstate st, const char *reason)
{
	t->closed = true;
	t->want_run = false;
	t->state = st;
	set_reason(t, reason);
	if (t->running)
		t->kill = true;
}

int exp_apply_ops(struct experiment *e, struct ops *ops, struct hps_error *err)
{
	for (size_t i = 0; i < ops->n; i++) {
		const struct op *op = &ops->v[i];
		struct trial *t;

		if (op->kind == OP_CREATE) {
			if (add_trial(e, op, err) < 0)
				return -1;
			if (e->on_op)
				e->on_op(e->on_op_ctx, op);
			continue;
		}
		if (!(t = trial_of(e, op->trial)))
			return hps_errorf(err, "the searcher named unknown trial %lld",
					  (long long)op->trial);
		switch (op->kind) {
		case OP_RUN:
			t->target = op->length;
			t->want_run = true;
			t->state = TS_ACTIVE;
			break;
		case OP_STOP:
			close_trial(t, TS_COMPLETED,
				    t->length >= e->cfg.searcher.length.units
				    ? "completed" : "stopped early");
			break;
		case OP_CLOSE:
			if (!t->closed)
				close_trial(t, TS_COMPLETED,
					    t->length >= e->cfg.searcher.length.units
					    ? "completed" : "not promoted");
			break;
		default:
			break;
		}
		if (e->on_op)
			e->on_op(e->on_op_ctx, op);
	}
	return 0;
}

static bool promotion_based(const struct experiment *e)
{
	return searcher_is_asha(&e->cfg.searcher) && !e->cfg.searcher.stop_once;
}

static int searcher_call(struct experiment *e, int rc, struct ops *ops,
			 struct hps_error *err)
{
	if (rc == 0)
		rc = exp_apply_ops(e, ops, err);
	ops_release(ops);
	return rc;
}

static int trial_exit(struct experiment *e, struct trial *t,
		      enum trial_exit why, struct hps_error *err)
{
	struct ops ops = {0};

	return searcher_call(e, searcher_exit(e->s, t->id, why, &ops, err), &ops, err);
}

static int fail_trial(struct experiment *e, struct trial *t, const char *reason,
		      struct hps_error *err)
{
	close_trial(t, TS_ERROR, reason);
	return trial_exit(e, t, TEXIT_ERRORED, err);
}

static void note_metric(struct experiment *e, struct trial *t, double m,
			uint64_t length)
{
	t->latest = m;
	t->has_latest = true;
	t->run_metric = m;
	t->run_has_metric = true;
	if (!t->has_best || exp_better(e, m, t->best)) {
		t->best = m;
		t->best_length = length;
		t->has_best = true;
	}
}

static int apply_report(struct experiment *e, struct trial *t, const json_t *rec,
			struct hps_error *err)
{
	json_t *reports = json_object_get(rec, "reports"), *r;
	json_int_t id = t->id;
	size_t i;

	t->offset = json_integer_value(json_object_get(rec, "offset"));
	t->lines = json_integer_value(json_object_get(rec, "lines"));
	json_array_foreach(reports, i, r) {
		json_t *len = json_array_get(r, 0), *met = json_array_get(r, 1);
		uint64_t l = json_is_integer(len) ? (uint64_t)json_integer_value(len) : t->length;
		struct ops ops = {0};

		if (json_is_integer(len) && l > t->length)
			t->length = l;
		if (!json_is_number(met))
			continue;
		note_metric(e, t, json_number_value(met), l);
		if (t->closed || promotion_based(e) || !json_is_integer(len))
			continue;
		if (searcher_call(e, searcher_validation(e->s, t->id, l,
				  json_number_value(met), &ops, err), &ops, err) < 0)
			return -1;
		t = trial_of(e, id);	/* a new trial may have moved e->t */
	}
	return 0;
}

static int exit_ok(struct experiment *e, struct trial *t, struct hps_error *err)
{
	struct ops ops = {0};
	json_int_t id = t->id;

	if (!promotion_based(e)) {
		close_trial(t, TS_COMPLETED, "completed");
		return trial_exit(e, t, TEXIT_COMPLETED, err);
	}
	if (!t->run_has_metric) {
		char why[48];
		snprintf(why, sizeof(why), "no '%.20s' reported", e->cfg.searcher.metric);
		return fail_trial(e, t, why, err);
	}
	if (t->length < t->target)
		t->length = t->target;
	if (searcher_call(e, searcher_validation(e->s, t->id, t->target,
			  t->run_metric, &ops, err), &ops, err) < 0)
		return -1;
	/* The searcher may have created trials: e->t may have moved. */
	t = trial_of(e, id);
	if (!t->closed && !t->want_run)
		t->state = TS_PAUSED;	/* waits for a promotion or its close */
	return 0;
}

static void outcome_reason(const json_t *rec, char *buf, size_t len)
{
	const char *o = json_string_value(json_object_get(rec, "outcome"));
	json_int_t code = json_integer_value(json_object_get(rec, "code"));
	json_int_t sig = json_integer_value(json_object_get(rec, "signal"));
	const char *slurm = json_string_value(json_object_get(rec, "slurm_state"));

	/* Slurm's word where it says more than the exit status does. */
	if (slurm && (!strcmp(slurm, "TIMEOUT") || !strcmp(slurm, "NODE_FAIL") ||
		      !strcmp(slurm, "OUT_OF_MEMORY") || !strcmp(slurm, "BOOT_FAIL") ||
		      !strcmp(slurm, "PREEMPTED") || !strcmp(slurm, "DEADLINE") ||
		      code < 0))
		snprintf(buf, len, "%s", slurm);
	else if (sig)
		snprintf(buf, len, "killed by signal %lld", (long long)sig);
	else if (o && !strcmp(o, "lost"))
		snprintf(buf, len, "run lost");
	else
		snprintf(buf, len, "exit status %lld", (long long)code);
}

static int apply_exit(struct experiment *e, struct trial *t, const json_t *rec,
		      struct hps_error *err)
{
	const char *o = json_string_value(json_object_get(rec, "outcome"));
	bool asked = t->kill;	/* we asked this run to stop */
	char reason[48];

	t->running = false;
	t->kill = false;
	if (t->closed)
		return 0;	/* stopped or cancelled: its end is already told */
	/* Interrupted by the driver's pause, or stopped at our request before
	 * a continue reopened it: not the trial's fault, and not done either,
	 * even if it obeyed SIGTERM with exit 0. */
	if ((e->pausing || asked) && (!o || strcmp(o, "ok") ||
			   (json_is_true(json_object_get(rec, "terminated")) &&
			    t->length < t->target))) {
		t->want_run = true;
		return 0;
	}
	if (o && !strcmp(o, "ok"))
		return exit_ok(e, t, err);
	if (o && !strcmp(o, "invalid_hp")) {
		close_trial(t, TS_ERROR, "invalid hyperparameters");
		return trial_exit(e, t, TEXIT_INVALID_HP, err);
	}
	outcome_reason(rec, reason, sizeof(reason));
	if (t->restarts < e->cfg.max_restarts) {
		t->restarts++;
		t->want_run = true;	/* the same target, from the checkpoint */
		set_reason(t, reason);
		return 0;
	}
	return fail_trial(e, t, reason, err);
}

static int apply_cancel(struct experiment *e, const json_t *rec,
			struct hps_error *err)
{
	json_t *ids = json_object_get(rec, "trials"), *v;
	size_t i;

	if (exp_is_over(e))
		return 0;	/* a finished experiment stays as it ended */
	if (!json_is_array(ids)) {	/* the whole experiment */
		/* The searcher hears of each (so continue can reopen them); a
		 * trial it creates in answer is cancelled in turn (e->n grows). */
		for (size_t k = 0; k < e->n; k++) {
			struct hps_error ignored;
			struct ops ops = {0};
			if (e->t[k].closed)
				continue;
			close_trial(&e->t[k], TS_CANCELED, "cancelled");
			searcher_call(e, searcher_exit(e->s, e->t[k].id, TEXIT_CANCELED,
						       &ops, &ignored), &ops, &ignored);
		}
		e->state = EXP_CANCELED;
		return 0;
	}
	json_array_foreach(ids, i, v) {
		struct trial *t = trial_of(e, json_integer_value(v));
		if (!t || t->closed)
			continue;
		close_trial(t, TS_CANCELED, "cancelled");
		if (trial_exit(e, t, TEXIT_CANCELED, err) < 0)
			return -1;
	}
	return 0;
}

/* Continue an experiment that was cancelled or failed (Determined #8149):
 * completed trials stay as they are; errored and cancelled ones run again
 * from their checkpoints with their restart counts reset. */
static int apply_continue(struct experiment *e, struct hps_error *err)
{
	if (e->state != EXP_CANCELED && e->state != EXP_ERROR)
		return hps_errorf(err, "journal: continue of a %s experiment", exp_state_name(e->state));
	e->state = EXP_ACTIVE;
	e->pausing = false;
	for (size_t i = 0; i < e->n; i++) {
		struct trial *t = &e->t[i];
		struct ops ops = {0};

		if (t->state != TS_ERROR && t->state != TS_CANCELED)
			continue;
		if (!strcmp(t->end_reason, "invalid hyperparameters"))
			continue;
		/* A cancelled run still being stopped keeps its kill mark: its
		 * end then counts as an interruption, and the trial runs again. */
		t->closed = false;
		t->restarts = 0;
		t->end_reason[0] = '\0';
		if (searcher_call(e, searcher_reopen(e->s, t->id, &ops, err), &ops, err) < 0)
			return -1;
	}
	return 0;
}

/* A record about a run that is not the trial's current one is stale (a
 * retry already replaced it): nothing of it may count. */
static struct trial *current_run(struct experiment *e, const json_t *rec)
{
	struct trial *t = trial_of(e, json_integer_value(json_object_get(rec, "trial")));
	json_int_t run = json_integer_value(json_object_get(rec, "run"));

	return t && t->running && run == t->runs ? t : NULL;
}

static int apply_launch(struct experiment *e, const json_t *rec,
			struct hps_error *err)
{
	struct trial *t = trial_of(e, json_integer_value(json_object_get(rec, "trial")));
	json_int_t run = json_integer_value(json_object_get(rec, "run"));

	if (!t || t->running || !t->want_run || run != t->runs + 1)
		return hps_errorf(err, "journal: launch of run %lld of trial %lld does not fit the state",
				  (long long)run, (long long)json_integer_value(json_object_get(rec, "trial")));
	/* In place: the run goes on in a Slurm task that is still running. */
	start_run(t, run, json_integer_value(json_object_get(rec, "array")),
		  json_integer_value(json_object_get(rec, "index")));
	return 0;
}

static struct array *array_of(struct experiment *e, json_int_t n)
{
	return n >= 1 && (size_t)n <= e->narrays ? &e->arrays[n - 1] : NULL;
}

/* A submission intent launches its runs: from here on they may execute. */
static int apply_submit(struct experiment *e, const json_t *rec,
			struct hps_error *err)
{
	json_int_t n = json_integer_value(json_object_get(rec, "array"));
	json_t *tasks = json_object_get(rec, "tasks"), *task;
	json_int_t workers = json_integer_value(json_object_get(rec, "workers"));
	struct array *a;
	size_t i;

	if (n != (json_int_t)e->narrays + 1 || !json_is_array(tasks))
		return hps_errorf(err, "journal: submission %lld out of order", (long long)n);
	if (workers > 0 && json_array_size(tasks) == 0) {
		/* Packed-node workers: they launch runs themselves. */
		e->arrays = xreallocarray(e->arrays, e->narrays + 1, sizeof(*e->arrays));
		a = &e->arrays[e->narrays++];
		memset(a, 0, sizeof(*a));
		a->n = n;
		a->ntasks = workers;
		a->workers = true;
		return 0;
	}
	json_array_foreach(tasks, i, task) {
		struct trial *t = trial_of(e, json_integer_value(json_array_get(task, 0)));
		json_int_t run = json_integer_value(json_array_get(task, 1));
		if (!t || t->running || !t->want_run || run != t->runs + 1)
			return hps_errorf(err, "journal: submission %lld launches a run that does not fit",
					  (long long)n);
	}
	e->arrays = xreallocarray(e->arrays, e->narrays + 1, sizeof(*e->arrays));
	a = &e->arrays[e->narrays++];
	memset(a, 0, sizeof(*a));
	a->n = n;
	a->state = ARRAY_INTENT;
	a->job = 0;
	a->ntasks = (int64_t)json_array_size(tasks);
	json_array_foreach(tasks, i, task) {
		struct trial *t = trial_of(e, json_integer_value(json_array_get(task, 0)));
		start_run(t, t->runs + 1, n, (int64_t)i);
	}
	return 0;
}

static int apply_submitted(struct experiment *e, const json_t *rec,
			   struct hps_error *err)
{
	struct array *a = array_of(e, json_integer_value(json_object_get(rec, "array")));

	if (!a)
		return hps_errorf(err, "journal: result of an unknown submission");
	a->state = ARRAY_SUBMITTED;
	a->job = json_integer_value(json_object_get(rec, "job"));
	return 0;
}

/* sbatch refused: the runs never existed; they wait to be submitted again
 * (the run numbers are reused: nothing claimed them). */
static int apply_unsubmit(struct experiment *e, const json_t *rec,
			  struct hps_error *err)
{
	json_int_t n = json_integer_value(json_object_get(rec, "array"));
	struct array *a = array_of(e, n);

	if (!a || a->state != ARRAY_INTENT)
		return hps_errorf(err, "journal: cannot withdraw submission %lld", (long long)n);
	a->state = ARRAY_REJECTED;
	e->retry_after = json_integer_value(json_object_get(rec, "retry_after"));
	for (size_t i = 0; i < e->n; i++) {
		struct trial *t = &e->t[i];
		if (t->array != n || !t->running)
			continue;
		t->running = false;
		t->runs--;
		t->array = 0;
		if (!t->closed)
			t->want_run = true;
		t->kill = false;
	}
	return 0;
}

/* Once the searcher is done and nothing runs, the experiment is over:
 * failed only when every trial errored (REFERENCE.md 2.8). */
static void settle(struct experiment *e)
{
	size_t errored = 0;

	if (e->state != EXP_ACTIVE || !searcher_done(e->s))
		return;
	for (size_t i = 0; i < e->n; i++) {
		if (e->t[i].running || e->t[i].want_run)
			return;
		errored += e->t[i].state == TS_ERROR;
	}
	e->state = e->n > 0 && errored == e->n ? EXP_ERROR : EXP_COMPLETED;
}

int exp_apply(struct experiment *e, const json_t *rec, struct hps_error *err)
{
	const char *ev = json_string_value(json_object_get(rec, "ev"));
	struct ops ops = {0};
	struct trial *t;
	int rc = 0;

	if (!ev)
		return hps_errorf(err, "journal: a record without \"ev\"");
	if (!strcmp(ev, "start"))
		rc = searcher_call(e, searcher_start(e->s, &ops, err), &ops, err);
	else if (!strcmp(ev, "launch"))
		rc = apply_launch(e, rec, err);
	else if (!strcmp(ev, "report"))
		rc = (t = current_run(e, rec)) ? apply_report(e, t, rec, err) : 0;
	else if (!strcmp(ev, "exit"))
		rc = (t = current_run(e, rec)) ? apply_exit(e, t, rec, err) : 0;
	else if (!strcmp(ev, "submit"))
		rc = apply_submit(e, rec, err);
	else if (!strcmp(ev, "submitted"))
		rc = apply_submitted(e, rec, err);
	else if (!strcmp(ev, "unsubmit"))
		rc = apply_unsubmit(e, rec, err);
	else if (!strcmp(ev, "cancel"))
		rc = apply_cancel(e, rec, err);
	else if (!strcmp(ev, "continue"))
		rc = apply_continue(e, err);
	else if (!strcmp(ev, "pause")) {
		e->pausing = true;
		if (e->state == EXP_ACTIVE)
			e->state = EXP_PAUSED;
	} else if (!strcmp(ev, "resume")) {
		e->pausing = false;
		if (e->state == EXP_PAUSED)
			e->state = EXP_ACTIVE;
	} else
		return hps_errorf(err, "journal: unknown record \"%s\"", ev);
	if (rc == 0)
		settle(e);
	return rc;
}
