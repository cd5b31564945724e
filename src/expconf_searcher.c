/* expconf_searcher.c - reading and checking the searcher section.
 *
 * Each searcher accepts only its own fields (REFERENCE.md 1.2): max_trials
 * is an error on grid, as in Determined.  Defaults: smaller_is_better true,
 * max_concurrent_trials 16 (0 = unlimited), divisor 4, max_rungs 5, mode
 * standard.  Removed searchers get an error saying what to use instead.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "expconf.h"
#include "expconf_internal.h"
#include "xalloc.h"

#define COMMON "name", "metric", "smaller_is_better", "source_trial_id", \
	"source_checkpoint_uuid"

static const char *const keys_single[] = {COMMON, "max_length", NULL};
static const char *const keys_random[] = {COMMON, "max_length", "max_trials",
	"max_concurrent_trials", NULL};
static const char *const keys_grid[] = {COMMON, "max_length",
	"max_concurrent_trials", NULL};
static const char *const keys_asha[] = {COMMON, "max_length", "max_trials",
	"max_concurrent_trials", "time_metric", "max_time", "mode", "divisor",
	"max_rungs", "bracket_rungs", "stop_once", NULL};
static const char *const keys_async[] = {COMMON, "max_length", "max_trials",
	"max_concurrent_trials", "time_metric", "max_time", "divisor",
	"num_rungs", "stop_once", NULL};

static const struct {
	const char *name;
	enum searcher_kind kind;
	const char *const *keys;
} searchers[] = {
	{"single", SEARCH_SINGLE, keys_single},
	{"random", SEARCH_RANDOM, keys_random},
	{"grid", SEARCH_GRID, keys_grid},
	{"adaptive_asha", SEARCH_ADAPTIVE_ASHA, keys_asha},
	{"async_halving", SEARCH_ASYNC_HALVING, keys_async},
};

static const struct {
	const char *name;
	const char *why;
} removed[] = {
	{"custom", "was removed in Determined 0.38 and custom search methods "
		   "do not exist in hpsearch: use random, grid or adaptive_asha"},
	{"adaptive", "was removed in Determined 0.15: use adaptive_asha"},
	{"adaptive_simple", "was removed in Determined 0.15: use adaptive_asha"},
	{"sync_halving", "was removed in Determined 0.15: use async_halving "
			 "(or adaptive_asha)"},
	{"pbt", "was removed in Determined 0.18 and is not provided by "
		"hpsearch: use adaptive_asha"},
};

static const char *const searcher_names[] = {
	"single", "random", "grid", "adaptive_asha", "async_halving", NULL,
};

const char *searcher_kind_name(enum searcher_kind k)
{
	return searcher_names[k];
}

bool searcher_is_asha(const struct searcher_config *s)
{
	return s->kind == SEARCH_ADAPTIVE_ASHA || s->kind == SEARCH_ASYNC_HALVING;
}

const char *length_unit_name(enum length_unit u)
{
	static const char *const names[] = {
		"", "batches", "records", "epochs", "units", "time_metric",
	};
	return names[u];
}

/* A Length: {batches|records|epochs: N >= 1}, or a bare integer >= 0. */
static int read_length(struct diag *d, const struct ynode *n,
		       const char *path, struct length *out)
{
	static const char *const units[] = {"batches", "records", "epochs", NULL};
	int64_t v;

	if (n->kind != Y_MAP) {
		if (!node_int(n, &v)) {
			check_error(d, n, path,
				    "expected a length ({batches: N}, {records: N}, {epochs: N}) or an integer, got %s",
				    ytree_kind_name(n));
			return -1;
		}
		if (v < 0) {
			check_error(d, n, path, "must be >= 0, got %lld",
				    (long long)v);
			return -1;
		}
		out->unit = UNIT_UNITLESS;
		out->units = (uint64_t)v;
		return 0;
	}
	if (n->n != 1 || !strchr("bre", n->keys[0]->text[0]) ||
	    (strcmp(n->keys[0]->text, "batches") &&
	     strcmp(n->keys[0]->text, "records") &&
	     strcmp(n->keys[0]->text, "epochs"))) {
		check_error(d, n->n ? n->keys[n->n > 1 ? 1 : 0] : n, path,
			    "a length object must have one attribute named \"batches\", \"records\", or \"epochs\"");
		return -1;
	}
	if (check_int(d, n, n->keys[0]->text, path, 1, INT64_MAX, &v) <= 0) {
		if (n->items[0]->kind == Y_NULL) {
			char *p = path_join(path, n->keys[0]->text);
			check_error(d, n->items[0], p, "expected an integer >= 1");
			free(p);
		}
		return -1;
	}
	for (int i = 0; units[i]; i++)
		if (!strcmp(units[i], n->keys[0]->text))
			out->unit = (enum length_unit)(UNIT_BATCHES + i);
	out->units = (uint64_t)v;
	return 0;
}

