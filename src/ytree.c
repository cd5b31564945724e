/* ytree.c - YAML 1.2 core-schema document tree on top of libyaml.
 *
 * libyaml's event parser builds the tree with an explicit stack (no
 * recursion, so deep input cannot overflow the C stack while loading);
 * anchors map to shared nodes, and every node carries its expanded
 * weight so "billion laughs" documents are refused early.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "xalloc.h"
#include "ytree.h"

struct anchor {
	char *name;
	struct ynode *node;
};

struct frame {
	struct ynode *node;	/* a Y_SEQ or Y_MAP being filled */
	struct ynode *key;	/* Y_MAP: key waiting for its value */
	char *anchor;
};

struct loader {
	yaml_parser_t parser;
	struct diag *d;
	struct frame *stack;
	size_t depth, cap;
	struct anchor *anchors;
	size_t nanchors;
	struct ynode *root;
	uint64_t total;
	int documents;
	bool failed;
};

static void fail(struct loader *ld, int line, int col, const char *msg)
{
	if (!ld->failed)
		diag_add(ld->d, DIAG_ERROR, line, col, "", "%s", msg);
	ld->failed = true;
}

static struct ynode *node_new(enum ynode_kind kind, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	n->refs = 1;
	n->weight = 1;
	return n;
}

void ytree_free(struct ynode *n)
{
	if (!n || --n->refs > 0)
		return;
	for (size_t i = 0; i < n->n; i++) {
		ytree_free(n->items[i]);
		if (n->keys)
			ytree_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->text);
	free(n);
}

/* ---- YAML 1.2 core schema scalar resolution ---- */

static bool all_in(const char *s, const char *set)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

static bool is_core_int(const char *s, int *base)
{
	if (s[0] == '0' && s[1] == 'o') {
		*base = 8;
		return all_in(s + 2, "01234567");
	}
	if (s[0] == '0' && s[1] == 'x') {
		*base = 16;
		return all_in(s + 2, "0123456789abcdefABCDEF");
	}
	*base = 10;
	if (*s == '-' || *s == '+')
		s++;
	return all_in(s, "0123456789");
}

