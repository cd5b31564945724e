/* expconf.c - loading an experiment config: the top level and the small
 * sections (see expconf.h).  Hyperparameters and the searcher have their
 * own files. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "expconf.h"
#include "expconf_internal.h"
#include "hpenv.h"
#include "space.h"
#include "xalloc.h"

static const char *const top_known[] = {
	"name", "description", "labels", "entrypoint", "hyperparameters",
	"searcher", "resources", "max_restarts", "environment",
	"reproducibility", "records_per_epoch", "checkpoint_storage", "slurm",
	NULL,
};

/* Determined fields with no meaning here: accepted, one warning each. */
static const char *const top_ignored[] = {
	"bind_mounts", "checkpoint_policy", "data", "data_layer", "debug",
	"integrations", "internal", "log_policies", "min_checkpoint_period",
	"min_validation_period", "optimizations", "pbs",
	"perform_initial_validation", "preemption_timeout", "profiling",
	"project", "workspace", "retention_policy", "scheduling_unit",
	"security", "tensorboard_storage", NULL,
};

static const char *const ignored_why =
	"this Determined field means nothing to hpsearch and is ignored";

void strv_release(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void strv_push(struct strv *s, const char *str)
{
	s->v = xreallocarray(s->v, s->n + 2, sizeof(*s->v));
	s->v[s->n++] = xstrdup(str);
	s->v[s->n] = NULL;
}

static void read_list(struct diag *d, const struct ynode *map, const char *key,
		      const char *path, struct strv *out)
{
	char **v = NULL;
	size_t n = 0;

	if (check_string_list(d, map, key, path, &v, &n) == 1) {
		out->v = v;
		out->n = n;
	}
}

static void read_entrypoint(struct diag *d, const struct ynode *root,
			    struct hps_config *cfg)
{
	const struct ynode *e = ytree_get(root, "entrypoint");

	if (!e || e->kind == Y_NULL) {
		check_error(d, root, "", "missing required field 'entrypoint' (the command that trains one trial, e.g. python3 train.py)");
		return;
	}
	if (e->kind == Y_STR) {
		if (!e->text[0] || strspn(e->text, " \t\n") == strlen(e->text)) {
			check_error(d, e, "entrypoint", "must not be empty");
			return;
		}
		/* "model_def:Trial" names a Determined Trial class. */
		if (!strchr(e->text, ' ') && strchr(e->text, ':'))
			check_warn(d, e, "entrypoint",
				   "'%.80s' looks like a Determined Trial class; hpsearch runs commands (see hpsearch-trial(7))",
				   e->text);
		strv_push(&cfg->entrypoint, "sh");
		strv_push(&cfg->entrypoint, "-c");
		strv_push(&cfg->entrypoint, e->text);
		return;
	}
	read_list(d, root, "entrypoint", "", &cfg->entrypoint);
	if (e->kind == Y_SEQ && e->n == 0)
		check_error(d, e, "entrypoint", "must not be an empty list");
}

static void read_env_list(struct diag *d, const struct ynode *map,
			  const char *key, const char *path, struct strv *out)
{
	read_list(d, map, key, path, out);
	for (size_t i = 0; i < out->n; i++) {
		const char *eq = strchr(out->v[i], '=');
		if (!eq || eq == out->v[i]) {
			char *p = path_join(path, key);
			char *ip = xasprintf("%s[%zu]", p, i);
			check_error(d, ytree_get(map, key)->items[i], ip,
				    "expected NAME=VALUE, got '%.60s'", out->v[i]);
			free(ip);
			free(p);
		}
	}
}

static void read_environment(struct diag *d, const struct ynode *env,
			     struct hps_config *cfg)
{
	static const char *const known[] = {"environment_variables", NULL};
	static const char *const ignored[] = {
		"image", "force_pull_image", "registry_auth", "pod_spec",
		"add_capabilities", "drop_capabilities", "ports", "proxy_ports",
		NULL,
	};
	static const char *const devs[] = {"cpu", "cuda", "rocm", "gpu", NULL};
	const struct ynode *ev;

	if (!check_mapping(d, env, "environment"))
		return;
	check_keys(d, env, "environment", known, ignored,
		   "containers are not used: trials run in the submitting environment, so this is ignored");
	ev = ytree_get(env, "environment_variables");
	if (!ev || ev->kind == Y_NULL)
		return;
	if (ev->kind != Y_MAP) {
		read_env_list(d, env, "environment_variables", "environment",
			      &cfg->env_cpu);
		for (size_t i = 0; i < cfg->env_cpu.n; i++) {
			strv_push(&cfg->env_cuda, cfg->env_cpu.v[i]);
			strv_push(&cfg->env_rocm, cfg->env_cpu.v[i]);
		}
		return;
	}
	check_keys(d, ev, "environment.environment_variables", devs, NULL, NULL);
	read_env_list(d, ev, "cpu", "environment.environment_variables", &cfg->env_cpu);
	read_env_list(d, ev, "cuda", "environment.environment_variables", &cfg->env_cuda);
	if (!cfg->env_cuda.n)	/* "gpu" is the pre-0.17.6 name of "cuda" */
		read_env_list(d, ev, "gpu", "environment.environment_variables", &cfg->env_cuda);
	read_env_list(d, ev, "rocm", "environment.environment_variables", &cfg->env_rocm);
}

static void read_resources(struct diag *d, const struct ynode *res,
			   struct hps_config *cfg)
{
	static const char *const known[] = {"slots_per_trial", "resource_pool", NULL};
	static const char *const ignored[] = {
		"max_slots", "weight", "priority", "shm_size", "agent_label",
		"devices", "is_single_node", "native_parallel", "slots", NULL,
	};

	if (!check_mapping(d, res, "resources"))
		return;
	check_keys(d, res, "resources", known, ignored,
		   "Slurm schedules the trials, so this Determined resource setting is ignored");
	check_int(d, res, "slots_per_trial", "resources", 0, 4096,
		  &cfg->slots_per_trial);
	check_string(d, res, "resource_pool", "resources", &cfg->resource_pool);
}

static void read_slurm(struct diag *d, const struct ynode *s,
		       struct hps_config *cfg)
{
	static const char *const known[] = {
		"sbatch_args", "gpu_type", "slots_per_node", "partition",
		"account", "qos", "time", "pack_nodes", NULL,
	};
	const struct ynode *t;

	if (!check_mapping(d, s, "slurm"))
		return;
	check_keys(d, s, "slurm", known, NULL, NULL);
	read_list(d, s, "sbatch_args", "slurm", &cfg->slurm.sbatch_args);
	check_string(d, s, "gpu_type", "slurm", &cfg->slurm.gpu_type);
	check_int(d, s, "slots_per_node", "slurm", 1, 4096,
		  &cfg->slurm.slots_per_node);
	check_string(d, s, "partition", "slurm", &cfg->slurm.partition);
	check_bool(d, s, "pack_nodes", "slurm", &cfg->slurm.pack_nodes);
	check_string(d, s, "account", "slurm", &cfg->slurm.account);
	check_string(d, s, "qos", "slurm", &cfg->slurm.qos);
	t = ytree_get(s, "time");
	if (t && t->kind == Y_INT) {	/* minutes, as sbatch takes it */
		if (t->i > 0)
			cfg->slurm.time = xasprintf("%lld", (long long)t->i);
		else
			check_error(d, t, "slurm.time",
				    "expected minutes (> 0) or a time as sbatch takes it (e.g. 2:00:00), got %lld",
				    (long long)t->i);
	} else {
		check_string(d, s, "time", "slurm", &cfg->slurm.time);
	}
}

static void read_checkpoint(struct diag *d, const struct ynode *c,
			    struct hps_config *cfg)
{
	static const char *const gc[] = {"save_experiment_best",
					 "save_trial_best", "save_trial_latest"};
	static const char *const k_shared[] = {"type", "host_path", "storage_path",
		"propagation", "save_experiment_best", "save_trial_best",
		"save_trial_latest", NULL};
	static const char *const k_dir[] = {"type", "container_path",
		"save_experiment_best", "save_trial_best", "save_trial_latest", NULL};
	int64_t *dst[] = {&cfg->checkpoint.save_experiment_best,
			  &cfg->checkpoint.save_trial_best,
			  &cfg->checkpoint.save_trial_latest};
	const char *p = "checkpoint_storage";
	struct checkpoint_config *ck = &cfg->checkpoint;
	int rc;

	if (!check_mapping(d, c, p))
		return;
	for (int i = 0; i < 3; i++)
		check_int(d, c, gc[i], p, 0, INT64_MAX, dst[i]);
	rc = check_string(d, c, "type", p, &ck->type);
	if (rc < 0)
		return;
	if (rc == 0) {
		/* Determined takes the type from the master's default. */
		if (!ytree_get(c, "host_path") && !ytree_get(c, "container_path"))
			return;
		check_warn(d, c, p, "no type given: taken as %s",
			   ytree_get(c, "host_path") ? "shared_fs" : "directory");
		ck->type = xstrdup(ytree_get(c, "host_path") ? "shared_fs" : "directory");
	}
	if (!strcmp(ck->type, "shared_fs")) {
		check_keys(d, c, p, k_shared, NULL, NULL);
		check_path(d, c, "host_path", p, &ck->host_path);
		check_string(d, c, "storage_path", p, &ck->storage_path);
	} else if (!strcmp(ck->type, "directory")) {
		check_keys(d, c, p, k_dir, NULL, NULL);
		check_path(d, c, "container_path", p, &ck->host_path);
	} else if (!strcmp(ck->type, "s3") || !strcmp(ck->type, "gcs") ||
		   !strcmp(ck->type, "azure")) {
		check_warn(d, ytree_get(c, "type"), "checkpoint_storage.type",
			   "object storage is not used: checkpoints stay in the experiment directory");
	} else {
		check_error(d, ytree_get(c, "type"), "checkpoint_storage.type",
			    "expected shared_fs, directory, s3, gcs or azure, got '%.60s'",
			    ck->type);
	}
}

static void read_seed(struct diag *d, const struct ynode *r,
		      struct hps_config *cfg)
{
	static const char *const known[] = {"experiment_seed", NULL};
	int64_t seed;

	if (!check_mapping(d, r, "reproducibility"))
		return;
	check_keys(d, r, "reproducibility", known, NULL, NULL);
	if (check_int(d, r, "experiment_seed", "reproducibility", 0,
		      UINT32_MAX, &seed) == 1) {
		cfg->has_seed = true;
		cfg->experiment_seed = (uint32_t)seed;
	}
}

static void read_sections(struct diag *d, const struct ynode *root,
			  struct hps_config *cfg)
{
	const struct ynode *v;

	if ((v = ytree_get(root, "environment")) && v->kind != Y_NULL)
		read_environment(d, v, cfg);
	if ((v = ytree_get(root, "resources")) && v->kind != Y_NULL)
		read_resources(d, v, cfg);
	if ((v = ytree_get(root, "slurm")) && v->kind != Y_NULL)
		read_slurm(d, v, cfg);
	if ((v = ytree_get(root, "checkpoint_storage")) && v->kind != Y_NULL)
		read_checkpoint(d, v, cfg);
	if ((v = ytree_get(root, "reproducibility")) && v->kind != Y_NULL)
		read_seed(d, v, cfg);
	if (!cfg->slurm.partition && cfg->resource_pool)
		cfg->slurm.partition = xstrdup(cfg->resource_pool);
}

int64_t expconf_nodes(const struct hps_config *cfg)
{
	int64_t spn = cfg->slurm.slots_per_node;

	if (spn < 1 || cfg->slots_per_trial <= spn)
		return 1;
	return cfg->slots_per_trial / spn;
}

/* A trial spans whole nodes: slots_per_trial a multiple of slots_per_node. */
static void check_nodes(struct diag *d, const struct ynode *root,
			const struct hps_config *cfg)
{
	int64_t spn = cfg->slurm.slots_per_node;

	if (cfg->slurm.pack_nodes && (spn < 1 || cfg->slots_per_trial > spn))
		check_error(d, ytree_get(ytree_get(root, "slurm"), "pack_nodes"), "slurm.pack_nodes",
			    "packing trials on whole nodes needs slurm.slots_per_node (the slots of a node), at least resources.slots_per_trial");
	if (spn > 0 && cfg->slots_per_trial > spn && cfg->slots_per_trial % spn)
		check_error(d, ytree_get(ytree_get(root, "slurm"), "slots_per_node"),
			    "slurm.slots_per_node",
			    "resources.slots_per_trial (%lld) must be a multiple of slots_per_node (%lld) for a trial that spans nodes",
			    (long long)cfg->slots_per_trial, (long long)spn);
}

static void set_defaults(struct hps_config *cfg)
{
	cfg->slots_per_trial = 1;
	cfg->max_restarts = 5;
	cfg->checkpoint.save_trial_best = 1;
	cfg->checkpoint.save_trial_latest = 1;
	cfg->experiment_seed = (uint32_t)time(NULL);
}

static void read_top(struct diag *d, const struct ynode *root,
		     struct hps_config *cfg)
{
	const struct ynode *s = ytree_get(root, "searcher");

	check_keys(d, root, "", top_known, top_ignored, ignored_why);
	check_string(d, root, "name", "", &cfg->name);
	check_string(d, root, "description", "", &cfg->description);
	read_list(d, root, "labels", "", &cfg->labels);
	read_entrypoint(d, root, cfg);
	check_int(d, root, "max_restarts", "", 0, 1000000, &cfg->max_restarts);
	check_int(d, root, "records_per_epoch", "", 0, INT64_MAX,
		  &cfg->records_per_epoch);
	read_sections(d, root, cfg);
	check_nodes(d, root, cfg);
	if (!s)
		check_error(d, root, "", "missing required section 'searcher'");
	else if (expconf_read_searcher(s, "searcher", &cfg->searcher, d) == 0 &&
		 cfg->searcher.length.unit == UNIT_EPOCHS &&
		 !cfg->records_per_epoch)
		check_warn(d, s, "searcher.max_length",
			   "lengths in epochs: the trial decides what an epoch is (records_per_epoch is not set)");
	if (expconf_read_hparams(ytree_get(root, "hyperparameters"),
				 "hyperparameters",
				 s && cfg->searcher.kind == SEARCH_GRID,
				 &cfg->hparams, d) == 0)
		expconf_lint_hparam_names(&cfg->hparams, d);
}

/* Without a name, the config file's stem ("search" for search.yaml)
 * stands in for Determined's random petname: findable, and the same on
 * every create. */
static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!*base || dot == base)
		return xstrdup("experiment");
	return dot ? xstrndup(base, (size_t)(dot - base)) : xstrdup(base);
}

