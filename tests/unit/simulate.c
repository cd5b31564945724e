/* Unit tests of the simulator's parts: runplan (the pass decision it
 * shares with the reaper), the event heap and the curves. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "runplan.h"
#include "sim_internal.h"
#include "tap.h"

/* An experiment of n trials, none waiting, with max_concurrent_trials mct. */
static struct experiment *exp_of(size_t n, int64_t mct)
{
	struct experiment *e = calloc(1, sizeof(*e));

	e->t = calloc(n, sizeof(*e->t));
	e->n = e->cap = n;
	for (size_t i = 0; i < n; i++)
		e->t[i].id = (int64_t)i + 1;
	e->cfg.searcher.max_concurrent_trials = mct;
	return e;
}

static void exp_drop(struct experiment *e)
{
	free(e->t);
	free(e);
}

static void wait_run(struct experiment *e, int64_t id)
{
	e->t[id - 1].want_run = true;
}

static bool never(const void *ctx, const struct trial *t)
{
	(void)ctx;
	(void)t;
	return false;
}

static void test_plan_full_and_candidates(void)
{
	struct experiment *e = exp_of(10, 0);
	int64_t cand[] = {2, 3, 5, 7, 9};	/* a superset of the waiting */
	struct run_plan a, b;

	wait_run(e, 3);
	wait_run(e, 7);
	wait_run(e, 9);
	e->t[8].closed = true;	/* 9 waits no more */
	e->t[1].running = true;
	run_plan_make(e, 0, NULL, NULL, 1, NULL, 0, &a);
	run_plan_make(e, 0, NULL, NULL, 1, cand, 5, &b);
	ok(!a.in_place && !b.in_place, "no host: nothing in place");
	ok(a.nsubmit == 2 && b.nsubmit == 2 && a.submit[0] == 3 && a.submit[1] == 7 &&
	   !memcmp(a.submit, b.submit, 2 * sizeof(*a.submit)),
	   "candidates give the plan of the full scan: 3 and 7");
	run_plan_release(&a);
	run_plan_release(&b);
	exp_drop(e);
}

static void test_in_place(void)
{
	struct experiment *e = exp_of(6, 0);
	struct run_plan p;

	wait_run(e, 2);
	wait_run(e, 5);
	run_plan_make(e, 5, NULL, NULL, 0, NULL, 0, &p);
	ok(p.in_place == &e->t[4] && p.nsubmit == 1 && p.submit[0] == 2,
	   "the host's own promotion goes on in place; the other is submitted");
	run_plan_release(&p);
	run_plan_make(e, 4, NULL, NULL, 0, NULL, 0, &p);
	ok(p.in_place == &e->t[1] && p.nsubmit == 1 && p.submit[0] == 5,
	   "else the first waiting run goes on in place");
	run_plan_release(&p);
	run_plan_make(e, 4, never, NULL, 0, NULL, 0, &p);
	ok(!p.in_place && p.nsubmit == 2, "a run that does not fit is submitted");
	run_plan_release(&p);
	exp_drop(e);
}

static void test_mct(void)
{
	struct experiment *e = exp_of(4, 2);
	struct run_plan p;

	wait_run(e, 1);
	wait_run(e, 2);
	run_plan_make(e, 0, NULL, NULL, 2, NULL, 0, &p);
	ok(p.nsubmit == 0 && !p.submit, "at max_concurrent_trials nothing is submitted");
	run_plan_release(&p);
	run_plan_make(e, 3, NULL, NULL, 1, NULL, 0, &p);
	ok(p.in_place == &e->t[0] && p.nsubmit == 0,
	   "in place counts against the limit before submitting");
	run_plan_release(&p);
	is_int(run_throttle(e, 5, 5), 2, "throttle: the limit, beside no other runs");
	is_int(run_throttle(e, 7, 5), 1, "throttle: at least 1");
	e->cfg.searcher.max_concurrent_trials = 1000;
	/* The reaper's MaxArraySize chunks: the second of 1001 tasks gets 1. */
	is_int(run_throttle(e, 1001, 1001), 1000, "throttle: first chunk of 1001");
	is_int(run_throttle(e, 2002, 1001), 1, "throttle: second chunk of 1001");
	ok(!run_chunk_held(e, 999, 999, 1001, false) && run_chunk_held(e, 1001, 1001, 1001, false),
	   "a later chunk waits while the submitted runs fill the limit");
	ok(!run_chunk_held(e, 5000, 5000, 1001, true),
	   "  never the first (run_plan_make decided already)");
	e->cfg.searcher.max_concurrent_trials = 0;
	is_int(run_throttle(e, 9, 9), 0, "no limit: no throttle");
	ok(!run_chunk_held(e, 5000, 1000, 1001, false) && run_chunk_held(e, 5000, 1001, 1001, false) &&
	   run_chunk_held(e, 5000, 1001, 1001, true),
	   "no limit: any chunk waits while a chunk's worth of tasks is queued");
	exp_drop(e);
}

static void test_heap(void)
{
	struct sim_heap h = {0};
	struct sim_event ev;
	double last = -1;
	bool sorted = true;
	int64_t tie = 0;

	for (int i = 0; i < 1000; i++)
		sim_heap_push(&h, (struct sim_event){.time = (double)((i * 7919) % 101), .id = i});
	for (int i = 0; sim_heap_pop(&h, &ev); i++) {
		if (ev.time < last || (ev.time == last && ev.id < tie))
			sorted = false;
		last = ev.time;
		tie = ev.id;
	}
	ok(sorted, "the heap pops by time, ties in insertion order");
	sim_heap_release(&h);
}

static void test_curves(void)
{
	json_t *hp = json_pack("{s:f,s:i}", "lr", 0.01, "width", 64);
	json_t *hp2 = json_pack("{s:i,s:f}", "width", 64, "lr", 0.01);
	struct sim_curve a, b, c;

	sim_curve_make(1, hp, 5, 1000, &a);
	sim_curve_make(1, hp2, 5, 1000, &b);
	sim_curve_make(2, hp, 5, 1000, &c);
	ok(!memcmp(&a, &b, sizeof(a)), "a curve depends on the values, not the key order");
	ok(sim_curve_loss(&a, 100) == sim_curve_loss(&b, 100), "the same loss twice");
	ok(a.asym != c.asym, "another simulation seed, another curve");
	ok(sim_curve_loss(&a, 1000) < sim_curve_loss(&a, 1), "the loss falls with training");
	ok(a.spu > 0 && a.tau > 0 && a.alpha > 0, "positive speed, scale and exponent");
	json_decref(hp);
	json_decref(hp2);
}

int main(void)
{
	test_plan_full_and_candidates();
	test_in_place();
	test_mct();
	test_heap();
	test_curves();
	return done_testing();
}
