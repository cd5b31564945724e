/* simulate.c - a real search on a simulated cluster (see simulate.h).
 *
 * The experiment lives in memory and changes only through exp_apply, with
 * the very records the reaper journals (start, submit, submitted, launch,
 * report, exit), so the searcher and the trial bookkeeping are the real
 * ones.  What a pass launches is runplan's decision, as in reap_pass.  The
 * simulator only adds what the world would do: tasks start when slots are
 * free, runs end, metrics come out of the curves.
 *
 * To stay fast at 100,000 trials, a pass does not scan every trial: the
 * experiment tells us (on_op) which trials got an OP_RUN, and those are
 * the only ones that can wait; runplan gets them as its candidates.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "asha_plan.h"
#include "exp_internal.h"
#include "runplan.h"
#include "sim_internal.h"
#include "simulate.h"
#include "space.h"
#include "xalloc.h"

#define MAX_ARRAY 1001		/* the reaper's MaxArraySize when Slurm's is unknown */
#define NO_LENGTH 100		/* what a trial trains when the searcher sets no length */

struct sim_task {
	int64_t trial, run;
};

struct sim_array {
	struct sim_task *v;
	size_t n, next;		/* tasks, and the next to start */
	int64_t throttle;	/* 0: none */
	int64_t active;		/* tasks holding slots */
};

struct sim_trial {
	struct sim_curve c;
	size_t array;		/* the array whose task runs it */
	double run_start;
	uint64_t run_from;	/* length its current run started from */
};

struct sim {
	const struct sim_opts *o;
	struct experiment *e;
	struct plan plan;
	struct sim_trial *st;	/* st[id - 1] */
	size_t nst;
	struct sim_heap h;
	struct sim_array *arr;
	size_t narr;
	size_t *ready;		/* eligible arrays with tasks left, in order */
	size_t nready;
	int64_t *cand;		/* trials that may wait (runplan candidates) */
	size_t ncand, capcand, cand_head;	/* [cand_head, ncand) */
	bool cand_unsorted, cand_grew;
	int64_t spt, free_slots, running;
	int64_t nwaiting;	/* waiting runs the last pass left unsubmitted */
	double now;
	struct sim_result *r;
	int failed;		/* an on_op or apply error: stop */
};

/* ---- applying records (the real path) ---- */

static int apply(struct sim *s, json_t *rec, struct hps_error *err)
{
	int rc = exp_apply(s->e, rec, err);

	json_decref(rec);
	return rc;
}

static uint64_t max_length(const struct sim *s)
{
	const struct length *l = &s->e->cfg.searcher.length;

	return l->unit == UNIT_NONE ? NO_LENGTH : l->units;
}

