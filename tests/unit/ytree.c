/* Unit tests of the YAML tree: core-schema typing, marks, and every way a
 * document can be refused. */
#include "config.h"

#include <stdlib.h>

#include "tap.h"
#include "xalloc.h"
#include "ytree.h"

static struct ynode *load(const char *s, struct diag *d)
{
	diag_init(d, "t.yaml");
	return ytree_load_string(s, strlen(s), d);
}

static const struct {
	const char *text;
	enum ynode_kind kind;
} typing[] = {
	{"1e-4", Y_FLOAT}, {".5", Y_FLOAT}, {"1.0", Y_FLOAT}, {"-2.5e+3", Y_FLOAT},
	{".inf", Y_FLOAT}, {"-.Inf", Y_FLOAT}, {".nan", Y_FLOAT}, {"1.", Y_FLOAT},
	{"12", Y_INT}, {"-7", Y_INT}, {"+3", Y_INT}, {"0o17", Y_INT}, {"0x1F", Y_INT},
	{"yes", Y_STR}, {"on", Y_STR}, {"off", Y_STR}, {"no", Y_STR}, {"1_000", Y_STR},
	{"true", Y_BOOL}, {"False", Y_BOOL}, {"TRUE", Y_BOOL},
	{"null", Y_NULL}, {"~", Y_NULL}, {"", Y_NULL}, {"Null", Y_NULL},
	{"'12'", Y_STR}, {"\"true\"", Y_STR}, {"!!str 12", Y_STR},
	{"!!float 3", Y_FLOAT}, {"1e", Y_STR}, {"e5", Y_STR}, {".", Y_STR},
	{"0x", Y_STR}, {"- 1", Y_SEQ}, {"a: 1", Y_MAP}, {"[1, 2]", Y_SEQ},
};

static void test_typing(void)
{
	for (size_t i = 0; i < sizeof(typing) / sizeof(typing[0]); i++) {
		struct diag d;
		struct ynode *n = load(typing[i].text, &d);
		ok(n && n->kind == typing[i].kind, "'%s' is %d (got %d)",
		   typing[i].text, typing[i].kind, n ? (int)n->kind : -1);
		ytree_free(n);
		diag_release(&d);
	}
}

static void test_values(void)
{
	struct diag d;
	struct ynode *n = load("a: 1e-4\nb: 0x10\nc: -0o7\nd: 9223372036854775807\n", &d);

	is_double(ytree_get(n, "a")->f, 1e-4, "1e-4 value");
	is_int(ytree_get(n, "b")->i, 16, "hex value");
	ok(ytree_get(n, "c")->kind == Y_STR, "-0o7 is not a core int");
	is_int(ytree_get(n, "d")->i, 9223372036854775807LL, "int64 max");
	is_int(ytree_key(n, "b")->line, 2, "key line is 1-based");
	is_int(ytree_get(n, "b")->col, 4, "value column is 1-based");
	ytree_free(n);
	diag_release(&d);
}

static const struct {
	const char *doc;
	int line, col;
	const char *msg;
} refused[] = {
	{"a: 1\na: 2\n", 2, 1, "duplicate key 'a' (first at line 1, column 1)"},
	{"a: [1, 2\n", 2, 1, "YAML syntax error"},
	{"a: *nope\n", 1, 4, "unknown alias '*nope'"},
	{"? [1]\n: 2\n", 1, 3, "mapping keys must be scalars"},
	{"a: 99999999999999999999\n", 1, 4, "number out of range"},
	{"a: 1e999\n", 1, 4, "number out of range"},
	{"a: !!python/object x\n", 1, 4, "unsupported YAML tag"},
	{"a: !!int abc\n", 1, 4, "scalar does not match its tag"},
	{"a: \"x\\0y\"\n", 1, 4, "NUL byte"},
	{"a: \x01\n", 1, 4, "YAML syntax error"},
	{"a: \xff\xfe\n", 1, 4, "YAML syntax error"},
	{"\ta: 1\n", 1, 1, "YAML syntax error"},
};

