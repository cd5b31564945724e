/* asha_plan.c - Determined's bracket formulas (see asha_plan.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asha_plan.h"
#include "xalloc.h"

/* int(ln(x)/ln(d)) truncates: ln(1000)/ln(10) is 2.9999999999999996 -> 2,
 * exactly as Determined computes it.  Do not "fix" it. */
int64_t asha_max_rungs(double length, double divisor, int64_t max_rungs,
		       int64_t max_trials)
{
	int64_t by_length = (int64_t)(log(length) / log(divisor)) + 1;
	int64_t by_trials = (int64_t)(log((double)max_trials) / log(divisor)) + 1;
	int64_t r = max_rungs;

	if (by_length < r)
		r = by_length;
	if (by_trials < r)
		r = by_trials;
	return r < 1 ? 1 : r;
}

void asha_bracket_max_trials(int64_t max_trials, double divisor,
			     const int64_t *rungs, size_t n, int64_t *out)
{
	double *w = xcalloc(n, sizeof(*w)), sum = 0;
	int64_t allocated = 0;

	for (size_t i = 0; i < n; i++) {
		w[i] = pow(divisor, (double)(rungs[i] - 1)) / (double)rungs[i];
		sum += w[i];
	}
	for (size_t i = 0; i < n; i++) {
		int64_t t = (int64_t)(w[i] / sum * (double)max_trials);
		out[i] = t > 1 ? t : 1;
		allocated += out[i];
	}
	if (n && max_trials > allocated)
		out[0] += max_trials - allocated;
	free(w);
}

void asha_bracket_max_concurrent(int64_t mct, double divisor,
				 const int64_t *trials, size_t n, int64_t *out)
{
	int64_t nb = (int64_t)n;

	if (n == 0)
		return;
	if (mct == 0) {
		int64_t c = trials[n - 1] > (int64_t)divisor ? trials[n - 1]
							      : (int64_t)divisor;
		for (size_t i = 0; i < n; i++)
			out[i] = c;
		return;
	}
	if (mct < nb)	/* every bracket gets at least one (Determined #1719) */
		mct = nb;
	for (size_t i = 0; i < n; i++)
		out[i] = mct / nb + ((int64_t)i < mct % nb ? 1 : 0);
}

uint64_t asha_rung_units(uint64_t length, double divisor, int64_t num_rungs,
			 int64_t rung)
{
	double u = (double)length / pow(divisor, (double)(num_rungs - 1 - rung));
	uint64_t v = (uint64_t)u;

	return v > 1 ? v : 1;
}

static int cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The rung counts of the brackets, most early stopping first. */
static size_t bracket_rungs(const struct searcher_config *s, int64_t *out)
{
	size_t n = 0;
	int64_t r;

	if (s->nbracket_rungs) {
		memcpy(out, s->bracket_rungs, s->nbracket_rungs * sizeof(*out));
		n = s->nbracket_rungs;
	} else {
		r = asha_max_rungs((double)s->length.units, s->divisor,
				   s->max_rungs, s->max_trials);
		int64_t lo = s->mode == MODE_CONSERVATIVE ? 1
			   : s->mode == MODE_AGGRESSIVE ? r : (r - 1) / 2 + 1;
		for (int64_t k = lo; k <= r; k++)
			out[n++] = k;
	}
	qsort(out, n, sizeof(*out), cmp_desc);
	return n;
}

static void fill_bracket(struct bracket *b, const struct searcher_config *s,
			 uint64_t length)
{
	int64_t t = b->max_trials;

	for (int64_t r = 0; r < b->num_rungs; r++) {
		b->rung_units[r] = asha_rung_units(length, s->divisor,
						   b->num_rungs, r);
		if (r == b->num_rungs - 1) {
			b->stopped[r] = t;
			break;
		}
		int64_t next = (int64_t)((double)t / s->divisor);
		next = next > 1 ? next : 1;
		b->stopped[r] = t - next;
		t = next;
	}
}

static void plan_totals(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct bracket *b = &p->b[i];
		p->total_trials += (uint64_t)b->max_trials;
		for (int64_t r = 0; r < b->num_rungs; r++)
			p->total_units += (uint64_t)b->stopped[r] * b->rung_units[r];
	}
}

static void plan_asha(const struct searcher_config *s, struct plan *p)
{
	int64_t rungs[ASHA_MAX_RUNGS], trials[ASHA_MAX_RUNGS], mct[ASHA_MAX_RUNGS];

	if (s->kind == SEARCH_ASYNC_HALVING) {
		rungs[0] = s->num_rungs;
		trials[0] = s->max_trials;
		mct[0] = s->max_concurrent_trials;
		p->n = 1;
	} else {
		p->n = bracket_rungs(s, rungs);
		asha_bracket_max_trials(s->max_trials, s->divisor, rungs, p->n,
					trials);
		asha_bracket_max_concurrent(s->max_concurrent_trials,
					    s->divisor, trials, p->n, mct);
	}
	p->b = xcalloc(p->n, sizeof(*p->b));
	for (size_t i = 0; i < p->n; i++) {
		p->b[i].num_rungs = rungs[i];
		p->b[i].max_trials = trials[i];
		p->b[i].max_concurrent_trials = mct[i];
		fill_bracket(&p->b[i], s, s->length.units);
	}
}

int plan_make(const struct searcher_config *s, uint64_t grid_points,
	      struct plan *p, struct hps_error *err)
{
	memset(p, 0, sizeof(*p));
	if (searcher_is_asha(s)) {
		if (s->length.units < 1)
			return hps_errorf(err, "an ASHA search needs a length of at least 1");
		plan_asha(s, p);
	} else {
		p->n = 1;
		p->b = xcalloc(1, sizeof(*p->b));
		p->b->num_rungs = 1;
		p->b->max_trials = s->kind == SEARCH_GRID ? (int64_t)grid_points
							  : s->max_trials;
		p->b->max_concurrent_trials = s->max_concurrent_trials;
		p->b->rung_units[0] = s->length.units;
		p->b->stopped[0] = p->b->max_trials;
	}
	plan_totals(p);
	return 0;
}

void plan_release(struct plan *p)
{
	free(p->b);
	memset(p, 0, sizeof(*p));
}
