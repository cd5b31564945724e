/* report_svg.c - the report's SVG vocabulary: scales, ticks, axes, the
 * colour ramp and the figure frame. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

/* Ticks never number more than this. */
#define MAX_TICKS 12

double sc_map(const struct scale *s, double v)
{
	double t;

	if (s->log)
		t = (log10(v) - log10(s->d0)) / (log10(s->d1) - log10(s->d0));
	else
		t = (v - s->d0) / (s->d1 - s->d0);
	return s->r0 + t * (s->r1 - s->r0);
}

void sc_fit(struct scale *s, double lo, double hi, bool log, bool pad)
{
	s->log = log && lo > 0;
	if (s->log) {
		lo = log10(lo);
		hi = log10(hi);
	}
	if (hi <= lo) {
		double d = fabs(lo) > 1e-9 ? fabs(lo) * 0.1 : 1;
		lo -= d;
		hi += d;
	} else if (pad) {
		double d = (hi - lo) * 0.05;
		lo -= d;
		hi += d;
	}
	s->d0 = s->log ? pow(10, lo) : lo;
	s->d1 = s->log ? pow(10, hi) : hi;
}

void fmt_num(char *buf, size_t len, double v)
{
	double a = fabs(v);

	if (a < 1e-12)
		snprintf(buf, len, "0");
	else if (a >= 1e-3 && a < 1e6)
		snprintf(buf, len, "%.6g", v);
	else
		snprintf(buf, len, "%.3g", v);
}

static double nice_step(double span)
{
	double raw = span / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return mag * (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10);
}

static size_t ticks_linear(const struct scale *s, double *v)
{
	double lo = fmin(s->d0, s->d1), hi = fmax(s->d0, s->d1);
	double step = nice_step(hi - lo), eps = step * 1e-9;
	size_t n = 0;

	for (double x = ceil(lo / step) * step; x <= hi + eps && n < MAX_TICKS; x += step)
		v[n++] = fabs(x) < eps ? 0 : x;
	return n;
}

/* Powers of ten, else 1-2-5 steps, else the ends. */
static size_t ticks_log(const struct scale *s, double *v)
{
	double lo = log10(fmin(s->d0, s->d1)), hi = log10(fmax(s->d0, s->d1));
	static const double m[] = {1, 2, 5};
	size_t n = 0;

	for (double k = ceil(lo - 1e-9); k <= hi + 1e-9 && n < MAX_TICKS; k++)
		v[n++] = pow(10, k);
	if (n >= 2)
		return n;
	n = 0;
	for (double k = floor(lo); k <= ceil(hi) && n < MAX_TICKS; k++)
		for (size_t i = 0; i < 3 && n < MAX_TICKS; i++) {
			double x = m[i] * pow(10, k), l = log10(x);
			if (l >= lo - 1e-9 && l <= hi + 1e-9)
				v[n++] = x;
		}
	if (n >= 2)
		return n;
	v[0] = pow(10, lo);
	v[1] = pow(10, hi);
	return 2;
}

static size_t ticks(const struct scale *s, double *v)
{
	return s->log ? ticks_log(s, v) : ticks_linear(s, v);
}

/* tick_label: a category's name or the number. */
static void tick_label(struct rbuf *b, double v, json_t *cats, size_t i)
{
	char buf[32];

	if (cats) {
		char *t = value_text(json_array_get(cats, i));
		rb_esc_cut(b, t, 14);
		free(t);
		return;
	}
	fmt_num(buf, sizeof(buf), v);
	rb_puts(b, buf);
}

/* cats: ticks at 0..n-1 (a categorical axis); else the scale's ticks. */
static size_t axis_ticks(const struct scale *s, json_t *cats, double *v)
{
	size_t n = 0;

	if (!cats)
		return ticks(s, v);
	for (; n < json_array_size(cats) && n < MAX_TICKS * 2; n++)
		v[n] = (double)n;
	return n;
}

void svg_xaxis(struct rbuf *b, const struct scale *x, double y, double ylen,
	       const char *label, json_t *cats)
{
	double v[MAX_TICKS * 2];
	size_t n = axis_ticks(x, cats, v);

	rb_printf(b, "<g class=\"axis x\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
		  x->r0, x->r1, y, y);
	for (size_t i = 0; i < n; i++) {
		double px = sc_map(x, v[i]);
		if (ylen > 0 && !cats)
			rb_printf(b, "<line class=\"gridl\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
				  px, px, y - ylen, y);
		rb_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", px, px, y, y + 5, px, y + 18);
		tick_label(b, v[i], cats, i);
		rb_puts(b, "</text>");
	}
	if (label) {
		rb_printf(b, "<text class=\"title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
			  (x->r0 + x->r1) / 2, y + 38);
		rb_esc(b, label);
		rb_puts(b, "</text>");
	}
	rb_puts(b, "</g>\n");
}

