/* cmd_compare.c - hpsearch compare EXP EXP... [--json]: experiments side by
 * side against the first (the baseline, often a single-trial run of the
 * hand-picked hyperparameters).
 *
 * Every experiment must search the same metric; the baseline's
 * smaller_is_better decides which result is best everywhere, so a
 * positive improvement always means "better than the baseline".
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "experiment.h"
#include "results.h"
#include "ttable.h"
#include "xalloc.h"

struct entry {
	struct experiment *e;
	const struct trial *best;	/* by the baseline's direction; NULL: none */
	bool has_gain, has_rel;
	double gain, rel;		/* over the baseline; > 0 is better */
	struct hp_leaves leaves;
};

struct cmp {
	struct entry *v;
	size_t n;
	const char *metric;		/* the baseline's (borrowed) */
	bool smaller;
	const char **names;		/* union of leaf names (borrowed) */
	size_t nnames;
};

static const char *metric_of(const struct experiment *e)
{
	return e->cfg.searcher.metric ? e->cfg.searcher.metric : "";
}

static const struct trial *best_of(const struct cmp *c, const struct experiment *e)
{
	const struct trial *b = NULL;

	for (size_t i = 0; i < e->n; i++) {
		const struct trial *t = &e->t[i];
		if (t->has_best && isfinite(t->best) &&
		    (!b || (c->smaller ? t->best < b->best : t->best > b->best)))
			b = t;
	}
	return b;
}

static void add_names(struct cmp *c, const struct hp_leaves *l)
{
	for (size_t i = 0; i < l->n; i++) {
		size_t k = 0;
		while (k < c->nnames && strcmp(c->names[k], l->v[i].name))
			k++;
		if (k < c->nnames)
			continue;
		c->names = xreallocarray(c->names, c->nnames + 1, sizeof(*c->names));
		c->names[c->nnames++] = l->v[i].name;
	}
}

/* settle: best trials, gains and the union of names, once all are open. */
static void settle(struct cmp *c)
{
	const struct trial *base;

	for (size_t i = 0; i < c->n; i++) {
		c->v[i].best = best_of(c, c->v[i].e);
		add_names(c, &c->v[i].leaves);
	}
	base = c->v[0].best;
	for (size_t i = 0; base && i < c->n; i++) {
		struct entry *x = &c->v[i];
		if (!x->best)
			continue;
		x->has_gain = true;
		x->gain = c->smaller ? base->best - x->best->best : x->best->best - base->best;
		x->has_rel = base->best != 0;
		x->rel = x->has_rel ? x->gain / fabs(base->best) : 0;
	}
}

static int open_one(struct cli *cli, struct cmp *c, const char *name)
{
	struct hps_error err;
	struct entry *x = &c->v[c->n];

	if (!(x->e = results_open(cli->root, name, &err))) {
		fprintf(stderr, "hpsearch compare: %s\n", err.msg);
		return HPS_EXIT_FAILURE;
	}
	hp_leaves_init(&x->leaves, &x->e->cfg.hparams);
	c->n++;
	if (c->n == 1) {
		c->metric = metric_of(x->e);
		c->smaller = x->e->cfg.searcher.smaller_is_better;
		return 0;
	}
	if (strcmp(metric_of(x->e), c->metric)) {
		fprintf(stderr, "hpsearch compare: cannot compare '%s': its metric is "
			"'%s', the baseline's is '%s'\n", name, metric_of(x->e), c->metric);
		return HPS_EXIT_USAGE;
	}
	if (x->e->cfg.searcher.smaller_is_better != c->smaller)
		fprintf(stderr, "hpsearch compare: warning: '%s' has smaller_is_better "
			"%s; the baseline's (%s) is used\n", name,
			c->smaller ? "false" : "true", c->smaller ? "true" : "false");
	return 0;
}

static void cmp_release(struct cmp *c)
{
	for (size_t i = 0; i < c->n; i++) {
		hp_leaves_release(&c->v[i].leaves);
		exp_free(c->v[i].e);
	}
	free(c->v);
	free(c->names);
}

/* hp_cell: the best trial's value of the leaf called name, or "-". */
static char *hp_cell(const struct entry *x, const char *name)
{
	for (size_t i = 0; x->best && i < x->leaves.n; i++) {
		const json_t *v;
		if (strcmp(x->leaves.v[i].name, name))
			continue;
		v = hp_leaf_value(&x->leaves.v[i], x->best->hparams);
		return v ? hp_text(v) : xstrdup("-");
	}
	return xstrdup("-");
}

static void gain_cell(struct ttable *t, size_t col, const struct entry *x, bool base)
{
	const char *sgr = !x->has_gain || x->gain == 0 ? NULL : x->gain > 0 ? TT_GREEN : TT_RED;

	if (base)
		ttable_set(t, col, "baseline", NULL);
	else if (!x->has_gain)
		ttable_set(t, col, "-", NULL);
	else if (x->has_rel)
		ttable_setf(t, col, sgr, "%+.6g (%+.2f%%)", x->gain, 100 * x->rel);
	else
		ttable_setf(t, col, sgr, "%+.6g", x->gain);
}

