/* check.c - typed readers for config fields (see check.h). */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "xalloc.h"

char *path_join(const char *base, const char *key)
{
	if (!base || !*base)
		return xstrdup(key);
	return xasprintf("%s.%s", base, key);
}

static void vreport(struct diag *d, enum diag_level lvl, const struct ynode *at,
		    const char *path, const char *fmt, va_list ap)
{
	char buf[900];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	diag_add(d, lvl, at ? at->line : 0, at ? at->col : 0, path, "%s", buf);
}

void check_error(struct diag *d, const struct ynode *at, const char *path,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(d, DIAG_ERROR, at, path, fmt, ap);
	va_end(ap);
}

void check_warn(struct diag *d, const struct ynode *at, const char *path,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(d, DIAG_WARNING, at, path, fmt, ap);
	va_end(ap);
}

/* Quote a scalar for a message, cut short so a 10 MB line stays readable. */
static const char *shown(const struct ynode *n, char *buf, size_t len)
{
	if (!n->text)
		return ytree_kind_name(n);
	snprintf(buf, len, "%s '%.40s%s'", ytree_kind_name(n), n->text,
		 strlen(n->text) > 40 ? "..." : "");
	return buf;
}

bool check_mapping(struct diag *d, const struct ynode *n, const char *path)
{
	char buf[128];

	if (n && n->kind == Y_MAP)
		return true;
	check_error(d, n, path, "expected a mapping, got %s",
		    shown(n, buf, sizeof(buf)));
	return false;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row, best;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	row = xcalloc(lb + 1, sizeof(*row));
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t sub = diag + (a[i - 1] != b[j - 1]);
			size_t v = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
			row[j] = sub < v ? sub : v;
			diag = up;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

const char *suggest(const char *s, const char *const *words)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	size_t limit = strlen(s) / 3 + 1;

	for (; words && *words; words++) {
		size_t dist = edit_distance(s, *words);
		if (dist < bestd) {
			bestd = dist;
			best = *words;
		}
	}
	return bestd <= limit && bestd <= 3 ? best : NULL;
}

void check_missing(struct diag *d, const struct ynode *map, const char *path,
		   const char *field, const char *const *known)
{
	/* A misspelt key already got "did you mean 'field'": say it once. */
	for (size_t i = 0; map && map->kind == Y_MAP && i < map->n; i++) {
		const char *hint;
		if (in_list(map->keys[i]->text, known))
			continue;
		hint = suggest(map->keys[i]->text, known);
		if (hint && !strcmp(hint, field))
			return;
	}
	check_error(d, map, path, "missing required field '%s'", field);
}

void check_keys(struct diag *d, const struct ynode *map, const char *path,
		const char *const *known, const char *const *ignored,
		const char *ignored_why)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->keys[i];
		char *p = path_join(path, k->text);
		const char *hint;

		if (in_list(k->text, known)) {
			free(p);
			continue;
		}
		if (in_list(k->text, ignored)) {
			check_warn(d, k, p, "%s", ignored_why);
			free(p);
			continue;
		}
		hint = suggest(k->text, known);
		if (hint)
			check_error(d, k, p, "unknown field (did you mean '%s'?)",
				    hint);
		else
			check_error(d, k, p, "unknown field");
		free(p);
	}
}

bool node_int(const struct ynode *n, int64_t *out)
{
	if (n->kind == Y_INT) {
		*out = n->i;
		return true;
	}
	/* JSON Schema's "integer" takes 2.0; Determined reads YAML via JSON. */
	if (n->kind == Y_FLOAT && isfinite(n->f) && n->f == floor(n->f) &&
	    fabs(n->f) < 9007199254740992.0) {
		*out = (int64_t)n->f;
		return true;
	}
	return false;
}

/* Shared front of every reader: look up, treat null as absent. */
static const struct ynode *lookup(const struct ynode *map, const char *key)
{
	const struct ynode *v = ytree_get(map, key);

	return v && v->kind != Y_NULL ? v : NULL;
}

