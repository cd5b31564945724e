/* report.c - the report's data: leaves, ranking, order of completion; and
 * the page put together and written (see report.h). */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "report.h"
#include "report_internal.h"
#include "store.h"
#include "xalloc.h"

/* collect_leaves: every leaf under h, depth first in the config's (sorted)
 * order, which is also the order of the table's columns. */
static void collect_leaves(struct report *r, const struct hparam *h,
			   const char **path, size_t depth)
{
	for (size_t i = 0; i < h->nkids; i++) {
		const struct hparam *k = &h->kids[i];
		struct rleaf *l;

		path[depth] = k->name;
		if (k->type == HP_NESTED) {
			if (depth + 1 < HP_MAX_DEPTH)
				collect_leaves(r, k, path, depth + 1);
			continue;
		}
		r->leaves = xreallocarray(r->leaves, r->nleaves + 1, sizeof(*r->leaves));
		l = &r->leaves[r->nleaves++];
		memset(l, 0, sizeof(*l));
		l->hp = k;
		l->depth = depth + 1;
		memcpy(l->path, path, l->depth * sizeof(*path));
		l->name = xstrdup(path[0]);
		for (size_t d = 1; d < l->depth; d++) {
			char *n = xasprintf("%s.%s", l->name, path[d]);
			free(l->name);
			l->name = n;
		}
	}
}

const json_t *leaf_value(const struct rleaf *l, const json_t *hparams)
{
	const json_t *v = hparams;

	for (size_t d = 0; d < l->depth && v; d++)
		v = json_object_get(v, l->path[d]);
	return v;
}

bool leaf_varies(const struct rleaf *l)
{
	return l->hp->type != HP_CONST;
}

bool leaf_coord(const struct rleaf *l, const json_t *hparams, double *v)
{
	const json_t *j = leaf_value(l, hparams);
	size_t i;
	json_t *c;

	if (!j)
		return false;
	if (l->hp->type == HP_CATEGORICAL) {
		json_array_foreach(l->hp->vals, i, c)
			if (json_equal(c, j)) {
				*v = (double)i;
				return true;
			}
		return false;
	}
	if (!json_is_number(j))
		return false;
	*v = json_number_value(j);
	return isfinite(*v) && (l->hp->type != HP_LOG || *v > 0);
}

char *value_text(const json_t *v)
{
	char buf[32], *s;

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.6g", json_real_value(v));
		return xstrdup(buf);
	}
	if (v && (s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
				 JSON_REAL_PRECISION(6))))
		return s;
	return xstrdup("");
}

static int by_best(const void *a, const void *b, void *arg)
{
	const struct trial *x = *(const struct trial *const *)a;
	const struct trial *y = *(const struct trial *const *)b;

	if (x->best != y->best)
		return exp_better(arg, x->best, y->best) ? -1 : 1;
	return x->id < y->id ? -1 : 1;
}

static void rank_trials(struct report *r)
{
	const struct experiment *e = r->e;

	r->ranked = xcalloc(e->n + 1, sizeof(*r->ranked));
	for (size_t i = 0; i < e->n; i++) {
		const struct trial *t = &e->t[i];
		if (!t->has_best || !isfinite(t->best))
			continue;
		if (!r->nranked || t->best < r->mlo)
			r->mlo = t->best;
		if (!r->nranked || t->best > r->mhi)
			r->mhi = t->best;
		r->ranked[r->nranked++] = t;
	}
	qsort_r(r->ranked, r->nranked, sizeof(*r->ranked), by_best, (void *)e);
}

/* The end time of a trial's latest run (exit.json "end"), LLONG_MAX when
 * it has not ended: trials that finish in the same second keep id order. */
static long long end_time(const struct experiment *e, const struct trial *t)
{
	char *rd, *p;
	json_t *j;
	long long end = LLONG_MAX;

	if (t->runs < 1 || t->running)
		return end;
	rd = store_run_dir(e->dir, t->id, t->runs);
	p = fs_join(rd, "exit.json");
	if ((j = fs_exists(p) ? fs_read_json(p, NULL) : NULL) &&
	    json_is_integer(json_object_get(j, "end")))
		end = json_integer_value(json_object_get(j, "end"));
	json_decref(j);
	free(p);
	free(rd);
	return end;
}

struct ended {
	const struct trial *t;
	long long end;
};

static int by_end(const void *a, const void *b)
{
	const struct ended *x = a, *y = b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->t->id < y->t->id ? -1 : 1;
}

const struct trial **report_end_order(const struct experiment *e)
{
	struct ended *v = xcalloc(e->n + 1, sizeof(*v));
	const struct trial **out = xcalloc(e->n + 1, sizeof(*out));

	for (size_t i = 0; i < e->n; i++)
		v[i] = (struct ended){&e->t[i], end_time(e, &e->t[i])};
	qsort(v, e->n, sizeof(*v), by_end);
	for (size_t i = 0; i < e->n; i++)
		out[i] = v[i].t;
	free(v);
	return out;
}

static void report_release(struct report *r)
{
	for (size_t i = 0; i < r->nleaves; i++)
		free(r->leaves[i].name);
	free(r->leaves);
	free(r->ranked);
}

/* The plots need a metric; without one reported, say so. */
static void plots(struct report *r)
{
	if (!r->nranked) {
		rb_puts(&r->b, "<p class=\"empty\" data-plot=\"none\">No trial has reported '");
		rb_esc(&r->b, r->metric);
		rb_puts(&r->b, "' yet: nothing to plot.</p>\n");
	} else {
		plot_curves(r);
		plot_best(r);
		plot_parcoords(r);
		plot_scatters(r);
	}
	if (searcher_is_asha(&r->e->cfg.searcher))
		plot_rungs(r);
}

char *report_html(const struct experiment *e, size_t top, size_t *len)
{
	const char *path[HP_MAX_DEPTH];
	struct report r = {
		.e = e, .top = top ? top : REPORT_TOP_DEFAULT,
		.metric = e->cfg.searcher.metric ? e->cfg.searcher.metric : "",
		.key = exp_length_key(e),
	};

	collect_leaves(&r, &e->cfg.hparams, path, 0);
	rank_trials(&r);
	html_head(&r);
	html_header(&r);
	plots(&r);
	html_table(&r);
	html_tail(&r);
	report_release(&r);
	*len = r.b.len;
	return r.b.s;
}

int report_write_top(const struct experiment *e, const char *path,
		     size_t top, struct hps_error *err)
{
	size_t len;
	char *html = report_html(e, top, &len);
	int rc = fs_write_atomic(path, html, len, 0644, err);

	free(html);
	return rc;
}

int report_write(const struct experiment *e, const char *path,
		 struct hps_error *err)
{
	return report_write_top(e, path, REPORT_TOP_DEFAULT, err);
}
