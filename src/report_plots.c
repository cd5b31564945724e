/* report_plots.c - the report's plots (report.h lists them).
 *
 * Marks are drawn worst first so the best trials end up on top.  Sizes are
 * SVG user units; the SVG scales to the page width.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "report.h"
#include "report_internal.h"
#include "xalloc.h"

#define W 1200.0
/* Parallel coordinates draw at most this many hyperparameter axes. */
#define PC_MAX_AXES 64

struct curve {
	const struct trial *t;
	double *x, *y;
	size_t n;
};

/* curve_load: the trial's (length, metric) reports, thinned evenly to
 * REPORT_CURVE_POINTS (the first and the last kept). */
static void curve_load(const struct report *r, struct curve *c)
{
	json_t *h = history_trial(r->e, c->t, 0), *o;
	size_t i, n = 0;

	c->x = xcalloc(json_array_size(h) + 1, sizeof(double));
	c->y = xcalloc(json_array_size(h) + 1, sizeof(double));
	json_array_foreach(h, i, o) {
		json_t *a = json_object_get(o, r->key), *m = json_object_get(o, r->metric);
		if (!json_is_number(a) || !json_is_number(m) ||
		    !isfinite(json_number_value(a)) || !isfinite(json_number_value(m)))
			continue;
		c->x[n] = json_number_value(a);
		c->y[n++] = json_number_value(m);
	}
	json_decref(h);
	if (n > REPORT_CURVE_POINTS) {
		for (size_t k = 0; k < REPORT_CURVE_POINTS; k++) {
			size_t at = (size_t)llround((double)k * (double)(n - 1) /
						    (REPORT_CURVE_POINTS - 1));
			c->x[k] = c->x[at];	/* at >= k: in place is safe */
			c->y[k] = c->y[at];
		}
		n = REPORT_CURVE_POINTS;
	}
	c->n = n;
}

static void curve_draw(struct report *r, const struct curve *c, int pal,
		       const struct scale *x, const struct scale *y)
{
	char xs[32], ys[32];

	if (!c->n)
		return;
	rb_printf(&r->b, "<path class=\"mark curve p%d\" data-trial=\"%lld\" d=\"", pal,
		  (long long)c->t->id);
	for (size_t i = 0; i < c->n; i++)
		rb_printf(&r->b, "%s%.1f %.1f", i ? "L" : "M", sc_map(x, c->x[i]), sc_map(y, c->y[i]));
	rb_puts(&r->b, "\"/>\n");
	for (size_t i = 0; i < c->n; i++) {
		fmt_num(xs, sizeof(xs), c->x[i]);
		fmt_num(ys, sizeof(ys), c->y[i]);
		rb_printf(&r->b, "<circle class=\"mark point p%d\" data-trial=\"%lld\" cx=\"%.1f\" "
			  "cy=\"%.1f\" r=\"3\" data-tip=\"trial %lld: ", pal, (long long)c->t->id,
			  sc_map(x, c->x[i]), sc_map(y, c->y[i]), (long long)c->t->id);
		rb_esc(&r->b, r->key);
		rb_printf(&r->b, " %s, ", xs);
		rb_esc(&r->b, r->metric);
		rb_printf(&r->b, " %s\"/>", ys);
	}
	rb_puts(&r->b, "\n");
}

static void curves_legend(struct report *r, const struct curve *c, size_t n)
{
	for (size_t i = 0; i < n && i < 24; i++) {
		double y = 26 + 17.0 * (double)i;
		rb_printf(&r->b, "<rect class=\"p%zu\" style=\"fill:var(--c)\" x=\"%.0f\" y=\"%.1f\" "
			  "width=\"14\" height=\"4\"/><text x=\"%.0f\" y=\"%.1f\">trial %lld: %.4g</text>\n",
			  i % 10, W - 180, y - 4, W - 160, y, (long long)c[i].t->id, c[i].t->best);
	}
}