/* The grid's size needs the searcher and the space together. */
static void check_grid(struct diag *d, const struct hps_config *cfg)
{
	const struct ynode *h = ytree_get(cfg->root, "hyperparameters");
	uint64_t points;

	if (cfg->searcher.kind != SEARCH_GRID)
		return;
	points = space_grid_size(&cfg->hparams);
	if (points > SPACE_GRID_MAX)
		check_error(d, h, "hyperparameters",
			    "the grid has %llu points, more than the %d allowed",
			    (unsigned long long)points, SPACE_GRID_MAX);
	else if (points == 0)
		check_warn(d, h ? h : ytree_get(cfg->root, "searcher"),
			   "hyperparameters",
			   "a grid search without hyperparameters creates no trials");
}

int expconf_load_tree(struct ynode *root, struct hps_config *cfg,
		      struct diag *d)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = xstrdup(d->file);
	cfg->root = root;
	set_defaults(cfg);
	cfg->hparams.name = xstrdup("");
	cfg->hparams.type = HP_NESTED;
	if (root->kind == Y_NULL) {
		check_error(d, NULL, "", "the config is empty");
		return -1;
	}
	if (!check_mapping(d, root, ""))
		return -1;
	hparam_release(&cfg->hparams);
	read_top(d, root, cfg);
	if (!cfg->name)
		cfg->name = default_name(cfg->path);
	if (!diag_has_errors(d))
		check_grid(d, cfg);
	return diag_has_errors(d) ? -1 : 0;
}