int check_int(struct diag *d, const struct ynode *map, const char *key,
	      const char *path, int64_t min, int64_t max, int64_t *out)
{
	const struct ynode *v = lookup(map, key);
	char *p, buf[128];
	int64_t x;
	int rc = -1;

	if (!v)
		return 0;
	p = path_join(path, key);
	if (!node_int(v, &x))
		check_error(d, v, p, "expected an integer, got %s",
			    shown(v, buf, sizeof(buf)));
	else if (x < min && max == INT64_MAX)
		check_error(d, v, p, "must be >= %lld, got %lld",
			    (long long)min, (long long)x);
	else if (x < min || x > max)
		check_error(d, v, p, "must be between %lld and %lld, got %lld",
			    (long long)min, (long long)max, (long long)x);
	else {
		*out = x;
		rc = 1;
	}
	free(p);
	return rc;
}

int check_number(struct diag *d, const struct ynode *map, const char *key,
		 const char *path, double *out)
{
	const struct ynode *v = lookup(map, key);
	char *p, buf[128];
	int rc = -1;

	if (!v)
		return 0;
	p = path_join(path, key);
	if (!ytree_is_number(v))
		check_error(d, v, p, "expected a number, got %s",
			    shown(v, buf, sizeof(buf)));
	else if (!isfinite(ytree_number(v)))
		check_error(d, v, p, "expected a finite number, got '%s'",
			    v->text);
	else {
		*out = ytree_number(v);
		rc = 1;
	}
	free(p);
	return rc;
}

int check_bool(struct diag *d, const struct ynode *map, const char *key,
	       const char *path, bool *out)
{
	const struct ynode *v = lookup(map, key);
	char *p, buf[128];

	if (!v)
		return 0;
	if (v->kind == Y_BOOL) {
		*out = v->b;
		return 1;
	}
	p = path_join(path, key);
	static const char *const yaml11[] = {"yes", "no", "on", "off", "y", "n",
		"Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF", "Y", "N", NULL};
	check_error(d, v, p, "expected true or false, got %s%s",
		    shown(v, buf, sizeof(buf)),
		    v->kind == Y_STR && in_list(v->text, yaml11)
		    ? " (YAML 1.2: yes/no/on/off are strings)" : "");
	free(p);
	return -1;
}

int check_string(struct diag *d, const struct ynode *map, const char *key,
		 const char *path, char **out)
{
	const struct ynode *v = lookup(map, key);
	char *p, buf[128];

	if (!v)
		return 0;
	if (v->kind == Y_STR) {
		*out = xstrdup(v->text);
		return 1;
	}
	p = path_join(path, key);
	check_error(d, v, p, "expected a string, got %s",
		    shown(v, buf, sizeof(buf)));
	free(p);
	return -1;
}

int check_path(struct diag *d, const struct ynode *map, const char *key,
	       const char *path, char **out)
{
	int rc = check_string(d, map, key, path, out);
	char *p;

	if (rc != 1 || (*out)[0] == '/')
		return rc;
	p = path_join(path, key);
	check_error(d, ytree_get(map, key), p, "must be an absolute path, got '%.80s'", *out);
	free(p);
	free(*out);
	*out = NULL;
	return -1;
}

int check_string_list(struct diag *d, const struct ynode *map,
		      const char *key, const char *path, char ***out,
		      size_t *n)
{
	const struct ynode *v = lookup(map, key);
	char *p, buf[128];
	char **list;
	int rc = 1;

	if (!v)
		return 0;
	p = path_join(path, key);
	if (v->kind != Y_SEQ) {
		check_error(d, v, p, "expected a list of strings, got %s",
			    shown(v, buf, sizeof(buf)));
		free(p);
		return -1;
	}
	list = xcalloc(v->n + 1, sizeof(*list));
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *it = v->items[i];
		if (it->kind != Y_STR) {
			char *ip = xasprintf("%s[%zu]", p, i);
			check_error(d, it, ip, "expected a string, got %s",
				    shown(it, buf, sizeof(buf)));
			free(ip);
			rc = -1;
			continue;
		}
		list[i] = xstrdup(it->text);
	}
	free(p);
	if (rc < 0) {
		for (size_t i = 0; i < v->n; i++)
			free(list[i]);
		free(list);
		return -1;
	}
	*out = list;
	*n = v->n;
	return 1;
}
