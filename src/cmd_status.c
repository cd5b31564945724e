/* cmd_status.c - hpsearch status EXP, list, best EXP: reading an
 * experiment without disturbing the driver (no lock: snapshot + journal).
 *
 * status prints a summary, ASHA's rungs, and a table of trials with one
 * column per hyperparameter, aligned, coloured only on a terminal (and not
 * under NO_COLOR); status --json is exp_status_json(), a stable interface
 * that this file must leave as it is (exp_status_write writes the same
 * bytes faster). */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "experiment.h"
#include "fsutil.h"
#include "results.h"
#include "store.h"
#include "ttable.h"
#include "xalloc.h"

static struct experiment *open_exp(struct cli *cli, const char *verb,
				   const char *name)
{
	struct hps_error err;
	struct experiment *e = results_open(cli->root, name, &err);

	if (!e)
		fprintf(stderr, "hpsearch %s: %s\n", verb, err.msg);
	return e;
}

static void print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	fputc('\n', stdout);
	json_decref(j);
}

static int parse_json_flag(int argc, char **argv, const char *verb, bool *json,
			   long *n)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, n ? "n:h" : "h", opts, NULL)) != -1) {
		if (c == 'j')
			*json = true;
		else if (c == 'n' && n && (*n = atol(optarg)) > 0)
			;
		else if (c == 'h') {
			cli_usage(cli_find(verb), stdout);
			return -2;
		} else
			return cli_bad_usage(cli_find(verb), "bad option");
	}
	return 0;
}

static void fmt_metric(char *buf, size_t len, bool has, double v)
{
	if (has)
		snprintf(buf, len, "%.6g", v);
	else
		snprintf(buf, len, "-");
}

/* The reaper's last view of the Slurm tasks (slurm-status.json), for the
 * pending reasons; NULL when the experiment is not on Slurm. */
static json_t *slurm_view(const struct experiment *e)
{
	char *p = fs_join(e->dir, "slurm-status.json");
	json_t *j = fs_exists(p) ? fs_read_json(p, NULL) : NULL;

	free(p);
	return j;
}

/* slurm_state: the state and reason the table shows for t: Slurm's view
 * of a run it holds (PENDING and why), else the trial's own. */
static void slurm_state(const struct trial *t, json_t *view, const char **state,
			const char **why)
{
	char key[32];
	json_t *sj;
	const char *s;

	*state = t->running && !t->closed ? "RUNNING" : tstate_name(t->state);
	*why = t->end_reason;
	snprintf(key, sizeof(key), "%lld", (long long)t->id);
	if (!t->running || !(sj = json_object_get(view, key)))
		return;
	if ((s = json_string_value(json_object_get(sj, "state"))))
		*state = s;
	if (!strcmp(*state, "PENDING") &&
	    (s = json_string_value(json_object_get(sj, "reason"))))
		*why = s;
}

/* The trials table: these columns, then one per hyperparameter leaf. */
static const char *const trial_cols[] = {
	"id", "state", "end reason", "restarts", "length", "best", "latest",
};
#define NTRIAL_COLS (sizeof(trial_cols) / sizeof(trial_cols[0]))

static void table_header(struct ttable *tt, const struct hp_leaves *l)
{
	ttable_row(tt);
	for (size_t c = 0; c < NTRIAL_COLS; c++) {
		ttable_set(tt, c, trial_cols[c], NULL);
		if (c == 0 || c >= 3)	/* numbers */
			ttable_align(tt, c, TT_RIGHT);
	}
	for (size_t i = 0; i < l->n; i++)
		ttable_set(tt, NTRIAL_COLS + i, l->v[i].name, NULL);
}

static void trial_row(struct ttable *tt, const struct trial *t, json_t *view,
		      const struct hp_leaves *l, bool best)
{
	const char *state, *why;
	char buf[32];

	slurm_state(t, view, &state, &why);
	ttable_row(tt);
	ttable_setf(tt, 0, NULL, "%lld", (long long)t->id);
	ttable_set(tt, 1, state, colour_of_state(state));
	ttable_set(tt, 2, *why ? why : "-", NULL);
	ttable_setf(tt, 3, NULL, "%lld", (long long)t->restarts);
	ttable_setf(tt, 4, NULL, "%llu", (unsigned long long)t->length);
	fmt_metric(buf, sizeof(buf), t->has_best, t->best);
	ttable_set(tt, 5, buf, best ? TT_BEST : NULL);
	fmt_metric(buf, sizeof(buf), t->has_latest, t->latest);
	ttable_set(tt, 6, buf, NULL);
	for (size_t i = 0; i < l->n; i++) {
		const json_t *v = hp_leaf_value(&l->v[i], t->hparams);
		char *s = v ? hp_text(v) : xstrdup("-");
		ttable_set(tt, NTRIAL_COLS + i, s, NULL);
		free(s);
	}
}