int expconf_load(const char *path, struct hps_config *cfg, struct diag *d)
{
	struct ynode *root = ytree_load_file(path, d);

	if (!root) {
		memset(cfg, 0, sizeof(*cfg));
		return -1;
	}
	return expconf_load_tree(root, cfg, d);
}

int expconf_load_reported(const char *path, struct hps_config *cfg, FILE *out)
{
	struct diag d;
	int rc;

	diag_init(&d, path);
	rc = expconf_load(path, cfg, &d);
	diag_print(&d, out);
	diag_release(&d);
	return rc;
}

void expconf_release(struct hps_config *cfg)
{
	free(cfg->path);
	ytree_free(cfg->root);
	free(cfg->name);
	free(cfg->description);
	strv_release(&cfg->labels);
	strv_release(&cfg->entrypoint);
	hparam_release(&cfg->hparams);
	searcher_release(&cfg->searcher);
	free(cfg->resource_pool);
	strv_release(&cfg->env_cpu);
	strv_release(&cfg->env_cuda);
	strv_release(&cfg->env_rocm);
	free(cfg->checkpoint.type);
	free(cfg->checkpoint.host_path);
	free(cfg->checkpoint.storage_path);
	strv_release(&cfg->slurm.sbatch_args);
	free(cfg->slurm.gpu_type);
	free(cfg->slurm.partition);
	free(cfg->slurm.account);
	free(cfg->slurm.qos);
	free(cfg->slurm.time);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- HP_ variable names ---- */

struct leafname {
	char *env;		/* NULL when the name does not map */
	char *dotted;
	const struct hparam *h;
};

struct walk {
	struct leafname *v;
	size_t n;
	const char *keys[YTREE_MAX_DEPTH + 1];
};

static void collect(struct walk *w, const struct hparam *h, size_t depth)
{
	if (h->type == HP_NESTED) {
		for (size_t i = 0; i < h->nkids && depth < YTREE_MAX_DEPTH; i++) {
			w->keys[depth] = h->kids[i].name;
			collect(w, &h->kids[i], depth + 1);
		}
		return;
	}
	w->v = xreallocarray(w->v, w->n + 1, sizeof(*w->v));
	w->v[w->n].env = hpenv_name(w->keys, depth);
	w->v[w->n].h = h;
	w->v[w->n].dotted = xstrdup(w->keys[0]);
	for (size_t i = 1; i < depth; i++) {
		char *p = path_join(w->v[w->n].dotted, w->keys[i]);
		free(w->v[w->n].dotted);
		w->v[w->n].dotted = p;
	}
	w->n++;
}

static int by_env(const void *a, const void *b)
{
	const struct leafname *x = a, *y = b;

	if (!x->env || !y->env)
		return !x->env - !y->env;
	return strcmp(x->env, y->env);
}

void expconf_lint_hparam_names(const struct hparam *root, struct diag *d)
{
	struct walk w = {0};

	collect(&w, root, 0);
	if (w.n)
		qsort(w.v, w.n, sizeof(*w.v), by_env);
	for (size_t i = 0; i < w.n; i++) {
		struct leafname *l = &w.v[i];
		char *p = path_join("hyperparameters", l->dotted);
		struct ynode at = {.line = l->h->line, .col = l->h->col};

		if (!l->env)
			check_warn(d, &at, p, "this name has no HP_ variable (only letters, digits and '_' map); the trial finds it in HPS_HPARAMS");
		else if ((i > 0 && w.v[i - 1].env && !strcmp(w.v[i - 1].env, l->env)) ||
			 (i + 1 < w.n && w.v[i + 1].env && !strcmp(w.v[i + 1].env, l->env)))
			check_warn(d, &at, p, "%s names more than one hyperparameter, so it is not set; the trial finds the values in HPS_HPARAMS", l->env);
		free(p);
	}
	for (size_t i = 0; i < w.n; i++) {
		free(w.v[i].env);
		free(w.v[i].dotted);
	}
	free(w.v);
}
