/* searcher_asha.c - one ASHA bracket per struct asha, in both variants.
 *
 * Promotion-based (legacy stop_once: false; REFERENCE.md 2.6, Determined's
 * asha.go up to 0.37): a trial runs to its rung, reports, and waits; the
 * rung's new result may promote it at once or promote an older waiting
 * trial; unpromoted trials are closed once every trial of the bracket has a
 * rung-0 result and the rungs below have nothing outstanding.
 *
 * Stopping-based (2.5, asha_stopping.go; legacy stop_once: true is 2.6's
 * variant of it): every trial runs toward the top length; each validation
 * walks the rungs it has reached, and the trial is stopped at the first
 * rung where it is not in the top 1/divisor so far, or at the top.
 *
 * Metrics are kept "lower is better"; exits count as ASHA_WORST.  The rung
 * targets and per-bracket trial and concurrency counts come from plan_make
 * (asha_plan.h), never re-derived here.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "searcher_internal.h"
#include "xalloc.h"

int asha_setup(struct searcher *s, struct hps_error *err)
{
	struct plan p;

	if (plan_make(s->sc, 0, &p, err) < 0)
		return -1;
	s->nb = p.n;
	s->b = xcalloc(p.n, sizeof(*s->b));
	for (size_t i = 0; i < p.n; i++) {
		struct asha *a = &s->b[i];
		a->num_rungs = p.b[i].num_rungs;
		a->max_trials = p.b[i].max_trials;
		a->max_concurrent = p.b[i].max_concurrent_trials;
		a->rungs = xcalloc((size_t)a->num_rungs, sizeof(*a->rungs));
		for (int64_t r = 0; r < a->num_rungs; r++)
			a->rungs[r].units = p.b[i].rung_units[r];
	}
	plan_release(&p);
	s->stopping = s->sc->stop_once;
	s->legacy_cut = s->stopping && s->sc->length.unit != UNIT_TIME_METRIC;
	return 0;
}

void asha_release(struct searcher *s)
{
	for (size_t i = 0; i < s->nb; i++) {
		for (int64_t r = 0; r < s->b[i].num_rungs; r++)
			rung_free(&s->b[i].rungs[r]);
		free(s->b[i].rungs);
	}
	free(s->b);
	s->b = NULL;
	s->nb = 0;
}

static struct asha *bracket_of(struct searcher *s, int64_t id)
{
	return &s->b[trial_get(s, id)->bracket];
}

/* A new trial of bracket b.  Stopping-based trials are sent to the top
 * length at once (the searcher stops them); promotion-based ones to rung 0. */
static void create_in(struct searcher *s, int b, struct ops *out)
{
	struct asha *a = &s->b[b];
	int top = (int)a->num_rungs - 1;

	a->created++;
	trial_create(s, b, NULL, a->rungs[s->stopping ? top : 0].units, out);
	if (!s->stopping)
		a->rungs[0].outstanding++;
}

/* Both variants create a trial only while the bracket's valid trials
 * (created minus invalid) are below its max_trials. */
static void maybe_create(struct searcher *s, int b, struct ops *out)
{
	struct asha *a = &s->b[b];

	if (a->created - a->invalid < a->max_trials)
		create_in(s, b, out);
}

/* mct > 0: min(mct, max_trials); else enough for one trial to reach the
 * top: clamp(1, int(d^(n-1)), max_trials).  The same in 2.5 and 2.6. */
static int64_t initial_trials(const struct asha *a, double divisor)
{
	int64_t n;

	if (a->max_concurrent > 0)
		return a->max_concurrent < a->max_trials ? a->max_concurrent
							 : a->max_trials;
	n = (int64_t)pow(divisor, (double)(a->num_rungs - 1));
	if (n > a->max_trials)
		n = a->max_trials;
	return n < 1 ? 1 : n;
}

/* The tournament's initial trials: bracket 0's, then bracket 1's, ... */
void asha_start(struct searcher *s, struct ops *out)
{
	for (size_t b = 0; b < s->nb; b++) {
		int64_t n = initial_trials(&s->b[b], s->sc->divisor);
		for (int64_t i = 0; i < n; i++)
			create_in(s, (int)b, out);
	}
}