/* A new trial gets its curve; any OP_RUN makes the trial a candidate. */
static void on_op(void *ctx, const struct op *op)
{
	struct sim *s = ctx;

	if (op->kind == OP_CREATE) {
		s->st = xreallocarray(s->st, s->nst + 1, sizeof(*s->st));
		memset(&s->st[s->nst], 0, sizeof(*s->st));
		sim_curve_make(s->o->seed, op->hparams, op->seed, max_length(s),
			       &s->st[s->nst].c);
		s->nst++;
		return;
	}
	if (op->kind != OP_RUN)
		return;
	if (s->ncand == s->capcand) {
		s->capcand = s->capcand ? 2 * s->capcand : 64;
		s->cand = xreallocarray(s->cand, s->capcand, sizeof(*s->cand));
	}
	if (s->ncand && s->cand[s->ncand - 1] >= op->trial)
		s->cand_unsorted = true;
	s->cand[s->ncand++] = op->trial;
	s->cand_grew = true;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Keep the candidates ascending, without repeats, and drop those that no
 * longer wait: runplan reads them in trial order, as the reaper scans. */
static void cand_tidy(struct sim *s)
{
	size_t k = 0;

	/* Nothing added since the last tidy: runplan takes waiting trials in
	 * order, so those that left are at the front and skipping them is
	 * enough (a superset is allowed).  A full pass over held trials at
	 * every task end would make a large search quadratic. */
	if (!s->cand_grew) {
		while (s->cand_head < s->ncand &&
		       !run_waits(&s->e->t[s->cand[s->cand_head] - 1]))
			s->cand_head++;
		return;
	}
	if (s->cand_unsorted)
		qsort(s->cand + s->cand_head, s->ncand - s->cand_head,
		      sizeof(*s->cand), cmp_id);
	s->cand_unsorted = false;
	s->cand_grew = false;
	for (size_t i = s->cand_head; i < s->ncand; i++) {
		if (k && s->cand[k - 1] == s->cand[i])
			continue;
		if (run_waits(&s->e->t[s->cand[i] - 1]))
			s->cand[k++] = s->cand[i];
	}
	s->ncand = k;
	s->cand_head = 0;
}

/* ---- runs ---- */

static uint64_t target_of(const struct trial *t)
{
	return t->target ? t->target : NO_LENGTH;
}

/* Stopping-based ASHA decides at every rung a run passes: it hears of
 * each one as the trial would report it. */
static void push_rung_reports(struct sim *s, const struct trial *t,
			      uint64_t from, uint64_t to, double spu)
{
	const struct bracket *b = &s->plan.b[t->bracket];

	for (int64_t r = 0; r < b->num_rungs; r++) {
		uint64_t u = b->rung_units[r];
		if (u <= from || u >= to)
			continue;
		sim_heap_push(&s->h, (struct sim_event){
			.time = s->now + (double)(u - from) * spu,
			.kind = SEV_REPORT, .id = t->id, .run = t->runs, .length = u});
	}
}

/* The run t->runs of t starts now in a task of array a. */
static void run_start(struct sim *s, struct trial *t, size_t a)
{
	struct sim_trial *st = &s->st[t->id - 1];
	uint64_t to = target_of(t);
	uint64_t from = t->length < to ? t->length : 0;

	st->array = a;
	st->run_start = s->now;
	st->run_from = from;
	s->r->runs++;
	if (searcher_is_asha(&s->e->cfg.searcher) && s->e->cfg.searcher.stop_once)
		push_rung_reports(s, t, from, to, st->c.spu);
	sim_heap_push(&s->h, (struct sim_event){
		.time = s->now + (double)(to - from) * st->c.spu,
		.kind = SEV_END, .id = t->id, .run = t->runs, .length = to});
}

static double metric_at(const struct sim *s, int64_t id, uint64_t len)
{
	double loss = sim_curve_loss(&s->st[id - 1].c, len);

	return s->e->cfg.searcher.smaller_is_better ? loss : 1.0 - loss;
}

static int report(struct sim *s, const struct trial *t, uint64_t len,
		  struct hps_error *err)
{
	return apply(s, json_pack("{s:s,s:I,s:I,s:i,s:i,s:[[I,f]]}", "ev", "report",
				  "trial", (json_int_t)t->id, "run", (json_int_t)t->runs,
				  "offset", 0, "lines", 1, "reports",
				  (json_int_t)len, metric_at(s, t->id, len)), err);
}

/* ---- the cluster ---- */

static void ready_add(struct sim *s, size_t a)
{
	s->ready = xreallocarray(s->ready, s->nready + 1, sizeof(*s->ready));
	s->ready[s->nready++] = a;
}

/* Start queued tasks while slots are free: arrays in submission order,
 * each within its throttle (a throttled array does not block the next,
 * as Slurm's backfill would not let it). */
static void try_start(struct sim *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->nready; i++) {
		struct sim_array *a = &s->arr[s->ready[i]];
		while (a->next < a->n && s->free_slots >= s->spt &&
		       (!a->throttle || a->active < a->throttle)) {
			const struct sim_task *tk = &a->v[a->next++];
			struct trial *t = &s->e->t[tk->trial - 1];
			if (!t->running || t->runs != tk->run)
				continue;	/* nothing left to run */
			s->free_slots -= s->spt;
			a->active++;
			run_start(s, t, s->ready[i]);
		}
		if (a->next < a->n)
			s->ready[k++] = s->ready[i];
	}
	s->nready = k;
}

