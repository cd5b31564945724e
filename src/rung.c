/* rung.c - an ASHA rung's results in sorted blocks (see rung.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rung.h"
#include "xalloc.h"

#define RUNG_BLOCK 512

/* The block holding rank idx, and the rank's place in it; idx == g->n
 * is the end of the last block. */
static size_t locate(const struct rung *g, size_t idx, size_t *at)
{
	size_t b = 0;

	while (b + 1 < g->nblk && idx >= g->blk[b].n) {
		idx -= g->blk[b].n;
		b++;
	}
	*at = idx;
	return b;
}

struct rmetric *rung_at(const struct rung *g, size_t idx)
{
	size_t at, b = locate(g, idx, &at);

	return &g->blk[b].v[at];
}

static void new_block(struct rung *g, size_t b)
{
	if (g->nblk == g->capblk) {
		g->capblk = g->capblk ? 2 * g->capblk : 4;
		g->blk = xreallocarray(g->blk, g->capblk, sizeof(*g->blk));
	}
	memmove(&g->blk[b + 1], &g->blk[b], (g->nblk - b) * sizeof(*g->blk));
	g->blk[b] = (struct rblock){.v = xcalloc(RUNG_BLOCK, sizeof(struct rmetric))};
	g->nblk++;
}

/* A full block gives its upper half to a new one after it. */
static void split(struct rung *g, size_t b)
{
	size_t half = g->blk[b].n / 2;

	new_block(g, b + 1);
	memcpy(g->blk[b + 1].v, g->blk[b].v + half,
	       (g->blk[b].n - half) * sizeof(struct rmetric));
	g->blk[b + 1].n = g->blk[b].n - half;
	g->blk[b].n = half;
}

void rung_put(struct rung *g, size_t idx, int64_t trial, double m)
{
	size_t at, b;
	struct rblock *k;

	if (g->nblk == 0)
		new_block(g, 0);
	b = locate(g, idx, &at);
	if (g->blk[b].n == RUNG_BLOCK) {
		split(g, b);
		b = locate(g, idx, &at);
	}
	k = &g->blk[b];
	memmove(&k->v[at + 1], &k->v[at], (k->n - at) * sizeof(*k->v));
	k->v[at] = (struct rmetric){.trial = trial, .metric = m};
	k->n++;
	g->n++;
}

void rung_append(struct rung *g, int64_t trial, double m, bool promoted)
{
	rung_put(g, g->n, trial, m);
	rung_at(g, g->n - 1)->promoted = promoted;
}

static bool after(const struct rmetric *r, double m, bool ties_ahead)
{
	return ties_ahead ? r->metric >= m : r->metric > m;
}

size_t rung_insert(struct rung *g, int64_t trial, double m, bool ties_ahead)
{
	size_t lo = 0, hi = g->nblk, before = 0, idx;

	/* The first block whose last result comes after m ... */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rblock *k = &g->blk[mid];
		if (k->n && after(&k->v[k->n - 1], m, ties_ahead))
			hi = mid;
		else
			lo = mid + 1;
	}
	for (size_t b = 0; b < lo; b++)
		before += g->blk[b].n;
	idx = before;
	if (lo < g->nblk) {	/* ... and the first result in it that does */
		const struct rblock *k = &g->blk[lo];
		size_t l = 0, h = k->n;
		while (l < h) {
			size_t mid = l + (h - l) / 2;
			if (after(&k->v[mid], m, ties_ahead))
				h = mid;
			else
				l = mid + 1;
		}
		idx += l;
	}
	rung_put(g, idx, trial, m);
	return idx;
}

void rung_remove(struct rung *g, int64_t trial)
{
	for (size_t b = 0; b < g->nblk; b++) {
		struct rblock *k = &g->blk[b];
		for (size_t i = 0; i < k->n; i++) {
			if (k->v[i].trial != trial)
				continue;
			memmove(&k->v[i], &k->v[i + 1], (k->n - i - 1) * sizeof(*k->v));
			k->n--;
			g->n--;
			if (k->n == 0) {
				free(k->v);
				memmove(&g->blk[b], &g->blk[b + 1],
					(g->nblk - b - 1) * sizeof(*g->blk));
				g->nblk--;
			}
			return;
		}
	}
}

void rung_free(struct rung *g)
{
	for (size_t b = 0; b < g->nblk; b++)
		free(g->blk[b].v);
	free(g->blk);
	g->blk = NULL;
	g->nblk = g->capblk = g->n = 0;
}
