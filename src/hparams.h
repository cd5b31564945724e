/* hparams.h - the hyperparameter space of a config.
 *
 * A tree as Determined reads it: a non-object value is a const, an object
 * with "type" is one of the typed leaves, an object without "type" is a
 * nested dict (any depth; an empty {} is kept).  Children are sorted by name
 * (byte order) at load, which is the order sampling and grid enumeration use.
 */
#ifndef HPS_HPARAMS_H
#define HPS_HPARAMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hyperparameters nest at most this deep (a config error beyond). */
#define HP_MAX_DEPTH 32

enum hp_type { HP_CONST, HP_INT, HP_DOUBLE, HP_LOG, HP_CATEGORICAL, HP_NESTED };

struct hparam {
	char *name;		/* key under its parent */
	enum hp_type type;
	int line, col;		/* where the key stands in the config */
	json_t *val;		/* HP_CONST (owned) */
	json_t *vals;		/* HP_CATEGORICAL: a non-empty array (owned) */
	int64_t imin, imax;	/* HP_INT */
	double min, max;	/* HP_DOUBLE; HP_LOG exponents */
	double base;		/* HP_LOG */
	bool has_count;
	int64_t count;		/* int/double/log with has_count */
	struct hparam *kids;	/* HP_NESTED, sorted by name */
	size_t nkids;
};

/* The top level is an HP_NESTED node named "" (possibly with no kids). */
void hparam_release(struct hparam *h);

const char *hp_type_name(enum hp_type t);

/* hparam_count_leaves: leaves under h (a const counts; {} counts 0). */
size_t hparam_count_leaves(const struct hparam *h);

#endif