void plot_curves(struct report *r)
{
	size_t n = r->top < r->nranked ? r->top : r->nranked, pts = 0;
	struct curve *c = xcalloc(n + 1, sizeof(*c));
	double xhi = 0, ylo = INFINITY, yhi = -INFINITY, H = 460, B = 56;
	struct scale x = {.r0 = 90, .r1 = W - 200}, y = {.r0 = H - B, .r1 = 16};
	char note[160];

	for (size_t i = 0; i < n; i++) {
		c[i].t = r->ranked[i];
		curve_load(r, &c[i]);
		for (size_t k = 0; k < c[i].n; k++) {
			xhi = fmax(xhi, c[i].x[k]);
			ylo = fmin(ylo, c[i].y[k]);
			yhi = fmax(yhi, c[i].y[k]);
		}
		pts += c[i].n;
	}
	snprintf(note, sizeof(note), "the searcher metric of the top %zu trial%s, at most %d points each",
		 n, n == 1 ? "" : "s", REPORT_CURVE_POINTS);
	figure_open(&r->b, "curves", "Learning curves", note, W, H);
	if (pts) {
		sc_fit(&x, 0, xhi, false, false);
		sc_fit(&y, ylo, yhi, false, true);
		svg_xaxis(&r->b, &x, H - B, H - B - 16, r->key, NULL);
		svg_yaxis(&r->b, &y, x.r0, x.r1 - x.r0, r->metric, NULL);
		for (size_t i = n; i-- > 0;)
			curve_draw(r, &c[i], (int)(i % 10), &x, &y);
		curves_legend(r, c, n);
	} else {
		rb_puts(&r->b, "<text x=\"600\" y=\"230\" text-anchor=\"middle\">no report carries both the length and the metric</text>");
	}
	figure_close(&r->b);
	for (size_t i = 0; i < n; i++) {
		free(c[i].x);
		free(c[i].y);
	}
	free(c);
}

/* The running best as a step line: level until a trial beats it. */
static void best_step(struct report *r, const struct trial **order, size_t n,
		      const struct scale *x, const struct scale *y)
{
	double cum = 0, best = 0;
	bool any = false;

	rb_puts(&r->b, "<path class=\"step\" d=\"");
	for (size_t i = 0; i < n; i++) {
		const struct trial *t = order[i];
		cum += (double)t->length;
		if (!t->has_best || !isfinite(t->best))
			continue;
		if (!any)
			rb_printf(&r->b, "M%.1f %.1f", sc_map(x, cum), sc_map(y, t->best));
		else if (exp_better(r->e, t->best, best))
			rb_printf(&r->b, "H%.1fV%.1f", sc_map(x, cum), sc_map(y, t->best));
		if (!any || exp_better(r->e, t->best, best))
			best = t->best;
		any = true;
	}
	rb_printf(&r->b, "H%.1f\"/>\n", x->r1);
}

static void best_points(struct report *r, const struct trial **order, size_t n,
			const struct scale *x, const struct scale *y)
{
	double cum = 0, best = 0;
	bool any = false, dense = r->nranked > 300;

	for (size_t i = 0; i < n; i++) {
		const struct trial *t = order[i];
		bool better;
		cum += (double)t->length;
		if (!t->has_best || !isfinite(t->best))
			continue;
		better = !any || exp_better(r->e, t->best, best);
		rb_printf(&r->b, "<circle class=\"mark dot %s\" data-trial=\"%lld\" cx=\"%.1f\" cy=\"%.1f\" "
			  "r=\"%s\" data-tip=\"trial %lld ended at %.0f ", better ? "best" : "other",
			  (long long)t->id, sc_map(x, cum), sc_map(y, t->best), better ? "4.5" : dense ? "2" : "3.5",
			  (long long)t->id, cum);
		rb_esc(&r->b, r->key);
		rb_puts(&r->b, " in all\"/>");
		if (better)
			best = t->best;
		any = true;
	}
	rb_puts(&r->b, "\n");
}