static bool is_core_float(const char *s)
{
	const char *p = s;
	bool digits = false;

	if (*p == '-' || *p == '+')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
		return true;
	if (p == s && (!strcmp(p, ".nan") || !strcmp(p, ".NaN") ||
		       !strcmp(p, ".NAN")))
		return true;
	while (*p >= '0' && *p <= '9')
		p++, digits = true;
	if (*p == '.') {
		p++;
		if (!digits && !(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++, digits = true;
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static double parse_float(const char *s, bool *range)
{
	const char *p = s + (*s == '-' || *s == '+');

	*range = true;
	if (p[0] == '.' && (p[1] == 'i' || p[1] == 'I'))
		return *s == '-' ? -INFINITY : INFINITY;
	if (p[0] == '.' && (p[1] == 'n' || p[1] == 'N'))
		return NAN;
	errno = 0;
	double v = strtod(s, NULL);
	/* Overflow only: an underflow to a subnormal or zero is a fine value. */
	if (errno == ERANGE && isinf(v))
		*range = false;
	return v;
}

static int resolve_plain(struct ynode *n, const char *s, const char *tag)
{
	int base;
	bool ok;

	if (tag && !strcmp(tag, YAML_STR_TAG)) {
		n->kind = Y_STR;
		return 0;
	}
	if (!strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") ||
	    !strcmp(s, "Null") || !strcmp(s, "NULL")) {
		n->kind = Y_NULL;
	} else if (!strcmp(s, "true") || !strcmp(s, "True") ||
		   !strcmp(s, "TRUE")) {
		n->kind = Y_BOOL;
		n->b = true;
	} else if (!strcmp(s, "false") || !strcmp(s, "False") ||
		   !strcmp(s, "FALSE")) {
		n->kind = Y_BOOL;
		n->b = false;
	} else if (is_core_int(s, &base)) {
		const char *digits = base == 10 ? s : s + 2;
		char *end;
		errno = 0;
		long long v = strtoll(digits, &end, base);
		if (errno == ERANGE)
			return -1;
		n->kind = Y_INT;
		n->i = v;
	} else if (is_core_float(s)) {
		n->kind = Y_FLOAT;
		n->f = parse_float(s, &ok);
		if (!ok)
			return -1;
	} else {
		n->kind = Y_STR;
	}
	return 0;
}

/* A scalar with an explicit standard tag must match it; others are refused. */
static const char *check_tag(struct ynode *n, const char *tag)
{
	static const struct {
		const char *tag;
		enum ynode_kind kind;
	} tags[] = {
		{YAML_NULL_TAG, Y_NULL}, {YAML_BOOL_TAG, Y_BOOL},
		{YAML_INT_TAG, Y_INT}, {YAML_FLOAT_TAG, Y_FLOAT},
	};

	if (!tag || !strcmp(tag, "!") || !strcmp(tag, YAML_STR_TAG))
		return NULL;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if (strcmp(tag, tags[i].tag))
			continue;
		if (n->kind == tags[i].kind)
			return NULL;
		if (tags[i].kind == Y_FLOAT && n->kind == Y_INT) {
			n->kind = Y_FLOAT;
			n->f = (double)n->i;
			return NULL;
		}
		return "scalar does not match its tag";
	}
	return "unsupported YAML tag (only the standard !!str, !!int, !!float, !!bool and !!null are read)";
}

static struct ynode *scalar_node(struct loader *ld, yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	struct ynode *n = node_new(Y_STR, &ev->start_mark);
	const char *bad;

	n->text = xstrndup(s, ev->data.scalar.length);
	if (strlen(n->text) != ev->data.scalar.length) {
		fail(ld, n->line, n->col, "NUL byte in a scalar");
		return n;
	}
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (resolve_plain(n, n->text, tag) < 0) {
			fail(ld, n->line, n->col,
			     "number out of range (integers must fit in 64 bits, floats in a double)");
			return n;
		}
	}
	bad = check_tag(n, tag);
	if (bad)
		fail(ld, n->line, n->col, bad);
	return n;
}

/* ---- tree building ---- */

static void remember_anchor(struct loader *ld, const char *anchor,
			    struct ynode *n)
{
	if (!anchor)
		return;
	ld->anchors = xreallocarray(ld->anchors, ld->nanchors + 1,
				    sizeof(*ld->anchors));
	ld->anchors[ld->nanchors].name = xstrdup(anchor);
	ld->anchors[ld->nanchors].node = n;
	n->refs++;
	ld->nanchors++;
}

static struct ynode *find_anchor(struct loader *ld, const char *name)
{
	/* The latest definition wins, as YAML redefinition requires. */
	for (size_t i = ld->nanchors; i-- > 0;)
		if (!strcmp(ld->anchors[i].name, name))
			return ld->anchors[i].node;
	return NULL;
}

static int cmp_keys(const void *a, const void *b)
{
	const struct ynode *x = *(const struct ynode *const *)a;
	const struct ynode *y = *(const struct ynode *const *)b;
	int c = strcmp(x->text, y->text);

	if (c)
		return c;
	return x->line != y->line ? (x->line < y->line ? -1 : 1)
				  : (x->col < y->col ? -1 : x->col > y->col);
}

/* Duplicate keys are an error (as in ruamel); sorting keeps it O(n log n). */
static void check_duplicates(struct loader *ld, struct ynode *map)
{
	struct ynode **k;

	if (map->n < 2)
		return;
	k = xcalloc(map->n, sizeof(*k));
	memcpy(k, map->keys, map->n * sizeof(*k));
	qsort(k, map->n, sizeof(*k), cmp_keys);
	for (size_t i = 1; i < map->n; i++) {
		if (strcmp(k[i - 1]->text, k[i]->text))
			continue;
		char msg[512];
		snprintf(msg, sizeof(msg),
			 "duplicate key '%.200s' (first at line %d, column %d)",
			 k[i]->text, k[i - 1]->line, k[i - 1]->col);
		fail(ld, k[i]->line, k[i]->col, msg);
		break;
	}
	free(k);
}

/* grow: room for one more pair in a Y_SEQ or Y_MAP.  Doubling keeps a
 * million-item list linear: growing by one copies the array each time
 * wherever realloc cannot extend in place (ASan's always copies). */
static void grow(struct ynode *p)
{
	if (p->n < p->cap)
		return;
	p->cap = p->cap ? 2 * p->cap : 4;
	p->items = xreallocarray(p->items, p->cap, sizeof(*p->items));
	if (p->kind == Y_MAP)
		p->keys = xreallocarray(p->keys, p->cap, sizeof(*p->keys));
}

/* add_child: cost is what the child adds to the document: 1 for a new
 * node (its children were counted as they came), its whole weight for an
 * alias; (line, col) is where the child stands, for the error. */
static void add_child(struct loader *ld, struct ynode *child, uint64_t cost,
		      int line, int col)
{
	struct frame *f;
	struct ynode *p;

	ld->total += cost;
	if (ld->total > YTREE_MAX_NODES) {
		fail(ld, line, col, cost > 1
		     ? "document too large after alias expansion (more than 1000000 nodes)"
		     : "document too large (more than 1000000 nodes)");
		ytree_free(child);
		return;
	}
	if (ld->depth == 0) {
		if (!ld->root)
			ld->root = child;
		else
			ytree_free(child);
		return;
	}
	f = &ld->stack[ld->depth - 1];
	p = f->node;
	if (p->kind == Y_MAP && !f->key) {
		if (child->kind == Y_SEQ || child->kind == Y_MAP) {
			fail(ld, child->line, child->col,
			     "mapping keys must be scalars");
			ytree_free(child);
			return;
		}
		f->key = child;
		return;
	}
	grow(p);
	if (p->kind == Y_MAP) {
		p->keys[p->n] = f->key;
		f->key = NULL;
	}
	p->items[p->n++] = child;
	p->weight += child->weight;
}

/* The keys a mapping has while merge keys add to it: a hash set, so that
 * merging a mapping of n keys costs O(n), not O(n) lookups of O(n) each (a
 * 300000-key merge took minutes). */
struct keyset {
	const char **v;
	size_t mask;
};

static size_t key_hash(const char *s)
{
	size_t h = 14695981039346656037u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* keyset_add: false if text was there already. */
static bool keyset_add(struct keyset *ks, const char *text)
{
	size_t i = key_hash(text) & ks->mask;

	for (; ks->v[i]; i = (i + 1) & ks->mask)
		if (!strcmp(ks->v[i], text))
			return false;
	ks->v[i] = text;
	return true;
}

/* YAML merge keys ("<<: *base" or "<<: [*a, *b]"), as ruamel reads them:
 * the merged mappings' pairs are added unless the mapping has the key. */
static void merge_one(struct ynode *map, const struct ynode *src,
		      struct keyset *ks)
{
	for (size_t i = 0; i < src->n; i++) {
		if (!keyset_add(ks, src->keys[i]->text))
			continue;
		grow(map);
		map->keys[map->n] = src->keys[i];
		map->items[map->n] = src->items[i];
		src->keys[i]->refs++;
		src->items[i]->refs++;
		map->weight += src->items[i]->weight;
		map->n++;
	}
}

static void merge_keys(struct loader *ld, struct ynode *map)
{
	size_t i, most, size = 16;
	struct ynode *k, *v;
	struct keyset ks;

	if (map->kind != Y_MAP || ld->failed)
		return;
	for (i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->text, "<<") && map->keys[i]->kind == Y_STR)
			break;
	if (i == map->n)
		return;
	k = map->keys[i];
	v = map->items[i];
	memmove(map->keys + i, map->keys + i + 1, (map->n - i - 1) * sizeof(*map->keys));
	memmove(map->items + i, map->items + i + 1, (map->n - i - 1) * sizeof(*map->items));
	map->n--;
	/* At most every key of the mapping and of each merged one: the set
	 * stays under half full. */
	most = map->n;
	if (v->kind == Y_MAP)
		most += v->n;
	for (size_t j = 0; v->kind == Y_SEQ && j < v->n; j++)
		most += v->items[j]->kind == Y_MAP ? v->items[j]->n : 0;
	while (size < 2 * most)
		size *= 2;
	ks.v = xcalloc(size, sizeof(*ks.v));
	ks.mask = size - 1;
	for (size_t j = 0; j < map->n; j++)
		keyset_add(&ks, map->keys[j]->text);
	if (v->kind == Y_MAP) {
		merge_one(map, v, &ks);
	} else if (v->kind == Y_SEQ) {
		for (size_t j = 0; j < v->n; j++)
			if (v->items[j]->kind == Y_MAP)
				merge_one(map, v->items[j], &ks);
			else
				fail(ld, v->items[j]->line, v->items[j]->col,
				     "a merge key (<<) takes mappings");
	} else {
		fail(ld, v->line, v->col, "a merge key (<<) takes a mapping or a list of mappings");
	}
	free(ks.v);
	ytree_free(k);
	ytree_free(v);
}

static void push(struct loader *ld, struct ynode *n, const char *anchor)
{
	if (ld->depth == ld->cap) {
		ld->cap = ld->cap ? 2 * ld->cap : 16;
		ld->stack = xreallocarray(ld->stack, ld->cap, sizeof(*ld->stack));
	}
	ld->stack[ld->depth].node = n;
	ld->stack[ld->depth].key = NULL;
	ld->stack[ld->depth].anchor = anchor ? xstrdup(anchor) : NULL;
	ld->depth++;
}

static void pop(struct loader *ld)
{
	struct frame f = ld->stack[--ld->depth];

	if (f.node->kind == Y_MAP)
		check_duplicates(ld, f.node);
	remember_anchor(ld, f.anchor, f.node);
	free(f.anchor);
	ytree_free(f.key);
	merge_keys(ld, f.node);
	add_child(ld, f.node, 1, f.node->line, f.node->col);
}

static void on_start(struct loader *ld, yaml_event_t *ev, enum ynode_kind k)
{
	const char *anchor = (const char *)(k == Y_SEQ
		? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor);
	struct ynode *n = node_new(k, &ev->start_mark);

	if (ld->depth >= YTREE_MAX_DEPTH) {
		fail(ld, n->line, n->col, "nesting deeper than 256 levels");
		ytree_free(n);
		return;
	}
	push(ld, n, anchor);
}

static void on_alias(struct loader *ld, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct ynode *n = find_anchor(ld, name);
	char msg[300];

	if (!n) {
		snprintf(msg, sizeof(msg), "unknown alias '*%.200s'", name);
		fail(ld, (int)ev->start_mark.line + 1,
		     (int)ev->start_mark.column + 1, msg);
		return;
	}
	n->refs++;
	add_child(ld, n, n->weight, (int)ev->start_mark.line + 1,
		  (int)ev->start_mark.column + 1);
}

/* One event; returns 1 at the end of the first document, -1 on error. */
static int on_event(struct loader *ld, yaml_event_t *ev)
{
	struct ynode *n;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = scalar_node(ld, ev);
		remember_anchor(ld, (const char *)ev->data.scalar.anchor, n);
		add_child(ld, n, 1, n->line, n->col);
		break;
	case YAML_SEQUENCE_START_EVENT:
		on_start(ld, ev, Y_SEQ);
		break;
	case YAML_MAPPING_START_EVENT:
		on_start(ld, ev, Y_MAP);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (ld->depth > 0)
			pop(ld);
		break;
	case YAML_ALIAS_EVENT:
		on_alias(ld, ev);
		break;
	case YAML_DOCUMENT_START_EVENT:
		if (ld->documents++ > 0) {
			fail(ld, (int)ev->start_mark.line + 1,
			     (int)ev->start_mark.column + 1,
			     "the config must be a single YAML document (a second document starts here)");
			return -1;
		}
		break;
	default:
		break;
	}
	return ld->failed ? -1 : 0;
}

static void loader_release(struct loader *ld)
{
	while (ld->depth > 0) {
		struct frame *f = &ld->stack[--ld->depth];
		ytree_free(f->node);
		ytree_free(f->key);
		free(f->anchor);
	}
	free(ld->stack);
	for (size_t i = 0; i < ld->nanchors; i++) {
		free(ld->anchors[i].name);
		ytree_free(ld->anchors[i].node);
	}
	free(ld->anchors);
	yaml_parser_delete(&ld->parser);
}

/* libyaml's reader errors (bad UTF-8, control characters) carry a byte
 * offset, not a mark: count lines and columns up to it. */
static void reader_error(struct loader *ld, const char *buf, size_t len)
{
	yaml_parser_t *p = &ld->parser;
	size_t off = p->problem_offset < len ? p->problem_offset : len;
	int line = 1, col = 1;
	char msg[300];

	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	snprintf(msg, sizeof(msg), "YAML syntax error: %s (byte 0x%02x)",
		 p->problem ? p->problem : "unreadable input",
		 (unsigned)p->problem_value & 0xff);
	fail(ld, line, col, msg);
}

static void parser_error(struct loader *ld, const char *buf, size_t len)
{
	yaml_parser_t *p = &ld->parser;
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
	char msg[600];

	if (p->error == YAML_READER_ERROR) {
		reader_error(ld, buf, len);
		return;
	}
	if (p->context && p->problem &&
	    p->context_mark.line != p->problem_mark.line)
		snprintf(msg, sizeof(msg), "YAML syntax error: %s (started at line %d, column %d) %s",
			 p->context, (int)p->context_mark.line + 1,
			 (int)p->context_mark.column + 1, p->problem);
	else if (p->context)
		snprintf(msg, sizeof(msg), "YAML syntax error: %s %s",
			 p->context, p->problem ? p->problem : "");
	else
		snprintf(msg, sizeof(msg), "YAML syntax error: %s",
			 p->problem ? p->problem : "unknown problem");
	fail(ld, (int)m->line + 1, (int)m->column + 1, msg);
}

struct ynode *ytree_load_string(const char *buf, size_t len, struct diag *d)
{
	struct loader ld;
	yaml_event_t ev;
	int done = 0;

	memset(&ld, 0, sizeof(ld));
	ld.d = d;
	if (!yaml_parser_initialize(&ld.parser)) {
		diag_add(d, DIAG_ERROR, 0, 0, "", "cannot initialise libyaml");
		return NULL;
	}
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)buf,
				     len);
	while (!done) {
		if (!yaml_parser_parse(&ld.parser, &ev)) {
			parser_error(&ld, buf, len);
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT)
			done = 1;
		else if (on_event(&ld, &ev) != 0)
			done = 1;
		yaml_event_delete(&ev);
	}
	if (ld.failed) {
		ytree_free(ld.root);
		ld.root = NULL;
	} else if (!ld.root) {
		yaml_mark_t m = {0, 0, 0};
		ld.root = node_new(Y_NULL, &m);
	}
	loader_release(&ld);
	return ld.root;
}

