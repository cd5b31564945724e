/* expconf_hparams.c - reading and checking the hyperparameters section.
 *
 * Determined's union rules (REFERENCE.md 1.1): a non-object is a const, an
 * object with "type" is a typed leaf, an object without "type" is a nested
 * dict.  Children are kept sorted by name: that is the order of sampling
 * and of grid axes.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "expconf.h"
#include "expconf_internal.h"
#include "xalloc.h"

struct hp_ctx {
	struct diag *d;
	bool grid;
	int depth;
};

static const char *const type_names[] = {
	"const", "int", "double", "log", "categorical", NULL,
};

static const char *const keys_const[] = {"type", "val", NULL};
static const char *const keys_int[] = {"type", "minval", "maxval", "count", NULL};
static const char *const keys_log[] = {"type", "minval", "maxval", "count", "base", NULL};
static const char *const keys_cat[] = {"type", "vals", NULL};

const char *hp_type_name(enum hp_type t)
{
	static const char *const names[] = {
		"const", "int", "double", "log", "categorical", "nested",
	};
	return names[t];
}

void hparam_release(struct hparam *h)
{
	for (size_t i = 0; i < h->nkids; i++)
		hparam_release(&h->kids[i]);
	free(h->kids);
	free(h->name);
	json_decref(h->val);
	json_decref(h->vals);
	memset(h, 0, sizeof(*h));
}

size_t hparam_count_leaves(const struct hparam *h)
{
	size_t n = 0;

	if (h->type != HP_NESTED)
		return 1;
	for (size_t i = 0; i < h->nkids; i++)
		n += hparam_count_leaves(&h->kids[i]);
	return n;
}

static int to_json(struct hp_ctx *c, const struct ynode *n, const char *path,
		   json_t **out)
{
	const struct ynode *bad = NULL;

	*out = ytree_to_json(n, &bad);
	if (*out)
		return 0;
	check_error(c->d, bad ? bad : n, path,
		    "'%s' has no JSON form: hyperparameter values must be finite",
		    bad && bad->text ? bad->text : "value");
	return -1;
}

static bool require(struct hp_ctx *c, const struct ynode *map,
		    const char *path, const char *key, const char *type)
{
	const struct ynode *v = ytree_get(map, key);

	if (v && v->kind != Y_NULL)
		return true;
	check_error(c->d, v ? v : map, path,
		    "a %s hyperparameter needs '%s'", type, key);
	return false;
}

static int read_count(struct hp_ctx *c, const struct ynode *map,
		      const char *path, struct hparam *h)
{
	int rc = check_int(c->d, map, "count", path, 1, INT64_MAX, &h->count);

	if (rc < 0)
		return -1;
	h->has_count = rc == 1;
	if (c->grid && !h->has_count) {
		check_error(c->d, map, path,
			    "grid search is in use but count was not provided");
		return -1;
	}
	return 0;
}

static int read_int(struct hp_ctx *c, const struct ynode *map,
		    const char *path, struct hparam *h)
{
	bool has_min = require(c, map, path, "minval", "int");
	bool ok = require(c, map, path, "maxval", "int") && has_min;

	if (!ok || check_int(c->d, map, "minval", path, INT64_MIN / 2,
			     INT64_MAX / 2, &h->imin) < 0 ||
	    check_int(c->d, map, "maxval", path, INT64_MIN / 2, INT64_MAX / 2,
		      &h->imax) < 0)
		return -1;
	if (h->imin >= h->imax) {
		check_error(c->d, ytree_get(map, "maxval"), path,
			    "minval (%lld) must be less than maxval (%lld)",
			    (long long)h->imin, (long long)h->imax);
		return -1;
	}
	return read_count(c, map, path, h);
}

/* A log range written as values (0.0001..1) rather than exponents (-4..0)
 * samples base^0.0001..base^1: the seed's own search.yaml does this. */
static void lint_log_range(struct hp_ctx *c, const struct ynode *map,
			   const char *path, const struct hparam *h)
{
	double lo, hi;

	if (!(h->min > 0 && h->min < 1 && h->max <= 1) || h->base <= 0 ||
	    h->base == 1)
		return;
	lo = log(h->min) / log(h->base);
	hi = log(h->max) / log(h->base);
	check_warn(c->d, ytree_get(map, "minval"), path,
		   "minval and maxval of a log hyperparameter are exponents: "
		   "this samples %g^%g..%g^%g = [%.6g, %.6g); if you meant "
		   "values from %g to %g, write minval: %.6g and maxval: %.6g",
		   h->base, h->min, h->base, h->max, pow(h->base, h->min),
		   pow(h->base, h->max), h->min, h->max, lo, hi);
}

static int read_real(struct hp_ctx *c, const struct ynode *map,
		     const char *path, struct hparam *h, const char *type)
{
	bool has_min = require(c, map, path, "minval", type);
	bool ok = require(c, map, path, "maxval", type) && has_min;

	if (h->type == HP_LOG)
		ok = require(c, map, path, "base", type) && ok;
	if (!ok || check_number(c->d, map, "minval", path, &h->min) < 0 ||
	    check_number(c->d, map, "maxval", path, &h->max) < 0)
		return -1;
	if (h->type == HP_LOG) {
		if (check_number(c->d, map, "base", path, &h->base) < 0)
			return -1;
		if (h->base <= 0) {
			char *p = path_join(path, "base");
			check_error(c->d, ytree_get(map, "base"), p,
				    "must be > 0, got %g", h->base);
			free(p);
			return -1;
		}
	}
	if (h->min >= h->max) {
		check_error(c->d, ytree_get(map, "maxval"), path,
			    "minval (%g) must be less than maxval (%g)",
			    h->min, h->max);
		return -1;
	}
	if (h->type == HP_LOG)
		lint_log_range(c, map, path, h);
	return read_count(c, map, path, h);
}