void plot_best(struct report *r)
{
	const struct trial **order = report_end_order(r->e);
	double total = 0, H = 380, B = 56;
	struct scale x = {.r0 = 90, .r1 = W - 40}, y = {.r0 = H - B, .r1 = 16};
	char label[160];

	for (size_t i = 0; i < r->e->n; i++)
		total += (double)r->e->t[i].length;
	snprintf(label, sizeof(label), "%s trained, all trials together", r->key);
	figure_open(&r->b, "best", "Best so far",
		    "the best metric against the compute used, in the order trials ended; "
		    "a point per trial, filled where it beat all before it", W, H);
	sc_fit(&x, 0, total, false, false);
	sc_fit(&y, r->mlo, r->mhi, false, true);
	svg_xaxis(&r->b, &x, H - B, H - B - 16, label, NULL);
	svg_yaxis(&r->b, &y, x.r0, x.r1 - x.r0, r->metric, NULL);
	best_step(r, order, r->e->n, &x, &y);
	best_points(r, order, r->e->n, &x, &y);
	figure_close(&r->b);
	free(order);
}

/* leaf_scale: the leaf's configured range and every value seen. */
static void leaf_scale(const struct report *r, const struct rleaf *l,
		       struct scale *s)
{
	const struct hparam *h = l->hp;
	double lo, hi, v;

	if (h->type == HP_CATEGORICAL) {
		s->log = false;
		s->d0 = -0.5;
		s->d1 = (double)json_array_size(h->vals) - 0.5;
		return;
	}
	lo = h->type == HP_INT ? (double)h->imin : h->type == HP_LOG ? pow(h->base, h->min) : h->min;
	hi = h->type == HP_INT ? (double)h->imax : h->type == HP_LOG ? pow(h->base, h->max) : h->max;
	for (size_t i = 0; i < r->nranked; i++)
		if (leaf_coord(l, r->ranked[i]->hparams, &v)) {
			lo = fmin(lo, v);
			hi = fmax(hi, v);
		}
	sc_fit(s, lo, hi, h->type == HP_LOG, true);
}

/* The metric's scale, with the best end up. */
static void metric_scale(const struct report *r, struct scale *s)
{
	sc_fit(s, r->mlo, r->mhi, false, true);
	if (r->e->cfg.searcher.smaller_is_better) {
		double t = s->r0;
		s->r0 = s->r1;
		s->r1 = t;
	}
}

static json_t *leaf_cats(const struct rleaf *l)
{
	return l->hp->type == HP_CATEGORICAL ? l->hp->vals : NULL;
}

static void pc_axis(struct report *r, const struct scale *s, double x,
		    const char *name, json_t *cats)
{
	svg_yaxis(&r->b, s, x, 0, NULL, cats);
	rb_printf(&r->b, "<text class=\"title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
		  x, s->r1 - 16 < s->r0 - 16 ? s->r1 - 16 : s->r0 - 16);
	rb_esc_cut(&r->b, name, 20);
	rb_puts(&r->b, "</text>\n");
}

static void pc_line(struct report *r, const struct trial *t, const size_t *ax,
		    size_t k, const struct scale *s, const double *xs)
{
	double v[PC_MAX_AXES];

	for (size_t i = 0; i < k; i++)
		if (!leaf_coord(&r->leaves[ax[i]], t->hparams, &v[i]))
			return;	/* a trial without this hyperparameter: no line */
	rb_printf(&r->b, "<polyline class=\"mark c%d\" data-trial=\"%lld\" points=\"",
		  ramp_class(r, t->best), (long long)t->id);
	for (size_t i = 0; i < k; i++)
		rb_printf(&r->b, "%.1f,%.1f ", xs[i], sc_map(&s[i], v[i]));
	rb_printf(&r->b, "%.1f,%.1f\"/>\n", xs[k], sc_map(&s[k], t->best));
}