struct ynode *ytree_load_file(const char *path, struct diag *d)
{
	FILE *fp = fopen(path, "rb");
	struct ynode *root = NULL;
	char *buf;
	size_t len;

	if (!fp) {
		diag_add(d, DIAG_ERROR, 0, 0, "", "cannot open: %s",
			 strerror(errno));
		return NULL;
	}
	buf = xmalloc(YTREE_MAX_BYTES + 1);
	len = fread(buf, 1, YTREE_MAX_BYTES + 1, fp);
	if (ferror(fp))
		diag_add(d, DIAG_ERROR, 0, 0, "", "cannot read: %s",
			 strerror(errno));
	else if (len > YTREE_MAX_BYTES)
		diag_add(d, DIAG_ERROR, 0, 0, "",
			 "config larger than %u MiB", YTREE_MAX_BYTES >> 20);
	else
		root = ytree_load_string(buf, len, d);
	free(buf);
	fclose(fp);
	return root;
}

/* ---- queries ---- */

struct ynode *ytree_key(const struct ynode *map, const char *key)
{
	if (!map || map->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->text, key))
			return map->keys[i];
	return NULL;
}

struct ynode *ytree_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->text, key))
			return map->items[i];
	return NULL;
}

bool ytree_is_number(const struct ynode *n)
{
	return n && (n->kind == Y_INT || n->kind == Y_FLOAT);
}

