/* Unit tests of the searcher (REFERENCE.md 2.1-2.8): hand-worked traces of
 * events and the operations each must give, then save/load and replay.
 *
 * A trace step is one event and the ops it appends, written compactly:
 *   C<t>/<b>   OP_CREATE of trial t in bracket b
 *   R<t>:<L>   OP_RUN of trial t to cumulative length L
 *   S<t>       OP_STOP of trial t
 *   X<t>       OP_CLOSE of trial t
 *   ERR        the event was refused (-1)
 * The expected strings were worked out by hand from REFERENCE.md (and the
 * Determined sources it cites); the reasoning is in the comment above each.
 * Metrics in the comments are the stored values (negated when maximising);
 * "rung0 [a, b]" lists a rung's results in rank order by trial id.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "expconf.h"
#include "searcher.h"
#include "space.h"
#include "tap.h"

#define HEAD "entrypoint: x\nreproducibility: {experiment_seed: 42}\n" \
	"hyperparameters:\n" \
	"  lr: {type: log, base: 10, minval: -4, maxval: -1}\n" \
	"  layers: {type: int, minval: 1, maxval: 8}\n" \
	"  opt: {type: categorical, vals: [sgd, adam]}\n"

/* async_halving, 2 rungs, d=2, L=8: rungs at 4 and 8. */
#define PROMO(mt, mct) HEAD "searcher: {name: async_halving, metric: loss, " \
	"num_rungs: 2, divisor: 2, max_trials: " #mt ", max_concurrent_trials: " \
	#mct ", max_length: {batches: 8}}\n"
#define STOPPING(mt, mct) HEAD "searcher: {name: async_halving, metric: loss, " \
	"num_rungs: 2, divisor: 2, max_trials: " #mt ", max_concurrent_trials: " \
	#mct ", time_metric: batches, max_time: 8}\n"

struct h {
	struct hps_config cfg;
	struct searcher *s;
	char buf[8192];
};

static int load_cfg(const char *yaml, struct hps_config *cfg)
{
	struct diag d;
	struct ynode *root;
	int rc;

	memset(cfg, 0, sizeof(*cfg));	/* expconf_release() is then always safe */
	diag_init(&d, "t.yaml");
	root = ytree_load_string(yaml, strlen(yaml), &d);
	rc = root ? expconf_load_tree(root, cfg, &d) : -1;
	if (rc < 0)
		for (size_t i = 0; i < d.n; i++)
			diag("%s", d.v[i].msg);
	diag_release(&d);
	return rc;
}

static int h_init(struct h *h, const char *yaml)
{
	struct hps_error err;

	memset(h, 0, sizeof(*h));
	if (load_cfg(yaml, &h->cfg) < 0) {
		ok(0, "config loads");
		return -1;
	}
	h->s = searcher_new(&h->cfg, &err);
	if (!h->s) {
		ok(0, "searcher_new: %s", err.msg);
		return -1;
	}
	return 0;
}

static void h_free(struct h *h)
{
	searcher_free(h->s);
	expconf_release(&h->cfg);
}

static void put(struct h *h, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put(struct h *h, size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= sizeof(h->buf) - 1)
		return;
	va_start(ap, fmt);
	*n += (size_t)vsnprintf(h->buf + *n, sizeof(h->buf) - *n, fmt, ap);
	va_end(ap);
}

static const char *fmt_ops(struct h *h, const struct ops *ops, int rc)
{
	size_t n = 0;

	h->buf[0] = 0;
	if (rc < 0)
		return "ERR";
	for (size_t i = 0; i < ops->n; i++) {
		const struct op *op = &ops->v[i];
		long long t = (long long)op->trial;
		put(h, &n, "%s", i ? " " : "");
		if (op->kind == OP_CREATE)
			put(h, &n, "C%lld/%d", t, op->bracket);
		else if (op->kind == OP_RUN)
			put(h, &n, "R%lld:%llu", t, (unsigned long long)op->length);
		else
			put(h, &n, "%c%lld", op->kind == OP_STOP ? 'S' : 'X', t);
	}
	return h->buf;
}

static char *dumps(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
			  JSON_REAL_PRECISION(17));
}

/* Save and load in place (through text), as a reap pass would.  With
 * reload_every set, every event of every trace is preceded by one: the
 * traces must come out the same (test-only state). */
static int reload_every;

static int reload(struct h *h)
{
	struct hps_error err;
	json_t *j = searcher_save(h->s), *back, *again = NULL;
	char *text = dumps(j), *text2 = NULL;
	struct searcher *s2;
	int rc = -1;

	back = json_loads(text, 0, NULL);
	s2 = searcher_load(&h->cfg, back, &err);
	if (!s2) {
		diag("reload: %s", err.msg);
		goto out;
	}
	searcher_free(h->s);
	h->s = s2;
	again = searcher_save(s2);
	text2 = dumps(again);
	rc = strcmp(text, text2) ? -1 : 0;	/* save(load(save)) = save */
out:
	if (rc < 0)
		ok(0, "reload round-trips the state");
	free(text);
	free(text2);
	json_decref(j);
	json_decref(back);
	json_decref(again);
	return rc;
}

static const char *start(struct h *h)
{
	struct ops ops = {0};
	struct hps_error err;
	int rc = searcher_start(h->s, &ops, &err);
	const char *r = fmt_ops(h, &ops, rc);

	ops_release(&ops);
	return r;
}

static const char *val(struct h *h, int64_t t, uint64_t len, double m)
{
	struct ops ops = {0};
	struct hps_error err;
	int rc;

	if (reload_every)
		reload(h);
	rc = searcher_validation(h->s, t, len, m, &ops, &err);
	const char *r = fmt_ops(h, &ops, rc);

	ops_release(&ops);
	return r;
}

static const char *ex(struct h *h, int64_t t, enum trial_exit why)
{
	struct ops ops = {0};
	struct hps_error err;
	int rc;

	if (reload_every)
		reload(h);
	rc = searcher_exit(h->s, t, why, &ops, &err);
	const char *r = fmt_ops(h, &ops, rc);

	ops_release(&ops);
	return r;
}

/* The rungs JSON of one bracket as "reported/promoted/outstanding@length"
 * per rung. */
static const char *rungs_of(struct h *h, size_t b)
{
	json_t *all = searcher_rungs(h->s);
	json_t *rungs = json_object_get(json_array_get(all, b), "rungs");
	size_t i, n = 0;
	json_t *r;

	h->buf[0] = 0;
	json_array_foreach(rungs, i, r) {
		n += (size_t)snprintf(h->buf + n, sizeof(h->buf) - n,
			"%s%lld/%lld/%lld@%lld", i ? " " : "",
			(long long)json_integer_value(json_object_get(r, "reported")),
			(long long)json_integer_value(json_object_get(r, "promoted")),
			(long long)json_integer_value(json_object_get(r, "outstanding")),
			(long long)json_integer_value(json_object_get(r, "length")));
	}
	json_decref(all);
	return h->buf;
}

static char *dup(const char *s)
{
	char *d = malloc(strlen(s) + 1);

	strcpy(d, s);
	return d;
}

/* ---- 2.1, 2.4: random ---- */

/* 2.4 + DESIGN: random creates all max_trials trials up front, whatever
 * max_concurrent_trials says (the backend throttles); each is OP_CREATE then
 * OP_RUN to the searcher's length. */