void plot_parcoords(struct report *r)
{
	size_t k = 0, *ax = xcalloc(r->nleaves + 1, sizeof(*ax));
	double H = 440, *xs;
	struct scale *s;

	for (size_t i = 0; i < r->nleaves; i++)
		if (leaf_varies(&r->leaves[i]) && k < PC_MAX_AXES)
			ax[k++] = i;
	if (!k) {
		free(ax);
		return;
	}
	s = xcalloc(k + 1, sizeof(*s));
	xs = xcalloc(k + 1, sizeof(*xs));
	for (size_t i = 0; i <= k; i++) {
		s[i] = (struct scale){.r0 = H - 24, .r1 = 44};
		xs[i] = 110 + (W - 300) * (double)i / (double)k;
		if (i < k)
			leaf_scale(r, &r->leaves[ax[i]], &s[i]);
		else
			metric_scale(r, &s[i]);
	}
	figure_open(&r->b, "parcoords", "Parallel coordinates",
		    "one line per trial, coloured by its best metric; the metric axis has the best end up", W, H);
	rb_printf(&r->b, "<g class=\"lines%s\">\n", r->nranked > 300 ? " dense" : "");
	for (size_t i = r->nranked; i-- > 0;)
		pc_line(r, r->ranked[i], ax, k, s, xs);
	rb_puts(&r->b, "</g>\n<g class=\"pc\">");
	for (size_t i = 0; i < k; i++)
		pc_axis(r, &s[i], xs[i], r->leaves[ax[i]].name, leaf_cats(&r->leaves[ax[i]]));
	pc_axis(r, &s[k], xs[k], r->metric, NULL);
	rb_puts(&r->b, "</g>");
	svg_ramp_legend(&r->b, r, W - 140, 44, H - 68);
	figure_close(&r->b);
	free(s);
	free(xs);
	free(ax);
}

static void scatter_one(struct report *r, const struct rleaf *l)
{
	double H = 330, B = 52, v;
	struct scale x = {.r0 = 78, .r1 = 410}, y = {.r0 = H - B, .r1 = 12};
	json_t *cats = leaf_cats(l);
	char *plot = xasprintf("scatter:%s", l->name);
	static const char *const kind[] = {"", "int", "", "log scale", "categorical", ""};

	leaf_scale(r, l, &x);
	sc_fit(&y, r->mlo, r->mhi, false, true);
	figure_open(&r->b, plot, l->name, kind[l->hp->type], 420, H);
	for (size_t i = 0; cats && i < json_array_size(cats); i += 2)
		rb_printf(&r->b, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
			  sc_map(&x, (double)i - 0.5), y.r1, sc_map(&x, 0.5) - sc_map(&x, -0.5), y.r0 - y.r1);
	svg_xaxis(&r->b, &x, H - B, H - B - 12, l->name, cats);
	svg_yaxis(&r->b, &y, x.r0, x.r1 - x.r0, r->metric, NULL);
	rb_printf(&r->b, "<g%s>", r->nranked > 300 ? " class=\"dense\"" : "");
	for (size_t i = r->nranked; i-- > 0;) {
		const struct trial *t = r->ranked[i];
		if (leaf_coord(l, t->hparams, &v))
			rb_printf(&r->b, "<circle class=\"mark point c%d\" data-trial=\"%lld\" cx=\"%.1f\" "
				  "cy=\"%.1f\" r=\"4\"/>", ramp_class(r, t->best), (long long)t->id,
				  sc_map(&x, v), sc_map(&y, t->best));
	}
	rb_puts(&r->b, "</g>\n");
	figure_close(&r->b);
	free(plot);
}

