/* experiment.c - loading, journaling and saving an experiment's state
 * (see experiment.h). */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "fsutil.h"
#include "journal.h"
#include "snapread.h"
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

/* A growing buffer for the snapshot's text. */
struct sbuf {
	char *s;
	size_t n, cap;
};

static int sbuf_put(const char *buf, size_t len, void *arg)
{
	struct sbuf *b = arg;

	if (b->n + len + 1 > b->cap) {
		while (b->n + len + 1 > b->cap)
			b->cap = b->cap ? 2 * b->cap : 1 << 16;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, buf, len);
	b->n += len;
	b->s[b->n] = '\0';
	return 0;
}

#define SNAP_JSON (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17))

static void put_str(struct sbuf *b, const char *s)
{
	bool plain = true;
	json_t *j;

	for (const char *p = s; *p && plain; p++)
		plain = *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\';
	if (plain) {
		sbuf_put("\"", 1, b);
		sbuf_put(s, strlen(s), b);
		sbuf_put("\"", 1, b);
		return;
	}
	j = json_string(s);	/* NULL when not UTF-8: written as null */
	if (!j || json_dump_callback(j, sbuf_put, b, SNAP_JSON | JSON_ENCODE_ANY) < 0)
		sbuf_put("null", 4, b);
	json_decref(j);
}

