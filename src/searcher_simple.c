/* searcher_simple.c - single, random and grid (REFERENCE.md 2.3, 2.4).
 *
 * Their choices never depend on results, so every trial is created up front
 * by searcher_start() and max_concurrent_trials is left to the backend (the
 * Slurm array throttle, the local slot pool).  What Determined does at
 * run time that still matters here is which exits are replaced:
 *  - random replaces a trial that exited with invalid hyperparameters by a
 *    new one (its "created--" then "create on exit"), as often as it takes;
 *  - single does not (Determined PR #3246: it used to re-create the same
 *    trial forever), nor does grid (a grid point is not redrawn);
 *  - errored and cancelled trials are never replaced: they count toward
 *    max_trials.
 *
 * Creating everything up front keeps Determined's sampling order: with
 * max_concurrent_trials below max_trials Determined creates the rest one per
 * exit, and those are the same next draws of the same RNG, as long as no
 * replacement is drawn before the last of them (then hpsearch's replacement
 * comes after the last planned trial, Determined's in between).
 */
#include "config.h"

#include "searcher_internal.h"
#include "space.h"

/* The searcher's length for every OP_RUN; 0 lets the trial decide. */
static uint64_t run_length(const struct searcher *s)
{
	return s->sc->length.unit == UNIT_NONE ? 0 : s->sc->length.units;
}

/* Determined pops grid points from the end of the cartesian product, so
 * trial 1 trains the last point and the last trial the first.  Grid trials
 * draw no hyperparameters, only their request id and seed. */
static int grid_start(struct searcher *s, struct ops *out,
		      struct hps_error *err)
{
	json_t *points = space_grid(&s->cfg->hparams, err);
	size_t n;

	if (!points)
		return -1;
	n = json_array_size(points);
	for (size_t i = n; i-- > 0;)
		trial_create(s, 0, json_incref(json_array_get(points, i)),
			     run_length(s), out);
	json_decref(points);
	return 0;
}

int simple_start(struct searcher *s, struct ops *out, struct hps_error *err)
{
	/* single: random with max_trials = 1 (expconf sets it). */
	int64_t n = s->sc->kind == SEARCH_SINGLE ? 1 : s->sc->max_trials;

	if (s->sc->kind == SEARCH_GRID)
		return grid_start(s, out, err);
	for (int64_t i = 0; i < n; i++)
		trial_create(s, 0, NULL, run_length(s), out);
	return 0;
}

void simple_exit(struct searcher *s, int64_t id, enum trial_exit why,
		 struct ops *out)
{
	trial_close(s, id, why);
	if (why == TEXIT_INVALID_HP && s->sc->kind == SEARCH_RANDOM)
		trial_create(s, 0, NULL, run_length(s), out);
}

/* Determined averages per-trial progress with closed trials at 1; the
 * searcher sees no partial lengths, so this is the closed fraction (of the
 * trials created so far: a replacement adds to both). */
double simple_progress(const struct searcher *s)
{
	return s->nt ? (double)s->nclosed / (double)s->nt : 0.0;
}

/* Continue (Determined #8149): the trial runs again to the searcher's
 * length and closes again when it ends. */
void simple_reopen(struct searcher *s, int64_t id, struct ops *out)
{
	struct strial *t = trial_get(s, id);

	t->state = TRIAL_RUNNING;
	s->nclosed--;
	ops_push(out, OP_RUN, id)->length = run_length(s);
}