static void test_refused(void)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct diag d;
		struct ynode *n = load(refused[i].doc, &d);
		int good = !n && d.n == 1 && strstr(d.v[0].msg, refused[i].msg);
		ok(good, "refused: %s", refused[i].msg);
		if (d.n)
			diag("  got %d:%d %s", d.v[0].line, d.v[0].col, d.v[0].msg);
		if (good)
			ok(d.v[0].line == refused[i].line &&
			   d.v[0].col == refused[i].col, "  at %d:%d",
			   refused[i].line, refused[i].col);
		ytree_free(n);
		diag_release(&d);
	}
}

static void test_aliases(void)
{
	struct diag d;
	struct ynode *n = load("a: &x [1, 2]\nb: *x\n", &d);
	char *bomb;
	size_t len = 0;

	ok(n && ytree_get(n, "b")->kind == Y_SEQ && ytree_get(n, "b")->n == 2,
	   "an alias shares its anchor's value");
	ytree_free(n);
	diag_release(&d);

	/* billion laughs: 9 levels of 10x */
	bomb = malloc(4096);
	len += (size_t)sprintf(bomb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 9; i++)
		len += (size_t)sprintf(bomb + len,
			"a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	n = load(bomb, &d);
	ok(!n && d.n == 1 && strstr(d.v[0].msg, "alias expansion"),
	   "alias bomb refused");
	ytree_free(n);
	diag_release(&d);
	free(bomb);
}

/* Merge keys: the mapping's own keys win, then the merged mappings in
 * order; a large merge stays linear (it was quadratic: minutes for 300000
 * keys), and lists grow without a copy per item. */
static void test_merge(void)
{
	struct diag d;
	struct ynode *n = load("a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\n"
			       "c: {<<: [*a, *b], x: 9}\n", &d);
	const struct ynode *c = ytree_get(n, "c");
	size_t len = 0, cap = 1 << 21;
	char *big = xmalloc(cap);

	ok(c && c->n == 3 && ytree_get(c, "x")->i == 9 &&
	   ytree_get(c, "y")->i == 2 && ytree_get(c, "z")->i == 4 &&
	   !ytree_get(c, "<<"), "merge: own keys first, then the first merged mapping");
	ytree_free(n);
	diag_release(&d);

	len += (size_t)snprintf(big + len, cap - len, "a: &a\n");
	for (int i = 0; i < 100000; i++)
		len += (size_t)snprintf(big + len, cap - len, "  k%d: %d\n", i, i);
	snprintf(big + len, cap - len, "b: {<<: *a, k7: x}\nc: [%s]\n", "1, 2, 3");
	n = load(big, &d);
	c = ytree_get(n, "b");
	ok(c && c->n == 100000 && ytree_get(c, "k7")->kind == Y_STR &&
	   ytree_get(c, "k99999")->i == 99999, "a 100000-key merge");
	ytree_free(n);
	diag_release(&d);
	free(big);
}

static void test_depth(void)
{
	char *deep = malloc(4 * 1000 + 10);
	struct diag d;
	struct ynode *n;
	size_t k = 0;

	for (int i = 0; i < 1000; i++)
		deep[k++] = '[';
	for (int i = 0; i < 1000; i++)
		deep[k++] = ']';
	deep[k] = 0;
	n = load(deep, &d);
	ok(!n && d.n == 1 && strstr(d.v[0].msg, "nesting deeper"),
	   "nesting of 1000 refused");
	ytree_free(n);
	diag_release(&d);
	free(deep);
}

static void test_json(void)
{
	struct diag d;
	struct ynode *n = load("a: [1, 2.5, x, null, true, {b: c}]\n", &d);
	const struct ynode *bad = NULL;
	json_t *j = ytree_to_json(n, &bad);
	char *s = json_dumps(j, JSON_COMPACT);

	is_str(s, "{\"a\":[1,2.5,\"x\",null,true,{\"b\":\"c\"}]}", "to JSON");
	free(s);
	json_decref(j);
	ytree_free(n);
	diag_release(&d);
	n = load("a: [.nan]\n", &d);
	ok(!ytree_to_json(n, &bad) && bad && bad->line == 1 && bad->col == 5,
	   "NaN has no JSON form, and its place is given");
	ytree_free(n);
	diag_release(&d);
}

int main(void)
{
	test_typing();
	test_values();
	test_refused();
	test_aliases();
	test_merge();
	test_depth();
	test_json();
	return done_testing();
}
