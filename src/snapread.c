/* snapread.c - state.json's trial lines, read without a JSON tree (see
 * snapread.h).  Each reader below accepts a strict subset of what jansson
 * accepts for that value and yields what jansson's value would give
 * trial_from_json; outside the subset it says no. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapread.h"
#include "xalloc.h"

#define TRIALS_OPEN ",\n \"trials\": ["

/* Deeper than this below the trial, jansson's depth limit (2048, counted
 * from the document's root) might refuse what a parse on its own takes. */
#define HPARAMS_MAX_DEPTH 2000

struct cur {
	const char *p, *end;
};

static bool lit(struct cur *c, const char *s, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n))
		return false;
	c->p += n;
	return true;
}

#define LIT(c, s) lit((c), (s), sizeof(s) - 1)

static bool digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* A JSON number's token, as jansson's lexer delimits it; *real when it
 * has a fraction or an exponent. */
static bool number_token(struct cur *c, char *buf, size_t cap, bool *real)
{
	const char *s = c->p, *p = s;

	*real = false;
	if (p < c->end && *p == '-')
		p++;
	if (p >= c->end || !digit(*p))
		return false;
	if (*p == '0')
		p++;
	else
		while (p < c->end && digit(*p))
			p++;
	if (p < c->end && *p == '.') {
		*real = true;
		if (++p >= c->end || !digit(*p))
			return false;
		while (p < c->end && digit(*p))
			p++;
	}
	if (p < c->end && (*p == 'e' || *p == 'E')) {
		*real = true;
		if (++p < c->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= c->end || !digit(*p))
			return false;
		while (p < c->end && digit(*p))
			p++;
	}
	if ((size_t)(p - s) >= cap)
		return false;
	memcpy(buf, s, (size_t)(p - s));
	buf[p - s] = '\0';
	c->p = p;
	return true;
}

/* An integer field (json_integer_value): integer tokens only. */
static bool int_val(struct cur *c, int64_t *v)
{
	char buf[32], *end;
	bool real;
	long long x;

	if (!number_token(c, buf, sizeof(buf), &real) || real)
		return false;
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (errno == ERANGE || *end)
		return false;	/* jansson: "too big integer" */
	*v = x;
	return true;
}

/* A metric field (json_is_number / json_number_value), or null. */
static bool num_val(struct cur *c, bool *has, double *v)
{
	char buf[400], *end;
	bool real;
	int64_t i;

	if (LIT(c, "null")) {
		*has = false;
		*v = 0;
		return true;
	}
	if (c->p < c->end && (*c->p == '-' || digit(*c->p))) {
		struct cur probe = *c;
		if (!number_token(&probe, buf, sizeof(buf), &real))
			return false;
		if (!real) {
			if (!int_val(c, &i))
				return false;
			*v = (double)i;
		} else {
			errno = 0;
			*v = strtod(buf, &end);
			if (*end || ((*v == HUGE_VAL || *v == -HUGE_VAL) && errno == ERANGE))
				return false;	/* jansson: "real number overflow" */
			c->p = probe.p;
		}
		*has = true;
		return true;
	}
	return false;
}

static bool bool_val(struct cur *c, bool *v)
{
	*v = LIT(c, "true");
	return *v || LIT(c, "false");
}

/* A string of printable ASCII without escapes, copied as snprintf would
 * truncate it into dst. */
