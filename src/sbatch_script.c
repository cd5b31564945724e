/* sbatch_script.c - writing a submission's script and task map. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "sbatch_script.h"
#include "xalloc.h"

#define SIGNAL_LEAD_S 90	/* USR1 this long before the time limit ... */
#define SIGNAL_LEAD_MIN_S 10	/* ... or a tenth of a short limit, at least this */

char *sbatch_script_path(const char *dir, int64_t n)
{
	return xasprintf("%s/arrays/%lld.sbatch", dir, (long long)n);
}

char *sbatch_tasks_path(const char *dir, int64_t n)
{
	return xasprintf("%s/arrays/%lld.tasks", dir, (long long)n);
}

int sbatch_task_of(const json_t *map, const char *idx, int64_t *trial,
		   int64_t *run, uint64_t *length)
{
	const json_t *task, *t, *r, *l;
	char *end;
	long long i;

	/* The index comes from Slurm's environment: digits only, in range. */
	if (!idx || *idx < '0' || *idx > '9')
		return -1;
	errno = 0;
	i = strtoll(idx, &end, 10);
	if (errno || *end || i < 0)
		return -1;
	task = json_array_get(map, (size_t)i);
	t = json_array_get(task, 0);
	r = json_array_get(task, 1);
	l = json_array_get(task, 2);
	if (!json_is_array(task) || !json_is_integer(t) || !json_is_integer(r) ||
	    json_integer_value(t) < 1 || json_integer_value(r) < 1 ||
	    (l && !json_is_integer(l)) || json_integer_value(l) < 0)
		return -1;
	*trial = json_integer_value(t);
	*run = json_integer_value(r);
	*length = (uint64_t)json_integer_value(l);
	return 0;
}

