/* slurmcli.h - Slurm's client commands as functions.
 *
 * sbatch, squeue, scancel, scontrol and sinfo run as argv (never through
 * a shell), one call each, with a timeout.  Job state comes from one
 * squeue per reap pass for the user's jobs, filtered here by job name:
 * one controller RPC (slurm_load_job_user) whatever the trial count.
 */
#ifndef HPS_SLURMCLI_H
#define HPS_SLURMCLI_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define SLURM_TIMEOUT_S 60

struct sjob {
	long long array_job;	/* %F */
	long long task;		/* %K, -1 for a job outside an array */
	long long job;		/* %A */
	char state[24];		/* %T: PENDING, RUNNING, COMPLETED, ... */
	char name[160];		/* %j */
	char reason[96];	/* %r */
};

struct sjobs {
	struct sjob *v;
	size_t n;
};

bool slurm_available(void);

/* slurm_query: every job of the user whose name starts with prefix,
 * array tasks one by one, recently ended ones included.  -1 when the
 * controller cannot be reached (err says so). */
int slurm_query(const char *prefix, struct sjobs *out, struct hps_error *err);
void sjobs_release(struct sjobs *j);
/* sjobs_sort: order by (array job, task); sjobs_find needs it. */
void sjobs_sort(struct sjobs *j);
const struct sjob *sjobs_find(const struct sjobs *j, long long array_job,
			      long long task);
const struct sjob *sjobs_find_name(const struct sjobs *j, const char *name);

/* slurm_submit: sbatch --parsable SCRIPT (with --test-only when asked).
 * Returns 0 with *job set; 1 when sbatch refused (msg: its words, caller
 * frees); -1 when it could not run. */
int slurm_submit(const char *script, bool test_only, long long *job,
		 char **msg, struct hps_error *err);

/* slurm_cancel: scancel of these specs ("123_4", "123"); signal NULL for
 * the default (SIGTERM, then SIGKILL after KillWait). */
int slurm_cancel(char **specs, size_t n, struct hps_error *err);

/* slurm_config_int: a number from scontrol show config (MaxArraySize). */
int slurm_config_int(const char *key, long long *out, struct hps_error *err);

/* slurm_partition_gpus: whether the partition (NULL: the default) offers
 * GPU GRES. */
int slurm_partition_gpus(const char *partition, bool *gpus, struct hps_error *err);

/* slurm_time_left: seconds the job has left (-1: no limit). */
int slurm_time_left(const char *job, long long *secs, struct hps_error *err);

/* Final states end a job for good; PENDING, RUNNING, COMPLETING,
 * SUSPENDED, PREEMPTED, REQUEUED, ... are not final. */
bool slurm_state_final(const char *state);

/* A refusal that a later pass may get past (QOS or association limits). */
bool slurm_refusal_transient(const char *msg);

#endif