void plot_scatters(struct report *r)
{
	rb_puts(&r->b, "<div class=\"grid\">\n");
	for (size_t i = 0; i < r->nleaves; i++)
		if (leaf_varies(&r->leaves[i]))
			scatter_one(r, &r->leaves[i]);
	rb_puts(&r->b, "</div>\n");
}

/* One rung's pair of bars: reported, promoted. */
static void rung_bars(struct report *r, const json_t *rung, int bracket,
		      int k, double x, double bw, const struct scale *y)
{
	static const char *const kind[] = {"reported", "promoted"};
	json_int_t v[2] = {
		json_integer_value(json_object_get(rung, "reported")),
		json_integer_value(json_object_get(rung, "promoted")),
	};
	json_int_t len = json_integer_value(json_object_get(rung, "length"));
	json_int_t out = json_integer_value(json_object_get(rung, "outstanding"));

	for (int i = 0; i < 2; i++) {
		rb_printf(&r->b, "<rect class=\"mark bar %s\" data-bracket=\"%d\" data-rung=\"%d\" "
			  "x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" data-tip=\"bracket %d, "
			  "rung %d (%lld ", kind[i], bracket, k, x + i * bw, sc_map(y, (double)v[i]), bw,
			  y->r0 - sc_map(y, (double)v[i]), bracket, k, (long long)len);
		rb_esc(&r->b, r->key);
		rb_printf(&r->b, "): %lld reported, %lld promoted, %lld outstanding\"/>",
			  (long long)v[0], (long long)v[1], (long long)out);
	}
	rb_printf(&r->b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%lld</text>\n",
		  x + bw, y->r0 + 16, (long long)len);
}

static double rungs_max(const json_t *brackets, size_t *nrungs)
{
	const json_t *b, *g;
	size_t i, j;
	double m = 0;

	*nrungs = 0;
	json_array_foreach(brackets, i, b)
		json_array_foreach(json_object_get(b, "rungs"), j, g) {
			m = fmax(m, (double)json_integer_value(json_object_get(g, "reported")));
			(*nrungs)++;
		}
	return m;
}

void plot_rungs(struct report *r)
{
	json_t *br = searcher_rungs(r->e->s), *b, *g;
	size_t nr, nb = json_array_size(br), i, j;
	double H = 340, slot, x = 90, top = rungs_max(br, &nr);
	struct scale y = {.r0 = H - 64, .r1 = 28};
	char label[96];

	slot = (W - 110) / ((double)nr + 0.8 * (double)(nb ? nb - 1 : 0) + 0.01);
	snprintf(label, sizeof(label), "rung length (%s), by bracket", r->key);
	figure_open(&r->b, "rungs", "ASHA rungs",
		    "trials that reported at each rung, and those promoted from it", W, H);
	sc_fit(&y, 0, fmax(top, 4), false, false);
	svg_yaxis(&r->b, &y, x, W - 110, "trials", NULL);
	json_array_foreach(br, i, b) {
		double x0 = x;
		json_array_foreach(json_object_get(b, "rungs"), j, g) {
			rung_bars(r, g, (int)i, (int)j, x + slot * 0.15, slot * 0.35, &y);
			x += slot;
		}
		rb_printf(&r->b, "<text class=\"title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">bracket %zu</text>\n",
			  (x0 + x) / 2, H - 26, i);
		x += slot * 0.8;
	}
	rb_printf(&r->b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (W + 90) / 2, H - 6);
	rb_esc(&r->b, label);
	rb_printf(&r->b, "</text><rect class=\"reported\" x=\"%.0f\" y=\"6\" width=\"12\" height=\"12\"/>"
		  "<text x=\"%.0f\" y=\"17\">reported</text><rect class=\"promoted\" x=\"%.0f\" y=\"6\" "
		  "width=\"12\" height=\"12\"/><text x=\"%.0f\" y=\"17\">promoted</text>\n",
		  W - 210, W - 192, W - 110, W - 92);
	figure_close(&r->b);
	json_decref(br);
}