static void print_trials(const struct experiment *e, const struct hp_leaves *l,
			 bool colour)
{
	const struct trial *b = exp_best_trial(e);
	json_t *view = slurm_view(e);
	struct ttable tt;

	ttable_init(&tt, NTRIAL_COLS + l->n, true);
	table_header(&tt, l);
	for (size_t i = 0; i < e->n; i++)
		trial_row(&tt, &e->t[i], view, l, &e->t[i] == b);
	ttable_print(&tt, stdout, 0, colour);
	ttable_release(&tt);
	json_decref(view);
}

/* print_rungs: ASHA's brackets, rung by rung: how many trials reported at
 * the rung, are on their way to it, and were promoted from it. */
static void print_rungs(const struct experiment *e, bool colour)
{
	static const char *const cols[] = {
		"bracket", "rung", "length", "reported", "outstanding", "promoted",
	};
	json_t *rungs = searcher_rungs(e->s), *b, *r;
	struct ttable tt;
	size_t i, k;

	ttable_init(&tt, 6, true);
	ttable_row(&tt);
	for (size_t c = 0; c < 6; c++) {
		ttable_set(&tt, c, cols[c], NULL);
		ttable_align(&tt, c, TT_RIGHT);
	}
	json_array_foreach(rungs, i, b) {
		json_array_foreach(json_object_get(b, "rungs"), k, r) {
			ttable_row(&tt);
			ttable_setf(&tt, 0, NULL, "%zu", i);
			ttable_setf(&tt, 1, NULL, "%zu", k);
			for (size_t c = 2; c < 6; c++)
				ttable_setf(&tt, c, NULL, "%" JSON_INTEGER_FORMAT,
					    json_integer_value(json_object_get(r, cols[c])));
		}
	}
	if (json_array_size(rungs)) {
		printf("rungs:\n");
		ttable_print(&tt, stdout, 2, colour);
		putchar('\n');
	}
	ttable_release(&tt);
	json_decref(rungs);
}

static void print_best(const struct experiment *e, const struct hp_leaves *l,
		       bool colour)
{
	const struct trial *b = exp_best_trial(e);
	struct ttable tt;

	if (!b)
		return;
	printf("%-12strial %lld, %s %s%.6g%s at %llu %s\n", "best:", (long long)b->id,
	       e->cfg.searcher.metric, colour ? "\033[" TT_BEST "m" : "", b->best,
	       colour ? "\033[0m" : "", (unsigned long long)b->best_length,
	       exp_length_key(e));
	ttable_init(&tt, 2, false);
	for (size_t i = 0; i < l->n; i++) {
		const json_t *v = hp_leaf_value(&l->v[i], b->hparams);
		char *s = v ? hp_text(v) : xstrdup("-");
		ttable_row(&tt);
		ttable_set(&tt, 0, l->v[i].name, NULL);
		ttable_set(&tt, 1, s, NULL);
		free(s);
	}
	ttable_print(&tt, stdout, 12, colour);
	ttable_release(&tt);
}

static void print_head(const struct experiment *e, bool colour)
{
	const char *st = exp_state_name(e->state), *sgr = colour_of_state(st);
	size_t done = 0, running = 0, total = e->n;

	for (size_t i = 0; i < e->n; i++) {
		done += e->t[i].closed;
		running += e->t[i].running;
	}
	if (e->cfg.searcher.max_trials > 0 && (size_t)e->cfg.searcher.max_trials > total)
		total = (size_t)e->cfg.searcher.max_trials;
	printf("experiment %lld (%s): ", (long long)e->id, e->cfg.name);
	if (colour && sgr)
		printf("\033[%sm%s\033[0m\n", sgr, st);
	else
		printf("%s\n", st);
	printf("%-12s%s on %s (%s is better)\n", "searcher:",
	       searcher_kind_name(e->cfg.searcher.kind), e->cfg.searcher.metric,
	       e->cfg.searcher.smaller_is_better ? "smaller" : "larger");
	printf("%-12s%zu/%zu trials done, %zu running (%.0f%%)\n", "progress:", done,
	       total, running, 100 * searcher_progress(e->s));
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	bool json = false, colour;
	struct experiment *e;
	struct hp_leaves l;
	int rc = parse_json_flag(argc, argv, "status", &json, NULL);

	if (rc)
		return rc == -2 ? HPS_EXIT_OK : rc;
	if (argc - optind != 1)
		return cli_bad_usage(cli_find("status"), "give one experiment");
	if (!(e = open_exp(cli, "status", argv[optind])))
		return HPS_EXIT_FAILURE;
	if (json) {
		if (exp_status_write(e, stdout) == 0)
			fputc('\n', stdout);
		else
			print_json(exp_status_json(e));
		exp_free(e);
		return HPS_EXIT_OK;
	}
	colour = want_colour(stdout);
	hp_leaves_init(&l, &e->cfg.hparams);
	print_head(e, colour);
	print_best(e, &l, colour);
	printf("%-12s%s\n\n", "directory:", e->dir);
	print_rungs(e, colour);
	print_trials(e, &l, colour);
	hp_leaves_release(&l);
	exp_free(e);
	return HPS_EXIT_OK;
}

