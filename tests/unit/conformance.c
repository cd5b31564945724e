/* Conformance with Determined's own schema test cases
 * ($SHARED_DIR/determined/schemas/test_cases__*.yaml): each fragment goes
 * through the validator's fragment entry point for its schema, and the
 * verdict must be Determined's, except for the deliberate differences
 * listed here and in hpsearch.yaml(5).  Skips when the directory is absent.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "expconf.h"
#include "tap.h"

enum frag { FRAG_NONE, FRAG_HPARAM, FRAG_SEARCHER, FRAG_LENGTH };

/* Cases whose verdict differs on purpose, and why. */
static const struct {
	const char *name;
	const char *why;
} differs[] = {
	{"custom searcher (valid)", "custom was removed in 0.38; hpsearch rejects it"},
	{"sync_halving searcher defaults", "EOL searcher: rejected with advice"},
	{"adaptive searcher defaults", "EOL searcher: rejected with advice"},
	{"adaptive_simple searcher defaults", "EOL searcher: rejected with advice"},
	{"sync_halving searcher (valid)", "EOL searcher: rejected with advice"},
	{"adaptive searcher (valid)", "EOL searcher: rejected with advice"},
	{"adaptive_simple searcher (valid)", "EOL searcher: rejected with advice"},
};

static enum frag frag_of(const char *url)
{
	const char *base = strrchr(url, '/');

	base = base ? base + 1 : url;
	if (!strncmp(base, "hyperparameter", 14))
		return FRAG_HPARAM;
	if (!strncmp(base, "searcher", 8))
		return FRAG_SEARCHER;
	if (!strcmp(base, "length.json") || !strcmp(base, "check-positive-length.json"))
		return FRAG_LENGTH;
	return FRAG_NONE;
}

static const char *differs_why(const char *name)
{
	for (size_t i = 0; i < sizeof(differs) / sizeof(differs[0]); i++)
		if (!strcmp(differs[i].name, name))
			return differs[i].why;
	return NULL;
}

/* Determined's verdict for our fragment kind: 1 sane, 0 errors, -1 n/a.
 * A length that length.json accepts but check-positive-length refuses is
 * judged by the latter: searcher lengths are positive lengths. */
static int expected(const struct ynode *tc, enum frag *kind)
{
	const struct ynode *sane = ytree_get(tc, "sane_as");
	const struct ynode *errs = ytree_get(tc, "sanity_errors");
	int verdict = -1;

	*kind = FRAG_NONE;
	for (size_t i = 0; errs && errs->kind == Y_MAP && i < errs->n; i++)
		if ((*kind = frag_of(errs->keys[i]->text)) != FRAG_NONE)
			return 0;
	for (size_t i = 0; sane && sane->kind == Y_SEQ && i < sane->n; i++)
		if ((*kind = frag_of(sane->items[i]->text)) != FRAG_NONE)
			verdict = 1;
	return verdict;
}

static int check(const struct ynode *c, enum frag kind, struct diag *d)
{
	switch (kind) {
	case FRAG_HPARAM:
		return expconf_check_hparam_fragment(c, "<config>", false, d);
	case FRAG_SEARCHER:
		return expconf_check_searcher_fragment(c, "<config>", d);
	case FRAG_LENGTH:
		return expconf_check_length_fragment(c, "<config>", d);
	default:
		return 0;
	}
}

static void run_file(const char *path)
{
	struct diag d;
	struct ynode *root;

	diag_init(&d, path);
	root = ytree_load_file(path, &d);
	if (!ok(root && root->kind == Y_SEQ, "%s loads", path)) {
		diag_release(&d);
		return;
	}
	for (size_t i = 0; i < root->n; i++) {
		const struct ynode *tc = root->items[i];
		const struct ynode *nm = ytree_get(tc, "name");
		const struct ynode *c = ytree_get(tc, "case");
		const char *name = nm ? nm->text : "?";
		const char *why = differs_why(name);
		struct ynode null_case = {.kind = Y_NULL, .line = tc->line, .col = tc->col};
		enum frag kind;
		int want = expected(tc, &kind), got;
		struct diag cd;

		if (want < 0)
			continue;
		diag_init(&cd, path);
		got = check(c ? c : &null_case, kind, &cd) == 0;
		if (why)
			ok(got != want, "%s: deliberately %s (%s)", name,
			   got ? "accepted" : "refused", why);
		else
			ok(got == want, "%s: %s as in Determined", name,
			   want ? "accepted" : "refused");
		if (got != want && !why && cd.n)
			diag("  %s", cd.v[0].msg);
		diag_release(&cd);
	}
	ytree_free(root);
	diag_release(&d);
}

static void test_error_path(const char *dir)
{
	/* Determined reports "<config>.one.a:" for the nested case. */
	const char *y = "one:\n  a:\n    type: categorical\n";
	struct diag d;
	struct ynode *n;

	(void)dir;
	diag_init(&d, "t");
	n = ytree_load_string(y, strlen(y), &d);
	ok(expconf_check_hparam_fragment(n, "<config>", false, &d) < 0 && d.n &&
	   !strcmp(d.v[0].path, "<config>.one.a"), "nested error path is <config>.one.a");
	ytree_free(n);
	diag_release(&d);
}

int main(void)
{
	const char *shared = getenv("SHARED_DIR");
	static const char *const files[] = {
		"test_cases__hyperparameters.yaml",
		"test_cases__searchers.yaml",
		"test_cases__length.yaml",
	};
	char path[4096];

	test_error_path(shared);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/determined/schemas/%s",
			 shared ? shared : "../shared", files[i]);
		if (access(path, R_OK) != 0) {
			printf("ok %d # SKIP %s not found\n", ++tap_n, path);
			continue;
		}
		run_file(path);
	}
	return done_testing();
}
