/* results.h - an experiment's results as status, export and compare show
 * them: the configured hyperparameter leaves as columns and values as
 * text (ttable.h lays them out).
 *
 * Columns come from the configured space (struct hparam), not from the
 * trials, so every trial has the same columns in the same order (the
 * config's, children sorted by name) and a nested leaf is named by its
 * keys joined with dots: optimizer.lr.
 *
 * Ownership: every char * returned is the caller's to free; a json_t *
 * returned by hp_leaf_value() is borrowed from the trial's hparams.
 */
#ifndef HPS_RESULTS_H
#define HPS_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "experiment.h"
#include "hparams.h"

struct hp_leaf {
	char *name;		/* keys joined by '.' (owned) */
	char **keys;		/* the path from the top (owned) */
	size_t nkeys;
};

struct hp_leaves {
	struct hp_leaf *v;
	size_t n;
};

/* hp_leaves_init: the leaves under root, in the config's order; an empty
 * nested {} has none. */
void hp_leaves_init(struct hp_leaves *l, const struct hparam *root);
void hp_leaves_release(struct hp_leaves *l);

/* hp_leaf_value: the leaf's value in a trial's hparams, or NULL. */
const json_t *hp_leaf_value(const struct hp_leaf *leaf, const json_t *hparams);

/* hp_text: a value as one cell: strings as they are, numbers in shortest
 * round-trip form (1.0 stays 1.0), booleans true/false, null and
 * lists/objects as compact JSON (sorted keys, shortest numbers). */
char *hp_text(const json_t *v);

/* metric_text: shortest round-trip form, or "" when absent or not finite
 * (what status --json shows as null). */
char *metric_text(bool has, double v);

/* results_open: the experiment EXP under the root (--root, else the
 * environment), read without its lock. */
struct experiment *results_open(const char *root_opt, const char *exp,
				struct hps_error *err);

#endif