static int read_kind(struct diag *d, const struct ynode *map,
		     const char *path, struct searcher_config *s, size_t *idx)
{
	const struct ynode *nm = ytree_get(map, "name");
	char *p = path_join(path, "name");
	const char *hint;
	int rc = -1;

	if (!nm || nm->kind == Y_NULL) {
		check_error(d, map, path, "missing required field 'name' (one of single, random, grid, adaptive_asha, async_halving)");
		goto out;
	}
	if (nm->kind != Y_STR) {
		check_error(d, nm, p, "expected a searcher name, got %s",
			    ytree_kind_name(nm));
		goto out;
	}
	for (size_t i = 0; i < sizeof(searchers) / sizeof(searchers[0]); i++)
		if (!strcmp(nm->text, searchers[i].name)) {
			s->kind = searchers[i].kind;
			*idx = i;
			rc = 0;
			goto out;
		}
	for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
		if (!strcmp(nm->text, removed[i].name)) {
			check_error(d, nm, p, "the '%s' searcher %s",
				    removed[i].name, removed[i].why);
			goto out;
		}
	hint = suggest(nm->text, searcher_names);
	check_error(d, nm, p, "unknown searcher '%.60s' (%s%s%s)", nm->text,
		    hint ? "did you mean '" : "expected single, random, grid, adaptive_asha or async_halving",
		    hint ? hint : "", hint ? "'?" : "");
out:
	free(p);
	return rc;
}

static int read_bracket_rungs(struct diag *d, const struct ynode *map,
			      const char *path, struct searcher_config *s)
{
	const struct ynode *v = ytree_get(map, "bracket_rungs");
	char *p;
	int rc = 0;

	if (!v || v->kind == Y_NULL)
		return 0;
	p = path_join(path, "bracket_rungs");
	if (v->kind != Y_SEQ) {
		check_error(d, v, p, "expected a list of integers, got %s",
			    ytree_kind_name(v));
		free(p);
		return -1;
	}
	if (v->n > 64) {
		check_error(d, v, p, "at most 64 brackets");
		free(p);
		return -1;
	}
	s->bracket_rungs = xcalloc(v->n ? v->n : 1, sizeof(int64_t));
	s->nbracket_rungs = v->n;
	for (size_t i = 0; i < v->n; i++) {
		if (!node_int(v->items[i], &s->bracket_rungs[i]) ||
		    s->bracket_rungs[i] < 1 || s->bracket_rungs[i] > 64) {
			char *ip = xasprintf("%s[%zu]", p, i);
			check_error(d, v->items[i], ip,
				    "each bracket's rung count must be an integer from 1 to 64, got %s '%.40s'",
				    ytree_kind_name(v->items[i]),
				    v->items[i]->text ? v->items[i]->text : "");
			free(ip);
			rc = -1;
		}
	}
	free(p);
	return rc;
}

static int read_mode(struct diag *d, const struct ynode *map,
		     const char *path, struct searcher_config *s)
{
	static const char *const modes[] = {"standard", "aggressive",
					    "conservative", NULL};
	char *m = NULL;
	int rc = check_string(d, map, "mode", path, &m);

	if (rc <= 0)
		return rc;
	for (int i = 0; modes[i]; i++)
		if (!strcmp(m, modes[i])) {
			s->mode = (enum asha_mode)i;
			free(m);
			return 1;
		}
	char *p = path_join(path, "mode");
	check_error(d, ytree_get(map, "mode"), p,
		    "expected standard, aggressive or conservative, got '%.60s'", m);
	free(p);
	free(m);
	return -1;
}

/* ASHA's length: time_metric + max_time (0.38), else legacy max_length. */
static void resolve_asha(struct diag *d, const struct ynode *map,
			 const char *path, struct searcher_config *s,
			 bool has_max_length, bool stop_once_set)
{
	int64_t max_time = 0;
	int hm = check_string(d, map, "time_metric", path, &s->time_metric);
	int ht = check_int(d, map, "max_time", path, 1, INT64_MAX, &max_time);

	if (hm < 0 || ht < 0)
		return;
	if (hm != ht) {
		const char *present = hm ? "time_metric" : "max_time";
		char *p = path_join(path, present);
		check_error(d, ytree_key(map, present), p,
			    "time_metric and max_time go together: give both or neither");
		free(p);
		return;
	}
	if (hm == 1) {
		s->length.unit = UNIT_TIME_METRIC;
		s->length.units = (uint64_t)max_time;
		s->length.time_metric = s->time_metric;
		if (stop_once_set && !s->stop_once)
			check_warn(d, ytree_get(map, "stop_once"), "searcher.stop_once",
				   "stop_once: false is ignored with time_metric/max_time: ASHA is stopping-based (as in Determined 0.38)");
		s->stop_once = true;
		return;
	}
	if (!has_max_length)
		check_error(d, map, path,
			    "%s needs a length: time_metric and max_time, or max_length",
			    searcher_kind_name(s->kind));
}