int asha_check_validation(const struct searcher *s, int64_t id,
			  uint64_t length, struct hps_error *err)
{
	const struct strial *t = &s->t[id - 1];
	uint64_t want = s->b[t->bracket].rungs[t->rung].units;

	/* Promotion-based results stand for a whole rung: a shorter run
	 * cannot be ranked against the others. */
	if (!s->stopping && length < want)
		return hps_errorf(err, "trial %lld reported length %llu before reaching its rung at %llu",
				  (long long)id, (unsigned long long)length,
				  (unsigned long long)want);
	return 0;
}

/* ---- stopping-based (2.5, and 2.6 stop_once: true) ---- */

/* How many results of a rung of len results may continue:
 * max(int(len/d), 1), so with fewer than d results the best continues. */
static int64_t keep_count(size_t len, double divisor)
{
	int64_t keep = (int64_t)((double)len / divisor);

	return keep > 1 ? keep : 1;
}

/* Walk the rungs the trial has now reached (a validation may cross
 * several); true when it must stop.  2.5 computes the cut after inserting
 * (len includes the trial); 2.6's stop_once before, as
 * max(int((len+1)/d), 1).  The two agree; each is written as its source
 * has it so that a reader can check them line by line. */
static bool stop_walk(struct searcher *s, int64_t id, uint64_t step, double m)
{
	struct strial *t = trial_get(s, id);
	struct asha *a = &s->b[t->bracket];
	double d = s->sc->divisor;

	for (int r = t->rung; r < a->num_rungs; r++) {
		struct rung *g = &a->rungs[r];
		int64_t keep = 0;
		size_t idx;

		t->rung = r;
		if (step < g->units)
			return false;	/* not there yet */
		if (s->legacy_cut)
			keep = keep_count(g->n + 1, d);
		idx = rung_insert(g, id, m, true);
		if (!s->legacy_cut)
			keep = keep_count(g->n, d);
		if (r == a->num_rungs - 1 || (int64_t)idx >= keep)
			return true;
		rung_at(g, idx)->promoted = true;	/* goes on to the next rung */
	}
	return false;
}

static void stop_validation(struct searcher *s, int64_t id, uint64_t step,
			    double m, struct ops *out)
{
	int b = trial_get(s, id)->bracket;

	if (!stop_walk(s, id, step, m))
		return;
	ops_push(out, OP_STOP, id);
	trial_close(s, id, TEXIT_COMPLETED);
	maybe_create(s, b, out);
}

/* ---- promotion-based (2.6, stop_once: false) ---- */

/* Determined's promotionsAsync: the trial to promote (0: none).  old and
 * new count the promotions due before and after this result, without
 * Determined's max(..., 1): a bracket below divisor trials never promotes. */
static int64_t promotions(struct rung *g, int64_t id, double m, double d)
{
	int64_t old = (int64_t)((double)g->n / d);
	int64_t nw = (int64_t)((double)(g->n + 1) / d);
	size_t idx = rung_insert(g, id, m, false);
	struct rmetric *r;

	if ((int64_t)idx < nw) {
		rung_at(g, idx)->promoted = true;
		return id;
	}
	if (nw != old && !(r = rung_at(g, (size_t)old))->promoted) {
		/* a waiting trial whose turn has come */
		r->promoted = true;
		return r->trial;
	}
	return 0;
}

/* closeOutRungs: from rung 0 upward while a rung has nothing running
 * toward it, close every result that was not promoted and is still open. */
static void close_out(struct searcher *s, struct asha *a, struct ops *out)
{
	for (int64_t r = 0; r < a->num_rungs; r++) {
		struct rung *g = &a->rungs[r];
		if (g->outstanding > 0)
			break;
		RUNG_FOREACH(g, rm) {
			int64_t id = rm->trial;
			if (rm->promoted || trial_get(s, id)->state == TRIAL_CLOSED)
				continue;
			ops_push(out, OP_CLOSE, id);
			trial_close(s, id, TEXIT_COMPLETED);
		}
	}
}

/* Promote the winner, if any; true when an OP_RUN went out.  A promoted
 * trial that has already exited cannot run: *again is set to it, and it
 * "reports" the worst metric at the next rung (Determined #1022: sending
 * it OP_RUN hung the experiment). */
static bool promote(struct searcher *s, struct asha *a, int r, int64_t p,
		    struct ops *out, int64_t *again)
{
	struct strial *pt = trial_get(s, p);