static int by_best(const void *a, const void *b, void *arg)
{
	const struct trial *x = *(const struct trial *const *)a;
	const struct trial *y = *(const struct trial *const *)b;
	const struct experiment *e = arg;

	if (x->has_best != y->has_best)
		return x->has_best ? -1 : 1;
	if (x->has_best && x->best != y->best)
		return exp_better(e, x->best, y->best) ? -1 : 1;
	return x->id < y->id ? -1 : 1;
}

int cmd_best(struct cli *cli, int argc, char **argv)
{
	bool json = false;
	long n = 1;
	struct experiment *e;
	const struct trial **v;
	json_t *out;
	int rc = parse_json_flag(argc, argv, "best", &json, &n);

	if (rc)
		return rc == -2 ? HPS_EXIT_OK : rc;
	if (argc - optind != 1)
		return cli_bad_usage(cli_find("best"), "give one experiment");
	if (!(e = open_exp(cli, "best", argv[optind])))
		return HPS_EXIT_FAILURE;
	v = xcalloc(e->n + 1, sizeof(*v));
	for (size_t i = 0; i < e->n; i++)
		v[i] = &e->t[i];
	qsort_r(v, e->n, sizeof(*v), by_best, e);
	out = json_array();
	for (size_t i = 0; i < e->n && (long)i < n && v[i]->has_best; i++) {
		char *hp = json_dumps(v[i]->hparams, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
		if (json)
			json_array_append_new(out, json_pack("{s:I,s:f,s:I,s:O,s:s}",
				"id", (json_int_t)v[i]->id, "best_metric", v[i]->best,
				"length", (json_int_t)v[i]->best_length, "hparams", v[i]->hparams,
				"state", tstate_name(v[i]->state)));
		else
			printf("trial %lld: %s %.6g at %llu %s  %s\n", (long long)v[i]->id,
			       e->cfg.searcher.metric, v[i]->best,
			       (unsigned long long)v[i]->best_length, exp_length_key(e), hp ? hp : "");
		free(hp);
	}
	if (json)
		print_json(out);
	else
		json_decref(out);
	free(v);
	exp_free(e);
	return HPS_EXIT_OK;
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	bool json = false;
	struct hps_error err;
	char *root = store_root(cli->root), **dirs;
	json_t *out = json_array();
	int rc = parse_json_flag(argc, argv, "list", &json, NULL);

	if (rc) {
		free(root);
		json_decref(out);
		return rc == -2 ? HPS_EXIT_OK : rc;
	}
	if (!(dirs = store_list(root, &err))) {
		fprintf(stderr, "hpsearch list: %s\n", err.msg);
		free(root);
		json_decref(out);
		return HPS_EXIT_FAILURE;
	}
	if (!json)
		printf("%5s  %-10s  %-14s  %7s  %-12s  %s\n", "id", "state", "searcher", "trials", "best", "name");
	for (char **p = dirs; *p; p++) {
		struct experiment *e = exp_open(*p, false, &err);
		const struct trial *b;
		char best[32];
		if (!e) {
			fprintf(stderr, "hpsearch list: %s\n", err.msg);
			free(*p);
			continue;
		}
		b = exp_best_trial(e);
		fmt_metric(best, sizeof(best), b != NULL, b ? b->best : 0);
		if (json)
			json_array_append_new(out, json_pack("{s:I,s:s,s:s,s:s,s:I,s:o,s:s}",
				"id", (json_int_t)e->id, "name", e->cfg.name,
				"state", exp_state_name(e->state),
				"searcher", searcher_kind_name(e->cfg.searcher.kind),
				"trials", (json_int_t)e->n,
				"best_metric", b ? json_real(b->best) : json_null(), "dir", e->dir));
		else
			printf("%5lld  %-10s  %-14s  %7zu  %-12s  %s\n", (long long)e->id,
			       exp_state_name(e->state), searcher_kind_name(e->cfg.searcher.kind),
			       e->n, best, e->cfg.name);
		exp_free(e);
		free(*p);
	}
	free(dirs);
	free(root);
	if (json)
		print_json(out);
	else
		json_decref(out);
	return HPS_EXIT_OK;
}
