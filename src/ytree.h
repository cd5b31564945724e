/* ytree.h - a YAML document as a tree of typed nodes with 1-based marks.
 *
 * The only module that includes <yaml.h>.  Scalars are typed by the YAML
 * 1.2 core schema, as Determined's CLI (ruamel, YAML 1.2) reads configs:
 * "1e-4" and ".5" are floats, "yes"/"on" are strings, "~" and "" are null.
 * Quoted scalars are always strings.
 *
 * Loading never crashes on bad input: syntax errors, duplicate keys,
 * non-scalar keys, unknown tags, integers out of range, nesting deeper than
 * YTREE_MAX_DEPTH and alias expansion beyond YTREE_MAX_NODES are reported
 * into a struct diag with their file:line:column, and the load returns NULL.
 *
 * Ownership: ytree_load_* return a tree the caller releases with
 * ytree_free().  Nodes reached through an alias are shared (reference
 * counted); treat every node as read-only.
 */
#ifndef HPS_YTREE_H
#define HPS_YTREE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define YTREE_MAX_DEPTH 256
#define YTREE_MAX_NODES 1000000	/* after alias expansion */
#define YTREE_MAX_BYTES (8u << 20)

enum ynode_kind { Y_NULL, Y_BOOL, Y_INT, Y_FLOAT, Y_STR, Y_SEQ, Y_MAP };

struct ynode {
	enum ynode_kind kind;
	int line, col;		/* 1-based start of the node */
	char *text;		/* scalars: the text as written; else NULL */
	bool b;			/* Y_BOOL */
	int64_t i;		/* Y_INT */
	double f;		/* Y_FLOAT (may be inf or nan) */
	size_t n;		/* Y_SEQ items / Y_MAP pairs */
	struct ynode **items;	/* Y_SEQ items, Y_MAP values */
	struct ynode **keys;	/* Y_MAP keys: scalar nodes, text is the key */
	size_t cap;		/* slots allocated in items (and keys) */
	unsigned refs;
	uint64_t weight;	/* nodes in the subtree, aliases expanded */
};

/* Load the first document of a file or a buffer; NULL on any error (all
 * reported into d).  An empty document loads as a Y_NULL node. */
struct ynode *ytree_load_file(const char *path, struct diag *d);
struct ynode *ytree_load_string(const char *buf, size_t len, struct diag *d);

void ytree_free(struct ynode *n);

/* ytree_get: the value under key in a Y_MAP, or NULL. */
struct ynode *ytree_get(const struct ynode *map, const char *key);
/* ytree_key: the key node whose value is val in map (for marks), or NULL. */
struct ynode *ytree_key(const struct ynode *map, const char *key);

bool ytree_is_number(const struct ynode *n);
double ytree_number(const struct ynode *n);	/* Y_INT or Y_FLOAT */

/* ytree_kind_name: "a string", "an integer", ... for messages. */
const char *ytree_kind_name(const struct ynode *n);

/* ytree_to_json: the node as JSON (a new reference).  Non-finite floats
 * have no JSON form: NULL is returned and *bad (if given) points at the
 * offending node. */
json_t *ytree_to_json(const struct ynode *n, const struct ynode **bad);

#endif
