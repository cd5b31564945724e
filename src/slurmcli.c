/* slurmcli.c - Slurm's client commands (see slurmcli.h). */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "slurmcli.h"
#include "xalloc.h"

bool slurm_available(void)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	if (!path)
		return false;
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/sbatch", dir);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

static int run(char *const argv[], struct proc_out *po, struct hps_error *err)
{
	if (proc_run(argv, SLURM_TIMEOUT_S, po, err) < 0)
		return -1;
	if (po->status != 0) {
		char *nl = strchr(po->err, '\n');
		if (nl && nl[1] == '\0')
			*nl = '\0';
		hps_errorf(err, "%s failed: %s", argv[0], po->err[0] ? po->err : "(no message)");
		return 1;
	}
	return 0;
}

static void copy_field(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static void parse_line(char *line, struct sjobs *out, const char *prefix)
{
	char *f[6] = {0}, *save = NULL;
	struct sjob *j;
	int n = 0;

	for (char *tok = strtok_r(line, "|", &save); tok && n < 6; tok = strtok_r(NULL, "|", &save))
		f[n++] = tok;
	if (n < 5 || strncmp(f[4], prefix, strlen(prefix)))
		return;
	out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	j = &out->v[out->n++];
	j->array_job = atoll(f[0]);
	j->task = strcmp(f[1], "N/A") ? atoll(f[1]) : -1;
	j->job = atoll(f[2]);
	copy_field(j->state, sizeof(j->state), f[3]);
	copy_field(j->name, sizeof(j->name), f[4]);
	copy_field(j->reason, sizeof(j->reason), f[5]);
}

int slurm_query(const char *prefix, struct sjobs *out, struct hps_error *err)
{
	struct passwd *pw = getpwuid(getuid());
	char *argv[] = {"squeue", "-h", "-r", "-t", "all", "-u",
			pw ? pw->pw_name : "root", "-o", "%F|%K|%A|%T|%j|%r", NULL};
	struct proc_out po;
	char *line, *save = NULL;
	int rc;

	out->v = NULL;
	out->n = 0;
	rc = run(argv, &po, err);
	if (rc == 0)
		for (line = strtok_r(po.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			parse_line(line, out, prefix);
	if (rc > 0)
		hps_errorf(err, "cannot reach the Slurm controller: %s",
			   po.err && po.err[0] ? po.err : "squeue failed");
	proc_out_release(&po);
	return rc == 0 ? 0 : -1;
}

void sjobs_release(struct sjobs *j)
{
	free(j->v);
	j->v = NULL;
	j->n = 0;
}

static int by_task(const void *a, const void *b)
{
	const struct sjob *x = a, *y = b;

	if (x->array_job != y->array_job)
		return x->array_job < y->array_job ? -1 : 1;
	return x->task < y->task ? -1 : x->task > y->task;
}

void sjobs_sort(struct sjobs *j)
{
	if (j->n)
		qsort(j->v, j->n, sizeof(*j->v), by_task);
}

/* A pass looks up every running trial: a binary search keeps it
 * O(trials log jobs), not O(trials x jobs). */
const struct sjob *sjobs_find(const struct sjobs *j, long long array_job,
			      long long task)
{
	struct sjob key = {.array_job = array_job, .task = task};

	return j->n ? bsearch(&key, j->v, j->n, sizeof(*j->v), by_task) : NULL;
}

const struct sjob *sjobs_find_name(const struct sjobs *j, const char *name)
{
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->v[i].name, name))
			return &j->v[i];
	return NULL;
}

int slurm_submit(const char *script, bool test_only, long long *job,
		 char **msg, struct hps_error *err)
{
	char *argv[] = {"sbatch", "--parsable", test_only ? "--test-only" : (char *)script,
			test_only ? (char *)script : NULL, NULL};
	struct proc_out po;

	*msg = NULL;
	if (proc_run(argv, SLURM_TIMEOUT_S, &po, err) < 0)
		return -1;
	if (po.status != 0) {
		*msg = xstrdup(po.err[0] ? po.err : po.out);
		proc_out_release(&po);
		return 1;
	}
	/* --parsable prints "jobid[;cluster]"; --test-only says on stderr. */
	*job = test_only ? 0 : atoll(po.out);
	proc_out_release(&po);
	if (!test_only && *job <= 0)
		return hps_errorf(err, "sbatch printed no job id");
	return 0;
}

int slurm_cancel(char **specs, size_t n, struct hps_error *err)
{
	char **argv = xcalloc(n + 3, sizeof(*argv));
	struct proc_out po;
	int rc;

	if (n == 0) {
		free(argv);
		return 0;
	}
	argv[0] = "scancel";
	argv[1] = "--quiet";
	memcpy(argv + 2, specs, n * sizeof(*argv));
	rc = run(argv, &po, err);
	proc_out_release(&po);
	free(argv);
	return rc == 0 ? 0 : -1;
}

int slurm_config_int(const char *key, long long *out, struct hps_error *err)
{
	char *argv[] = {"scontrol", "show", "config", NULL};
	struct proc_out po;
	char *p;
	int rc = run(argv, &po, err);

	if (rc == 0) {
		p = strstr(po.out, key);
		if (p && (p = strchr(p, '=')))
			*out = atoll(p + 1);
		else
			rc = hps_errorf(err, "scontrol show config has no %s", key);
	}
	proc_out_release(&po);
	return rc == 0 ? 0 : -1;
}

int slurm_partition_gpus(const char *partition, bool *gpus, struct hps_error *err)
{
	char *argv[] = {"sinfo", "-h", "-o", "%G", partition ? "-p" : NULL,
			(char *)partition, NULL};
	struct proc_out po;
	int rc = run(argv, &po, err);

	if (rc == 0)
		*gpus = strstr(po.out, "gpu") != NULL;
	proc_out_release(&po);
	return rc == 0 ? 0 : -1;
}

bool slurm_state_final(const char *s)
{
	static const char *const final[] = {
		"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL",
		"BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED", NULL,
	};

	for (int i = 0; final[i]; i++)
		if (!strncmp(s, final[i], strlen(final[i])))
			return true;
	return false;
}

bool slurm_refusal_transient(const char *msg)
{
	static const char *const limits[] = {
		"QOSMax", "AssocMax", "MaxSubmit", "QOSGrp", "AssocGrp",
		"Job violates accounting/QOS policy", "Socket timed out",
		"Unable to contact slurm controller", "temporarily unavailable",
		"Slurm temporarily unable", NULL,
	};

	for (int i = 0; limits[i]; i++)
		if (strstr(msg, limits[i]))
			return true;
	return false;
}

/* squeue's %L: "UNLIMITED", "NOT_SET", "[days-][hours:]minutes:seconds". */
static long long parse_left(const char *s)
{
	long long d = 0, f[3] = {0, 0, 0};
	int n = 0;
	const char *dash = strchr(s, '-');

	if (!strncmp(s, "UNLIMITED", 9) || !strncmp(s, "NOT_SET", 7) || !strncmp(s, "INVALID", 7))
		return -1;
	if (dash) {
		d = atoll(s);
		s = dash + 1;
	}
	for (const char *p = s; *p && n < 3; n++) {
		f[n] = atoll(p);
		p = strchr(p, ':');
		if (!p)
			{ n++; break; }
		p++;
	}
	if (n == 3)
		return d * 86400 + f[0] * 3600 + f[1] * 60 + f[2];
	if (n == 2)
		return d * 86400 + f[0] * 60 + f[1];
	return d * 86400 + f[0];
}

int slurm_time_left(const char *job, long long *secs, struct hps_error *err)
{
	char *argv[] = {"squeue", "-h", "-j", (char *)job, "-o", "%L", NULL};
	struct proc_out po;
	int rc = run(argv, &po, err);

	if (rc == 0)
		*secs = parse_left(po.out);
	proc_out_release(&po);
	return rc == 0 ? 0 : -1;
}
