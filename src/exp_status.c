/* exp_status.c - an experiment as status --json shows it (DESIGN.md). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"

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

/* ---- the same document, written without the tree ----
 *
 * At 10,000 trials, building exp_status_json's tree, dumping it with
 * sorted keys and freeing it was a third of `status --json` (issue 8,
 * bench/README.md, 2).  What follows writes the same bytes as
 * json_dumpf(exp_status_json(e), STATUS_JSON) for the plain case: every
 * string of ours printable ASCII or valid UTF-8, every metric finite.
 * The user's values (hyperparameters, rungs) are still dumped by jansson
 * and only indented here; anything else makes it decline. */

#define STATUS_JSON (JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17))

/* A string as jansson dumps it; false when jansson would refuse it. */
static bool put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	json_t *j;
	char *d;

	if (!s)
		return false;
	for (; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			break;
	if (!*p) {
		fprintf(f, "\"%s\"", s);
		return true;
	}
	if (!(j = json_string(s)))
		return false;
	d = json_dumps(j, JSON_ENCODE_ANY | STATUS_JSON);
	json_decref(j);
	if (!d)
		return false;
	fputs(d, f);
	free(d);
	return true;
}

void exp_real_text(double v, char *b, size_t len)
{
	char *e, *m;

	snprintf(b, len, "%.17g", v);
	if (!strchr(b, '.') && !strchr(b, 'e') && strlen(b) + 3 <= len)
		strcat(b, ".0");
	if ((e = strchr(b, 'e'))) {
		e++;
		if (*e == '-')
			e++;
		for (m = e; *m == '+' || *m == '0'; m++)
			;
		memmove(e, m, strlen(m) + 1);
	}
}

static bool put_real(FILE *f, double v)
{
	char b[64];

	if (!isfinite(v))
		return false;
	exp_real_text(v, b, sizeof(b));
	fputs(b, f);
	return true;
}

/* A value jansson dumps itself, indented to where it stands. */
static bool put_dumped(FILE *f, const json_t *j, int indent)
{
	char *d = json_dumps(j, STATUS_JSON);

	if (!d)
		return false;
	for (const char *p = d, *nl; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n'))) {
			fputs(p, f);
			break;
		}
		fwrite(p, 1, (size_t)(nl - p) + 1, f);
		fprintf(f, "%*s", indent, "");
	}
	free(d);
	return true;
}

static bool put_metric(FILE *f, bool has, double v)
{
	if (has && isfinite(v))
		return put_real(f, v);
	fputs("null", f);
	return true;
}

static bool put_trial(FILE *f, const struct trial *t)
{
	bool ok;

	fputs("    {\n      \"best_metric\": ", f);
	ok = put_metric(f, t->has_best, t->best);
	fprintf(f, ",\n      \"bracket\": %d,\n      \"end_reason\": ", t->bracket);
	if (t->end_reason[0])
		ok = ok && put_string(f, t->end_reason);
	else
		fputs("null", f);
	fputs(",\n      \"hparams\": ", f);
	ok = ok && put_dumped(f, t->hparams, 6);
	fprintf(f, ",\n      \"id\": %lld,\n      \"latest_metric\": ", (long long)t->id);
	ok = ok && put_metric(f, t->has_latest, t->latest);
	fprintf(f, ",\n      \"length\": %lld,\n      \"request_id\": ", (long long)t->length);
	ok = ok && put_string(f, t->request_id);
	fprintf(f, ",\n      \"restarts\": %lld,\n      \"runs\": %lld,\n      \"seed\": %lld,"
		"\n      \"state\": \"%s\"\n    }", (long long)t->restarts, (long long)t->runs,
		(long long)t->seed, tstate_name(t->state));
	return ok;
}

static bool put_status(FILE *f, const struct experiment *e)
{
	const struct trial *best = exp_best_trial(e);
	size_t done = 0, running = 0;
	json_t *rungs = searcher_rungs(e->s);
	bool ok;

	for (size_t i = 0; i < e->n; i++) {
		done += e->t[i].closed;
		running += e->t[i].running;
	}
	fputs("{\n  \"best_metric\": ", f);
	ok = best ? put_real(f, best->best) : fputs("null", f) >= 0;
	if (best)
		fprintf(f, ",\n  \"best_trial\": %lld", (long long)best->id);
	else
		fputs(",\n  \"best_trial\": null", f);
	fputs(",\n  \"dir\": ", f);
	ok = ok && put_string(f, e->dir);
	fprintf(f, ",\n  \"id\": %lld,\n  \"metric\": ", (long long)e->id);
	ok = ok && put_string(f, e->cfg.searcher.metric ? e->cfg.searcher.metric : "");
	fputs(",\n  \"name\": ", f);
	ok = ok && put_string(f, e->cfg.name);
	fputs(",\n  \"progress\": ", f);
	ok = ok && put_real(f, searcher_progress(e->s));
	fputs(",\n  \"rungs\": ", f);
	ok = ok && rungs && put_dumped(f, rungs, 2);
	json_decref(rungs);
	fprintf(f, ",\n  \"searcher\": \"%s\",\n  \"smaller_is_better\": %s,\n  \"state\": \"%s\","
		"\n  \"trials\": ", searcher_kind_name(e->cfg.searcher.kind),
		e->cfg.searcher.smaller_is_better ? "true" : "false", exp_state_name(e->state));
	fputs(e->n ? "[\n" : "[]", f);
	for (size_t i = 0; ok && i < e->n; i++) {
		ok = put_trial(f, &e->t[i]);
		fputs(i + 1 < e->n ? ",\n" : "\n  ]", f);
	}
	fprintf(f, ",\n  \"trials_done\": %zu,\n  \"trials_running\": %zu,\n  \"trials_total\": %zu\n}",
		done, running, e->n);
	return ok;
}

int exp_status_write(const struct experiment *e, FILE *out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool ok;

	if (!f)
		return -1;
	ok = put_status(f, e);
	if (fclose(f) != 0)
		ok = false;
	if (ok)
		fwrite(text, 1, len, out);
	free(text);
	return ok ? 0 : 1;
}
