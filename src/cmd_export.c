/* cmd_export.c - hpsearch export EXP [--format csv|json] [-o FILE]: the
 * trials of an experiment as a table for pandas, spreadsheets and
 * notebooks.
 *
 * CSV: a header, then one row per trial: the fixed columns below, then one
 * column per configured hyperparameter leaf (nested names dotted), quoted
 * as RFC 4180 says.  JSON: a list of one object per trial with the same
 * fields plus the hyperparameters (nested) and the whole metric history.
 * The experiment is read without its lock, like status.  The output is
 * built whole and then written, so -o FILE is replaced atomically and a
 * failure never leaves half a file.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "experiment.h"
#include "fsutil.h"
#include "history.h"
#include "results.h"
#include "xalloc.h"

static const char *const fixed_cols[] = {
	"id", "state", "end_reason", "restarts", "runs", "length",
	"best_metric", "latest_metric",
};
#define NFIXED (sizeof(fixed_cols) / sizeof(fixed_cols[0]))

struct export_opts {
	bool json;
	const char *out;	/* NULL or "-": stdout */
};

static int parse_opts(int argc, char **argv, struct export_opts *o)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *cmd = cli_find("export");
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		if (c == 'f' && (!strcmp(optarg, "csv") || !strcmp(optarg, "json")))
			o->json = !strcmp(optarg, "json");
		else if (c == 'f')
			return cli_bad_usage(cmd, "unknown format '%s' (csv or json)", optarg);
		else if (c == 'o')
			o->out = optarg;
		else if (c == 'h') {
			cli_usage(cmd, stdout);
			return -1;
		} else
			return cli_bad_usage(cmd, "bad option");
	}
	if (argc - optind != 1)
		return cli_bad_usage(cmd, "give one experiment");
	return 0;
}

/* csv_field: RFC 4180: quoted when it holds a comma, a quote, CR or LF,
 * with each quote doubled. */
static void csv_field(FILE *fp, const char *s, bool first)
{
	if (!first)
		fputc(',', fp);
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static bool is_fixed(const char *name)
{
	for (size_t i = 0; i < NFIXED; i++)
		if (!strcmp(fixed_cols[i], name))
			return true;
	return false;
}

static void csv_header(FILE *fp, const struct hp_leaves *l)
{
	for (size_t i = 0; i < NFIXED; i++)
		csv_field(fp, fixed_cols[i], i == 0);
	for (size_t i = 0; i < l->n; i++) {
		/* A leaf named like a fixed column keeps a column of its own. */
		char *name = is_fixed(l->v[i].name) ? xasprintf("hparams.%s", l->v[i].name)
						    : xstrdup(l->v[i].name);
		csv_field(fp, name, false);
		free(name);
	}
	fputc('\n', fp);
}

static void csv_row(FILE *fp, const struct trial *t, const struct hp_leaves *l)
{
	char *cell[NFIXED];

	cell[0] = xasprintf("%lld", (long long)t->id);
	cell[1] = xstrdup(tstate_name(t->state));
	cell[2] = xstrdup(t->end_reason);
	cell[3] = xasprintf("%lld", (long long)t->restarts);
	cell[4] = xasprintf("%lld", (long long)t->runs);
	cell[5] = xasprintf("%llu", (unsigned long long)t->length);
	cell[6] = metric_text(t->has_best, t->best);
	cell[7] = metric_text(t->has_latest, t->latest);
	for (size_t i = 0; i < NFIXED; i++) {
		csv_field(fp, cell[i], i == 0);
		free(cell[i]);
	}
	for (size_t i = 0; i < l->n; i++) {
		const json_t *v = hp_leaf_value(&l->v[i], t->hparams);
		char *s = v ? hp_text(v) : xstrdup("");
		csv_field(fp, s, false);
		free(s);
	}
	fputc('\n', fp);
}

static void write_csv(FILE *fp, const struct experiment *e)
{
	struct hp_leaves l;

	hp_leaves_init(&l, &e->cfg.hparams);
	csv_header(fp, &l);
	for (size_t i = 0; i < e->n; i++)
		csv_row(fp, &e->t[i], &l);
	hp_leaves_release(&l);
}

static json_t *metric_json(bool has, double v)
{
	char *s = metric_text(has, v);
	json_t *j = *s ? json_real(v) : json_null();

	free(s);
	return j;
}

static void write_json(FILE *fp, const struct experiment *e)
{
	json_t *out = json_array();

	for (size_t i = 0; i < e->n; i++) {
		const struct trial *t = &e->t[i];
		json_array_append_new(out, json_pack(
			"{s:I,s:s,s:s?,s:I,s:I,s:I,s:o,s:o,s:O,s:o}",
			"id", (json_int_t)t->id, "state", tstate_name(t->state),
			"end_reason", t->end_reason[0] ? t->end_reason : NULL,
			"restarts", (json_int_t)t->restarts, "runs", (json_int_t)t->runs,
			"length", (json_int_t)t->length,
			"best_metric", metric_json(t->has_best, t->best),
			"latest_metric", metric_json(t->has_latest, t->latest),
			"hparams", t->hparams, "history", history_trial(e, t, 0)));
	}
	json_dumpf(out, fp, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	fputc('\n', fp);
	json_decref(out);
}

/* emit: the finished text to stdout, or atomically to a file. */
static int emit(const char *out, const char *buf, size_t len)
{
	struct hps_error err;

	if (!out || !strcmp(out, "-")) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout)) {
			fprintf(stderr, "hpsearch export: cannot write the output\n");
			return HPS_EXIT_FAILURE;
		}
		return HPS_EXIT_OK;
	}
	if (fs_write_atomic(out, buf, len, FS_FILE_MODE, &err) < 0) {
		fprintf(stderr, "hpsearch export: %s\n", err.msg);
		return HPS_EXIT_FAILURE;
	}
	return HPS_EXIT_OK;
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
	struct export_opts o = {false, NULL};
	struct hps_error err;
	struct experiment *e;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc = parse_opts(argc, argv, &o);

	if (rc)
		return rc < 0 ? HPS_EXIT_OK : rc;
	if (!(e = results_open(cli->root, argv[optind], &err))) {
		fprintf(stderr, "hpsearch export: %s\n", err.msg);
		return HPS_EXIT_FAILURE;
	}
	if (!(fp = open_memstream(&buf, &len))) {
		fprintf(stderr, "hpsearch export: out of memory\n");
		exp_free(e);
		return HPS_EXIT_FAILURE;
	}
	if (o.json)
		write_json(fp, e);
	else
		write_csv(fp, e);
	fclose(fp);
	rc = emit(o.out, buf, len);
	free(buf);
	exp_free(e);
	return rc;
}