static void t_random_up_front(void)
{
	struct h h;

	if (h_init(&h, HEAD "searcher: {name: random, metric: loss, max_trials: 3, "
		   "max_concurrent_trials: 2, max_length: {batches: 100}}\n") == 0)
		is_str(start(&h), "C1/0 R1:100 C2/0 R2:100 C3/0 R3:100",
		       "2.4 random: max_trials=3 trials up front despite mct=2");
	h_free(&h);
}

/* 2.1: each creation draws hyperparameters, then the request id (4 x b32),
 * then the seed (Int64n(2^31)), from the one RNG seeded with
 * experiment_seed: a fresh rng doing exactly that must agree, trial after
 * trial. */
static void t_draw_order(void)
{
	struct h h;
	struct ops ops = {0};
	struct hps_error err;
	struct rng r;
	int same = 1;

	if (h_init(&h, HEAD "searcher: {name: random, metric: loss, max_trials: 5}\n") < 0)
		goto out;
	searcher_start(h.s, &ops, &err);
	is_int((long long)ops.n, 10, "2.1 random: 5 creates + 5 runs");
	rng_seed(&r, 42);
	for (size_t i = 0; i < ops.n; i += 2) {
		json_t *hp = space_sample(&h.cfg.hparams, &r);
		char rid[37], *a = dumps(hp), *b = dumps(ops.v[i].hparams);
		rng_uuid4(&r, rid);
		uint32_t seed = (uint32_t)rng_intn(&r, UINT64_C(1) << 31);
		if (strcmp(a, b) || strcmp(rid, ops.v[i].request_id) ||
		    seed != ops.v[i].seed || ops.v[i].trial != (int64_t)(i / 2 + 1)) {
			diag("trial %zu: %s %s %u vs %s %s %u", i / 2 + 1, b,
			     ops.v[i].request_id, ops.v[i].seed, a, rid, seed);
			same = 0;
		}
		free(a);
		free(b);
		json_decref(hp);
	}
	ok(same, "2.1 draw order: hp, request id, seed; trials numbered 1..");
	ops_release(&ops);
out:
	h_free(&h);
}

/* 2.4: random replaces InvalidHP at exit (created--, then create on exit):
 * trial 2 invalid -> new trial 4.  Errored trial 1 counts toward
 * max_trials and is not replaced.  Validations are ignored.  Done once all
 * four are closed. */
static void t_random_invalid(void)
{
	struct h h;

	if (h_init(&h, HEAD "searcher: {name: random, metric: loss, max_trials: 3, "
		   "max_length: {batches: 10}}\n") < 0)
		goto out;
	start(&h);
	is_str(val(&h, 1, 10, 0.5), "", "2.4 random: a validation changes nothing");
	is_str(ex(&h, 2, TEXIT_INVALID_HP), "C4/0 R4:10",
	       "2.4 random: InvalidHP is replaced by a new trial");
	is_str(ex(&h, 1, TEXIT_ERRORED), "", "2.4 random: errored is not replaced");
	is_str(ex(&h, 3, TEXIT_CANCELED), "", "2.4 random: cancelled is not replaced");
	ok(!searcher_done(h.s), "2.8 not done while trial 4 runs");
	is_double(searcher_progress(h.s), 0.75, "2.8 random progress: 3 of 4 closed");
	is_str(ex(&h, 4, TEXIT_COMPLETED), "", "2.4 random: last exit");
	ok(searcher_done(h.s), "2.8 done: all created trials closed");
out:
	h_free(&h);
}

/* 2.4: single is random with max_trials 1, but InvalidHP is NOT replaced
 * (Determined PR #3246): the search ends. */
static void t_single(void)
{
	struct h h;

	if (h_init(&h, HEAD "searcher: {name: single, metric: loss, "
		   "max_length: {batches: 5}}\n") < 0)
		goto out;
	is_str(start(&h), "C1/0 R1:5", "2.4 single: one trial");
	is_str(ex(&h, 1, TEXIT_INVALID_HP), "", "2.4 single: InvalidHP not replaced");
	ok(searcher_done(h.s), "2.4 single: done after its one trial");
out:
	h_free(&h);
}

/* 2.3: points = cartesian product in sorted-name order, first axis
 * slowest: a in {0,1,2} x b in {x,y} = 6 points, (0,x) .. (2,y).  Trials
 * pop from the end: trial 1 = (2,y), trial 6 = (0,x).  No hyperparameter
 * draws: request ids and seeds are the first 6 x (uuid, seed) draws.  No
 * max_length: OP_RUN length 0.  Grid never replaces. */
static void t_grid(void)
{
	struct h h;
	struct ops ops = {0};
	struct hps_error err;
	struct rng r;
	char rid[37], *p1 = NULL, *p6 = NULL;
	int ids = 1;

	if (h_init(&h, "entrypoint: x\nreproducibility: {experiment_seed: 9}\n"
		   "searcher: {name: grid, metric: loss}\nhyperparameters:\n"
		   "  b: {type: categorical, vals: [x, y]}\n"
		   "  a: {type: int, minval: 0, maxval: 2, count: 3}\n") < 0)
		goto out;
	searcher_start(h.s, &ops, &err);
	is_str(fmt_ops(&h, &ops, 0), "C1/0 R1:0 C2/0 R2:0 C3/0 R3:0 C4/0 R4:0 "
	       "C5/0 R5:0 C6/0 R6:0", "2.3 grid: 6 points, all up front, length 0");
	p1 = dumps(ops.v[0].hparams);
	p6 = dumps(ops.v[10].hparams);
	is_str(p1, "{\"a\":2,\"b\":\"y\"}", "2.3 grid: trial 1 = last point");
	is_str(p6, "{\"a\":0,\"b\":\"x\"}", "2.3 grid: trial 6 = first point");
	rng_seed(&r, 9);
	for (size_t i = 0; i < ops.n; i += 2) {
		rng_uuid4(&r, rid);
		ids &= !strcmp(rid, ops.v[i].request_id) &&
		       ops.v[i].seed == (uint32_t)rng_intn(&r, UINT64_C(1) << 31);
	}
	ok(ids, "2.1 grid: request id and seed only, no hp draws");
	is_str(ex(&h, 1, TEXIT_INVALID_HP), "", "2.3 grid: InvalidHP not replaced");
	is_str(ex(&h, 2, TEXIT_ERRORED), "", "2.3 grid: errored not replaced");
	free(p1);
	free(p6);
	ops_release(&ops);
out:
	h_free(&h);
}

/* 2.3: no hyperparameters -> empty product -> no trials: done at once. */
static void t_grid_empty(void)
{
	struct h h;

	if (h_init(&h, "entrypoint: x\nsearcher: {name: grid, metric: loss}\n") < 0)
		goto out;
	ok(!searcher_done(h.s), "2.8 not done before start");
	is_str(start(&h), "", "2.3 grid without hyperparameters: no trials");
	ok(searcher_done(h.s), "2.8 an empty grid is done at once");
	is_str(start(&h), "ERR", "searcher_start twice is refused");
out:
	h_free(&h);
}

/* ---- 2.6: promotion-based ASHA (legacy stop_once: false) ---- */