double ytree_number(const struct ynode *n)
{
	return n->kind == Y_INT ? (double)n->i : n->f;
}

const char *ytree_kind_name(const struct ynode *n)
{
	switch (n ? n->kind : Y_NULL) {
	case Y_NULL: return "null";
	case Y_BOOL: return "a boolean";
	case Y_INT: return "an integer";
	case Y_FLOAT: return "a float";
	case Y_STR: return "a string";
	case Y_SEQ: return "a list";
	case Y_MAP: return "a mapping";
	}
	return "?";
}

json_t *ytree_to_json(const struct ynode *n, const struct ynode **bad)
{
	json_t *j = NULL;

	switch (n->kind) {
	case Y_NULL: return json_null();
	case Y_BOOL: return json_boolean(n->b);
	case Y_INT: return json_integer(n->i);
	case Y_STR: return json_string(n->text);
	case Y_FLOAT:
		if (isfinite(n->f))
			return json_real(n->f);
		if (bad)
			*bad = n;
		return NULL;
	case Y_SEQ:
		j = json_array();
		for (size_t i = 0; i < n->n; i++) {
			json_t *v = ytree_to_json(n->items[i], bad);
			if (!v || json_array_append_new(j, v) < 0)
				goto fail;
		}
		return j;
	case Y_MAP:
		j = json_object();
		for (size_t i = 0; i < n->n; i++) {
			json_t *v = ytree_to_json(n->items[i], bad);
			if (!v || json_object_set_new(j, n->keys[i]->text, v) < 0)
				goto fail;
		}
		return j;
	}
fail:
	json_decref(j);
	return NULL;
}