void svg_yaxis(struct rbuf *b, const struct scale *y, double x, double xlen,
	       const char *label, json_t *cats)
{
	double v[MAX_TICKS * 2];
	size_t n = axis_ticks(y, cats, v);

	rb_printf(b, "<g class=\"axis y\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
		  x, x, y->r0, y->r1);
	for (size_t i = 0; i < n; i++) {
		double py = sc_map(y, v[i]);
		if (xlen > 0 && !cats)
			rb_printf(b, "<line class=\"gridl\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
				  x, x + xlen, py, py);
		rb_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x - 5, x, py, py, x - 8, py + 4);
		tick_label(b, v[i], cats, i);
		rb_puts(b, "</text>");
	}
	if (label) {
		double cy = (y->r0 + y->r1) / 2;
		rb_printf(b, "<text class=\"title\" transform=\"translate(%.1f %.1f) rotate(-90)\" "
			  "text-anchor=\"middle\">", x - 62, cy);
		rb_esc(b, label);
		rb_puts(b, "</text>");
	}
	rb_puts(b, "</g>\n");
}

void figure_open(struct rbuf *b, const char *plot, const char *title,
		 const char *note, double w, double h)
{
	rb_puts(b, "<figure data-plot=\"");
	rb_esc(b, plot);
	rb_puts(b, "\"><figcaption><b>");
	rb_esc(b, title);
	rb_puts(b, "</b>");
	if (note) {
		rb_puts(b, "<span>");
		rb_esc(b, note);
		rb_puts(b, "</span>");
	}
	rb_printf(b, "</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", w, h);
	rb_esc(b, title);
	rb_puts(b, "\">\n");
}

void figure_close(struct rbuf *b)
{
	rb_puts(b, "</svg></figure>\n");
}

/* Viridis (matplotlib, CC0), sampled at nine stops and cut at 0.9 so the
 * worst end stays visible on white: the best trials are the darkest. */
static void ramp_rgb(double t, int rgb[3])
{
	static const unsigned char stop[9][3] = {
		{68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 144, 141},
		{39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37},
	};
	double p = t * 0.9 * 8;
	int i = (int)p;
	double f;

	if (i >= 8)
		i = 7;
	f = p - i;
	for (int c = 0; c < 3; c++)
		rgb[c] = (int)lround(stop[i][c] + f * (stop[i + 1][c] - stop[i][c]));
}

void css_ramp(struct rbuf *b)
{
	static const char *const pal[10] = {
		"#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2",
		"#b279a2", "#eeca3b", "#9d755d", "#ff9da6", "#79706e",
	};
	int rgb[3];

	for (int k = 0; k < RAMP_N; k++) {
		ramp_rgb((double)k / (RAMP_N - 1), rgb);
		rb_printf(b, ".c%d{--c:#%02x%02x%02x}", k, rgb[0], rgb[1], rgb[2]);
	}
	rb_puts(b, "\n");
	for (int k = 0; k < 10; k++)
		rb_printf(b, ".p%d{--c:%s}", k, pal[k]);
	rb_puts(b, "\n");
}

int ramp_class(const struct report *r, double m)
{
	double span = r->mhi - r->mlo, f;

	if (!(span > 0))
		return 0;
	f = r->e->cfg.searcher.smaller_is_better ? (m - r->mlo) / span : (r->mhi - m) / span;
	f = fmin(fmax(f, 0), 1);
	return (int)lround(f * (RAMP_N - 1));
}

void svg_ramp_legend(struct rbuf *b, const struct report *r, double x,
		     double y, double h)
{
	bool small = r->e->cfg.searcher.smaller_is_better;
	char lo[32], hi[32];

	fmt_num(lo, sizeof(lo), small ? r->mlo : r->mhi);
	fmt_num(hi, sizeof(hi), small ? r->mhi : r->mlo);
	rb_puts(b, "<g class=\"legend\">");
	for (int k = 0; k < RAMP_N; k++)
		rb_printf(b, "<rect class=\"c%d\" style=\"fill:var(--c)\" x=\"%.1f\" y=\"%.1f\" "
			  "width=\"14\" height=\"%.2f\"/>", k, x, y + k * h / RAMP_N, h / RAMP_N + 0.3);
	rb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">best %s</text>", x + 20, y + 10, lo);
	rb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">worst %s</text></g>\n", x + 20, y + h, hi);
}
