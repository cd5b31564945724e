/* state.c - fuzz harness: an experiment's state.json and journal.jsonl, as
 * exp_open() loads them (exp_load_snapshot, then journal_parse replaying
 * each record through exp_replay_record), then what `status --json` and
 * the next snapshot read from the loaded state.
 *
 * Two differential checks: state.json is loaded as exp_open loads it
 * (snapread.h's fast reader of the trial lines when the text is in
 * exp_snapshot's form) and also whole through jansson, and the two must
 * agree on success and on every trial field; exp_status_write must write
 * what the tree of exp_status_json dumps, or decline.
 *
 * Input: one byte that picks the config (the searchers of
 * examples/quadratic), state.json's bytes, a NUL byte, the journal's
 * bytes.  An empty state stands for the state exp_init() starts from, so
 * a whole journal replays from its "start" record.  The journal after the
 * NUL is the whole file: the snapshot's journal_end says where the replay
 * starts, as in exp_open().
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "expconf.h"
#include "fuzz.h"
#include "journal.h"
#include "searcher.h"
#include "xalloc.h"

#define HPARAMS \
	"hyperparameters:\n" \
	"  x: {type: double, minval: -1.0, maxval: 1.0}\n" \
	"  learning_rate: {type: log, base: 10, minval: -4, maxval: -1}\n" \
	"  width: {type: int, minval: 4, maxval: 64}\n" \
	"  optimizer: {type: categorical, vals: [adam, sgd, rmsprop]}\n" \
	"  c: 1.0\n" \
	"  model:\n" \
	"    depth: {type: int, minval: 1, maxval: 5}\n" \
	"    activation: {type: categorical, vals: [relu, tanh, gelu]}\n"
#define TAIL "entrypoint: python3 train.py\n"

static const char *const configs[] = {
	"name: quadratic_random\n" HPARAMS
	"searcher: {name: random, metric: validation_loss, max_trials: 12,"
	" max_concurrent_trials: 4, max_length: {batches: 128}}\n" TAIL,
	"name: quadratic_adaptive\n" HPARAMS
	"searcher: {name: adaptive_asha, metric: validation_loss, max_trials: 16,"
	" max_rungs: 3, divisor: 4, max_concurrent_trials: 4,"
	" max_length: {batches: 256}}\n" TAIL,
	"name: quadratic_grid\n"
	"hyperparameters:\n"
	"  x: {type: double, minval: -0.2, maxval: 0.8, count: 3}\n"
	"  learning_rate: {type: log, base: 10, minval: -3, maxval: -1, count: 2}\n"
	"  width: {type: int, minval: 8, maxval: 24, count: 1}\n"
	"  optimizer: {type: categorical, vals: [adam, sgd]}\n"
	"  c: 1.0\n"
	"  model: {depth: {type: int, minval: 1, maxval: 5, count: 1}, activation: relu}\n"
	"searcher: {name: grid, metric: validation_loss, max_concurrent_trials: 4,"
	" max_length: {batches: 64}}\n" TAIL,
	"name: quadratic_single\n"
	"hyperparameters: {x: 0.25, learning_rate: 0.01, width: 16, optimizer: adam,"
	" c: 1.0, model: {depth: 3, activation: relu}}\n"
	"searcher: {name: single, metric: validation_loss, max_length: {batches: 100}}\n"
	TAIL,
	"name: quadratic_stopping\n" HPARAMS
	"searcher: {name: adaptive_asha, metric: validation_loss, max_trials: 16,"
	" max_rungs: 3, divisor: 4, stop_once: true, max_concurrent_trials: 4,"
	" max_length: {batches: 256}}\n" TAIL,
};

static struct experiment *new_experiment(size_t which)
{
	struct experiment *e = xcalloc(1, sizeof(*e));
	const char *y = configs[which];
	struct diag d;
	struct ynode *root;

	e->dir = xstrdup("fuzz");
	e->id = 1;
	diag_init(&d, "experiment.yaml");
	root = ytree_load_string(y, strlen(y), &d);
	/* The configs are constants: failing to load one is a harness bug. */
	if (!root || expconf_load_tree(root, &e->cfg, &d) < 0)
		abort();
	diag_release(&d);
	e->cfg.experiment_seed = 1;
	return e;
}

