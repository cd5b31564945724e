/* rung.h - the results an ASHA rung holds, in order, with access by rank.
 *
 * The promotion rules ask for the rank a new result takes (ties before or
 * after its equals) and for the result at a given rank.  A sorted array
 * answers both but pays a memmove of half the rung on every insert: at
 * 100,000 trials, half of a simulation's time (bench/README.md, 7).  The
 * results are kept instead in blocks of at most RUNG_BLOCK, each sorted and
 * all in order: an insert moves at most a block.  The promotion-based top
 * rung is kept in arrival order (appends only).
 *
 * The rung owns its blocks; rung_free releases them.  Nothing fails but
 * allocation, which aborts (xalloc.h).
 */
#ifndef HPS_RUNG_H
#define HPS_RUNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rmetric {
	int64_t trial;
	double metric;		/* lower is better */
	bool promoted;		/* went on to the next rung */
};

struct rblock {
	struct rmetric *v;
	size_t n;
};

struct rung {
	uint64_t units;		/* cumulative target length */
	struct rblock *blk;
	size_t nblk, capblk;
	size_t n;		/* results in all blocks */
	int64_t outstanding;	/* promotion-based: trials running to it */
};

/* rung_at: the result at rank idx (< g->n). */
struct rmetric *rung_at(const struct rung *g, size_t idx);

/* rung_put: insert at rank idx (<= g->n); rung_append: at the end. */
void rung_put(struct rung *g, size_t idx, int64_t trial, double m);
void rung_append(struct rung *g, int64_t trial, double m, bool promoted);

/* rung_insert: insert in ascending order and return the rank.  With
 * ties_ahead the new result goes before its equals (the first metric >=
 * m), else after them (the first metric > m).  Decisions depend on it:
 * stopping-based ASHA ranks a new result ahead of its equals,
 * promotion-based after them (REFERENCE.md). */
size_t rung_insert(struct rung *g, int64_t trial, double m, bool ties_ahead);

/* rung_remove: drop trial's result, if there is one. */
void rung_remove(struct rung *g, int64_t trial);

void rung_free(struct rung *g);

/* Every result in rank order: RUNG_FOREACH(g, r) { ... r->trial ... } */
#define RUNG_FOREACH(g, r) \
	for (size_t rung_b_ = 0; rung_b_ < (g)->nblk; rung_b_++) \
		for (struct rmetric *r = (g)->blk[rung_b_].v; \
		     r < (g)->blk[rung_b_].v + (g)->blk[rung_b_].n; r++)

#endif