char *slurm_job_prefix(const char *dir, int64_t id)
{
	uint32_t h = 2166136261u;	/* FNV-1a: two roots, same id, other names */

	for (const char *p = dir; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return xasprintf("hps-%lld-%06x-", (long long)id, h & 0xffffff);
}

int slurm_info_write(const char *dir, const struct slurm_info *si,
		     struct hps_error *err)
{
	char *p = fs_join(dir, "slurm.json");
	json_t *j = json_pack("{s:s,s:s,s:b,s:b}", "exe", si->exe, "prefix", si->prefix,
			      "gpus", si->gpus, "checked", si->checked);
	int rc = fs_write_json(p, j, err);

	json_decref(j);
	free(p);
	return rc;
}

int slurm_info_read(const char *dir, struct slurm_info *si, struct hps_error *err)
{
	char *p = fs_join(dir, "slurm.json");
	json_t *j = fs_read_json(p, err);
	const char *exe = json_string_value(json_object_get(j, "exe"));
	const char *prefix = json_string_value(json_object_get(j, "prefix"));

	free(p);
	memset(si, 0, sizeof(*si));
	if (!exe || !prefix) {
		json_decref(j);
		return j ? hps_errorf(err, "'%s/slurm.json' is corrupt", dir) : -1;
	}
	si->exe = xstrdup(exe);
	si->prefix = xstrdup(prefix);
	si->gpus = json_is_true(json_object_get(j, "gpus"));
	si->checked = !json_is_false(json_object_get(j, "checked"));
	json_decref(j);
	return 0;
}

void slurm_info_release(struct slurm_info *si)
{
	free(si->exe);
	free(si->prefix);
	memset(si, 0, sizeof(*si));
}

/* sh_quote: 'x' with each ' written as '\'' (caller frees). */
static char *sh_quote(const char *s)
{
	size_t n = 3;
	char *q, *p;

	for (const char *c = s; *c; c++)
		n += *c == '\'' ? 4 : 1;
	q = p = xmalloc(n);
	*p++ = '\'';
	for (const char *c = s; *c; c++) {
		if (*c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *c;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

struct script {
	char *text;
	size_t len;
	struct hps_error *err;
	int bad;
};

static void add(struct script *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add(struct script *s, const char *fmt, ...)
{
	va_list ap;
	char *line;
	size_t l;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	l = strlen(line);
	s->text = xrealloc(s->text, s->len + l + 1);
	memcpy(s->text + s->len, line, l + 1);
	s->len += l;
	free(line);
}

/* #SBATCH --opt=value, with the value in double quotes when it has blanks
 * (sbatch reads quoted #SBATCH values); refuse what cannot be quoted. */
static void opt(struct script *s, const char *name, const char *value)
{
	if (!value)
		return;
	if (strpbrk(value, "\"\n\r")) {
		if (!s->bad++)
			hps_errorf(s->err, "the Slurm setting %s=%s cannot be written to an #SBATCH line",
				   name, value);
		return;
	}
	if (strpbrk(value, " \t"))
		add(s, "#SBATCH %s=\"%s\"\n", name, value);
	else
		add(s, "#SBATCH %s=%s\n", name, value);
}

static void resources(struct script *s, const struct hps_config *cfg,
		      const struct slurm_info *si)
{
	char buf[128];
	int64_t nodes = cfg->slurm.pack_nodes ? 1 : expconf_nodes(cfg);
	int64_t k = nodes > 1 || cfg->slurm.pack_nodes ? cfg->slurm.slots_per_node
		  : cfg->slots_per_trial > 0 ? cfg->slots_per_trial : 1;

	/* Packed: a whole node for one worker, which places trials itself. */
	if (cfg->slurm.pack_nodes)
		add(s, "#SBATCH --exclusive\n");

	/* A trial that spans nodes: one task per node (hpsearch exec starts
	 * the trial on each with srun), slots_per_node slots on each. */
	snprintf(buf, sizeof(buf), "%lld", (long long)nodes);
	opt(s, "--nodes", buf);
	if (nodes > 1)
		opt(s, "--ntasks-per-node", "1");
	else
		opt(s, "--ntasks", "1");
	if (si->gpus && cfg->slots_per_trial > 0) {
		snprintf(buf, sizeof(buf), "gpu:%s%s%lld", cfg->slurm.gpu_type ? cfg->slurm.gpu_type : "",
			 cfg->slurm.gpu_type ? ":" : "", (long long)k);
		opt(s, "--gres", buf);
	} else {
		snprintf(buf, sizeof(buf), "%lld", (long long)k);
		opt(s, "--cpus-per-task", buf);
	}
}

/* sbatch's --time forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S; -1 if none. */
static long long time_seconds(const char *t)
{
	long long d = 0, f[3] = {0, 0, 0};
	const char *dash;
	int n = 0;

	if (!t || !*t || !strcmp(t, "UNLIMITED") || !strcmp(t, "infinite"))
		return -1;
	if ((dash = strchr(t, '-'))) {
		d = atoll(t);
		t = dash + 1;
	}
	for (const char *p = t; p && n < 3; n++) {
		f[n] = atoll(p);
		if ((p = strchr(p, ':')))
			p++;
	}
	if (dash)	/* D-H, D-H:M, D-H:M:S */
		return d * 86400 + f[0] * 3600 + f[1] * 60 + f[2];
	if (n == 1)
		return f[0] * 60;
	if (n == 2)
		return f[0] * 60 + f[1];
	return f[0] * 3600 + f[1] * 60 + f[2];
}

/* The USR1 lead: 90 s, or a tenth of a short time limit (never the whole
 * run), so the trial checkpoints before Slurm kills it. */
static long long signal_lead(const char *time)
{
	long long t = time_seconds(time), lead = SIGNAL_LEAD_S;

	if (t > 0 && t / 10 < lead)
		lead = t / 10 > SIGNAL_LEAD_MIN_S ? t / 10 : SIGNAL_LEAD_MIN_S;
	return lead;
}

static void header(struct script *s, const struct experiment *e,
		   const struct slurm_info *si, int64_t n, size_t ntasks,
		   int64_t throttle)
{
	const struct slurm_config *sc = &e->cfg.slurm;
	char buf[4096];

	add(s, "#!/bin/sh\n# hpsearch experiment %lld, submission %lld: %zu trial runs.\n"
	       "# The task map is arrays/%lld.tasks; resubmitting this script by hand\n"
	       "# is safe: a run already claimed is never run twice.\n",
	    (long long)e->id, (long long)n, ntasks, (long long)n);
	snprintf(buf, sizeof(buf), "%sa%lld", si->prefix, (long long)n);
	opt(s, "--job-name", buf);
	snprintf(buf, sizeof(buf), "hpsearch %s array %lld", e->dir, (long long)n);
	opt(s, "--comment", buf);
	if (throttle > 0)
		snprintf(buf, sizeof(buf), "0-%zu%%%lld", ntasks - 1, (long long)throttle);
	else
		snprintf(buf, sizeof(buf), "0-%zu", ntasks - 1);
	opt(s, "--array", buf);
	snprintf(buf, sizeof(buf), "%s/arrays/%lld.%%a.log", e->dir, (long long)n);
	opt(s, "--output", buf);
	opt(s, "--open-mode", "append");
	opt(s, "--export", "NONE");
	add(s, "#SBATCH --no-requeue\n");
	snprintf(buf, sizeof(buf), "B:USR1@%lld", signal_lead(sc->time));
	opt(s, "--signal", buf);
	opt(s, "--partition", sc->partition);
	opt(s, "--account", sc->account);
	opt(s, "--qos", sc->qos);
	opt(s, "--time", sc->time);
	resources(s, &e->cfg, si);
	for (size_t i = 0; i < sc->sbatch_args.n; i++) {
		if (strpbrk(sc->sbatch_args.v[i], "\n\r")) {
			if (!s->bad++)
				hps_errorf(s->err, "slurm.sbatch_args[%zu] has a line break", i);
			continue;
		}
		add(s, "#SBATCH %s\n", sc->sbatch_args.v[i]);
	}
}

int sbatch_write(const struct experiment *e, const struct slurm_info *si,
		 int64_t n, const json_t *tasks, int64_t throttle,
		 struct hps_error *err)
{
	struct script s = {.err = err};
	char *arrays = fs_join(e->dir, "arrays");
	char *sp = sbatch_script_path(e->dir, n), *tp = sbatch_tasks_path(e->dir, n);
	char *qexe = sh_quote(si->exe), *qtasks = sh_quote(tp), *qdir = sh_quote(e->dir);
	int rc = -1;

	header(&s, e, si, n, json_array_size(tasks), throttle);
	add(&s, "\nexec %s exec%s --tasks %s %s\n", qexe,
	    e->cfg.slurm.pack_nodes ? " --worker" : "", qtasks, qdir);
	if (s.bad || fs_mkdir_below(e->dir, arrays, err) < 0 ||
	    fs_write_json(tp, tasks, err) < 0 ||
	    fs_write_atomic(sp, s.text, s.len, FS_EXEC_MODE, err) < 0)
		goto out;
	rc = 0;
out:
	free(s.text);
	free(arrays);
	free(sp);
	free(tp);
	free(qexe);
	free(qtasks);
	free(qdir);
	return rc;
}
