/* runplan.c - which waiting runs a reap pass starts (see runplan.h). */
#include "config.h"

#include <stdlib.h>

#include "runplan.h"
#include "xalloc.h"

bool run_waits(const struct trial *t)
{
	return t->want_run && !t->running && !t->closed;
}

static struct trial *cand_trial(struct experiment *e, const int64_t *cand,
				size_t i)
{
	int64_t id = cand ? cand[i] : (int64_t)i + 1;

	return id >= 1 && (size_t)id <= e->n ? &e->t[id - 1] : NULL;
}

static struct trial *first_waiting(struct experiment *e, const int64_t *cand,
				   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct trial *t = cand_trial(e, cand, i);
		if (t && run_waits(t))
			return t;
	}
	return NULL;
}

/* The host's own run first (its promotion needs no new allocation), else
 * the next waiting one; a run that would not fit is better submitted. */
static struct trial *in_place_pick(struct experiment *e, int64_t host,
				   run_fits_fn fits, const void *ctx,
				   const int64_t *cand, size_t n)
{
	struct trial *t;

	if (host < 1 || (size_t)host > e->n || e->t[host - 1].running)
		return NULL;
	t = &e->t[host - 1];
	if (!(t->want_run && !t->closed))
		t = first_waiting(e, cand, n);
	return t && (!fits || fits(ctx, t)) ? t : NULL;
}

void run_plan_make(struct experiment *e, int64_t host, run_fits_fn fits,
		   const void *ctx, int64_t running, const int64_t *cand,
		   size_t ncand, struct run_plan *p)
{
	int64_t mct = e->cfg.searcher.max_concurrent_trials;
	size_t n = cand ? ncand : e->n;

	p->in_place = in_place_pick(e, host, fits, ctx, cand, n);
	p->submit = NULL;
	p->nsubmit = 0;
	if (p->in_place)
		running++;
	/* At the limit, nothing goes out: the array throttle of what is
	 * already submitted keeps the count, and a later pass submits. */
	if (mct > 0 && running >= mct)
		return;
	for (size_t i = 0; i < n; i++) {
		struct trial *t = cand_trial(e, cand, i);
		if (!t || t == p->in_place || !run_waits(t))
			continue;
		if (!p->submit)
			p->submit = xcalloc(n, sizeof(*p->submit));
		p->submit[p->nsubmit++] = t->id;
	}
}

void run_plan_release(struct run_plan *p)
{
	free(p->submit);
	p->submit = NULL;
	p->nsubmit = 0;
}

int64_t run_throttle(const struct experiment *e, int64_t running,
		     int64_t ntasks)
{
	int64_t mct = e->cfg.searcher.max_concurrent_trials;
	int64_t throttle = mct - (running - ntasks);

	if (mct <= 0)
		return 0;
	return throttle < 1 ? 1 : throttle;
}

bool run_chunk_held(const struct experiment *e, int64_t running,
		    int64_t queued, int64_t max_array, bool first)
{
	int64_t mct = e->cfg.searcher.max_concurrent_trials;

	if (mct > 0)	/* run_plan_make held the first already */
		return !first && running >= mct;
	return max_array > 0 && queued >= max_array;
}
