/* Unit tests of rung.c: the blocked sorted list behind ASHA's rungs,
 * against a plain sorted array doing the same inserts (the searcher's
 * former representation), through several block splits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rung.h"
#include "tap.h"

struct ref {
	struct rmetric v[5000];
	size_t n;
};

static size_t ref_insert(struct ref *r, int64_t trial, double m, bool ties_ahead)
{
	size_t i = 0;

	while (i < r->n && !(ties_ahead ? r->v[i].metric >= m : r->v[i].metric > m))
		i++;
	memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(r->v[0]));
	r->v[i] = (struct rmetric){.trial = trial, .metric = m};
	r->n++;
	return i;
}

static void ref_remove(struct ref *r, int64_t trial)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].trial == trial) {
			memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(r->v[0]));
			r->n--;
			return;
		}
}

static bool same(const struct rung *g, const struct ref *r)
{
	size_t i = 0;

	if (g->n != r->n)
		return false;
	RUNG_FOREACH(g, x) {
		if (x->trial != r->v[i].trial || x->metric != r->v[i].metric)
			return false;
		if (rung_at(g, i) != x)
			return false;
		i++;
	}
	return i == r->n;
}

static void test_against_array(bool ties_ahead)
{
	static struct ref r;
	struct rung g = {0};
	bool ranks = true;
	unsigned seed = 7;

	r.n = 0;
	/* Few distinct values: ties everywhere. */
	for (int64_t t = 1; t <= 3000; t++) {
		double m = (double)(rand_r(&seed) % 97) / 8.0;
		ranks &= rung_insert(&g, t, m, ties_ahead) == ref_insert(&r, t, m, ties_ahead);
	}
	ok(ranks, "%s: 3,000 inserts take the ranks a sorted array gives",
	   ties_ahead ? "ties ahead" : "ties after");
	ok(g.nblk > 5, "  across %zu blocks", g.nblk);
	ok(same(&g, &r), "  the same order, and rung_at finds each rank");
	for (int64_t t = 1; t <= 3000; t += 3) {
		rung_remove(&g, t);
		ref_remove(&r, t);
	}
	rung_remove(&g, 99999);	/* absent: nothing happens */
	ok(same(&g, &r), "  after removing a third of them");
	for (int64_t t = 3001; t <= 4000; t++) {
		double m = (double)(rand_r(&seed) % 97) / 8.0;
		ranks &= rung_insert(&g, t, m, ties_ahead) == ref_insert(&r, t, m, ties_ahead);
	}
	ok(ranks && same(&g, &r), "  and inserting again");
	rung_free(&g);
}

static void test_append(void)
{
	struct rung g = {0};
	bool order = true;

	for (int64_t t = 1; t <= 1500; t++)
		rung_append(&g, t, (double)(t % 7), t % 2);
	for (size_t i = 0; i < g.n; i++)
		order &= rung_at(&g, i)->trial == (int64_t)i + 1 &&
			 rung_at(&g, i)->promoted == (bool)((i + 1) % 2);
	ok(order && g.n == 1500, "appends keep arrival order and their promoted marks");
	rung_free(&g);
	ok(g.n == 0 && g.nblk == 0 && !g.blk, "rung_free leaves an empty rung");
}

int main(void)
{
	test_against_array(true);
	test_against_array(false);
	test_append();
	return done_testing();
}