/* 2.6, d=2, rungs 4/8, max_trials 4, mct 2 (initial min(2,4) = 2).
 *  t1 0.5: len 0: old 0, new int(1/2)=0: no promotion -> create t3.
 *  t2 0.3: len 1: old 0, new 1; idx 0 < 1: promoteNow -> R2:8, no create.
 *  t3 0.4: len 2: old 1, new int(3/2)=1; idx 1: none -> create t4.
 *  t4 0.1: len 3: old 1, new 2; idx 0 < 2 -> R4:8.  len(rung0) = 4 =
 *     max_trials -> closeOutRungs: rung0 has 0 outstanding, close the
 *     unpromoted in rank order [t4 P, t2 P, t3, t1] -> X3 X1; rung1 has 2
 *     outstanding -> stop there.
 *  t2 at 8: top rung -> X2 (closeOut: rung1 still has t4).  t4 -> X4. */
static void t_promotion_basic(void)
{
	struct h h;

	if (h_init(&h, PROMO(4, 2)) < 0)
		goto out;
	is_str(start(&h), "C1/0 R1:4 C2/0 R2:4", "2.6 initial = min(mct, max_trials), OP_RUN to rung 0");
	is_str(val(&h, 1, 4, 0.5), "C3/0 R3:4", "2.6 first result: new=int(1/d)=0, nothing promoted -> new trial");
	is_str(val(&h, 2, 4, 0.3), "R2:8", "2.6 promoteNow: idx 0 < new 1 -> OP_RUN to rung 1");
	is_str(val(&h, 3, 4, 0.4), "C4/0 R4:4", "2.6 new == old: nothing promoted -> new trial");
	is_double(searcher_progress(h.s), 3 / 4.8, "2.8 ASHA progress: rung0 3 / (1.2*4)");
	is_str(val(&h, 4, 4, 0.1), "R4:8 X3 X1",
	       "2.6 closeOutRungs once len(rung0) == max_trials: unpromoted closed in rank order");
	is_str(rungs_of(&h, 0), "4/2/0@4 0/0/2@8", "rungs: reported/promoted/outstanding");
	is_str(val(&h, 2, 8, 0.2), "X2", "2.6 top-rung validation -> OP_CLOSE");
	ok(!searcher_done(h.s), "2.8 not done while trial 4 runs");
	is_str(val(&h, 4, 8, 0.05), "X4", "2.6 last top-rung result");
	ok(searcher_done(h.s), "2.8 done: every trial closed");
	is_double(searcher_progress(h.s), 1.0, "2.8 progress 1 when done");
out:
	h_free(&h);
}

/* 2.6 "promote metrics[old]": d=2, max_trials 4, mct 4 (all four start).
 *  t1 0.2: len 0, old = new = 0: nothing; 4 created: no create.  t1 waits.
 *  t2 0.5: len 1: old 0, new 1; idx 1 (0.2 < 0.5) not < 1; new != old and
 *     metrics[0] = t1 not promoted -> promote the waiting t1: R1:8.
 *  t3 0.1: len 2: old 1, new 1; idx 0 < 1 -> R3:8.
 *  t4 0.3: len 3: old 1, new 2; idx 2: not < 2; metrics[1] = t1 already
 *     promoted -> nothing.  rung0 full -> close [t3 P, t1 P, t4, t2]: X4 X2. */
