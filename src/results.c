/* results.c - hyperparameter columns, cell text and aligned tables (see
 * results.h). */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hpenv.h"
#include "results.h"
#include "store.h"
#include "xalloc.h"

static void add_leaf(struct hp_leaves *l, char **path, size_t depth)
{
	struct hp_leaf *leaf;
	size_t len = 1;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	leaf = &l->v[l->n++];
	leaf->keys = xcalloc(depth, sizeof(*leaf->keys));
	leaf->nkeys = depth;
	for (size_t i = 0; i < depth; i++)
		len += strlen(path[i]) + 1;
	leaf->name = xcalloc(len, 1);
	for (size_t i = 0; i < depth; i++) {
		leaf->keys[i] = xstrdup(path[i]);
		if (i)
			strcat(leaf->name, ".");
		strcat(leaf->name, path[i]);
	}
}

/* walk: the leaves under h, whose keys from the top are path[0..depth). */
static void walk(struct hp_leaves *l, const struct hparam *h, char **path,
		 size_t depth)
{
	if (h->type != HP_NESTED) {
		add_leaf(l, path, depth);
		return;
	}
	if (depth >= HP_MAX_DEPTH)
		return;
	for (size_t i = 0; i < h->nkids; i++) {
		path[depth] = h->kids[i].name;
		walk(l, &h->kids[i], path, depth + 1);
	}
}

void hp_leaves_init(struct hp_leaves *l, const struct hparam *root)
{
	char *path[HP_MAX_DEPTH + 1];

	l->v = NULL;
	l->n = 0;
	walk(l, root, path, 0);
}

void hp_leaves_release(struct hp_leaves *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->v[i].nkeys; k++)
			free(l->v[i].keys[k]);
		free(l->v[i].keys);
		free(l->v[i].name);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const json_t *hp_leaf_value(const struct hp_leaf *leaf, const json_t *hparams)
{
	const json_t *v = hparams;

	for (size_t i = 0; i < leaf->nkeys && v; i++)
		v = json_object_get(v, leaf->keys[i]);
	return v;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void put_json(FILE *fp, const json_t *v);

/* put_object: an object's members by key, so equal values print alike. */
static void put_object(FILE *fp, const json_t *v)
{
	size_t n = 0;
	const char *key, **keys = xcalloc(json_object_size(v) + 1, sizeof(*keys));
	json_t *x;

	json_object_foreach((json_t *)v, key, x)
		keys[n++] = key;
	qsort(keys, n, sizeof(*keys), by_string);
	fputc('{', fp);
	for (size_t i = 0; i < n; i++) {
		json_t *k = json_string(keys[i]);
		put_json(fp, k);
		json_decref(k);
		fputc(':', fp);
		put_json(fp, json_object_get(v, keys[i]));
		if (i + 1 < n)
			fputc(',', fp);
	}
	fputc('}', fp);
	free(keys);
}

/* put_json: v as compact JSON, keys sorted, reals in shortest form. */
static void put_json(FILE *fp, const json_t *v)
{
	char buf[64], *s;

	if (json_is_real(v)) {
		hpenv_format_double(json_real_value(v), buf, sizeof(buf));
		fputs(isfinite(json_real_value(v)) ? buf : "null", fp);
	} else if (json_is_array(v)) {
		fputc('[', fp);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				fputc(',', fp);
			put_json(fp, json_array_get(v, i));
		}
		fputc(']', fp);
	} else if (json_is_object(v)) {
		put_object(fp, v);
	} else {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		fputs(s ? s : "null", fp);
		free(s);
	}
}

char *hp_text(const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if (!json_is_array(v) && !json_is_object(v) && !json_is_null(v))
		return hpenv_value(v);
	if (!(fp = open_memstream(&buf, &len)))
		return xstrdup("null");
	put_json(fp, v);
	fclose(fp);
	return buf;
}

char *metric_text(bool has, double v)
{
	char buf[64];

	if (!has || !isfinite(v))
		return xstrdup("");
	hpenv_format_double(v, buf, sizeof(buf));
	return xstrdup(buf);
}

struct experiment *results_open(const char *root_opt, const char *exp,
				struct hps_error *err)
{
	char *root = store_root(root_opt);
	char *dir = store_resolve(root, exp, err);
	struct experiment *e = dir ? exp_open(dir, false, err) : NULL;

	free(root);
	free(dir);
	return e;
}
