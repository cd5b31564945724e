/* cmd_status.c - hpsearch status EXP, list, best EXP: reading an
 * experiment without disturbing the driver (no lock: snapshot + journal). */
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
#include "store.h"
#include "xalloc.h"

static struct experiment *open_exp(struct cli *cli, const char *verb,
				   const char *name)
{
	struct hps_error err;
	char *root = store_root(cli->root);
	char *dir = store_resolve(root, name, &err);
	struct experiment *e = dir ? exp_open(dir, false, &err) : NULL;

	if (!e)
		fprintf(stderr, "hpsearch %s: %s\n", verb, err.msg);
	free(root);
	free(dir);
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

static void print_table(const struct experiment *e)
{
	json_t *view = slurm_view(e);

	printf("%6s  %-9s  %8s  %8s  %-12s  %-12s  %s\n", "trial", "state", "restarts",
	       "length", "best", "latest", "end reason");
	for (size_t i = 0; i < e->n; i++) {
		const struct trial *t = &e->t[i];
		char best[32], latest[32], key[32];
		const char *state = t->running && !t->closed ? "RUNNING" : tstate_name(t->state);
		const char *why = t->end_reason;
		json_t *sj;

		snprintf(key, sizeof(key), "%lld", (long long)t->id);
		if (t->running && (sj = json_object_get(view, key))) {
			state = json_string_value(json_object_get(sj, "state")) ?: state;
			if (!strcmp(state, "PENDING"))
				why = json_string_value(json_object_get(sj, "reason")) ?: why;
		}
		fmt_metric(best, sizeof(best), t->has_best, t->best);
		fmt_metric(latest, sizeof(latest), t->has_latest, t->latest);
		printf("%6lld  %-9s  %8lld  %8llu  %-12s  %-12s  %s\n", (long long)t->id,
		       state, (long long)t->restarts, (unsigned long long)t->length, best,
		       latest, why);
	}
	json_decref(view);
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	bool json = false;
	struct experiment *e;
	const struct trial *b;
	int rc = parse_json_flag(argc, argv, "status", &json, NULL);

	if (rc)
		return rc == -2 ? HPS_EXIT_OK : rc;
	if (argc - optind != 1)
		return cli_bad_usage(cli_find("status"), "give one experiment");
	if (!(e = open_exp(cli, "status", argv[optind])))
		return HPS_EXIT_FAILURE;
	if (json) {
		print_json(exp_status_json(e));
		exp_free(e);
		return HPS_EXIT_OK;
	}
	printf("experiment %lld (%s): %s\n", (long long)e->id, e->cfg.name, exp_state_name(e->state));
	printf("searcher: %s on %s (%s is better), progress %.0f%%\n",
	       searcher_kind_name(e->cfg.searcher.kind), e->cfg.searcher.metric,
	       e->cfg.searcher.smaller_is_better ? "smaller" : "larger",
	       100 * searcher_progress(e->s));
	if ((b = exp_best_trial(e))) {
		char *hp = json_dumps(b->hparams, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
		printf("best: trial %lld, %s %.6g, %s\n", (long long)b->id,
		       e->cfg.searcher.metric, b->best, hp ? hp : "");
		free(hp);
	}
	printf("directory: %s\n\n", e->dir);
	print_table(e);
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
