/* report_internal.h - shared by report.c, report_html.c, report_svg.c and
 * report_plots.c; not an API.
 *
 * Ownership: struct report borrows the experiment and its config; it owns
 * its leaves' names, the ranking array and the output buffer.
 */
#ifndef HPS_REPORT_INTERNAL_H
#define HPS_REPORT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "experiment.h"
#include "hparams.h"

/* A growing string; rb_* never fail (xalloc). */
struct rbuf {
	char *s;
	size_t len, cap;
};

void rb_puts(struct rbuf *b, const char *s);
void rb_printf(struct rbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* rb_esc: s escaped for HTML text and quoted attribute values. */
void rb_esc(struct rbuf *b, const char *s);
/* rb_esc_cut: the same, cut to about max bytes (on a UTF-8 boundary). */
void rb_esc_cut(struct rbuf *b, const char *s, size_t max);

/* A leaf of the hyperparameter space, named with dots ("model.depth"). */
struct rleaf {
	char *name;				/* owned */
	const struct hparam *hp;		/* borrowed from the config */
	const char *path[HP_MAX_DEPTH];		/* keys from the top */
	size_t depth;
};

struct report {
	const struct experiment *e;
	const char *metric, *key;		/* searcher metric, length key */
	size_t top;
	struct rleaf *leaves;			/* every leaf, constants too */
	size_t nleaves;
	const struct trial **ranked;		/* trials with a metric, best first */
	size_t nranked;
	double mlo, mhi;			/* range of their best metrics */
	struct rbuf b;
};

/* The value of leaf l in a trial's hyperparameters (borrowed), or NULL. */
const json_t *leaf_value(const struct rleaf *l, const json_t *hparams);
/* leaf_coord: where that value sits on the leaf's axis: the number, or a
 * categorical's index; false when there is none. */
bool leaf_coord(const struct rleaf *l, const json_t *hparams, double *v);
/* value_text: a value as the page shows it (caller frees). */
char *value_text(const json_t *v);

/* report_html.c */
void html_head(struct report *r);
void html_header(struct report *r);
void html_table(struct report *r);
void html_tail(struct report *r);

/* report_svg.c: scales, axes, colours, figures. */
struct scale {
	double d0, d1;		/* domain (values; log: > 0) */
	double r0, r1;		/* range (SVG units) */
	bool log;
};

double sc_map(const struct scale *s, double v);
/* sc_fit: a domain that holds lo..hi with a margin (never empty). */
void sc_fit(struct scale *s, double lo, double hi, bool log, bool pad);

void fmt_num(char *buf, size_t len, double v);
/* Axes.  cats: names of categorical ticks at 0..ncats-1, or NULL. */
void svg_xaxis(struct rbuf *b, const struct scale *x, double y, double ylen,
	       const char *label, json_t *cats);
void svg_yaxis(struct rbuf *b, const struct scale *y, double x, double xlen,
	       const char *label, json_t *cats);
/* figure_open: <figure data-plot=plot><figcaption>...<svg>; close with
 * figure_close. */
void figure_open(struct rbuf *b, const char *plot, const char *title,
		 const char *note, double w, double h);
void figure_close(struct rbuf *b);
/* The colour class of a metric: 0 (best) .. RAMP_N-1 (worst). */
#define RAMP_N 32
int ramp_class(const struct report *r, double metric);
void css_ramp(struct rbuf *b);
void svg_ramp_legend(struct rbuf *b, const struct report *r, double x,
		     double y, double h);

/* report_plots.c */
void plot_curves(struct report *r);
void plot_best(struct report *r);
void plot_parcoords(struct report *r);
void plot_scatters(struct report *r);
void plot_rungs(struct report *r);

/* report.c: trials in the order they ended (for plot_best); a new array
 * of e->n pointers, the caller frees it. */
const struct trial **report_end_order(const struct experiment *e);
/* The leaves that vary (not constants): plotted as axes. */
bool leaf_varies(const struct rleaf *l);

#endif
