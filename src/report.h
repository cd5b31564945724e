/* report.h - an experiment as one self-contained HTML page.
 *
 * The page carries its own CSS, its plots as inline SVG and a short inline
 * script (table sorting, hover titles); it loads nothing from anywhere, so
 * it can be mailed, archived or opened offline.  Every string that comes
 * from the user (experiment name, hyperparameter names and values, end
 * reasons) is HTML-escaped.
 *
 * Plots (each a <figure data-plot="NAME">, each data mark class="mark" with
 * data-trial="ID" where it stands for a trial):
 *   curves       the searcher metric against length, top trials
 *   best         best so far against the length trained by all trials
 *   parcoords    one axis per varying hyperparameter plus the metric
 *   scatter:HP   each varying hyperparameter against the best metric
 *   rungs        ASHA only: reported and promoted per bracket and rung
 * and a sortable table of every trial (<table data-plot="trials">).
 */
#ifndef HPS_REPORT_H
#define HPS_REPORT_H

#include <stddef.h>

#include "error.h"
#include "experiment.h"

/* Curves drawn by default, and the points kept per curve. */
#define REPORT_TOP_DEFAULT 10
#define REPORT_CURVE_POINTS 200

/* report_html: the page for e with curves for the top trials (0: the
 * default); a new NUL-terminated string of *len bytes, the caller frees
 * it.  e is borrowed; the trials' metrics files are read. */
char *report_html(const struct experiment *e, size_t top, size_t *len);

/* report_write: report_html() written to path atomically (mode 0644). */
int report_write(const struct experiment *e, const char *path,
		 struct hps_error *err);
int report_write_top(const struct experiment *e, const char *path,
		     size_t top, struct hps_error *err);

#endif
