/* searcher.c - the parts every searcher shares (see searcher.h): operations,
 * trial bookkeeping, event checks and dispatch, the adaptive_asha tournament
 * (each trial's events go to the bracket that created it), save and load.
 *
 * Every event is checked in full before anything changes, so a refused
 * event (-1) leaves the state exactly as it was.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "searcher_internal.h"
#include "space.h"
#include "xalloc.h"

#define STATE_VERSION 1

static const char *const state_names[] = {
	[TRIAL_UNKNOWN] = "unknown", [TRIAL_RUNNING] = "running",
	[TRIAL_PAUSED] = "paused", [TRIAL_CLOSED] = "closed",
};

static const char *const exit_names[] = {
	[TEXIT_COMPLETED] = "completed", [TEXIT_ERRORED] = "errored",
	[TEXIT_INVALID_HP] = "invalid_hp", [TEXIT_CANCELED] = "canceled",
};

void ops_release(struct ops *ops)
{
	for (size_t i = 0; i < ops->n; i++)
		json_decref(ops->v[i].hparams);
	free(ops->v);
	memset(ops, 0, sizeof(*ops));
}

struct op *ops_push(struct ops *out, enum op_kind kind, int64_t trial)
{
	struct op *op;

	if (out->n == out->cap) {
		out->cap = out->cap ? 2 * out->cap : 8;
		out->v = xreallocarray(out->v, out->cap, sizeof(*out->v));
	}
	op = &out->v[out->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->trial = trial;
	return op;
}

struct strial *trial_get(struct searcher *s, int64_t id)
{
	return id >= 1 && (uint64_t)id <= s->nt ? &s->t[id - 1] : NULL;
}

/* The draw order is Determined's NewCreate: hyperparameters, request id,
 * then the trial seed (REFERENCE.md 2.1), all from the one experiment RNG,
 * so the same seed gives the same trials whatever the searcher. */
int64_t trial_create(struct searcher *s, int bracket, json_t *hp,
		     uint64_t length, struct ops *out)
{
	struct strial *t;
	struct op *op;

	if (!hp)
		hp = space_sample(&s->cfg->hparams, &s->rng);
	if (s->nt == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->t = xreallocarray(s->t, s->cap, sizeof(*s->t));
	}
	t = &s->t[s->nt++];
	memset(t, 0, sizeof(*t));
	t->bracket = bracket;
	t->state = TRIAL_RUNNING;
	rng_uuid4(&s->rng, t->request_id);
	t->seed = (uint32_t)rng_intn(&s->rng, UINT64_C(1) << 31);

	op = ops_push(out, OP_CREATE, (int64_t)s->nt);
	op->hparams = hp;
	memcpy(op->request_id, t->request_id, sizeof(op->request_id));
	op->seed = t->seed;
	op->bracket = bracket;
	ops_push(out, OP_RUN, (int64_t)s->nt)->length = length;
	return (int64_t)s->nt;
}

void trial_close(struct searcher *s, int64_t id, enum trial_exit end)
{
	struct strial *t = trial_get(s, id);

	t->state = TRIAL_CLOSED;
	t->end = end;
	s->nclosed++;
}

/* JSON has no infinities; a diverging loss may well be one. */
json_t *metric_to_json(double m)
{
	if (isinf(m))
		return json_string(m > 0 ? "inf" : "-inf");
	return json_real(m);
}