static void t_promote_old(void)
{
	struct h h;

	if (h_init(&h, PROMO(4, 4)) < 0)
		goto out;
	start(&h);
	is_str(val(&h, 1, 4, 0.2), "", "2.6 first result waits (paused)");
	ok(searcher_trial_state(h.s, 1) == TRIAL_PAUSED, "trial 1 is paused");
	is_str(val(&h, 2, 4, 0.5), "R1:8", "2.6 promote metrics[old]: the paused trial 1 goes on");
	ok(searcher_trial_state(h.s, 1) == TRIAL_RUNNING, "trial 1 runs again");
	is_str(val(&h, 3, 4, 0.1), "R3:8", "2.6 promoteNow");
	is_str(val(&h, 4, 4, 0.3), "X4 X2", "2.6 metrics[old] already promoted: nothing; closeOut");
	is_str(val(&h, 1, 8, 0.3), "X1", "2.6 top rung closes");
	is_str(val(&h, 3, 8, 0.2), "X3", "2.6 top rung closes; done");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.6 closeOutRungs waits for len(rung0) == max_trials: d=2, max_trials 4,
 * mct 1.
 *  t1 0.5: nothing promoted -> create t2.
 *  t2 0.3: len 1: old 0, new 1, idx 0 -> R2:8; no create.  Rung 0 has
 *     nothing outstanding now, but only 2 of 4 results: t1 keeps waiting.
 *  t2 at 8: top -> X2; nothing promoted -> create t3.
 *  t3 0.4: len 2: old = new = 1, idx 1: nothing -> create t4.
 *  t4 0.2: len 3: old 1, new 2, idx 0 -> R4:8; rung0 full: close
 *     [t4 P, t2 P, t3, t1] -> X3 X1. */
static void t_closeout_waits(void)
{
	struct h h;

	if (h_init(&h, PROMO(4, 1)) < 0)
		goto out;
	is_str(start(&h), "C1/0 R1:4", "2.6 mct 1: one initial trial");
	is_str(val(&h, 1, 4, 0.5), "C2/0 R2:4", "2.6 nothing promoted -> new trial");
	is_str(val(&h, 2, 4, 0.3), "R2:8", "2.6 no closeOut before rung 0 has max_trials results");
	is_str(val(&h, 2, 8, 0.3), "X2 C3/0 R3:4", "2.6 top rung closes; nothing promoted -> new trial");
	is_str(val(&h, 3, 4, 0.4), "C4/0 R4:4", "2.6 t1 still waits");
	is_str(val(&h, 4, 4, 0.2), "R4:8 X3 X1", "2.6 rung 0 full: closeOut");
	is_str(val(&h, 4, 8, 0.1), "X4", "2.6 top rung");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.6 closeOutRungs stops at the first rung with outstanding trials:
 * 3 rungs at 2/4/8, d=2, max_trials 4, mct 4.
 *  t1 0.5 waits.  t2 0.3: len 1, new 1, idx 0 -> R2:4.
 *  t3 0.4: len 2, old = new = 1, idx 1: nothing.
 *  t4 0.1: len 3, old 1, new 2, idx 0 -> R4:4.  rung0 full: close t3, t1;
 *     rung 1 has t2 and t4 outstanding: stop.
 *  (save and load here: the outstanding counts must survive)
 *  t2 0.3 at rung 1: alone there: new = int(1/2) = 0, nothing; 4 created:
 *     no create; closeOut: rung 1 still has t4 outstanding, so t2, which
 *     was not promoted there, stays open.
 *  t4 0.2 at rung 1: [t2 .3]: old 0, new 1, idx 0 -> R4:8; closeOut: rung
 *     1 has nothing outstanding now: X2; rung 2 has t4: stop. */
static void t_closeout_outstanding(void)
{
	struct h h;

	if (h_init(&h, HEAD "searcher: {name: async_halving, metric: loss, num_rungs: 3, "
		   "divisor: 2, max_trials: 4, max_concurrent_trials: 4, "
		   "max_length: {batches: 8}}\n") < 0)
		goto out;
	is_str(start(&h), "C1/0 R1:2 C2/0 R2:2 C3/0 R3:2 C4/0 R4:2", "2.6 rungs 2/4/8");
	is_str(val(&h, 1, 2, 0.5), "", "2.6 t1 waits");
	is_str(val(&h, 2, 2, 0.3), "R2:4", "2.6 t2 promoted now");
	is_str(val(&h, 3, 2, 0.4), "", "2.6 t3 waits");
	is_str(val(&h, 4, 2, 0.1), "R4:4 X3 X1", "2.6 rung 0 full: its unpromoted trials closed");
	reload(&h);
	is_str(val(&h, 2, 4, 0.3), "",
	       "2.6 closeOutRungs stops at rung 1: t4 still runs toward it, t2 stays open");
	is_str(val(&h, 4, 4, 0.2), "R4:8 X2", "2.6 rung 1 settled: its unpromoted trial is closed");
	is_str(val(&h, 4, 8, 0.1), "X4", "2.6 top rung");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.6 tie: idx = first metric > m, so an equal new value ranks AFTER.
 *  t1 0.5 waits.  t2 0.5: len 1: old 0, new 1; idx 1 (0.5 is not > 0.5):
 *  not promoted; metrics[0] = t1 -> R1:8 (the older of the tie wins).
 *  t3 0.9: len 2: old = new = 1: nothing; rung0 full (3) -> X2 X3. */
static void t_promotion_tie(void)
{
	struct h h;

	if (h_init(&h, PROMO(3, 3)) < 0)
		goto out;
	start(&h);
	is_str(val(&h, 1, 4, 0.5), "", "2.6 tie: first result waits");
	is_str(val(&h, 2, 4, 0.5), "R1:8", "2.6 tie: the new equal value ranks after: trial 1 promoted");
	is_str(val(&h, 3, 4, 0.9), "X2 X3", "2.6 closeOut after the tie");
	is_str(val(&h, 1, 8, 0.4), "X1", "2.6 top rung");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.6 InvalidHP: d=2, max_trials 2, mct 2.
 *  t1 invalid: leaves rung 0 (outstanding 2 -> 1), invalid=1, always
 *     create t3.
 *  t2 0.5: old = new = 0: none; created 3 - invalid 1 = 2, not < 2: no
 *     create; len(rung0) 1 != 2.
 *  t3 0.4: len 1: old 0, new 1; idx 0 -> R3:8; len(rung0) 2 == 2:
 *     closeOut: rung0 [t3 P, t2] -> X2. */
static void t_promotion_invalid(void)
{
	struct h h;

	if (h_init(&h, PROMO(2, 2)) < 0)
		goto out;
	start(&h);
	is_str(ex(&h, 1, TEXIT_INVALID_HP), "C3/0 R3:4", "2.6 InvalidHP: always replaced");
	is_str(val(&h, 2, 4, 0.5), "", "2.6 InvalidHP does not count: created-invalid = max, no create");
	is_str(val(&h, 3, 4, 0.4), "R3:8 X2", "2.6 the replacement completes rung 0: closeOut");
	is_str(val(&h, 3, 8, 0.3), "X3", "2.6 top rung");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.6 errored = worst metric, and a promoted trial that already exited
 * re-reports the worst metric at the next rung (Determined #1022).
 * d=2, max_trials 3, mct 2.
 *  t1 errored: rung0 [t1 MAX]; old = new = 0; nothing promoted -> create t3.
 *  t2 errored: len 1: old 0, new 1; idx 1 (MAX is not > MAX): not now;
 *     metrics[0] = t1 unpromoted -> promote t1, which has exited: it
 *     "reports" MAX at rung 1 (the top): recorded, no OP_CLOSE (closed
 *     already), no OP_RUN.  created 3 = max: no create.  No ops at all.
 *  t3 0.5: len 2: old 1, new 1; idx 0 < 1 -> R3:8; rung0 full (3):
 *     closeOut: t2 is closed already; rung1 has t3 outstanding.
 *  t3 at 8 -> X3. */
static void t_promotion_errored(void)
{
	struct h h;

	if (h_init(&h, PROMO(3, 2)) < 0)
		goto out;
	start(&h);
	is_str(ex(&h, 1, TEXIT_ERRORED), "C3/0 R3:4", "2.6 errored = worst metric at its rung; nothing promoted -> new trial");
	is_str(ex(&h, 2, TEXIT_ERRORED), "",
	       "2.6 promoted early-exited trial re-reports the worst metric (no OP_RUN to a dead trial)");
	is_str(rungs_of(&h, 0), "2/1/1@4 1/0/0@8", "2.6 the dead trial's worst metric sits in rung 1");
	is_str(val(&h, 3, 4, 0.5), "R3:8", "2.6 any result beats the errored ones");
	is_str(val(&h, 3, 8, 0.4), "X3", "2.6 top rung");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.6 maximising: smaller_is_better false stores -m.  d=2, max_trials 2.
 *  t1 0.3 -> -0.3 waits.  t2 0.5 -> -0.5: len 1: old 0, new 1; idx = first
 *  > -0.5 = 0 -> promote t2 now: R2:8; rung0 full -> close t1: X1.
 *  Minimising the same reports promotes t1 (idx 1, metrics[0]) and closes t2. */
static void t_promotion_maximise(void)
{
	struct h h;

	if (h_init(&h, HEAD "searcher: {name: async_halving, metric: acc, "
		   "smaller_is_better: false, num_rungs: 2, divisor: 2, max_trials: 2, "
		   "max_length: {batches: 8}}\n") == 0) {
		start(&h);
		is_str(val(&h, 1, 4, 0.3), "", "2.6 maximise: first result waits");
		is_str(val(&h, 2, 4, 0.5), "R2:8 X1", "2.6 maximise: the larger value is promoted");
	}
	h_free(&h);
	if (h_init(&h, PROMO(2, 2)) == 0) {
		start(&h);
		val(&h, 1, 4, 0.3);
		is_str(val(&h, 2, 4, 0.5), "R1:8 X2", "2.6 minimise: the smaller value is promoted");
	}
	h_free(&h);
}

/* async_halving is a single bracket; mct 0 -> initial
 * clamp(1, int(d^(n-1)), max_trials) = clamp(1, 2^2 = 4, 10) = 4.  Rungs
 * max(int(16 / 2^(2-i)), 1) = 4, 8, 16. */
static void t_async_halving(void)
{
	struct h h;

	if (h_init(&h, HEAD "searcher: {name: async_halving, metric: loss, num_rungs: 3, "
		   "divisor: 2, max_trials: 10, max_concurrent_trials: 0, "
		   "max_length: {batches: 16}}\n") < 0)
		goto out;
	is_str(start(&h), "C1/0 R1:4 C2/0 R2:4 C3/0 R3:4 C4/0 R4:4",
	       "2.6 async_halving mct 0: d^(n-1) = 4 initial trials, all bracket 0");
	json_t *r = searcher_rungs(h.s);
	is_int((long long)json_array_size(r), 1, "async_halving: one bracket");
	json_decref(r);
	is_str(rungs_of(&h, 0), "0/0/4@4 0/0/0@8 0/0/0@16", "2.5 rung targets 4, 8, 16");
out:
	h_free(&h);
}

/* ---- 2.5: stopping-based ASHA (time_metric, Determined 0.38) ---- */

/* 2.5 tie: idx = first metric >= m, so an equal new value ranks AHEAD.
 * d=2, rungs 4/8, max_trials 3, mct 3; each trial OP_RUN to 8.
 *  t1 0.5 at 4: rung0 [t1], keep max(int(1/2),1) = 1, idx 0: continues.
 *  t2 0.5 at 4: idx 0 (ahead of t1), len 2, keep 1: continues (ranked
 *     after, as in 2.6, it would be idx 1 >= 1 and stop).
 *  t3 0.5 at 4: idx 0 again: continues.
 *  t1 0.4 at 8: rung 1 is the top: STOP; 3 created: no new trial.
 *  t2 finishes on its own: no replacement.  t3 errors: worst at rung 1,
 *  no new trial (3 created). */
static void t_stopping_tie(void)
{
	struct h h;

	if (h_init(&h, STOPPING(3, 3)) < 0)
		goto out;
	is_str(start(&h), "C1/0 R1:8 C2/0 R2:8 C3/0 R3:8", "2.5 one OP_RUN to the top length per trial");
	is_str(val(&h, 1, 4, 0.5), "", "2.5 best so far continues");
	is_str(val(&h, 2, 4, 0.5), "", "2.5 tie: the new equal value ranks ahead and continues");
	is_str(val(&h, 3, 4, 0.5), "", "2.5 tie again: ahead, continues");
	is_str(val(&h, 1, 8, 0.4), "S1", "2.5 reaching the top rung stops the trial");
	is_str(ex(&h, 2, TEXIT_COMPLETED), "", "2.5 a normal exit creates nothing");
	is_str(ex(&h, 3, TEXIT_ERRORED), "", "2.5 errored at max_trials: no new trial");
	is_str(rungs_of(&h, 0), "3/3/0@4 2/0/0@8", "2.5 rungs: t3's worst metric went to rung 1");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.5 one report crossing several rungs: d=2, max_time 8, 3 rungs at
 * max(int(8/2^(2-i)),1) = 2, 4, 8; max_trials 3, mct 2.
 *  t1 0.3 at 8: rung0 idx 0 keep 1 -> on; rung1 same -> on; rung2 is the
 *     top -> STOP; a STOP with 2 - 0 < 3 created -> new trial t3.
 *  t2 0.2 at 5: rung0 [t2, t1] idx 0 keep 1 -> on; rung1 (4 <= 5) idx 0
 *     -> on; rung2 needs 8 > 5: wait.  No ops.
 *  t3 0.4 at 2: rung0 [t2, t1, t3] idx 2 >= keep max(int(3/2),1) = 1: STOP;
 *     3 created: no new trial.
 *  t2 0.9 at 8: the walk resumes at rung2 (top): STOP. */
static void t_stopping_cross(void)
{
	struct h h;

	if (h_init(&h, HEAD "searcher: {name: async_halving, metric: loss, num_rungs: 3, "
		   "divisor: 2, max_trials: 3, max_concurrent_trials: 2, "
		   "time_metric: batches, max_time: 8}\n") < 0)
		goto out;
	is_str(start(&h), "C1/0 R1:8 C2/0 R2:8", "2.5 initial trials");
	is_str(val(&h, 1, 8, 0.3), "S1 C3/0 R3:8", "2.5 one report crosses all three rungs; STOP -> new trial");
	is_str(val(&h, 2, 5, 0.2), "", "2.5 one report crosses two rungs and waits below the third");
	is_str(val(&h, 3, 2, 0.4), "S3", "2.5 not in the top 1/d at rung 0: STOP; max_trials reached");
	is_str(rungs_of(&h, 0), "3/2/0@2 2/2/0@4 1/0/1@8", "2.5 rungs after the crossings");
	is_str(val(&h, 2, 8, 0.9), "S2", "2.5 the walk resumes at the trial's rung; top -> STOP");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.5 errored: +MaxFloat64 at the trial's current rung, then a new trial
 * below max_trials.  d=2, rungs 4/8, max_trials 3, mct 2.
 *  t1 errored: rung0 [t1 MAX]; 2 < 3 -> create t3.
 *  t2 1e9: idx 0 (MAX >= 1e9), keep 1: continues (errored ranks worst).
 *  t3 2e9: rung0 [t2, t1]: idx 1 >= keep max(int(3/2),1) = 1: STOP; 3
 *     created: no new trial. */
static void t_stopping_errored(void)
{
	struct h h;

	if (h_init(&h, STOPPING(3, 2)) < 0)
		goto out;
	start(&h);
	is_str(ex(&h, 1, TEXIT_ERRORED), "C3/0 R3:8", "2.5 errored: worst metric, new trial");
	is_str(val(&h, 2, 4, 1e9), "", "2.5 any value beats an errored trial");
	is_str(val(&h, 3, 4, 2e9), "S3", "2.5 second of 3 with keep 1: STOP");
	is_str(val(&h, 2, 8, 1.0), "S2", "2.5 top rung: STOP");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.5 InvalidHP: the trial's results leave every rung, invalid++, a new
 * trial is always created.  d=2, rungs 4/8, max_trials 2, mct 2.
 *  t1 0.5: continues (rung0 [t1]).
 *  t1 invalid: rung0 [] -> create t3.
 *  t2 0.9: rung0 empty: idx 0, continues (with t1's 0.5 still there it
 *     would be idx 1 >= 1: STOP).
 *  t3 invalid: create t4 (always, even at created-invalid = 2).
 *  t4 1.0: rung0 [t2]: idx 1 >= 1: STOP; 4 - 2 invalid = 2, not < 2:
 *     no new trial. */
static void t_stopping_invalid(void)
{
	struct h h;

	if (h_init(&h, STOPPING(2, 2)) < 0)
		goto out;
	start(&h);
	is_str(val(&h, 1, 4, 0.5), "", "2.5 t1 continues");
	is_str(ex(&h, 1, TEXIT_INVALID_HP), "C3/0 R3:8", "2.5 InvalidHP: replaced");
	is_str(val(&h, 2, 4, 0.9), "", "2.5 InvalidHP: its result left the rung");
	is_str(ex(&h, 3, TEXIT_INVALID_HP), "C4/0 R4:8", "2.5 InvalidHP: always replaced");
	is_str(val(&h, 4, 4, 1.0), "S4", "2.5 STOP without a new trial: invalid ones do not count");
	is_str(ex(&h, 2, TEXIT_COMPLETED), "", "2.5 normal exit");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.5 maximising: metrics are negated; the errored value is +MaxFloat64
 * AFTER negation (still the worst).  d=2, rungs 4/8, max_trials 3, mct 2.
 *  t1 errored: rung0 [t1 +MAX]; create t3.
 *  t2 reports -1e300 -> stored 1e300 < MAX: idx 0, continues.  (Had the
 *     errored value been negated too, -MAX would rank first: STOP.)
 *  t3 reports -2e300 -> 2e300: idx 1 >= 1: STOP (smaller is worse now). */
static void t_stopping_maximise(void)
{
	struct h h;

	if (h_init(&h, HEAD "searcher: {name: async_halving, metric: acc, "
		   "smaller_is_better: false, num_rungs: 2, divisor: 2, max_trials: 3, "
		   "max_concurrent_trials: 2, time_metric: batches, max_time: 8}\n") < 0)
		goto out;
	start(&h);
	is_str(ex(&h, 1, TEXIT_ERRORED), "C3/0 R3:8", "2.5 maximise: errored, new trial");
	is_str(val(&h, 2, 4, -1e300), "", "2.5 maximise: errored is +MAX after negation, worse than anything");
	is_str(val(&h, 3, 4, -2e300), "S3", "2.5 maximise: the smaller value is the worse");
	is_str(val(&h, 2, 8, 1.0), "S2", "2.5 maximise: top rung");
out:
	h_free(&h);
}

/* 2.6 stop_once: true without time_metric: the cut is computed before
 * inserting, numPromote = max(int((len+1)/d), 1); ties rank new first.
 * d=3, L=9: rungs max(int(9/3),1) = 3 and 9; max_trials 6, mct 6.
 *  t1 0.5: len 0, cut max(int(1/3),1) = 1, idx 0: on.
 *  t2 0.4: len 1, cut 1, idx 0: on.
 *  t3 0.45: len 2, cut max(int(3/3),1) = 1; [t2 .4, t1 .5] idx 1: STOP.
 *  t4 0.45: len 3, cut int(4/3) = 1; [.4, .45, .5]: idx 1 (tie ahead): STOP.
 *  t5 0.41: len 4, cut int(5/3) = 1; idx 1: STOP.
 *  t6 0.405: len 5, cut int(6/3) = 2; [.4, .41, .45, .45, .5]: idx 1 < 2: on.
 *  No new trials (6 created).  t1, t2, t6 at 9: top: STOP. */
static const char *const legacy_trace[] = {
	"", "", "S3", "S4", "S5", "", "S1", "S2", "S6",
};

static void legacy_events(struct h *h, const char **got)
{
	static const double m[] = {0.5, 0.4, 0.45, 0.45, 0.41, 0.405};

	for (int i = 0; i < 6; i++)
		got[i] = dup(val(h, i + 1, 3, m[i]));
	got[6] = dup(val(h, 1, 9, 0.3));
	got[7] = dup(val(h, 2, 9, 0.3));
	got[8] = dup(val(h, 6, 9, 0.3));
}

static void t_stop_once_legacy(void)
{
	const char *yaml[2] = {
		HEAD "searcher: {name: async_halving, metric: loss, num_rungs: 2, divisor: 3, "
		"max_trials: 6, max_concurrent_trials: 6, stop_once: true, "
		"max_length: {batches: 9}}\n",
		HEAD "searcher: {name: async_halving, metric: loss, num_rungs: 2, divisor: 3, "
		"max_trials: 6, max_concurrent_trials: 6, time_metric: batches, max_time: 9}\n",
	};
	const char *name[2] = {"2.6 stop_once: cut max(int((len+1)/d),1) before insert",
			       "2.5 the same events: max(int(len/d),1) after insert agrees"};

	for (int k = 0; k < 2; k++) {
		struct h h;
		const char *got[9];
		int same = 1;
		if (h_init(&h, yaml[k]) < 0) {
			h_free(&h);
			continue;
		}
		is_str(start(&h), "C1/0 R1:9 C2/0 R2:9 C3/0 R3:9 C4/0 R4:9 C5/0 R5:9 C6/0 R6:9",
		       k ? "2.5 six trials to 9" : "2.6 stop_once: six trials, one OP_RUN to the top");
		legacy_events(&h, got);
		for (int i = 0; i < 9; i++) {
			if (strcmp(got[i], legacy_trace[i])) {
				diag("event %d: got '%s', want '%s'", i, got[i], legacy_trace[i]);
				same = 0;
			}
			free((char *)got[i]);
		}
		ok(same, "%s", name[k]);
		ok(searcher_done(h.s), "2.8 done");
		h_free(&h);
	}
}

/* ---- 2.7: adaptive_asha brackets behind a tournament ---- */

/* 2.7 floor: bracket_rungs [3,2,1], d=4, max_trials 2: w = 16/3, 2, 1;
 * T_i = max(int(w_i/Σw * 2), 1) = max(1,1) max(0,1) max(0,1) = 1, 1, 1;
 * T_0 += max(2 - 3, 0) = 0.  ΣT = 3 > max_trials.  mct 16 -> C = 6,5,5;
 * initial min(C_i, T_i) = 1 each: bracket 0's, then 1's, then 2's.  Rungs
 * (L=64): b0 4/16/64, b1 16/64, b2 64.
 *  t3 (b2, one rung) at 64: top -> X3.
 *  t1 (b0) at 4: old = new = int(1/4) = 0: never promoted (no max(..,1));
 *     1 created = T_0; rung0 full -> closeOut: X1.
 *  t2 (b1) at 16: same -> X2. */
static void t_bracket_floor(void)
{
	struct h h;

	if (h_init(&h, HEAD "searcher: {name: adaptive_asha, metric: loss, max_trials: 2, "
		   "bracket_rungs: [1, 3, 2], max_length: {batches: 64}}\n") < 0)
		goto out;
	is_str(start(&h), "C1/0 R1:4 C2/1 R2:16 C3/2 R3:64",
	       "2.7 ΣT = 3 > max_trials 2 by the max(...,1) floor; brackets in order, most rungs first");
	is_str(val(&h, 3, 64, 0.2), "X3", "2.7 tournament routes to bracket 2: its one rung is the top");
	is_str(val(&h, 1, 4, 0.5), "X1", "2.6 a 1-trial bracket never promotes (new = int(1/4) = 0): closed out");
	ok(!searcher_done(h.s), "2.8 not done: bracket 1 still runs");
	is_str(val(&h, 2, 16, 0.4), "X2", "2.6 bracket 1 likewise");
	ok(searcher_done(h.s), "2.8 done");
out:
	h_free(&h);
}

/* 2.7 mnist adaptive.yaml: max_trials 16, max_time 937, d=4, standard:
 * R = min(5, int(ln937/ln4)+1 = 5, int(ln16/ln4)+1 = 3) = 3 -> brackets
 * [3, 2] rungs; T = 12, 4.  mct 3: mct' = max(3, 2) = 3, C = 3//2 + 1 = 2
 * for the first (3 % 2 = 1) and 1 for the second -> initial 2 + 1.
 * Stopping-based (time_metric): OP_RUN 937.
 *  t3 (b1) at 937: rung0 (234) alone: on; rung1 top: STOP; bracket 1 has
 *     1 of 4 created -> new trial t4 in bracket 1.
 *  t1 (b0) at 100: rung0 (58) alone: continues; 100 < 234.  Only a STOP
 *     or an early exit creates a trial (2 of 12 created here).
 * With the default mct 16: C = 8, 8 -> 8 + 4 = 12 initial. */
static void t_bracket_mct(void)
{
	struct h h;
	struct ops ops = {0};
	struct hps_error err;
	int b0 = 0, b1 = 0;

	if (h_init(&h, HEAD "searcher: {name: adaptive_asha, metric: loss, max_trials: 16, "
		   "max_concurrent_trials: 3, time_metric: batches, max_time: 937}\n") == 0) {
		is_str(start(&h), "C1/0 R1:937 C2/0 R2:937 C3/1 R3:937",
		       "2.7 mct 3 split over 2 brackets: 2 + 1 initial trials");
		is_str(rungs_of(&h, 0), "0/0/2@58 0/0/0@234 0/0/0@937", "2.7 bracket 0 rungs 58/234/937");
		is_str(rungs_of(&h, 1), "0/0/1@234 0/0/0@937", "2.7 bracket 1 rungs 234/937");
		is_str(val(&h, 3, 937, 0.5), "S3 C4/1 R4:937",
		       "2.7 a STOP in bracket 1 creates the next trial in bracket 1");
		is_str(val(&h, 1, 100, 0.5), "",
		       "2.5 a trial that continues creates nothing, even below max_trials");
	}
	h_free(&h);
	if (h_init(&h, HEAD "searcher: {name: adaptive_asha, metric: loss, max_trials: 16, "
		   "time_metric: batches, max_time: 937}\n") == 0) {
		searcher_start(h.s, &ops, &err);
		for (size_t i = 0; i < ops.n; i++)
			if (ops.v[i].kind == OP_CREATE)
				*(ops.v[i].bracket ? &b1 : &b0) += 1;
		ok(b0 == 8 && b1 == 4, "2.7 mnist: 12 initial trials, 8 in bracket 0 and 4 in bracket 1 (got %d + %d)",
		   b0, b1);
		ops_release(&ops);
	}
	h_free(&h);
}

/* ---- events the searcher refuses ---- */

/* searcher.h: an event for an unknown or closed trial, or a validation
 * from a trial that is not running, returns -1 and changes nothing. */
static void t_refused(void)
{
	struct h h;
	json_t *before, *after;

	if (h_init(&h, PROMO(4, 2)) < 0)
		goto out;
	start(&h);
	is_str(val(&h, 1, 4, 0.5), "C3/0 R3:4", "2.6 t1 reports and waits");
	before = searcher_save(h.s);
	is_str(val(&h, 1, 4, 0.1), "ERR", "a validation from a paused trial is refused");
	is_str(val(&h, 9, 4, 0.1), "ERR", "a validation from an unknown trial is refused");
	is_str(val(&h, 2, 3, 0.1), "ERR", "a promotion-based result short of its rung is refused");
	is_str(val(&h, 2, 4, NAN), "ERR", "a NaN metric is refused");
	is_str(ex(&h, 1, TEXIT_ERRORED), "ERR", "a paused trial cannot error");
	is_str(ex(&h, 0, TEXIT_COMPLETED), "ERR", "trial 0 does not exist");
	is_str(ex(&h, 1, TEXIT_COMPLETED), "", "a paused trial's run ending is a no-op");
	after = searcher_save(h.s);
	ok(json_equal(before, after), "refused events left the state unchanged");
	json_decref(before);
	json_decref(after);
	/* t2 ends without reporting: worst metric.  rung0 [t1 .5, t2 MAX]:
	 * old 0, new 1, idx 1: not now; metrics[0] = t1 waiting -> R1:8. */
	is_str(ex(&h, 2, TEXIT_COMPLETED), "R1:8",
	       "2.6 a run that ends without its result counts as the worst metric");
	ok(searcher_trial_state(h.s, 2) == TRIAL_CLOSED, "and is closed");
	is_str(val(&h, 2, 4, 0.1), "ERR", "a validation from a closed trial is refused");
	is_str(ex(&h, 2, TEXIT_CANCELED), "ERR", "an exit of a closed trial is refused");
	/* t3 0.6: len 2, old = new = 1, idx 1: waits; 3 < 4 created -> t4. */
	is_str(val(&h, 3, 4, 0.6), "C4/0 R4:4", "2.6 t3 waits; new trial");
	is_str(ex(&h, 3, TEXIT_CANCELED), "", "a paused trial can be cancelled (its result stands)");
	ok(searcher_trial_state(h.s, 3) == TRIAL_CLOSED, "the cancelled paused trial is closed");
	ok(searcher_trial_state(h.s, 5) == TRIAL_UNKNOWN, "trial 5 is unknown");
out:
	h_free(&h);
}

/* ---- determinism: replay and save/load ---- */

static json_t *op_json(const struct op *op)
{
	static const char *const kinds[] = {"create", "run", "stop", "close"};
	json_t *j = json_pack("{s:s,s:I}", "op", kinds[op->kind], "trial",
			      (json_int_t)op->trial);

	if (op->kind == OP_CREATE) {
		json_object_set(j, "hparams", op->hparams);
		json_object_set_new(j, "request_id", json_string(op->request_id));
		json_object_set_new(j, "seed", json_integer(op->seed));
		json_object_set_new(j, "bracket", json_integer(op->bracket));
	}
	if (op->kind == OP_RUN)
		json_object_set_new(j, "length", json_integer((json_int_t)op->length));
	return j;
}

/* A deterministic driver: a FIFO of (trial, length) runs taken from the
 * OP_RUNs; each run reports per the searcher's variant and some trials
 * error or have invalid hyperparameters.  Every op is logged as JSON.  At
 * event number reload_at the searcher is saved, freed and loaded. */
struct sim {
	struct h *h;
	int64_t q[4096][2];
	size_t head, tail;
	json_t *log;
	int events, reload_at, stopping, refused;
};

static void sim_take(struct sim *sim, struct ops *ops)
{
	for (size_t i = 0; i < ops->n; i++) {
		json_array_append_new(sim->log, op_json(&ops->v[i]));
		if (ops->v[i].kind == OP_RUN && sim->tail < 4096) {
			sim->q[sim->tail][0] = ops->v[i].trial;
			sim->q[sim->tail++][1] = (int64_t)ops->v[i].length;
		}
	}
	ops_release(ops);
}

static void sim_event(struct sim *sim, int64_t t, int64_t len)
{
	struct ops ops = {0};
	struct hps_error err;
	double m = (double)((t * 7919) % 101) / 100.0 - (double)len / 1000.0;
	int rc;

	if (++sim->events == sim->reload_at && reload(sim->h) < 0)
		sim->refused++;
	if (searcher_trial_state(sim->h->s, t) != TRIAL_RUNNING)
		return;	/* stopped meanwhile */
	if (t % 7 == 3)
		rc = searcher_exit(sim->h->s, t, TEXIT_ERRORED, &ops, &err);
	else if (t % 11 == 5)
		rc = searcher_exit(sim->h->s, t, TEXIT_INVALID_HP, &ops, &err);
	else
		rc = searcher_validation(sim->h->s, t, (uint64_t)len, m, &ops, &err);
	if (rc == 0 && !sim->stopping &&
	    searcher_trial_state(sim->h->s, t) == TRIAL_RUNNING &&
	    !searcher_is_asha(&sim->h->cfg.searcher))
		rc = searcher_exit(sim->h->s, t, TEXIT_COMPLETED, &ops, &err);
	if (rc < 0) {
		diag("event refused: %s", err.msg);
		sim->refused++;
	}
	sim_take(sim, &ops);
}

/* How many events the last simulation fed (test-only state). */
static int sim_events;

/* Stopping-based trials report at half their length, then at the end (and
 * exit if still running); the others report once per OP_RUN. */
static char *simulate(const char *yaml, int reload_at, int *done, int *refused)
{
	struct h h;
	struct sim sim = {.h = &h, .reload_at = reload_at};
	struct ops ops = {0};
	struct hps_error err;
	char *out = NULL;

	*done = 0;
	if (h_init(&h, yaml) < 0)
		goto fail;
	sim.log = json_array();
	sim.stopping = searcher_is_asha(&h.cfg.searcher) && h.cfg.searcher.stop_once;
	searcher_start(h.s, &ops, &err);
	sim_take(&sim, &ops);
	while (sim.head < sim.tail) {
		int64_t t = sim.q[sim.head][0], len = sim.q[sim.head++][1];
		if (sim.stopping && len > 0 && sim.tail < 4096) {
			sim_event(&sim, t, len / 2);
			sim.q[sim.tail][0] = t;		/* the rest, later */
			sim.q[sim.tail++][1] = -len;
			continue;
		}
		if (len < 0) {
			sim_event(&sim, t, -len);
			if (searcher_trial_state(h.s, t) == TRIAL_RUNNING) {
				searcher_exit(h.s, t, TEXIT_COMPLETED, &ops, &err);
				sim_take(&sim, &ops);
			}
			continue;
		}
		sim_event(&sim, t, len);
	}
	*done = searcher_done(h.s);
	*refused = sim.refused;
	sim_events = sim.events;
	out = dumps(sim.log);
	json_decref(sim.log);
fail:
	h_free(&h);
	return out;
}

static const char *const sim_configs[][2] = {
	{"promotion-based adaptive_asha",
	 HEAD "searcher: {name: adaptive_asha, metric: loss, max_trials: 24, "
	 "max_concurrent_trials: 5, divisor: 2, max_rungs: 4, max_length: {batches: 64}}\n"},
	{"stopping-based adaptive_asha",
	 HEAD "searcher: {name: adaptive_asha, metric: loss, max_trials: 24, mode: conservative, "
	 "max_concurrent_trials: 5, divisor: 2, max_rungs: 3, time_metric: batches, max_time: 64}\n"},
	{"legacy stop_once async_halving, maximising",
	 HEAD "searcher: {name: async_halving, metric: acc, smaller_is_better: false, "
	 "num_rungs: 3, divisor: 3, max_trials: 20, stop_once: true, max_length: {epochs: 27}}\n"},
	{"random",
	 HEAD "searcher: {name: random, metric: loss, max_trials: 12, max_length: {batches: 10}}\n"},
};

/* DESIGN: the same seed and events give the same operations; and a
 * save/load anywhere in the sequence changes nothing that follows (the
 * state, RNG included, round-trips exactly, through text). */
static void t_replay_and_reload(void)
{
	for (size_t c = 0; c < sizeof(sim_configs) / sizeof(sim_configs[0]); c++) {
		const char *name = sim_configs[c][0], *yaml = sim_configs[c][1];
		int done, refused, d2, r2, same = 1;
		char *a = simulate(yaml, 0, &done, &refused);
		char *b = simulate(yaml, 0, &d2, &r2);

		if (!a || !b) {
			ok(0, "%s: simulation ran", name);
			free(a);
			free(b);
			continue;
		}
		ok(done && !refused, "%s: the simulated search ends, nothing refused", name);
		ok(!strcmp(a, b), "%s: replay gives identical ops (%d events)", name,
		   sim_events);
		for (int k = 1, n = sim_events; k <= n && same; k++) {
			char *c2 = simulate(yaml, k, &d2, &r2);
			if (!c2 || strcmp(a, c2) || r2 || !d2) {
				diag("reload at event %d differs", k);
				same = 0;
			}
			free(c2);
		}
		ok(same, "%s: save/load mid-sequence gives identical subsequent ops", name);
		free(a);
		free(b);
	}
}

/* Random events, most of them nonsense: a refused one (-1) must leave the
 * state exactly as it was (searcher.h), an accepted one must keep it
 * loadable; run under ASan/valgrind this also shakes out memory errors. */
static void t_fuzz(void)
{
	struct rng r;
	int unchanged = 1, loadable = 1, accepted = 0;

	rng_seed(&r, 2024);
	for (size_t c = 0; c < sizeof(sim_configs) / sizeof(sim_configs[0]); c++) {
		struct h h;
		if (h_init(&h, sim_configs[c][1]) < 0) {
			h_free(&h);
			continue;
		}
		start(&h);
		for (int i = 0; i < 3000 && !searcher_done(h.s); i++) {
			json_t *before = searcher_save(h.s), *after;
			int64_t t = (int64_t)rng_intn(&r, 40);
			uint64_t len = rng_intn(&r, 80);
			const char *res = rng_intn(&r, 4)
				? val(&h, t, len, rng_unit(&r))
				: ex(&h, t, (enum trial_exit)rng_intn(&r, 4));
			after = searcher_save(h.s);
			if (!strcmp(res, "ERR"))
				unchanged &= json_equal(before, after);
			else
				accepted++;
			json_decref(before);
			json_decref(after);
			if (i % 97 == 0 && reload(&h) < 0)
				loadable = 0;
		}
		h_free(&h);
	}
	ok(unchanged, "fuzz: refused events change nothing");
	ok(loadable && accepted > 100, "fuzz: %d accepted events, the state always reloads",
	   accepted);
}

/* searcher_load refuses a state that does not fit the config. */
static void t_load_rejects(void)
{
	struct h h;
	struct hps_error err;
	struct hps_config other;
	json_t *j;
	struct searcher *s2;

	if (h_init(&h, PROMO(4, 2)) < 0)
		goto out;
	start(&h);
	val(&h, 1, 4, 0.5);
	j = searcher_save(h.s);
	json_object_set_new(j, "searcher", json_string("random"));
	s2 = searcher_load(&h.cfg, j, &err);
	ok(!s2, "load refuses a state of another searcher kind");
	searcher_free(s2);
	json_decref(j);
	if (load_cfg(HEAD "searcher: {name: async_halving, metric: loss, num_rungs: 3, "
		     "divisor: 2, max_trials: 4, max_length: {batches: 8}}\n", &other) == 0) {
		j = searcher_save(h.s);
		s2 = searcher_load(&other, j, &err);
		ok(!s2 && strstr(err.msg, "does not fit"),
		   "load refuses a state whose rungs do not fit the config: %s", err.msg);
		searcher_free(s2);
		json_decref(j);
	}
	expconf_release(&other);
out:
	h_free(&h);
}

static void (*const traces[])(void) = {
	t_random_up_front,
	t_draw_order,
	t_random_invalid,
	t_single,
	t_grid,
	t_grid_empty,
	t_promotion_basic,
	t_promote_old,
	t_closeout_waits,
	t_closeout_outstanding,
	t_promotion_tie,
	t_promotion_invalid,
	t_promotion_errored,
	t_promotion_maximise,
	t_async_halving,
	t_stopping_tie,
	t_stopping_cross,
	t_stopping_errored,
	t_stopping_invalid,
	t_stopping_maximise,
	t_stop_once_legacy,
	t_bracket_floor,
	t_bracket_mct,
	t_refused,
};

int main(void)
{
	size_t n = sizeof(traces) / sizeof(traces[0]);

	for (size_t i = 0; i < n; i++)
		traces[i]();
	diag("the same traces again, with a save and load before every event");
	reload_every = 1;
	for (size_t i = 0; i < n; i++)
		traces[i]();
	reload_every = 0;
	t_replay_and_reload();
	t_fuzz();
	t_load_rejects();
	return done_testing();
}