static void read_searcher_fields(struct diag *d, const struct ynode *map,
				 const char *path, struct searcher_config *s,
				 size_t idx)
{
	const struct ynode *ml = ytree_get(map, "max_length");
	bool asha = searcher_is_asha(s), stop_once_set;
	char *p;

	int mrc = check_string(d, map, "metric", path, &s->metric);
	if (mrc == 0)
		check_missing(d, map, path, "metric", searchers[idx].keys);
	else if (mrc == 1 && !s->metric[0])
		check_error(d, ytree_get(map, "metric"), "searcher.metric",
			    "must not be empty");
	check_bool(d, map, "smaller_is_better", path, &s->smaller_is_better);
	check_int(d, map, "max_concurrent_trials", path, 0, INT64_MAX,
		  &s->max_concurrent_trials);
	if (s->kind == SEARCH_RANDOM || asha) {
		int rc = check_int(d, map, "max_trials", path, 1, 100000000,
				   &s->max_trials);
		if (rc == 0)
			check_missing(d, map, path, "max_trials", searchers[idx].keys);
	}
	if (ml && ml->kind != Y_NULL) {
		p = path_join(path, "max_length");
		read_length(d, ml, p, &s->length);
		free(p);
	}
	if (!asha)
		return;
	check_number(d, map, "divisor", path, &s->divisor);
	if (s->divisor <= 1) {
		p = path_join(path, "divisor");
		check_error(d, ytree_get(map, "divisor"), p,
			    "must be greater than 1, got %g", s->divisor);
		free(p);
	}
	check_int(d, map, "max_rungs", path, 1, 64, &s->max_rungs);
	if (s->kind == SEARCH_ASYNC_HALVING &&
	    check_int(d, map, "num_rungs", path, 1, 64, &s->num_rungs) == 0)
		check_missing(d, map, path, "num_rungs", searchers[idx].keys);
	read_mode(d, map, path, s);
	read_bracket_rungs(d, map, path, s);
	stop_once_set = check_bool(d, map, "stop_once", path, &s->stop_once) == 1;
	resolve_asha(d, map, path, s, ml && ml->kind != Y_NULL, stop_once_set);
	if (s->length.unit != UNIT_NONE && s->length.units < 1)
		check_error(d, ml ? ml : map, ml ? "searcher.max_length" : path,
			    "an ASHA search needs a length of at least 1");
}

static void lint_searcher(struct diag *d, const struct ynode *map,
			  const char *path, const struct searcher_config *s)
{
	static const char *const warm[] = {"source_trial_id",
					   "source_checkpoint_uuid", NULL};

	for (int i = 0; warm[i]; i++) {
		const struct ynode *v = ytree_get(map, warm[i]);
		char *p = path_join(path, warm[i]);
		if (v && v->kind != Y_NULL)
			check_warn(d, ytree_key(map, warm[i]), p,
				   "warm starting from a Determined trial or checkpoint means nothing here and is ignored");
		free(p);
	}
	if ((s->kind == SEARCH_RANDOM || searcher_is_asha(s)) &&
	    ytree_get(map, "max_concurrent_trials") &&
	    s->max_concurrent_trials > s->max_trials && s->max_trials > 0) {
		char *p = path_join(path, "max_concurrent_trials");
		check_warn(d, ytree_get(map, "max_concurrent_trials"), p,
			   "max_concurrent_trials (%lld) is above max_trials (%lld): at most %lld trials run at once",
			   (long long)s->max_concurrent_trials,
			   (long long)s->max_trials, (long long)s->max_trials);
		free(p);
	}
}

int expconf_read_searcher(const struct ynode *map, const char *path,
			  struct searcher_config *s, struct diag *d)
{
	size_t before = d->nerrors, idx = 0;

	memset(s, 0, sizeof(*s));
	s->smaller_is_better = true;
	s->max_concurrent_trials = 16;
	s->divisor = 4;
	s->max_rungs = 5;
	s->mode = MODE_STANDARD;
	if (!map || map->kind == Y_NULL) {
		check_error(d, map, path, "the searcher section is empty (it needs at least name and metric)");
		return -1;
	}
	if (!check_mapping(d, map, path))
		return -1;
	if (read_kind(d, map, path, s, &idx) < 0)
		return -1;
	check_keys(d, map, path, searchers[idx].keys, NULL, NULL);
	read_searcher_fields(d, map, path, s, idx);
	if (s->kind == SEARCH_SINGLE) {
		s->max_trials = 1;
		s->max_concurrent_trials = 1;
	}
	lint_searcher(d, map, path, s);
	return d->nerrors > before ? -1 : 0;
}

void searcher_release(struct searcher_config *s)
{
	free(s->metric);
	free(s->bracket_rungs);
	free(s->time_metric);
	memset(s, 0, sizeof(*s));
}

int expconf_check_searcher_fragment(const struct ynode *n, const char *path,
				    struct diag *d)
{
	struct searcher_config s;
	int rc = expconf_read_searcher(n, path, &s, d);

	searcher_release(&s);
	return rc;
}

int expconf_check_length_fragment(const struct ynode *n, const char *path,
				  struct diag *d)
{
	struct length l;

	return read_length(d, n, path, &l);
}