enum row { R_ID, R_NAME, R_SEARCHER, R_STATE, R_TRIALS, R_BEST_TRIAL,
	   R_METRIC, R_GAIN, NROWS };

static void summary_cell(struct ttable *t, enum row r, size_t col,
			 const struct entry *x, bool top)
{
	const struct experiment *e = x->e;
	const char *st = exp_state_name(e->state);

	if (r == R_ID)
		ttable_setf(t, col, NULL, "%lld", (long long)e->id);
	else if (r == R_NAME)
		ttable_set(t, col, e->cfg.name, NULL);
	else if (r == R_SEARCHER)
		ttable_set(t, col, searcher_kind_name(e->cfg.searcher.kind), NULL);
	else if (r == R_STATE)
		ttable_set(t, col, st, colour_of_state(st));
	else if (r == R_TRIALS)
		ttable_setf(t, col, NULL, "%zu", e->n);
	else if (r == R_GAIN)
		gain_cell(t, col, x, col == 1);
	else if (!x->best)
		ttable_set(t, col, "-", NULL);
	else if (r == R_BEST_TRIAL)
		ttable_setf(t, col, NULL, "%lld", (long long)x->best->id);
	else
		ttable_setf(t, col, top ? TT_BEST : NULL, "%.6g", x->best->best);
}

/* summary_rows: one row per attribute, one column per experiment; the
 * best result of all is highlighted. */
static void summary_rows(struct ttable *t, const struct cmp *c)
{
	static const char *const label[NROWS] = {
		"experiment", "name", "searcher", "state", "trials", "best trial",
		NULL, "improvement",
	};
	const struct entry *top = NULL;

	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].best && (!top || (c->smaller ? c->v[i].best->best < top->best->best
						    : c->v[i].best->best > top->best->best)))
			top = &c->v[i];
	for (int r = 0; r < NROWS; r++) {
		ttable_row(t);
		ttable_set(t, 0, label[r] ? label[r] : c->metric, NULL);
		for (size_t i = 0; i < c->n; i++)
			summary_cell(t, (enum row)r, i + 1, &c->v[i], &c->v[i] == top);
	}
}

static void print_text(const struct cmp *c)
{
	struct ttable t;

	ttable_init(&t, c->n + 1, true);
	summary_rows(&t, c);
	if (c->nnames)
		ttable_row(&t);
	for (size_t k = 0; k < c->nnames; k++) {
		ttable_row(&t);
		ttable_set(&t, 0, c->names[k], NULL);
		for (size_t i = 0; i < c->n; i++) {
			char *s = hp_cell(&c->v[i], c->names[k]);
			ttable_set(&t, i + 1, s, NULL);
			free(s);
		}
	}
	ttable_print(&t, stdout, 0, want_colour(stdout));
	ttable_release(&t);
}

static json_t *entry_json(const struct entry *x, bool base)
{
	const struct experiment *e = x->e;

	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:o,s:o,s:O,s:b}",
		"id", (json_int_t)e->id, "name", e->cfg.name, "dir", e->dir,
		"searcher", searcher_kind_name(e->cfg.searcher.kind),
		"state", exp_state_name(e->state), "trials", (json_int_t)e->n,
		"best_trial", x->best ? json_integer(x->best->id) : json_null(),
		"best_metric", x->best ? json_real(x->best->best) : json_null(),
		"improvement", x->has_gain ? json_real(x->gain) : json_null(),
		"improvement_relative", x->has_rel ? json_real(x->rel) : json_null(),
		"hparams", x->best ? x->best->hparams : json_null(), "baseline", base);
}

static void print_json(const struct cmp *c)
{
	json_t *exps = json_array(), *names = json_array(), *out;

	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(exps, entry_json(&c->v[i], i == 0));
	for (size_t k = 0; k < c->nnames; k++)
		json_array_append_new(names, json_string(c->names[k]));
	out = json_pack("{s:s,s:b,s:o,s:o}", "metric", c->metric,
			"smaller_is_better", c->smaller, "experiments", exps,
			"hparam_names", names);
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	fputc('\n', stdout);
	json_decref(out);
}

static int parse_opts(int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = cli_find("compare");
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'j')
			*json = true;
		else if (ch == 'h') {
			cli_usage(cmd, stdout);
			return -1;
		} else
			return cli_bad_usage(cmd, "bad option");
	}
	if (argc - optind < 2)
		return cli_bad_usage(cmd, "give two experiments or more (the first is the baseline)");
	return 0;
}

int cmd_compare(struct cli *cli, int argc, char **argv)
{
	struct cmp c = {0};
	bool json = false;
	int rc = parse_opts(argc, argv, &json);

	if (rc)
		return rc < 0 ? HPS_EXIT_OK : rc;
	c.v = xcalloc((size_t)(argc - optind), sizeof(*c.v));
	for (int i = optind; i < argc && !rc; i++)
		rc = open_one(cli, &c, argv[i]);
	if (!rc) {
		settle(&c);
		if (json)
			print_json(&c);
		else
			print_text(&c);
	}
	cmp_release(&c);
	return rc;
}