static bool same_metric(bool ha, double a, bool hb, double b)
{
	return ha == hb && (!ha || a == b || (a != a && b != b));
}

/* What snapread gave and what trial_from_json gives from jansson's tree. */
static bool same_trials(const struct experiment *a, const struct experiment *b)
{
	if (a->n != b->n || a->seq != b->seq || a->journal_end != b->journal_end ||
	    a->state != b->state || a->narrays != b->narrays)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct trial *x = &a->t[i], *y = &b->t[i];
		if (x->id != y->id || x->bracket != y->bracket ||
		    strcmp(x->request_id, y->request_id) || x->seed != y->seed ||
		    !json_equal(x->hparams, y->hparams) || x->state != y->state ||
		    strcmp(x->end_reason, y->end_reason) || x->target != y->target ||
		    x->want_run != y->want_run || x->running != y->running ||
		    x->closed != y->closed || x->kill != y->kill || x->runs != y->runs ||
		    x->restarts != y->restarts || x->length != y->length ||
		    !same_metric(x->has_best, x->best, y->has_best, y->best) ||
		    !same_metric(x->has_latest, x->latest, y->has_latest, y->latest) ||
		    !same_metric(x->run_has_metric, x->run_metric, y->run_has_metric, y->run_metric) ||
		    x->best_length != y->best_length || x->offset != y->offset ||
		    x->lines != y->lines || x->array != y->array || x->index != y->index)
			return false;
	}
	return true;
}

/* exp_status_write writes what the tree dumps, or declines. */
static void same_status(const struct experiment *e)
{
	json_t *j = exp_status_json(e);
	char *tree = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) : NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (!f)
		abort();
	rc = exp_status_write(e, f);
	fclose(f);
	if (rc == 0 && (!tree || strlen(tree) != len || memcmp(tree, text, len)))
		abort();
	free(text);
	free(tree);
	json_decref(j);
}

int fuzz_state(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *nul, *jbuf = "";
	size_t slen, jlen = 0;
	struct hps_error err;
	struct experiment *e;
	int rc = 0;

	if (size < 1)
		return 0;
	e = new_experiment(data[0] % (sizeof(configs) / sizeof(configs[0])));
	buf++;
	size--;
	nul = memchr(buf, '\0', size);
	slen = nul ? (size_t)(nul - buf) : size;
	if (nul) {
		jbuf = nul + 1;
		jlen = size - slen - 1;
	}
	if (slen == 0) {
		/* exp_init()'s state: a fresh searcher, nothing applied. */
		if (!(e->s = searcher_new(&e->cfg, &err)))
			abort();
	} else {
		/* exp_open's reader (snapread when it can), checked against
		 * the whole text through jansson. */
		struct experiment *e2 = new_experiment(data[0] % (sizeof(configs) / sizeof(configs[0])));
		json_error_t je;
		json_t *snap = json_loadb(buf, slen, 0, &je);
		int rc2 = snap ? exp_load_snapshot(e2, snap, &err) : -1;

		json_decref(snap);
		rc = exp_load_snapshot_text(e, buf, slen, "state.json", &err);
		if ((rc < 0) != (rc2 < 0) || (rc == 0 && !same_trials(e, e2)))
			abort();
		exp_free(e2);
	}
	if (rc == 0 && e->journal_end > (long long)jlen)
		rc = -1;	/* read_tail: "shorter than state.json expects" */
	if (rc == 0)
		rc = journal_parse(jbuf + e->journal_end, jlen - (size_t)e->journal_end,
				   e->journal_end, "journal.jsonl", exp_replay_record,
				   e, &e->journal_end, NULL, &err);
	if (rc == 0) {
		/* The invariant everything indexes by (experiment.h). */
		for (size_t i = 0; i < e->n; i++)
			if (e->t[i].id != (int64_t)i + 1)
				abort();
		/* What status and the next snapshot read of the state. */
		same_status(e);
		json_decref(searcher_save(e->s));
		json_decref(searcher_rungs(e->s));
		(void)exp_best_trial(e);
		(void)exp_is_over(e);
	}
	exp_free(e);
	return 0;
}

FUZZ_TARGET(fuzz_state)