/* One submission: the reaper's "submit" and "submitted" records. */
static int submit_chunk(struct sim *s, const int64_t *ids, size_t n,
			struct hps_error *err)
{
	json_t *tasks = json_array();
	struct sim_array *a;
	int64_t an = (int64_t)s->e->narrays + 1;

	for (size_t i = 0; i < n; i++) {
		const struct trial *t = &s->e->t[ids[i] - 1];
		json_array_append_new(tasks, json_pack("[I,I,I]", (json_int_t)t->id,
			(json_int_t)t->runs + 1, (json_int_t)t->target));
	}
	if (apply(s, json_pack("{s:s,s:I,s:o}", "ev", "submit", "array", (json_int_t)an,
			       "tasks", tasks), err) < 0 ||
	    apply(s, json_pack("{s:s,s:I,s:I}", "ev", "submitted", "array",
			       (json_int_t)an, "job", (json_int_t)an), err) < 0)
		return -1;
	s->running += (int64_t)n;
	s->arr = xreallocarray(s->arr, s->narr + 1, sizeof(*s->arr));
	a = &s->arr[s->narr];
	memset(a, 0, sizeof(*a));
	a->v = xcalloc(n, sizeof(*a->v));
	for (size_t i = 0; i < n; i++)
		a->v[a->n++] = (struct sim_task){ids[i], s->e->t[ids[i] - 1].runs};
	a->throttle = run_throttle(s->e, s->running, (int64_t)n);
	sim_heap_push(&s->h, (struct sim_event){.time = s->now + s->o->queue_delay,
		.kind = SEV_ELIGIBLE, .id = (int64_t)s->narr});
	s->narr++;
	s->r->array_submissions++;
	return 0;
}

static int launch_in_place(struct sim *s, struct trial *t, size_t a,
			   struct hps_error *err)
{
	if (apply(s, json_pack("{s:s,s:I,s:I,s:I,s:b,s:I,s:i}", "ev", "launch",
			       "trial", (json_int_t)t->id, "run", (json_int_t)t->runs + 1,
			       "target", (json_int_t)t->target, "in_place", 1,
			       "array", (json_int_t)a + 1, "index", 0), err) < 0)
		return -1;
	s->running++;
	s->r->in_place_runs++;
	run_start(s, t, a);
	return 0;
}

/* A reap pass, as at the end of a task of array a (host 0: none, or its
 * slots are already given back): runplan decides, we act. */
static int pass(struct sim *s, int64_t host, size_t a, struct hps_error *err)
{
	struct run_plan p;
	size_t sent = 0;
	int rc = 0;

	cand_tidy(s);
	run_plan_make(s->e, host, NULL, NULL, s->running, s->cand + s->cand_head,
		      s->ncand - s->cand_head, &p);
	if (host && !p.in_place) {	/* the task ends: its slots free up */
		s->free_slots += s->spt;
		s->arr[a].active--;
	}
	if (p.in_place)	/* a launch record creates no trial: p stays valid */
		rc = launch_in_place(s, p.in_place, a, err);
	for (size_t off = 0; rc == 0 && off < p.nsubmit; off += MAX_ARRAY) {
		size_t n = p.nsubmit - off < MAX_ARRAY ? p.nsubmit - off : MAX_ARRAY;
		int64_t started = (s->o->slots - s->free_slots) / s->spt;
		if (run_chunk_held(s->e, s->running, s->running - started,
				   MAX_ARRAY, off == 0))
			break;
		rc = submit_chunk(s, p.submit + off, n, err);
		sent = off + n;
	}
	s->nwaiting = (int64_t)(s->ncand - s->cand_head) - (int64_t)sent -
		      (p.in_place != NULL);
	run_plan_release(&p);
	try_start(s);
	return rc;
}

