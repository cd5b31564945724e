/* check.h - small typed readers for validating config fields.
 *
 * Each reader looks up one key of a YAML mapping, checks its type and
 * range, reports a precise diagnostic (file:line:column, field path, what
 * was expected, what was found) and tells the caller whether a value came
 * out.  A YAML null counts as absent, as Determined's schemas allow null
 * for "use the default".
 *
 * Return values: 1 a value was stored, 0 absent (or null), -1 wrong (the
 * diagnostic is recorded, *out untouched).
 */
#ifndef HPS_CHECK_H
#define HPS_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "ytree.h"

/* path_join: "a" + "b" -> "a.b" ("" + "b" -> "b"); caller frees. */
char *path_join(const char *base, const char *key);

void check_error(struct diag *d, const struct ynode *at, const char *path,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void check_warn(struct diag *d, const struct ynode *at, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* check_mapping: n must be a mapping; reports and returns false if not. */
bool check_mapping(struct diag *d, const struct ynode *n, const char *path);

/* check_keys: every key of map must be in known[] (NULL-terminated) or in
 * ignored[] (accepted with one warning each, "means nothing here").
 * Unknown keys are errors with a "did you mean" suggestion. */
void check_keys(struct diag *d, const struct ynode *map, const char *path,
		const char *const *known, const char *const *ignored,
		const char *ignored_why);

int check_int(struct diag *d, const struct ynode *map, const char *key,
	      const char *path, int64_t min, int64_t max, int64_t *out);
int check_number(struct diag *d, const struct ynode *map, const char *key,
		 const char *path, double *out);
int check_bool(struct diag *d, const struct ynode *map, const char *key,
	       const char *path, bool *out);
/* check_string: *out is a new copy (caller frees). */
int check_string(struct diag *d, const struct ynode *map, const char *key,
		 const char *path, char **out);
/* check_path: a string that must be an absolute path. */
int check_path(struct diag *d, const struct ynode *map, const char *key,
	       const char *path, char **out);
/* check_missing: report a missing required field, unless a misspelt key
 * was already suggested as that field. */
void check_missing(struct diag *d, const struct ynode *map, const char *path,
		   const char *field, const char *const *known);
/* check_string_list: a list of strings; *out NULL-terminated, new copies. */
int check_string_list(struct diag *d, const struct ynode *map,
		      const char *key, const char *path, char ***out,
		      size_t *n);

/* node_int: an integer value of n (an integral float is accepted, as JSON
 * Schema's "integer" does); false if n is not one. */
bool node_int(const struct ynode *n, int64_t *out);

/* suggest: the entry of words closest to s (edit distance), or NULL. */
const char *suggest(const char *s, const char *const *words);

#endif