static void put_fmt(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put_fmt(struct sbuf *b, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sbuf_put(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1, b);
}

/* A real as jansson writes it; null when absent or not finite (as
 * num_or_null). */
static void put_num(struct sbuf *b, bool has, double v)
{
	char buf[64];

	if (!has || !isfinite(v)) {
		sbuf_put("null", 4, b);
		return;
	}
	exp_real_text(v, buf, sizeof(buf));
	sbuf_put(buf, strlen(buf), b);
}

/* put_trial: trial_json(t) as compact JSON with sorted keys, written
 * directly: jansson's tree and dumper cost most of a 100,000-trial create. */
static void put_trial(struct sbuf *b, const struct trial *t)
{
	put_fmt(b, "{\"array\":%lld,\"best\":", (long long)t->array);
	put_num(b, t->has_best, t->best);
	put_fmt(b, ",\"best_length\":%llu,\"bracket\":%d,\"closed\":%s,\"end_reason\":",
		(unsigned long long)t->best_length, t->bracket, t->closed ? "true" : "false");
	put_str(b, t->end_reason);
	sbuf_put(",\"hparams\":", 11, b);
	if (!t->hparams || json_dump_callback(t->hparams, sbuf_put, b, SNAP_JSON) < 0)
		sbuf_put("{}", 2, b);
	put_fmt(b, ",\"id\":%lld,\"index\":%lld,\"kill\":%s,\"latest\":", (long long)t->id,
		(long long)t->index, t->kill ? "true" : "false");
	put_num(b, t->has_latest, t->latest);
	put_fmt(b, ",\"length\":%llu,\"lines\":%lld,\"offset\":%lld,\"request_id\":",
		(unsigned long long)t->length, (long long)t->lines, (long long)t->offset);
	put_str(b, t->request_id);
	put_fmt(b, ",\"restarts\":%lld,\"run_metric\":", (long long)t->restarts);
	put_num(b, t->run_has_metric, t->run_metric);
	put_fmt(b, ",\"running\":%s,\"runs\":%lld,\"seed\":%lld,\"state\":\"%s\","
		"\"target\":%llu,\"want_run\":%s}", t->running ? "true" : "false",
		(long long)t->runs, (long long)t->seed, tstate_name(t->state),
		(unsigned long long)t->target, t->want_run ? "true" : "false");
}

/* exp_snapshot: state.json, one trial a line.  The trials are written one
 * at a time, never as one JSON tree: with 100,000 trials the tree and its
 * indented text cost hundreds of MB (issue 8, bench/create-scale.sh). */
int exp_snapshot(struct experiment *e, struct hps_error *err)
{
	/* Sized up front (about 600 bytes a trial): one large block, not a
	 * string of reallocs that fragment the heap. */
	struct sbuf b = {.cap = ((size_t)1 << 20) + 640 * e->n};
	char *path = fs_join(e->dir, "state.json"), head[512];
	json_t *j;
	int rc;

	b.s = xmalloc(b.cap);

	snprintf(head, sizeof(head), "{\"format\": %d, \"seq\": %lld, \"journal_end\": %lld, "
		 "\"experiment_seed\": %lld, \"retry_after\": %lld,\n \"arrays\": ",
		 STORE_FORMAT, (long long)e->seq, (long long)e->journal_end,
		 (long long)e->cfg.experiment_seed, (long long)e->retry_after);
	sbuf_put(head, strlen(head), &b);
	j = arrays_json(e);
	json_dump_callback(j, sbuf_put, &b, SNAP_JSON);
	json_decref(j);
	j = json_pack("{s:s,s:b}", "state", exp_state_name(e->state), "pausing", e->pausing);
	sbuf_put(",\n \"state\": ", 12, &b);
	json_dump_callback(json_object_get(j, "state"), sbuf_put, &b, SNAP_JSON | JSON_ENCODE_ANY);
	sbuf_put(", \"pausing\": ", 13, &b);
	json_dump_callback(json_object_get(j, "pausing"), sbuf_put, &b, SNAP_JSON | JSON_ENCODE_ANY);
	json_decref(j);
	sbuf_put(",\n \"searcher\": ", 15, &b);
	j = searcher_save(e->s);
	json_dump_callback(j, sbuf_put, &b, SNAP_JSON);
	json_decref(j);
	sbuf_put(",\n \"trials\": [", 14, &b);
	for (size_t i = 0; i < e->n; i++) {
		sbuf_put(i ? ",\n  " : "\n  ", i ? 4 : 3, &b);
		put_trial(&b, &e->t[i]);
	}
	sbuf_put("]}\n", 3, &b);
	rc = fs_write_atomic(path, b.s, b.n, 0666, err);
	free(b.s);
	free(path);
	if (rc == 0)
		e->records_since_snapshot = 0;
	return rc;
}

/* load_head: all of the state but its trials. */
static int load_head(struct experiment *e, const json_t *j, struct hps_error *err)
{
	int st = state_of(json_string_value(json_object_get(j, "state")), exp_states, 5);

	if (st < 0)
		return hps_errorf(err, "'%s/state.json' is corrupt", e->dir);
	e->seq = json_integer_value(json_object_get(j, "seq"));
	e->journal_end = json_integer_value(json_object_get(j, "journal_end"));
	/* Negative counters would read the journal from before its start. */
	if (e->seq < 0 || e->journal_end < 0)
		return hps_errorf(err, "'%s/state.json' is corrupt (seq or journal_end)", e->dir);
	e->state = (enum exp_state)st;
	e->pausing = json_is_true(json_object_get(j, "pausing"));
	e->retry_after = json_integer_value(json_object_get(j, "retry_after"));
	if (arrays_from_json(e, json_object_get(j, "arrays")) < 0)
		return hps_errorf(err, "'%s/state.json' is corrupt (arrays)", e->dir);
	if (!(e->s = searcher_load(&e->cfg, json_object_get(j, "searcher"), err)))
		return -1;
	return 0;
}

/* Trials are found by id as t[id - 1]. */
static int check_id(const struct experiment *e, size_t i, struct hps_error *err)
{
	if (e->t[i].id != (int64_t)i + 1)
		return hps_errorf(err, "'%s/state.json' is corrupt (trial %zu has id %lld)",
				  e->dir, i + 1, (long long)e->t[i].id);
	return 0;
}

static int load_snapshot(struct experiment *e, const json_t *j, struct hps_error *err)
{
	json_t *trials = json_object_get(j, "trials"), *v;
	size_t i;

	if (!json_is_array(trials))
		return hps_errorf(err, "'%s/state.json' is corrupt", e->dir);
	if (load_head(e, j, err) < 0)
		return -1;
	e->cap = json_array_size(trials) + 16;
	e->t = xcalloc(e->cap, sizeof(*e->t));
	json_array_foreach(trials, i, v) {
		if (trial_from_json(&e->t[i], v, err) < 0)
			return -1;
		e->n = i + 1;
		if (check_id(e, i, err) < 0)
			return -1;
	}
	return 0;
}

/* load_fast: the head through jansson, the trials snapread read; 1 when
 * the head is not a JSON object on its own (the whole text is parsed
 * then).  Whatever else fails here would fail the same way whole: the
 * text is the head's members and a valid trial array. */
static int load_fast(struct experiment *e, const char *text, size_t head_len,
		     struct trial *t, size_t n, struct hps_error *err)
{
	char *head = xmalloc(head_len + 2);
	json_error_t je;
	json_t *j;
	int rc;

	memcpy(head, text, head_len);
	memcpy(head + head_len, "}", 2);
	j = json_loadb(head, head_len + 1, 0, &je);
	free(head);
	if (!json_is_object(j)) {
		json_decref(j);
		for (size_t i = 0; i < n; i++)
			json_decref(t[i].hparams);
		free(t);
		return 1;
	}
	e->cfg.experiment_seed = (uint32_t)json_integer_value(
		json_object_get(j, "experiment_seed"));
	rc = load_head(e, j, err);
	json_decref(j);
	e->cap = n + 16;
	e->t = xrealloc(t, e->cap * sizeof(*e->t));
	memset(e->t + n, 0, 16 * sizeof(*e->t));
	e->n = n;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = check_id(e, i, err);
	return rc;
}

int exp_load_snapshot_text(struct experiment *e, const char *text, size_t len,
			   const char *path, struct hps_error *err)
{
	struct trial *t;
	size_t n, head_len;
	json_error_t je;
	json_t *j;
	int rc;

	if (snapread(text, len, &head_len, &t, &n) == 0 &&
	    (rc = load_fast(e, text, head_len, t, n, err)) != 1)
		return rc;
	if (!(j = json_loadb(text, len, 0, &je)))
		return hps_errorf(err, "'%s' is corrupt: line %d, column %d: %s", path,
				  je.line, je.column, je.text);
	rc = exp_load_snapshot(e, j, err);
	json_decref(j);
	return rc;
}

int exp_load_snapshot(struct experiment *e, const json_t *snap,
		      struct hps_error *err)
{
	if (!json_is_object(snap))
		return hps_errorf(err, "'%s/state.json' is corrupt", e->dir);
	e->cfg.experiment_seed = (uint32_t)json_integer_value(
		json_object_get(snap, "experiment_seed"));
	return load_snapshot(e, snap, err);
}

int exp_replay_record(const json_t *rec, void *arg)
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

/* first_record: the journal's first record, which is always "start". */
static int first_record(const json_t *rec, void *arg)
{
	*(json_t **)arg = json_incref((json_t *)rec);
	return 1;
}

/* from_journal: the state as it was before the first record, for a replay
 * of the whole journal.  The journal is never compacted, so it holds every
 * decision: state.json is a cache of it that can be rebuilt. */
static struct experiment *from_journal(const char *dir, const char *jp,
				       struct hps_error *err)
{
	struct experiment *e = exp_new(dir, err);
	json_t *first = NULL;
	const char *ev;

	if (!e)
		return NULL;
	if (journal_read(jp, first_record, &first, NULL, err) < 0) {
		exp_free(e);
		return NULL;
	}
	ev = json_string_value(json_object_get(first, "ev"));
	if (!ev || strcmp(ev, "start")) {
		hps_errorf(err, "'%s' does not begin with the experiment's start", jp);
		json_decref(first);
		exp_free(e);
		return NULL;
	}
	e->cfg.experiment_seed = (uint32_t)json_integer_value(
		json_object_get(first, "experiment_seed"));
	json_decref(first);
	if (!(e->s = searcher_new(&e->cfg, err))) {
		exp_free(e);
		return NULL;
	}
	return e;
}

/* from_snapshot: the state as state.json saved it. */
static struct experiment *from_snapshot(const char *dir, const char *sp,
					struct hps_error *err)
{
	struct experiment *e = exp_new(dir, err);
	size_t len;
	char *text = e ? fs_read_file(sp, 1u << 30, &len, err) : NULL;
	int rc = text ? exp_load_snapshot_text(e, text, len, sp, err) : -1;

	free(text);
	if (rc < 0) {
		exp_free(e);
		return NULL;
	}
	return e;
}

struct experiment *exp_open(const char *dir, bool writer, struct hps_error *err)
{
	char *sp = fs_join(dir, "state.json"), *jp = fs_join(dir, "journal.jsonl");
	struct experiment *e = from_snapshot(dir, sp, err);
	bool rebuilt = false;
	int rc = 0;

	/* A lost or damaged state.json is rebuilt from the journal, which a
	 * reader does in memory and the lock holder writes back. */
	if (!e && fs_exists(dir) && fs_exists(jp)) {
		struct hps_error why = *err;
		if ((e = from_journal(dir, jp, err))) {
			fprintf(stderr, "hpsearch: %s: rebuilding the state from '%s'\n",
				why.msg, jp);
			rebuilt = true;
		}
	}
	if (!e)
		rc = -1;
	if (rc == 0 && writer)
		rc = journal_repair(jp, err);
	if (rc == 0) {
		rc = journal_read_from(jp, e->journal_end, exp_replay_record, e,
				       &e->journal_end, NULL, err);
		if (rc == -2)
			rc = hps_errorf(err, "cannot replay the journal of '%s'", dir);
	}
	if (rc == 0 && rebuilt && writer)
		rc = exp_snapshot(e, err);
	free(sp);
	free(jp);
	if (rc < 0) {
		exp_free(e);
		return NULL;
	}
	return e;
}

/* init_state: the first state of an experiment, written in the hidden
 * directory store_create assembles it in. */
static int init_state(const char *dir, int64_t id, void *arg, struct hps_error *err)
{
	struct experiment *e = exp_new(dir, err);
	json_t *rec;
	int rc = -1;

	(void)arg;
	if (!e)
		return -1;
	e->id = id;
	if (!(e->s = searcher_new(&e->cfg, err)) || exp_snapshot(e, err) < 0)
		goto out;
	rec = json_pack("{s:s,s:I}", "ev", "start", "experiment_seed",
			(json_int_t)e->cfg.experiment_seed);
	/* No snapshot after "start": exp_create opens the experiment at once,
	 * and replaying the record (the searcher's first trials) costs less
	 * than writing and parsing them back (100,000 trials: issue 8). */
	rc = exp_record(e, rec, err) < 0 ? -1 : 0;
	json_decref(rec);
out:
	exp_free(e);
	return rc;
}

struct experiment *exp_create(const char *root, const struct hps_config *cfg,
			      const char *config_path, const char *context_dir,
			      int *lockfd, struct hps_error *err)
{
	struct store_init init = {.fn = init_state};
	struct experiment *e;
	int64_t id;
	char *dir = store_create(root, cfg, config_path, context_dir, &init,
				 &id, lockfd, err);

	if (!dir)
		return NULL;
	e = exp_open(dir, true, err);
	free(dir);
	if (!e) {
		store_unlock(*lockfd);
		*lockfd = -1;
	}
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