/* Slots left idle while a run could have used them: queued (in the
 * queue delay, or held by a throttle) or not yet submitted, within
 * max_concurrent_trials.  What is idle with no run to give is the
 * search's own (an ASHA's tail), not the scheduling's. */
static void account_idle(struct sim *s, double until)
{
	int64_t mct = s->e->cfg.searcher.max_concurrent_trials;
	int64_t started = (s->o->slots - s->free_slots) / s->spt;
	int64_t demand = s->running - started + s->nwaiting;
	int64_t idle = s->free_slots / s->spt;

	if (mct > 0 && demand > mct - started)
		demand = mct - started;
	if (demand > idle)
		demand = idle;
	if (demand > 0)
		s->r->idle_with_work_slot_s += (double)(demand * s->spt) * (until - s->now);
}

/* ---- events ---- */

static struct trial *current(struct sim *s, const struct sim_event *ev)
{
	struct trial *t = &s->e->t[ev->id - 1];

	return t->running && t->runs == ev->run ? t : NULL;
}

/* The run of trial id ends at len: exit record, the slot-time spent, a
 * pass.  A run the searcher stopped was scancelled: no pass from its
 * task.  Records may create trials, which moves e->t and s->st: ids only
 * are kept across them. */
static int run_end(struct sim *s, int64_t id, uint64_t len, bool killed,
		   struct hps_error *err)
{
	const struct sim_trial *st = &s->st[id - 1];
	size_t a = st->array;
	json_t *rec = json_pack("{s:s,s:I,s:I,s:s,s:i,s:i}", "ev", "exit",
				"trial", (json_int_t)id, "run", (json_int_t)s->e->t[id - 1].runs,
				"outcome", "ok", "code", 0, "signal", 0);

	if (killed)
		json_object_set_new(rec, "terminated", json_true());
	s->r->busy_slot_s += (s->now - st->run_start) * (double)s->spt;
	s->r->length_trained += len - st->run_from;
	s->r->makespan_s = s->now;
	s->running--;
	if (apply(s, rec, err) < 0)
		return -1;
	if (killed) {
		s->free_slots += s->spt;
		s->arr[a].active--;
		return pass(s, 0, 0, err);
	}
	return pass(s, id, a, err);
}

static int on_event(struct sim *s, const struct sim_event *ev,
		    struct hps_error *err)
{
	struct trial *t;

	account_idle(s, ev->time);
	s->now = ev->time;
	if (ev->kind == SEV_ELIGIBLE) {
		ready_add(s, (size_t)ev->id);
		try_start(s);
		return 0;
	}
	if (!(t = current(s, ev)))
		return 0;	/* a run that was stopped meanwhile */
	if (report(s, t, ev->length, err) < 0)
		return -1;
	if (ev->kind == SEV_END)
		return run_end(s, ev->id, ev->length, false, err);
	return s->e->t[ev->id - 1].kill ? run_end(s, ev->id, ev->length, true, err) : 0;
}

/* ---- setup and results ---- */

static int setup(struct sim *s, const struct hps_config *cfg,
		 struct hps_error *err)
{
	struct experiment *e = xcalloc(1, sizeof(*e));

	s->e = e;
	/* A shallow copy, borrowed: release() takes it back before exp_free. */
	e->cfg = *cfg;
	e->id = 1;
	e->state = EXP_ACTIVE;
	e->on_op = on_op;
	e->on_op_ctx = s;
	if (!e->cfg.has_seed)
		e->cfg.experiment_seed = s->o->seed;
	s->spt = e->cfg.slots_per_trial > 0 ? e->cfg.slots_per_trial : 1;
	if (s->o->slots < s->spt)
		return hps_errorf(err, "%lld slots cannot hold a trial of %lld slots",
				  (long long)s->o->slots, (long long)s->spt);
	s->free_slots = s->o->slots;
	if (!(e->s = searcher_new(&e->cfg, err)) ||
	    plan_make(&e->cfg.searcher, space_grid_size(&e->cfg.hparams), &s->plan, err) < 0)
		return -1;
	return 0;
}

