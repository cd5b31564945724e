/* slurmlib.c - libslurm through dlopen (see slurmlib.h). */
#include "config.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slurmlib.h"
#include "xalloc.h"

#ifdef HAVE_SLURM_H
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

struct slurmlib {
	void *h;
	void (*init)(const char *);
	int (*load_user)(job_info_msg_t **, uint32_t, uint16_t);
	void (*free_msg)(job_info_msg_t *);
	int (*kill2)(const char *, uint16_t, uint16_t, char *);
	int (*get_errno)(void);
	char *(*strerror)(int);
};

static void *sym(struct slurmlib *l, const char *name, bool *ok)
{
	void *p = dlsym(l->h, name);

	if (!p)
		*ok = false;
	return p;
}

static bool config_file(void)
{
	const char *c = getenv("SLURM_CONF");

	return access(c && *c ? c : "/etc/slurm/slurm.conf", R_OK) == 0;
}

struct slurmlib *slurmlib_open(bool init, char *why, size_t len)
{
	struct slurmlib *l = xcalloc(1, sizeof(*l));
	char soname[64];
	long (*api)(void);
	long v;
	bool ok = true;

	if (getenv("HPS_SLURM_LIB") && !strcmp(getenv("HPS_SLURM_LIB"), "0")) {
		snprintf(why, len, "squeue/scancel (HPS_SLURM_LIB=0)");
		free(l);
		return NULL;
	}
	/* The soname of the release hpsearch was built against first. */
	snprintf(soname, sizeof(soname), "libslurm.so.%d", HPS_SLURM_API);
	/* RTLD_GLOBAL: Slurm's own plugins (auth/munge) resolve against it;
	 * RTLD_NODELETE: its plugins stay mapped too (leak checkers name them). */
	l->h = dlopen(soname, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
	if (!l->h)
		l->h = dlopen("libslurm.so", RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
	if (!l->h) {
		snprintf(why, len, "squeue/scancel (libslurm not found)");
		free(l);
		return NULL;
	}
	api = (long (*)(void))dlsym(l->h, "slurm_api_version");
	v = api ? api() : 0;
	if (SLURM_VERSION_MAJOR(v) != HPS_SLURM_API) {
		snprintf(why, len, "squeue/scancel (libslurm API %ld is not the API %d hpsearch was built for)",
			 SLURM_VERSION_MAJOR(v), HPS_SLURM_API);
		slurmlib_close(l);
		return NULL;
	}
	*(void **)&l->init = sym(l, "slurm_init", &ok);
	*(void **)&l->load_user = sym(l, "slurm_load_job_user", &ok);
	*(void **)&l->free_msg = sym(l, "slurm_free_job_info_msg", &ok);
	*(void **)&l->kill2 = sym(l, "slurm_kill_job2", &ok);
	*(void **)&l->get_errno = sym(l, "slurm_get_errno", &ok);
	*(void **)&l->strerror = sym(l, "slurm_strerror", &ok);
	if (!ok) {
		snprintf(why, len, "squeue/scancel (libslurm lacks a function hpsearch uses)");
		slurmlib_close(l);
		return NULL;
	}
	/* slurm_init() exits the process when it finds no configuration
	 * (configless DNS lookups included): only with a file to read. */
	if (!config_file()) {
		snprintf(why, len, "squeue/scancel (no slurm.conf for libslurm to read)");
		slurmlib_close(l);
		return NULL;
	}
	if (init)
		l->init(NULL);
	snprintf(why, len, "libslurm API %ld, Slurm %d.%02d (dlopen; squeue/scancel if it fails)",
		 SLURM_VERSION_MAJOR(v), SLURM_VERSION_MAJOR(SLURM_VERSION_NUMBER),
		 SLURM_VERSION_MINOR(SLURM_VERSION_NUMBER));
	return l;
}

void slurmlib_close(struct slurmlib *l)
{
	if (!l)
		return;
	if (l->h)
		dlclose(l->h);
	free(l);
}

static const char *state_name(uint32_t s)
{
	static const char *const base[] = {
		"PENDING", "RUNNING", "SUSPENDED", "COMPLETED", "CANCELLED",
		"FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL",
		"DEADLINE", "OUT_OF_MEMORY",
	};

	/* Flags that make a final-looking state not final yet. */
	if (s & JOB_COMPLETING)
		return "COMPLETING";
	if (s & JOB_REQUEUE)
		return "REQUEUED";
	if (s & JOB_REQUEUE_HOLD)
		return "REQUEUE_HOLD";
	if (s & JOB_SPECIAL_EXIT)
		return "SPECIAL_EXIT";
	if (s & JOB_CONFIGURING)
		return "CONFIGURING";
	if ((s & JOB_STATE_BASE) < sizeof(base) / sizeof(base[0]))
		return base[s & JOB_STATE_BASE];
	return "UNKNOWN";
}

static const char *reason_name(uint32_t r)
{
	switch (r) {
	case WAIT_NO_REASON: return "None";
	case WAIT_PRIORITY: return "Priority";
	case WAIT_RESOURCES: return "Resources";
	case WAIT_DEPENDENCY: return "Dependency";
	case WAIT_HELD: return "JobHeldAdmin";
	case WAIT_HELD_USER: return "JobHeldUser";
	case WAIT_ARRAY_TASK_LIMIT: return "JobArrayTaskLimit";
	case WAIT_PART_DOWN: return "PartitionDown";
	case WAIT_QOS_MAX_JOB_PER_USER: return "QOSMaxJobsPerUserLimit";
	case WAIT_ASSOC_MAX_JOBS: return "AssocMaxJobsLimit";
	default: return "Other";
	}
}

static void add(struct sjobs *out, const slurm_job_info_t *j, long long task)
{
	struct sjob *s;

	out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	s = &out->v[out->n++];
	memset(s, 0, sizeof(*s));
	s->array_job = j->array_job_id ? j->array_job_id : j->job_id;
	s->task = task;
	s->job = j->job_id;
	snprintf(s->state, sizeof(s->state), "%s", state_name(j->job_state));
	snprintf(s->name, sizeof(s->name), "%s", j->name ? j->name : "");
	snprintf(s->reason, sizeof(s->reason), "%s", reason_name(j->state_reason));
}

/* A pending array's meta record lists its unsplit tasks: "0-19%16",
 * "4,7-9": one entry per task, as squeue -r shows them. */
static void add_pending(struct sjobs *out, const slurm_job_info_t *j)
{
	char *s = xstrdup(j->array_task_str), *pct = strchr(s, '%'), *tok, *save = NULL;

	if (pct)
		*pct = '\0';
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long long a = atoll(tok), b = a, step = 1;
		char *dash = strchr(tok, '-'), *colon = strchr(tok, ':');
		if (dash)
			b = atoll(dash + 1);
		if (colon)
			step = atoll(colon + 1) > 0 ? atoll(colon + 1) : 1;
		for (long long t = a; t <= b && b - a < 10000000; t += step)
			add(out, j, t);
	}
	free(s);
}

int slurmlib_query(struct slurmlib *l, const char *prefix, struct sjobs *out,
		   struct hps_error *err)
{
	job_info_msg_t *msg = NULL;

