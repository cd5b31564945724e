/* trialenv.c - assembling a trial run's environment (see trialenv.h). */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "hpenv.h"
#include "trialenv.h"
#include "xalloc.h"

extern char **environ;

static void set(json_t *env, const char *k, const char *v)
{
	json_object_set_new(env, k, json_string(v));
}

static void setf(json_t *env, const char *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void setf(json_t *env, const char *k, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	set(env, k, buf);
}

/* The running job's own variables win over the recorded ones. */
static void overlay_job(json_t *env)
{
	static const char *const keep[] = {
		"SLURM_", "SLURMD_", "CUDA_VISIBLE_DEVICES=", "ROCR_VISIBLE_DEVICES=",
		"GPU_DEVICE_ORDINAL=", NULL,
	};

	for (char **e = environ; e && *e; e++)
		for (int i = 0; keep[i]; i++)
			if (!strncmp(*e, keep[i], strlen(keep[i]))) {
				char *eq = strchr(*e, '=');
				char *k = xstrndup(*e, (size_t)(eq - *e));
				json_t *v = json_string(eq + 1);
				if (v)
					json_object_set_new(env, k, v);
				free(k);
			}
}

static void config_vars(json_t *env, const struct hps_config *cfg, bool gpus)
{
	const struct strv *list = gpus ? &cfg->env_cuda : &cfg->env_cpu;

	for (size_t i = 0; i < list->n; i++) {
		const char *eq = strchr(list->v[i], '=');
		char *k = xstrndup(list->v[i], (size_t)(eq - list->v[i]));
		set(env, k, eq + 1);
		free(k);
	}
}

struct hpwalk {
	json_t *env;
	json_t *seen;	/* names already set: a collision unsets both */
	const char *keys[HP_MAX_DEPTH + 1];
};

/* Walk the configured space, not the JSON: a const whose value is an
 * object is one leaf (its value as JSON), not a nested dict. */
static void hp_vars(struct hpwalk *w, const struct hparam *h,
		    const json_t *val, size_t depth)
{
	for (size_t i = 0; i < h->nkids && depth < HP_MAX_DEPTH; i++) {
		const struct hparam *k = &h->kids[i];
		const json_t *v = json_object_get(val, k->name);
		char *name, *text;

		w->keys[depth] = k->name;
		if (k->type == HP_NESTED && k->nkids > 0) {
			hp_vars(w, k, v, depth + 1);
			continue;
		}
		if (!v || !(name = hpenv_name(w->keys, depth + 1)))
			continue;
		if (json_object_get(w->seen, name)) {
			json_object_del(w->env, name);
		} else {
			text = hpenv_value(v);
			set(w->env, name, text);
			free(text);
		}
		json_object_set_new(w->seen, name, json_true());
		free(name);
	}
}

static void protocol_vars(json_t *env, const struct hps_config *cfg,
			  const struct run_info *ri)
{
	const struct searcher_config *s = &cfg->searcher;
	struct hpwalk w = {.env = env, .seen = json_object()};

	set(env, "HPS_EXPERIMENT_DIR", ri->expdir);
	setf(env, "HPS_EXPERIMENT_ID", "%lld", (long long)ri->exp_id);
	setf(env, "HPS_TRIAL_ID", "%lld", (long long)ri->trial);
	setf(env, "HPS_RUN", "%lld", (long long)ri->run);
	set(env, "HPS_HPARAMS", ri->hparams_path);
	setf(env, "HPS_TRIAL_SEED", "%lu", (unsigned long)ri->seed);
	set(env, "HPS_METRICS_FILE", ri->metrics_path);
	set(env, "HPS_CHECKPOINT_DIR", ri->checkpoint_dir);
	if (s->metric)
		set(env, "HPS_METRIC", s->metric);
	json_object_del(env, "HPS_MAX_LENGTH");
	json_object_del(env, "HPS_LENGTH_UNIT");
	if (ri->length) {
		setf(env, "HPS_MAX_LENGTH", "%llu", (unsigned long long)ri->length);
		set(env, "HPS_LENGTH_UNIT", s->length.unit == UNIT_TIME_METRIC
		    ? s->length.time_metric
		    : s->length.unit == UNIT_RECORDS || s->length.unit == UNIT_EPOCHS
		    ? length_unit_name(s->length.unit) : "batches");
	}
	if (cfg->records_per_epoch)
		setf(env, "HPS_RECORDS_PER_EPOCH", "%lld", (long long)cfg->records_per_epoch);
	setf(env, "HPS_SLOTS", "%d", ri->slots);
	if (ri->gpus) {
		set(env, "HPS_GPUS", ri->gpus);
		set(env, "CUDA_VISIBLE_DEVICES", ri->gpus);
		set(env, "CUDA_DEVICE_ORDER", "PCI_BUS_ID");
		if (ri->amd) {
			set(env, "ROCR_VISIBLE_DEVICES", ri->gpus);
			set(env, "HIP_VISIBLE_DEVICES", ri->gpus);
		}
	} else {
		setf(env, "OMP_NUM_THREADS", "%d", ri->slots > 0 ? ri->slots : 1);
	}
	hp_vars(&w, &cfg->hparams, ri->hparams, 0);
	json_decref(w.seen);
}

/* The storage id of the checkpoint the Determined shim stored last for
 * this trial (python/determined: store_path writes the pointer file
 * atomically after the checkpoint is complete), or NULL.  Only a plain
 * name of a directory that has its metadata.json (written last, before
 * the pointer) is taken: the file is the trial's own. */
static char *latest_checkpoint(const char *ckdir)
{
	char *p = fs_join(ckdir, DET_LATEST_FILE), *id, *meta;
	size_t len;

	id = fs_read_file(p, 256, &len, NULL);
	free(p);
	if (!id)
		return NULL;
	while (len && (id[len - 1] == '\n' || id[len - 1] == ' '))
		id[--len] = '\0';
	if (!len || strspn(id, "0123456789abcdefABCDEF-_.") != len || id[0] == '.') {
		free(id);
		return NULL;
	}
	p = fs_join(ckdir, id);
	meta = fs_join(p, "metadata.json");
	free(p);
	if (!fs_exists(meta)) {
		free(id);
		id = NULL;
	}
	free(meta);
	return id;
}

static bool has_shim(const char *dir)
{
	char *p = fs_join(dir, "determined/__init__.py");
	bool ok = access(p, R_OK) == 0;

	free(p);
	return ok;
}

/* Where the Determined shim is: HPSEARCH_PYTHONPATH from the trial's
 * environment when set (empty: none), else the installed copy, else the
 * source tree's -- first when this binary is the build tree's, so tests
 * never pick up a stale installed copy. */
static const char *shim_dir(const json_t *env)
{
	const json_t *o = json_object_get(env, "HPSEARCH_PYTHONPATH");
	char self[PATH_MAX];
	ssize_t n;

	if (json_is_string(o))
		return *json_string_value(o) ? json_string_value(o) : NULL;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;
		self[n] = '\0';
		if ((slash = strrchr(self, '/')))
			*slash = '\0';
		if (!strcmp(self, HPS_BUILD_DIR) && has_shim(HPS_SRC_PYTHONDIR))
			return HPS_SRC_PYTHONDIR;
	}
	if (has_shim(HPS_PYTHONDIR))
		return HPS_PYTHONDIR;
	return has_shim(HPS_SRC_PYTHONDIR) ? HPS_SRC_PYTHONDIR : NULL;
}