	pt->rung = r + 1;
	a->rungs[r + 1].outstanding++;
	if (pt->early_exit) {
		*again = p;
		return false;
	}
	pt->state = TRIAL_RUNNING;
	ops_push(out, OP_RUN, p)->length = a->rungs[r + 1].units;
	return true;
}

/* Determined's promoteAsync, its tail recursion as a loop. */
static void promote_async(struct searcher *s, int64_t id, double m,
			  struct ops *out)
{
	struct asha *a = bracket_of(s, id);
	int b = trial_get(s, id)->bracket;
	bool ran = false;
	int64_t again;

	do {
		struct strial *t = trial_get(s, id);
		struct rung *g = &a->rungs[t->rung];
		again = 0;
		g->outstanding--;
		if (t->rung == a->num_rungs - 1) {
			rung_append(g, id, m, false);	/* arrival order */
			if (!t->early_exit) {
				ops_push(out, OP_CLOSE, id);
				trial_close(s, id, TEXIT_COMPLETED);
			}
		} else {
			int64_t p = promotions(g, id, m, s->sc->divisor);
			if (p)
				ran = promote(s, a, t->rung, p, out, &again);
		}
		id = again;
		m = ASHA_WORST;
	} while (again);
	if (!ran)
		maybe_create(s, b, out);
	/* Only once every trial has a rung-0 result can anything be final. */
	if ((int64_t)a->rungs[0].n == a->max_trials)
		close_out(s, a, out);
}

void asha_validation(struct searcher *s, int64_t id, uint64_t length,
		     double metric, struct ops *out)
{
	double m = s->sc->smaller_is_better ? metric : -metric;

	if (s->stopping) {
		stop_validation(s, id, length, m, out);
		return;
	}
	trial_get(s, id)->state = TRIAL_PAUSED;
	promote_async(s, id, m, out);
}

/* Invalid hyperparameters: the trial never happened.  Its results leave
 * every rung, it does not count toward max_trials, and a replacement is
 * always created (both variants). */
static void invalid_exit(struct searcher *s, int64_t id, struct ops *out)
{
	struct strial *t = trial_get(s, id);
	struct asha *a = &s->b[t->bracket];

	if (!s->stopping)
		a->rungs[t->rung].outstanding--;
	for (int r = 0; r <= t->rung; r++)
		rung_remove(&a->rungs[r], id);
	a->invalid++;
	trial_close(s, id, TEXIT_INVALID_HP);
	create_in(s, t->bracket, out);
}

void asha_exit(struct searcher *s, int64_t id, enum trial_exit why,
	       struct ops *out)
{
	struct strial *t = trial_get(s, id);
	struct asha *a = &s->b[t->bracket];

	if (why == TEXIT_INVALID_HP) {
		invalid_exit(s, id, out);
		return;
	}
	if (s->stopping && why == TEXIT_COMPLETED) {
		/* finished on its own: no replacement (2.5) */
		trial_close(s, id, why);
		return;
	}
	t->early_exit = true;
	if (t->state == TRIAL_PAUSED) {
		/* cancelled while waiting: its result stands */
		trial_close(s, id, why);
		return;
	}
	trial_close(s, id, why);
	if (!s->stopping) {
		promote_async(s, id, ASHA_WORST, out);
		return;
	}
	rung_insert(&a->rungs[t->rung], id, ASHA_WORST, true);
	maybe_create(s, t->bracket, out);
}

/* Determined's ASHA progress, per bracket: rung-0 results over 1.2 x
 * max_trials, or the valid closed fraction once rung 0 is full; the
 * tournament averages its brackets. */
double asha_progress(const struct searcher *s)
{
	double sum = 0;

	for (size_t b = 0; b < s->nb; b++) {
		const struct asha *a = &s->b[b];
		int64_t valid_closed = 0;
		double mt = (double)a->max_trials;
		double p = (double)a->rungs[0].n / (1.2 * mt);
		for (size_t i = 0; i < s->nt; i++)
			valid_closed += s->t[i].bracket == (int)b &&
					s->t[i].state == TRIAL_CLOSED &&
					s->t[i].end != TEXIT_INVALID_HP;
		double q = (double)valid_closed / mt;
		if ((int64_t)a->rungs[0].n == a->max_trials && q > p)
			p = q;
		sum += p;
	}
	return s->nb ? sum / (double)s->nb : 0;
}

