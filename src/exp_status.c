/* exp_status.c - an experiment as status --json shows it (DESIGN.md). */
#include "config.h"

#include <math.h>

#include "experiment.h"

static json_t *metric_json(bool has, double v)
{
	return has && isfinite(v) ? json_real(v) : json_null();
}

static json_t *trial_status(const struct trial *t)
{
	return json_pack("{s:I,s:s,s:s?,s:O,s:I,s:o,s:o,s:I,s:I,s:I,s:s,s:I}",
		"id", (json_int_t)t->id, "state", tstate_name(t->state),
		"end_reason", t->end_reason[0] ? t->end_reason : NULL,
		"hparams", t->hparams, "length", (json_int_t)t->length,
		"best_metric", metric_json(t->has_best, t->best),
		"latest_metric", metric_json(t->has_latest, t->latest),
		"restarts", (json_int_t)t->restarts, "runs", (json_int_t)t->runs,
		"bracket", (json_int_t)t->bracket, "request_id", t->request_id,
		"seed", (json_int_t)t->seed);
}

json_t *exp_status_json(const struct experiment *e)
{
	const struct trial *best = exp_best_trial(e);
	json_t *trials = json_array();
	size_t done = 0, running = 0;

	for (size_t i = 0; i < e->n; i++) {
		json_array_append_new(trials, trial_status(&e->t[i]));
		done += e->t[i].closed;
		running += e->t[i].running;
	}
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:I,s:I,s:I,s:f,s:o}",
		"id", (json_int_t)e->id, "name", e->cfg.name, "dir", e->dir,
		"state", exp_state_name(e->state),
		"searcher", searcher_kind_name(e->cfg.searcher.kind),
		"metric", e->cfg.searcher.metric ? e->cfg.searcher.metric : "",
		"smaller_is_better", e->cfg.searcher.smaller_is_better,
		"best_trial", best ? json_integer(best->id) : json_null(),
		"best_metric", best ? json_real(best->best) : json_null(),
		"rungs", searcher_rungs(e->s),
		"trials_total", (json_int_t)e->n, "trials_done", (json_int_t)done,
		"trials_running", (json_int_t)running,
		"progress", searcher_progress(e->s), "trials", trials);
}