/* Determined's variables, for scripts written against its Core API, and
 * the shim that implements that API on this protocol ahead of anything
 * else on PYTHONPATH: a real determined package cannot report to
 * hpsearch, so it must not win (hpsearch-trial(7), MOVING FROM
 * DETERMINED). */
static void det_vars(json_t *env, const struct run_info *ri)
{
	char *hp = json_dumps(ri->hparams, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *latest = latest_checkpoint(ri->checkpoint_dir);
	const char *shim = shim_dir(env);

	set(env, "DET_HPARAMS", hp ? hp : "{}");
	free(hp);
	setf(env, "DET_EXPERIMENT_ID", "%lld", (long long)ri->exp_id);
	setf(env, "DET_TRIAL_ID", "%lld", (long long)ri->trial);
	setf(env, "DET_TRIAL_SEED", "%lu", (unsigned long)ri->seed);
	if (latest)
		set(env, "DET_LATEST_CHECKPOINT", latest);
	free(latest);
	if (shim) {
		const char *old = json_string_value(json_object_get(env, "PYTHONPATH"));
		char *v = old && *old ? xasprintf("%s:%s", shim, old) : xstrdup(shim);
		set(env, "PYTHONPATH", v);
		free(v);
	}
}

static char **to_envp(json_t *env)
{
	char **v = xcalloc(json_object_size(env) + 1, sizeof(*v));
	const char *k;
	json_t *val;
	size_t n = 0;

	json_object_foreach(env, k, val)
		if (json_is_string(val))
			v[n++] = xasprintf("%s=%s", k, json_string_value(val));
	v[n] = NULL;
	return v;
}

char **trialenv_build(const struct hps_config *cfg, const struct run_info *ri,
		      struct hps_error *err)
{
	char *p = fs_join(ri->expdir, "environment");
	json_t *env = fs_read_json(p, err);
	char **envp;

	free(p);
	if (!json_is_object(env)) {
		json_decref(env);
		return NULL;
	}
	/* Variables of a previous hpsearch trial must not leak into this one. */
	{
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(env, tmp, k, v)
			if (!strncmp(k, "HP_", 3) || !strncmp(k, "HPS_", 4) ||
			    !strncmp(k, "DET_", 4))
				json_object_del(env, k);
	}
	if (getenv("SLURM_JOB_ID"))
		overlay_job(env);
	config_vars(env, cfg, ri->gpus != NULL);
	protocol_vars(env, cfg, ri);
	det_vars(env, ri);
	envp = to_envp(env);
	json_decref(env);
	return envp;
}

/* A string entrypoint runs as sh -c TEXT (expconf.c).  dash does not exec
 * its last command, and a shell dies at once of the SIGTERM, SIGINT, SIGHUP
 * or SIGUSR1 sent to the group; runproc then kills the group, before the
 * trial saved its checkpoint or saw should_preempt().  With these traps
 * the shell waits for its foreground command (POSIX runs a trap after
 * it), then exits with its status on a stop signal, or goes on after
 * SIGUSR1.  A trap with a command is reset to the default in children:
 * the trial's own dispositions are unchanged.  The prefix is constant
 * text: nothing is spliced into the user's command. */
#define SH_TRAPS "trap 'exit $?' TERM INT HUP; trap : USR1\n"

char **trialenv_argv(const struct strv *ep)
{
	char **v = xcalloc(ep->n + 1, sizeof(*v));

	for (size_t i = 0; i < ep->n; i++)
		v[i] = xstrdup(ep->v[i]);
	if (ep->n == 3 && !strcmp(ep->v[0], "sh") && !strcmp(ep->v[1], "-c")) {
		free(v[2]);
		v[2] = xasprintf("%s%s", SH_TRAPS, ep->v[2]);
	}
	return v;
}

void trialenv_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}