int64_t asha_outstanding(const struct searcher *s, size_t b, int r)
{
	int64_t n = 0;

	for (size_t i = 0; i < s->nt; i++)
		n += s->t[i].bracket == (int)b && s->t[i].rung == r &&
		     s->t[i].state == TRIAL_RUNNING;
	return n;
}

static json_t *rung_to_json(const struct rung *g)
{
	json_t *m = json_array();

	RUNG_FOREACH(g, r)
		json_array_append_new(m, json_pack(
			"{s:I,s:o,s:b}", "trial", (json_int_t)r->trial,
			"metric", metric_to_json(r->metric), "promoted",
			r->promoted));
	return json_pack("{s:I,s:o}", "units", (json_int_t)g->units,
			 "metrics", m);
}

/* Per bracket its rungs; created/invalid/outstanding follow from the
 * trials and are rebuilt at load rather than stored twice. */
json_t *asha_to_json(const struct searcher *s)
{
	json_t *a = json_array();

	for (size_t b = 0; b < s->nb; b++) {
		json_t *rungs = json_array();
		for (int64_t r = 0; r < s->b[b].num_rungs; r++)
			json_array_append_new(rungs,
					      rung_to_json(&s->b[b].rungs[r]));
		json_array_append_new(a, json_pack("{s:o}", "rungs", rungs));
	}
	return a;
}

static int metric_entry_from_json(struct searcher *s, size_t b,
				  struct rung *g, const json_t *j)
{
	json_int_t trial = 0;
	json_t *mj = NULL;
	int promoted = 0;
	double m;
	const struct strial *t;

	if (json_unpack((json_t *)j, "{s:I,s:o,s:b!}", "trial", &trial,
			"metric", &mj, "promoted", &promoted) < 0 ||
	    metric_from_json(mj, &m) < 0)
		return -1;
	t = trial_get(s, trial);
	if (!t || t->bracket != (int)b)
		return -1;
	rung_append(g, trial, m, promoted);
	return 0;
}

static int rung_from_json(struct searcher *s, size_t b, int64_t r,
			  const json_t *j)
{
	struct rung *g = &s->b[b].rungs[r];
	json_int_t units = -1;
	json_t *metrics = NULL, *v;
	bool sorted = s->stopping || r < s->b[b].num_rungs - 1;
	double prev = 0;
	size_t i;

	if (json_unpack((json_t *)j, "{s:I,s:o!}", "units", &units, "metrics",
			&metrics) < 0 || (uint64_t)units != g->units ||
	    !json_is_array(metrics))
		return -1;
	json_array_foreach(metrics, i, v) {
		double m;
		if (metric_entry_from_json(s, b, g, v) < 0)
			return -1;
		m = rung_at(g, g->n - 1)->metric;
		if (sorted && i && prev > m)
			return -1;
		prev = m;
	}
	g->outstanding = s->stopping ? 0 : asha_outstanding(s, b, (int)r);
	return 0;
}

/* Rebuild the per-bracket counts from the trials. */
static void count_trials(struct searcher *s)
{
	for (size_t i = 0; i < s->nt; i++) {
		struct asha *a = &s->b[s->t[i].bracket];
		a->created++;
		if (s->t[i].state == TRIAL_CLOSED &&
		    s->t[i].end == TEXIT_INVALID_HP)
			a->invalid++;
	}
}

int asha_from_json(struct searcher *s, const json_t *j, struct hps_error *err)
{
	if (!json_is_array(j) || json_array_size(j) != s->nb)
		return hps_errorf(err, "searcher state: %zu brackets, the config plans %zu",
				  json_array_size(j), s->nb);
	for (size_t b = 0; b < s->nb; b++) {
		json_t *rungs = json_object_get(json_array_get(j, b), "rungs");
		if (!json_is_array(rungs) ||
		    json_array_size(rungs) != (size_t)s->b[b].num_rungs)
			return hps_errorf(err, "searcher state: bracket %zu does not fit the config",
					  b);
		for (int64_t r = 0; r < s->b[b].num_rungs; r++)
			if (rung_from_json(s, b, r,
					   json_array_get(rungs, (size_t)r)) < 0)
				return hps_errorf(err, "searcher state: bracket %zu rung %lld is malformed or does not fit the config",
						  b, (long long)r);
	}
	if (s->nb)
		count_trials(s);
	return 0;
}
