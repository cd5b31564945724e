/* experiment.c - loading, journaling and saving an experiment's state
 * (see experiment.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "fsutil.h"
#include "journal.h"
#include "store.h"
#include "xalloc.h"

#define SNAPSHOT_EVERY 500	/* records between automatic snapshots */

static const char *const exp_states[] = {
	"ACTIVE", "PAUSED", "COMPLETED", "ERROR", "CANCELED",
};
static const char *const trial_states[] = {
	"ACTIVE", "PAUSED", "COMPLETED", "ERROR", "CANCELED",
};

const char *exp_state_name(enum exp_state s)
{
	return exp_states[s];
}

const char *tstate_name(enum tstate s)
{
	return trial_states[s];
}

static int state_of(const char *name, const char *const *names, int n)
{
	for (int i = 0; name && i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

const char *exp_length_key(const struct experiment *e)
{
	const struct length *l = &e->cfg.searcher.length;

	if (l->unit == UNIT_TIME_METRIC)
		return l->time_metric;
	if (l->unit == UNIT_RECORDS || l->unit == UNIT_EPOCHS)
		return length_unit_name(l->unit);
	return "batches";	/* batches, unitless, or no length */
}

bool exp_better(const struct experiment *e, double a, double b)
{
	return e->cfg.searcher.smaller_is_better ? a < b : a > b;
}

bool exp_is_over(const struct experiment *e)
{
	return e->state == EXP_COMPLETED || e->state == EXP_ERROR ||
	       e->state == EXP_CANCELED;
}

const struct trial *exp_best_trial(const struct experiment *e)
{
	const struct trial *best = NULL;

	for (size_t i = 0; i < e->n; i++)
		if (e->t[i].has_best && (!best || exp_better(e, e->t[i].best, best->best)))
			best = &e->t[i];
	return best;
}

void exp_free(struct experiment *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		json_decref(e->t[i].hparams);
	free(e->t);
	free(e->arrays);
	searcher_free(e->s);
	expconf_release(&e->cfg);
	free(e->dir);
	free(e);
}

/* ---- trials as JSON (state.json) ---- */

static json_t *num_or_null(bool has, double v)
{
	return has && isfinite(v) ? json_real(v) : json_null();
}

static json_t *trial_json(const struct trial *t)
{
	return json_pack("{s:I,s:i,s:s,s:I,s:O,s:s,s:s,s:I,s:b,s:b,s:b,s:b,s:I,s:I,"
			 "s:I,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:I}",
		"id", (json_int_t)t->id, "bracket", t->bracket,
		"request_id", t->request_id, "seed", (json_int_t)t->seed,
		"hparams", t->hparams, "state", tstate_name(t->state),
		"end_reason", t->end_reason, "target", (json_int_t)t->target,
		"want_run", t->want_run, "running", t->running,
		"closed", t->closed, "kill", t->kill,
		"runs", (json_int_t)t->runs, "restarts", (json_int_t)t->restarts,
		"length", (json_int_t)t->length,
		"best", num_or_null(t->has_best, t->best),
		"latest", num_or_null(t->has_latest, t->latest),
		"run_metric", num_or_null(t->run_has_metric, t->run_metric),
		"best_length", (json_int_t)t->best_length,
		"offset", (json_int_t)t->offset, "lines", (json_int_t)t->lines,
		"array", (json_int_t)t->array, "index", (json_int_t)t->index);
}

static int trial_from_json(struct trial *t, const json_t *j, struct hps_error *err)
{
	const char *st = json_string_value(json_object_get(j, "state"));
	int s = state_of(st, trial_states, 5);
	json_t *v;

	memset(t, 0, sizeof(*t));
	if (s < 0 || !json_is_object(json_object_get(j, "hparams")))
		return hps_errorf(err, "state.json: a trial is corrupt");
	t->id = json_integer_value(json_object_get(j, "id"));
	t->bracket = (int)json_integer_value(json_object_get(j, "bracket"));
	snprintf(t->request_id, sizeof(t->request_id), "%s",
		 json_string_value(json_object_get(j, "request_id")) ?: "");
	t->seed = (uint32_t)json_integer_value(json_object_get(j, "seed"));
	t->hparams = json_incref(json_object_get(j, "hparams"));
	t->state = (enum tstate)s;
	snprintf(t->end_reason, sizeof(t->end_reason), "%s",
		 json_string_value(json_object_get(j, "end_reason")) ?: "");
	t->target = (uint64_t)json_integer_value(json_object_get(j, "target"));
	t->want_run = json_is_true(json_object_get(j, "want_run"));
	t->running = json_is_true(json_object_get(j, "running"));
	t->closed = json_is_true(json_object_get(j, "closed"));
	t->kill = json_is_true(json_object_get(j, "kill"));
	t->runs = json_integer_value(json_object_get(j, "runs"));
	t->restarts = json_integer_value(json_object_get(j, "restarts"));
	t->length = (uint64_t)json_integer_value(json_object_get(j, "length"));
	if ((t->has_best = json_is_number(v = json_object_get(j, "best"))))
		t->best = json_number_value(v);
	if ((t->has_latest = json_is_number(v = json_object_get(j, "latest"))))
		t->latest = json_number_value(v);
	if ((t->run_has_metric = json_is_number(v = json_object_get(j, "run_metric"))))
		t->run_metric = json_number_value(v);
	t->best_length = (uint64_t)json_integer_value(json_object_get(j, "best_length"));
	t->offset = json_integer_value(json_object_get(j, "offset"));
	t->lines = json_integer_value(json_object_get(j, "lines"));
	t->array = json_integer_value(json_object_get(j, "array"));
	t->index = json_integer_value(json_object_get(j, "index"));
	return 0;
}

static const char *const array_states[] = {"intent", "submitted", "rejected"};

static json_t *arrays_json(const struct experiment *e)
{
	json_t *a = json_array();

	for (size_t i = 0; i < e->narrays; i++)
		json_array_append_new(a, json_pack("{s:I,s:s,s:I,s:I,s:b}",
			"n", (json_int_t)e->arrays[i].n,
			"state", array_states[e->arrays[i].state],
			"job", (json_int_t)e->arrays[i].job,
			"tasks", (json_int_t)e->arrays[i].ntasks,
			"workers", e->arrays[i].workers));
	return a;
}

static int arrays_from_json(struct experiment *e, const json_t *a)
{
	json_t *v;
	size_t i;

	e->narrays = json_array_size(a);
	e->arrays = xcalloc(e->narrays + 1, sizeof(*e->arrays));
	json_array_foreach(a, i, v) {
		int st = state_of(json_string_value(json_object_get(v, "state")), array_states, 3);
		if (st < 0)
			return -1;
		e->arrays[i].n = json_integer_value(json_object_get(v, "n"));
		e->arrays[i].state = (enum array_state)st;
		e->arrays[i].job = json_integer_value(json_object_get(v, "job"));
		e->arrays[i].ntasks = json_integer_value(json_object_get(v, "tasks"));
		e->arrays[i].workers = json_is_true(json_object_get(v, "workers"));
	}
	return 0;
}

/* ---- snapshot ---- */

int exp_snapshot(struct experiment *e, struct hps_error *err)
{
	json_t *trials = json_array(), *j;
	char *path = fs_join(e->dir, "state.json");
	int rc;

	for (size_t i = 0; i < e->n; i++)
		json_array_append_new(trials, trial_json(&e->t[i]));
	j = json_pack("{s:i,s:I,s:I,s:I,s:s,s:b,s:o,s:o,s:o,s:I}", "format", STORE_FORMAT,
		      "seq", (json_int_t)e->seq, "journal_end", (json_int_t)e->journal_end,
		      "experiment_seed", (json_int_t)e->cfg.experiment_seed,
		      "state", exp_state_name(e->state), "pausing", e->pausing,
		      "searcher", searcher_save(e->s), "trials", trials,
		      "arrays", arrays_json(e), "retry_after", (json_int_t)e->retry_after);
	rc = fs_write_json(path, j, err);
	json_decref(j);
	free(path);
	if (rc == 0)
		e->records_since_snapshot = 0;
	return rc;
}

static int load_snapshot(struct experiment *e, const json_t *j, struct hps_error *err)
{
	json_t *trials = json_object_get(j, "trials"), *v;
	int st = state_of(json_string_value(json_object_get(j, "state")), exp_states, 5);
	size_t i;

	if (st < 0 || !json_is_array(trials))
		return hps_errorf(err, "'%s/state.json' is corrupt", e->dir);
	e->seq = json_integer_value(json_object_get(j, "seq"));
	e->journal_end = json_integer_value(json_object_get(j, "journal_end"));
	e->state = (enum exp_state)st;
	e->pausing = json_is_true(json_object_get(j, "pausing"));
	e->retry_after = json_integer_value(json_object_get(j, "retry_after"));
	if (arrays_from_json(e, json_object_get(j, "arrays")) < 0)
		return hps_errorf(err, "'%s/state.json' is corrupt (arrays)", e->dir);
	if (!(e->s = searcher_load(&e->cfg, json_object_get(j, "searcher"), err)))
		return -1;
	e->cap = json_array_size(trials) + 16;
	e->t = xcalloc(e->cap, sizeof(*e->t));
	json_array_foreach(trials, i, v) {
		if (trial_from_json(&e->t[i], v, err) < 0)
			return -1;
		e->n = i + 1;
	}
	return 0;
}

static int replay_one(const json_t *rec, void *arg)
{
	struct experiment *e = arg;
	json_int_t seq = json_integer_value(json_object_get(rec, "seq"));
	struct hps_error e2;

	if (seq <= e->seq)
		return 0;	/* already in the snapshot */
	if (seq != e->seq + 1) {
		fprintf(stderr, "hpsearch: journal of '%s' skips from %lld to %lld\n",
			e->dir, (long long)e->seq, (long long)seq);
		return -2;
	}
	if (exp_apply(e, rec, &e2) < 0) {
		fprintf(stderr, "hpsearch: '%s' journal record %lld: %s\n", e->dir,
			(long long)seq, e2.msg);
		return -2;
	}
	e->seq = seq;
	e->records_since_snapshot++;
	return 0;
}

static int load_config(struct experiment *e, struct hps_error *err)
{
	char *p = fs_join(e->dir, "experiment.yaml");
	struct diag d;
	int rc;

	diag_init(&d, p);
	rc = expconf_load(p, &e->cfg, &d);
	if (rc < 0 && d.n) {
		char *m = diag_format(&d, &d.v[0]);
		hps_errorf(err, "%s", m);
		free(m);
	}
	diag_release(&d);
	free(p);
	return rc;
}

static struct experiment *exp_new(const char *dir, struct hps_error *err)
{
	struct experiment *e = xcalloc(1, sizeof(*e));

	e->dir = xstrdup(dir);
	e->id = store_id_of(dir);
	if (store_check_format(dir, err) < 0 || load_config(e, err) < 0) {
		exp_free(e);
		return NULL;
	}
	return e;
}

struct experiment *exp_open(const char *dir, bool writer, struct hps_error *err)
{
	struct experiment *e = exp_new(dir, err);
	char *sp, *jp;
	json_t *snap;
	int rc;

	if (!e)
		return NULL;
	sp = fs_join(dir, "state.json");
	jp = fs_join(dir, "journal.jsonl");
	snap = fs_read_json(sp, err);
	rc = snap ? 0 : -1;
	if (rc == 0) {
		e->cfg.experiment_seed = (uint32_t)json_integer_value(
			json_object_get(snap, "experiment_seed"));
		rc = load_snapshot(e, snap, err);
	}
	if (rc == 0 && writer)
		rc = journal_repair(jp, err);
	if (rc == 0) {
		rc = journal_read_from(jp, e->journal_end, replay_one, e,
				       &e->journal_end, NULL, err);
		if (rc == -2)
			rc = hps_errorf(err, "cannot replay the journal of '%s'", dir);
	}
	json_decref(snap);
	free(sp);
	free(jp);
	if (rc < 0) {
		exp_free(e);
		return NULL;
	}
	return e;
}

struct experiment *exp_init(const char *dir, struct hps_error *err)
{
	struct experiment *e = exp_new(dir, err);
	json_t *rec;

	if (!e)
		return NULL;
	if (!(e->s = searcher_new(&e->cfg, err)) || exp_snapshot(e, err) < 0) {
		exp_free(e);
		return NULL;
	}
	rec = json_pack("{s:s,s:I}", "ev", "start", "experiment_seed",
			(json_int_t)e->cfg.experiment_seed);
	if (exp_record(e, rec, err) < 0 || exp_snapshot(e, err) < 0) {
		json_decref(rec);
		exp_free(e);
		return NULL;
	}
	json_decref(rec);
	return e;
}

int exp_record(struct experiment *e, json_t *rec, struct hps_error *err)
{
	char *jp = fs_join(e->dir, "journal.jsonl");
	size_t written = 0;
	int rc;

	json_object_set_new(rec, "seq", json_integer(e->seq + 1));
	rc = journal_append(jp, rec, &written, err);
	free(jp);
	if (rc < 0)
		return -1;
	/* What was journaled must apply: a failure here is a bug, and the
	 * journal keeps the record for the next load to report. */
	if (exp_apply(e, rec, err) < 0)
		return -1;
	e->seq++;
	e->journal_end += (long long)written;	/* we hold the lock: ours alone */
	if (++e->records_since_snapshot >= SNAPSHOT_EVERY)
		return exp_snapshot(e, err);
	return 0;
}