static int read_categorical(struct hp_ctx *c, const struct ynode *map,
			    const char *path, struct hparam *h)
{
	const struct ynode *v = ytree_get(map, "vals");
	char *p;
	int rc = -1;

	if (!require(c, map, path, "vals", "categorical"))
		return -1;
	p = path_join(path, "vals");
	if (v->kind != Y_SEQ)
		check_error(c->d, v, p, "expected a list of values, got %s",
			    ytree_kind_name(v));
	else if (v->n == 0)
		check_error(c->d, v, p,
			    "a categorical hyperparameter needs at least one value");
	else
		rc = to_json(c, v, p, &h->vals);
	free(p);
	return rc;
}

static int read_node(struct hp_ctx *c, const struct ynode *n,
		     const char *path, struct hparam *h);

static int read_nested(struct hp_ctx *c, const struct ynode *map,
		       const char *path, struct hparam *h);

static int read_typed(struct hp_ctx *c, const struct ynode *map,
		      const char *path, struct hparam *h)
{
	const struct ynode *t = ytree_get(map, "type");
	char *tp = path_join(path, "type");
	const char *hint;
	int rc = -1;

	if (t->kind != Y_STR) {
		check_error(c->d, t, tp, "expected one of const, int, double, log, categorical, got %s",
			    ytree_kind_name(t));
		goto out;
	}
	for (h->type = HP_CONST; h->type <= HP_CATEGORICAL; h->type++)
		if (!strcmp(t->text, type_names[h->type]))
			break;
	switch (h->type) {
	case HP_CONST:
		check_keys(c->d, map, path, keys_const, NULL, NULL);
		if (require(c, map, path, "val", "const"))
			rc = to_json(c, ytree_get(map, "val"), path, &h->val);
		break;
	case HP_INT:
		check_keys(c->d, map, path, keys_int, NULL, NULL);
		rc = read_int(c, map, path, h);
		break;
	case HP_DOUBLE:
		check_keys(c->d, map, path, keys_int, NULL, NULL);
		rc = read_real(c, map, path, h, "double");
		break;
	case HP_LOG:
		check_keys(c->d, map, path, keys_log, NULL, NULL);
		rc = read_real(c, map, path, h, "log");
		break;
	case HP_CATEGORICAL:
		check_keys(c->d, map, path, keys_cat, NULL, NULL);
		rc = read_categorical(c, map, path, h);
		break;
	default:
		hint = suggest(t->text, type_names);
		check_error(c->d, t, tp, "unknown hyperparameter type '%.60s'%s%s%s",
			    t->text, hint ? " (did you mean '" : " (expected const, int, double, log or categorical",
			    hint ? hint : "", hint ? "'?)" : ")");
		h->type = HP_CONST;
	}
out:
	free(tp);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct hparam *)a)->name,
		      ((const struct hparam *)b)->name);
}

static int read_nested(struct hp_ctx *c, const struct ynode *map,
		       const char *path, struct hparam *h)
{
	int rc = 0;

	h->type = HP_NESTED;
	if (++c->depth > HP_MAX_DEPTH) {
		check_error(c->d, map, path,
			    "hyperparameters nest more than %d levels deep",
			    HP_MAX_DEPTH);
		c->depth--;
		return -1;
	}
	h->kids = xcalloc(map->n ? map->n : 1, sizeof(*h->kids));
	for (size_t i = 0; i < map->n; i++) {
		struct hparam *k = &h->kids[i];
		char *p = path_join(path, map->keys[i]->text);

		h->nkids++;
		k->name = xstrdup(map->keys[i]->text);
		k->line = map->keys[i]->line;
		k->col = map->keys[i]->col;
		if (read_node(c, map->items[i], p, k) < 0)
			rc = -1;
		free(p);
	}
	qsort(h->kids, h->nkids, sizeof(*h->kids), by_name);
	c->depth--;
	return rc;
}

static int read_node(struct hp_ctx *c, const struct ynode *n,
		     const char *path, struct hparam *h)
{
	if (n->kind != Y_MAP) {
		h->type = HP_CONST;
		return to_json(c, n, path, &h->val);
	}
	if (ytree_get(n, "type"))
		return read_typed(c, n, path, h);
	return read_nested(c, n, path, h);
}

int expconf_read_hparams(const struct ynode *n, const char *path, bool grid,
			 struct hparam *out, struct diag *d)
{
	struct hp_ctx c = {.d = d, .grid = grid};

	memset(out, 0, sizeof(*out));
	out->name = xstrdup("");
	if (!n || n->kind == Y_NULL) {
		out->type = HP_NESTED;
		return 0;
	}
	if (!check_mapping(d, n, path)) {
		out->type = HP_NESTED;
		return -1;
	}
	return read_nested(&c, n, path, out);
}

int expconf_check_hparam_fragment(const struct ynode *n, const char *path,
				  bool grid, struct diag *d)
{
	struct hp_ctx c = {.d = d, .grid = grid};
	struct hparam h;
	size_t before = d->nerrors;
	int rc;

	memset(&h, 0, sizeof(h));
	h.name = xstrdup(path);
	rc = read_node(&c, n, path, &h);
	hparam_release(&h);
	return rc < 0 || d->nerrors > before ? -1 : 0;
}