	out->v = NULL;
	out->n = 0;
	if (l->load_user(&msg, (uint32_t)getuid(), SHOW_ALL) != SLURM_SUCCESS)
		return hps_errorf(err, "cannot reach the Slurm controller: %s",
				  l->strerror(l->get_errno()));
	for (uint32_t i = 0; i < msg->record_count; i++) {
		const slurm_job_info_t *j = &msg->job_array[i];
		if (!j->name || strncmp(j->name, prefix, strlen(prefix)))
			continue;
		if (j->array_task_str && j->array_task_id == NO_VAL)
			add_pending(out, j);
		else
			add(out, j, j->array_task_id == NO_VAL ? -1 : (long long)j->array_task_id);
	}
	l->free_msg(msg);
	return 0;
}

int slurmlib_cancel(struct slurmlib *l, char **specs, size_t n,
		    struct hps_error *err)
{
	int rc = 0;

	/* SIGKILL asks for scancel's sequence: SIGTERM, then KillWait. */
	for (size_t i = 0; i < n; i++)
		if (l->kill2(specs[i], SIGKILL, 0, NULL) != SLURM_SUCCESS &&
		    l->get_errno() != ESLURM_ALREADY_DONE &&
		    l->get_errno() != ESLURM_INVALID_JOB_ID)
			rc = hps_errorf(err, "cannot cancel %s: %s", specs[i],
					l->strerror(l->get_errno()));
	return rc;
}

#else	/* built without Slurm's headers */

struct slurmlib {
	int unused;
};

struct slurmlib *slurmlib_open(bool init, char *why, size_t len)
{
	(void)init;
	snprintf(why, len, "squeue/scancel (built without libslurm's headers)");
	return NULL;
}

void slurmlib_close(struct slurmlib *l)
{
	free(l);
}

int slurmlib_query(struct slurmlib *l, const char *prefix, struct sjobs *out,
		   struct hps_error *err)
{
	return slurm_query(prefix, out, err);
}

int slurmlib_cancel(struct slurmlib *l, char **specs, size_t n,
		    struct hps_error *err)
{
	return slurm_cancel(specs, n, err);
}
#endif