static bool str_val(struct cur *c, char *dst, size_t cap)
{
	const char *s;
	size_t n;

	if (!LIT(c, "\""))
		return false;
	for (s = c->p; c->p < c->end && *c->p != '"'; c->p++)
		if (*c->p < 0x20 || *c->p > 0x7e || *c->p == '\\')
			return false;
	if (c->p >= c->end)
		return false;
	n = (size_t)(c->p - s);
	c->p++;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* The span of an object value (strings skipped with their escapes),
 * parsed by jansson on its own. */
static json_t *obj_val(struct cur *c)
{
	const char *s = c->p;
	int depth = 0, max = 0;
	json_error_t je;
	json_t *j;

	if (c->p >= c->end || *c->p != '{')
		return NULL;
	for (; c->p < c->end; c->p++) {
		char ch = *c->p;
		if (ch == '"') {
			for (c->p++; c->p < c->end && *c->p != '"'; c->p++)
				if (*c->p == '\\' && ++c->p >= c->end)
					return NULL;
			if (c->p >= c->end)
				return NULL;
		} else if (ch == '{' || ch == '[') {
			if (++depth > max)
				max = depth;
		} else if (ch == '}' || ch == ']') {
			if (--depth == 0)
				break;
		}
	}
	if (c->p >= c->end || max > HPARAMS_MAX_DEPTH)
		return NULL;
	c->p++;
	j = json_loadb(s, (size_t)(c->p - s), 0, &je);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static bool state_val(struct cur *c, enum tstate *st)
{
	char name[16];

	if (!str_val(c, name, sizeof(name)))
		return false;
	for (int k = TS_ACTIVE; k <= TS_CANCELED; k++)
		if (!strcmp(name, tstate_name((enum tstate)k))) {
			*st = (enum tstate)k;
			return true;
		}
	return false;
}

/* Integer fields, converted as trial_from_json converts them. */
#define INT_FIELD(c, key, dst, type) \
	(LIT(c, key) && int_val(c, &i) && ((dst) = (type)i, true))

/* One trial, in put_trial's key order. */
static bool trial(struct cur *c, struct trial *t)
{
	int64_t i;

	memset(t, 0, sizeof(*t));
	return INT_FIELD(c, "{\"array\":", t->array, int64_t) &&
	       LIT(c, ",\"best\":") && num_val(c, &t->has_best, &t->best) &&
	       INT_FIELD(c, ",\"best_length\":", t->best_length, uint64_t) &&
	       INT_FIELD(c, ",\"bracket\":", t->bracket, int) &&
	       LIT(c, ",\"closed\":") && bool_val(c, &t->closed) &&
	       LIT(c, ",\"end_reason\":") && str_val(c, t->end_reason, sizeof(t->end_reason)) &&
	       LIT(c, ",\"hparams\":") && (t->hparams = obj_val(c)) &&
	       INT_FIELD(c, ",\"id\":", t->id, int64_t) &&
	       INT_FIELD(c, ",\"index\":", t->index, int64_t) &&
	       LIT(c, ",\"kill\":") && bool_val(c, &t->kill) &&
	       LIT(c, ",\"latest\":") && num_val(c, &t->has_latest, &t->latest) &&
	       INT_FIELD(c, ",\"length\":", t->length, uint64_t) &&
	       INT_FIELD(c, ",\"lines\":", t->lines, int64_t) &&
	       INT_FIELD(c, ",\"offset\":", t->offset, long long) &&
	       LIT(c, ",\"request_id\":") && str_val(c, t->request_id, sizeof(t->request_id)) &&
	       INT_FIELD(c, ",\"restarts\":", t->restarts, int64_t) &&
	       LIT(c, ",\"run_metric\":") && num_val(c, &t->run_has_metric, &t->run_metric) &&
	       LIT(c, ",\"running\":") && bool_val(c, &t->running) &&
	       INT_FIELD(c, ",\"runs\":", t->runs, int64_t) &&
	       INT_FIELD(c, ",\"seed\":", t->seed, uint32_t) &&
	       LIT(c, ",\"state\":") && state_val(c, &t->state) &&
	       INT_FIELD(c, ",\"target\":", t->target, uint64_t) &&
	       LIT(c, ",\"want_run\":") && bool_val(c, &t->want_run) &&
	       LIT(c, "}");
}

static bool only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return false;
	return true;
}

int snapread(const char *text, size_t len, size_t *head_len,
	     struct trial **trials, size_t *n)
{
	const char *open = memmem(text, len, TRIALS_OPEN, sizeof(TRIALS_OPEN) - 1);
	struct cur c = {.end = text + len};
	struct trial *v = NULL;
	size_t nv = 0, cap = 0;

	if (!open)
		return 1;
	c.p = open + sizeof(TRIALS_OPEN) - 1;
	while (!LIT(&c, "]}")) {
		if (!(nv ? LIT(&c, ",\n  ") : LIT(&c, "\n  ")))
			goto no;
		if (nv == cap) {
			cap = cap ? 2 * cap : 1024;
			v = xrealloc(v, cap * sizeof(*v));
		}
		if (!trial(&c, &v[nv])) {
			json_decref(v[nv].hparams);
			goto no;
		}
		nv++;
	}
	if (!only_space(c.p, c.end))
		goto no;
	*head_len = (size_t)(open - text);
	*trials = v;
	*n = nv;
	return 0;
no:
	for (size_t i = 0; i < nv; i++)
		json_decref(v[i].hparams);
	free(v);
	return 1;
}