static json_t *rung_counts(const json_t *rungs, const char *key)
{
	json_t *out = json_array(), *b, *g;
	size_t i, k;

	json_array_foreach(rungs, i, b) {
		json_t *row = json_array();
		json_array_foreach(json_object_get(b, "rungs"), k, g)
			json_array_append(row, json_object_get(g, key));
		json_array_append_new(out, row);
	}
	return out;
}

/* Random, grid and single have one rung per (single) bracket and promote
 * nothing; ASHA's counts are the searcher's own. */
static void collect(struct sim *s)
{
	struct sim_result *r = s->r;
	json_t *rungs = searcher_rungs(s->e->s), *row, *v;
	const struct trial *best = exp_best_trial(s->e);
	size_t i, k;

	if (!json_array_size(rungs)) {
		json_decref(rungs);
		rungs = json_pack("[{s:[{s:I,s:I,s:i}]}]", "rungs", "length",
				  (json_int_t)max_length(s), "reported",
				  (json_int_t)s->e->n, "promoted", 0);
	}
	r->promotions_per_rung = rung_counts(rungs, "promoted");
	r->trials_per_rung = rung_counts(rungs, "reported");
	r->rung_lengths = rung_counts(rungs, "length");
	json_array_foreach(r->promotions_per_rung, i, row)
		json_array_foreach(row, k, v)
			r->promotions += json_integer_value(v);
	json_decref(rungs);
	r->trials = (int64_t)s->e->n;
	r->state = exp_state_name(s->e->state);
	r->utilisation = r->makespan_s > 0
		? r->busy_slot_s / ((double)s->o->slots * r->makespan_s) : 0;
	r->utilisation_with_work = r->busy_slot_s > 0
		? r->busy_slot_s / (r->busy_slot_s + r->idle_with_work_slot_s) : 0;
	if ((r->has_best = best != NULL)) {
		r->best_metric = best->best;
		r->best_trial = best->id;
	}
}

static void release(struct sim *s)
{
	for (size_t i = 0; i < s->narr; i++)
		free(s->arr[i].v);
	free(s->arr);
	free(s->ready);
	free(s->cand);
	free(s->st);
	sim_heap_release(&s->h);
	plan_release(&s->plan);
	if (s->e)
		memset(&s->e->cfg, 0, sizeof(s->e->cfg));	/* the caller's */
	exp_free(s->e);
}

static int run_loop(struct sim *s, struct hps_error *err)
{
	struct sim_event ev;

	if (apply(s, json_pack("{s:s}", "ev", "start"), err) < 0 ||
	    pass(s, 0, 0, err) < 0)
		return -1;
	while (sim_heap_pop(&s->h, &ev))
		if (on_event(s, &ev, err) < 0)
			return -1;
	if (!exp_is_over(s->e))
		return hps_errorf(err, "the search stalled at %.0f s with %lld trials (searcher not done)",
				  s->now, (long long)s->e->n);
	return 0;
}

int simulate(const struct hps_config *cfg, const struct sim_opts *o,
	     struct sim_result *r, struct hps_error *err)
{
	struct sim s = {.o = o, .r = r};
	int rc;

	memset(r, 0, sizeof(*r));
	rc = setup(&s, cfg, err);
	if (rc == 0)
		rc = run_loop(&s, err);
	if (rc == 0)
		collect(&s);
	release(&s);
	if (rc < 0) {
		sim_result_release(r);
		memset(r, 0, sizeof(*r));
	}
	return rc;
}

void sim_result_release(struct sim_result *r)
{
	json_decref(r->promotions_per_rung);
	json_decref(r->trials_per_rung);
	json_decref(r->rung_lengths);
	r->promotions_per_rung = r->trials_per_rung = r->rung_lengths = NULL;
}