int metric_from_json(const json_t *j, double *m)
{
	const char *str = json_string_value(j);

	if (json_is_number(j)) {
		*m = json_number_value(j);
		return 0;
	}
	if (str && (!strcmp(str, "inf") || !strcmp(str, "-inf"))) {
		*m = str[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	return -1;
}

struct searcher *searcher_new(const struct hps_config *cfg,
			      struct hps_error *err)
{
	struct searcher *s = xcalloc(1, sizeof(*s));

	s->cfg = cfg;
	s->sc = &cfg->searcher;
	rng_seed(&s->rng, cfg->experiment_seed);
	if (searcher_is_asha(s->sc)) {
		if (asha_setup(s, err) < 0) {
			searcher_free(s);
			return NULL;
		}
	} else if (s->sc->kind == SEARCH_GRID &&
		   space_grid_size(&cfg->hparams) > SPACE_GRID_MAX) {
		hps_errorf(err, "the grid has more than %d points", SPACE_GRID_MAX);
		searcher_free(s);
		return NULL;
	}
	return s;
}

void searcher_free(struct searcher *s)
{
	if (!s)
		return;
	asha_release(s);
	free(s->t);
	free(s);
}

int searcher_start(struct searcher *s, struct ops *out, struct hps_error *err)
{
	if (s->started)
		return hps_errorf(err, "the search has already started");
	if (searcher_is_asha(s->sc))
		asha_start(s, out);
	else if (simple_start(s, out, err) < 0)
		return -1;
	s->started = true;
	return 0;
}

/* The checks every event shares: the trial exists and is not closed. */
static struct strial *check_trial(struct searcher *s, int64_t id,
				  struct hps_error *err)
{
	struct strial *t = trial_get(s, id);

	if (!t) {
		hps_errorf(err, "no trial %lld", (long long)id);
		return NULL;
	}
	if (t->state == TRIAL_CLOSED) {
		hps_errorf(err, "trial %lld is closed", (long long)id);
		return NULL;
	}
	return t;
}

int searcher_validation(struct searcher *s, int64_t trial, uint64_t length,
			double metric, struct ops *out, struct hps_error *err)
{
	struct strial *t = check_trial(s, trial, err);

	if (!t)
		return -1;
	if (t->state != TRIAL_RUNNING)
		return hps_errorf(err, "trial %lld reported a validation while not running",
				  (long long)trial);
	if (!searcher_is_asha(s->sc))
		return 0;	/* choices do not depend on results */
	if (isnan(metric))	/* it has no rank */
		return hps_errorf(err, "trial %lld reported a metric that is not a number",
				  (long long)trial);
	if (asha_check_validation(s, trial, length, err) < 0)
		return -1;
	asha_validation(s, trial, length, metric, out);
	return 0;
}

int searcher_exit(struct searcher *s, int64_t trial, enum trial_exit why,
		  struct ops *out, struct hps_error *err)
{
	struct strial *t = check_trial(s, trial, err);

	if (!t)
		return -1;
	if ((unsigned)why > TEXIT_CANCELED)
		return hps_errorf(err, "trial %lld: unknown exit %d",
				  (long long)trial, (int)why);
	if (t->state == TRIAL_PAUSED) {
		/* Its run ended after reporting: nothing new, unless a user
		 * cancelled it while it waited for a promotion. */
		if (why == TEXIT_COMPLETED)
			return 0;
		if (why != TEXIT_CANCELED)
			return hps_errorf(err, "trial %lld %s while not running",
					  (long long)trial, exit_names[why]);
	}
	if (searcher_is_asha(s->sc))
		asha_exit(s, trial, why, out);
	else
		simple_exit(s, trial, why, out);
	return 0;
}

int searcher_reopen(struct searcher *s, int64_t trial, struct ops *out,
		    struct hps_error *err)
{
	struct strial *t = trial_get(s, trial);

	if (s->b)
		return hps_errorf(err, "%s searches cannot be continued (as in Determined): create a new experiment",
				  searcher_kind_name(s->sc->kind));
	if (!t || t->state != TRIAL_CLOSED ||
	    (t->end != TEXIT_ERRORED && t->end != TEXIT_CANCELED))
		return hps_errorf(err, "trial %lld did not error or get cancelled", (long long)trial);
	simple_reopen(s, trial, out);
	return 0;
}

bool searcher_done(const struct searcher *s)
{
	/* Trials are created only in answer to an event of a trial that is
	 * still open, so once every trial is closed none can follow. */
	return s->started && s->nclosed == s->nt;
}

double searcher_progress(const struct searcher *s)
{
	double p;

	if (searcher_done(s))
		return 1.0;
	p = searcher_is_asha(s->sc) ? asha_progress(s) : simple_progress(s);
	return p > 1.0 ? 1.0 : p;
}

enum trial_state searcher_trial_state(const struct searcher *s, int64_t trial)
{
	if (trial < 1 || (uint64_t)trial > s->nt)
		return TRIAL_UNKNOWN;
	return s->t[trial - 1].state;
}

static json_t *trial_to_json(const struct strial *t)
{
	json_t *j = json_pack("{s:i,s:i,s:s,s:b,s:I,s:s}",
			      "bracket", t->bracket, "rung", t->rung,
			      "state", state_names[t->state],
			      "early_exit", t->early_exit,
			      "seed", (json_int_t)t->seed,
			      "request_id", t->request_id);

	if (t->state == TRIAL_CLOSED)
		json_object_set_new(j, "end", json_string(exit_names[t->end]));
	return j;
}

json_t *searcher_save(const struct searcher *s)
{
	json_t *trials = json_array();

	for (size_t i = 0; i < s->nt; i++)
		json_array_append_new(trials, trial_to_json(&s->t[i]));
	return json_pack("{s:i,s:s,s:b,s:o,s:o,s:o}", "version", STATE_VERSION,
			 "searcher", searcher_kind_name(s->sc->kind),
			 "started", s->started, "rng", rng_to_json(&s->rng),
			 "trials", trials, "brackets", asha_to_json(s));
}

static int name_index(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	return -1;
}

static int trial_from_json(struct searcher *s, struct strial *t,
			   const json_t *j)
{
	const char *state = NULL, *end = NULL, *rid = NULL;
	json_int_t seed = -1;
	int bracket = -1, rung = -1, early = 0, st, en = 0;

	if (json_unpack((json_t *)j, "{s:i,s:i,s:s,s:b,s:I,s:s,s?s!}",
			"bracket", &bracket, "rung", &rung, "state", &state,
			"early_exit", &early, "seed", &seed,
			"request_id", &rid, "end", &end) < 0)
		return -1;
	st = name_index(state_names, 4, state);
	if (end)
		en = name_index(exit_names, 4, end);
	if (st <= TRIAL_UNKNOWN || en < 0 || (st == TRIAL_CLOSED) != !!end ||
	    seed < 0 || seed > INT32_MAX || strlen(rid) != 36 || rung < 0 ||
	    bracket < 0 || (size_t)bracket >= (s->nb ? s->nb : 1) ||
	    (s->nb && rung >= s->b[bracket].num_rungs) || (!s->nb && rung) ||
	    (st == TRIAL_PAUSED && (!s->nb || s->stopping)))
		return -1;
	t->bracket = bracket;
	t->rung = rung;
	t->state = (enum trial_state)st;
	t->end = (enum trial_exit)en;
	t->early_exit = early;
	t->seed = (uint32_t)seed;
	memcpy(t->request_id, rid, sizeof(t->request_id));
	return 0;
}

static int trials_from_json(struct searcher *s, const json_t *a,
			    struct hps_error *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return hps_errorf(err, "searcher state: 'trials' is not a list");
	s->cap = s->nt = json_array_size(a);
	s->t = xcalloc(s->cap ? s->cap : 1, sizeof(*s->t));
	json_array_foreach(a, i, v) {
		if (trial_from_json(s, &s->t[i], v) < 0)
			return hps_errorf(err, "searcher state: trial %zu is malformed",
					  i + 1);
		if (s->t[i].state == TRIAL_CLOSED)
			s->nclosed++;
	}
	return 0;
}

struct searcher *searcher_load(const struct hps_config *cfg, const json_t *j,
			       struct hps_error *err)
{
	struct searcher *s = searcher_new(cfg, err);
	const char *kind = NULL;
	json_t *rng = NULL, *trials = NULL, *brackets = NULL;
	int version = 0, started = 0;

	if (!s)
		return NULL;
	if (json_unpack((json_t *)j, "{s:i,s:s,s:b,s:o,s:o,s:o}", "version",
			&version, "searcher", &kind, "started", &started, "rng",
			&rng, "trials", &trials, "brackets", &brackets) < 0) {
		hps_errorf(err, "searcher state: malformed");
		goto fail;
	}
	if (version != STATE_VERSION ||
	    strcmp(kind, searcher_kind_name(s->sc->kind))) {
		hps_errorf(err, "searcher state: version %d of a '%s' searcher does not fit this '%s' config",
			   version, kind, searcher_kind_name(s->sc->kind));
		goto fail;
	}
	s->started = started;
	if (rng_from_json(&s->rng, rng) < 0) {
		hps_errorf(err, "searcher state: bad rng");
		goto fail;
	}
	if (trials_from_json(s, trials, err) < 0 ||
	    asha_from_json(s, brackets, err) < 0)
		goto fail;
	return s;
fail:
	searcher_free(s);
	return NULL;
}

static json_t *bracket_rungs_json(const struct searcher *s, size_t b)
{
	const struct asha *a = &s->b[b];
	json_t *rungs = json_array();

	for (int r = 0; r < a->num_rungs; r++) {
		const struct rung *g = &a->rungs[r];
		int64_t promoted = 0;
		RUNG_FOREACH(g, rm)
			promoted += rm->promoted;
		json_array_append_new(rungs, json_pack(
			"{s:I,s:I,s:I,s:I}", "length", (json_int_t)g->units,
			"reported", (json_int_t)g->n, "promoted",
			(json_int_t)promoted, "outstanding",
			(json_int_t)asha_outstanding(s, b, r)));
	}
	return json_pack("{s:i,s:o}", "bracket", (int)b, "rungs", rungs);
}

json_t *searcher_rungs(const struct searcher *s)
{
	json_t *a = json_array();

	for (size_t b = 0; b < s->nb; b++)
		json_array_append_new(a, bracket_rungs_json(s, b));
	return a;
}
