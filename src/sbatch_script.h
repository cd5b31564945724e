/* sbatch_script.h - the files of one Slurm submission.
 *
 *   arrays/<n>.sbatch   a batch script valid as input to sbatch by hand:
 *                       #SBATCH lines for the array, the job name and
 *                       comment that find it again, the user's Slurm
 *                       settings, and one line that execs hpsearch exec
 *   arrays/<n>.tasks    JSON: task index -> [trial, run, target length]
 *
 * Values from the config and paths are data: #SBATCH values are quoted
 * as sbatch reads them, the exec line is single-quoted for /bin/sh, and a
 * value that cannot be quoted (a newline, a double quote in an #SBATCH
 * value) is refused rather than passed on.
 */
#ifndef HPS_SBATCH_SCRIPT_H
#define HPS_SBATCH_SCRIPT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "experiment.h"

/* What create decided about the cluster, kept in slurm.json. */
struct slurm_info {
	char *exe;		/* the hpsearch binary tasks run */
	char *prefix;		/* job names: <prefix>a<n>, unique per experiment */
	bool gpus;		/* the partition offers GPUs: slots are GPUs */
	bool checked;		/* gpus came from sinfo (false after --dry-run) */
};

int slurm_info_write(const char *dir, const struct slurm_info *si,
		     struct hps_error *err);
int slurm_info_read(const char *dir, struct slurm_info *si, struct hps_error *err);
void slurm_info_release(struct slurm_info *si);
/* slurm_job_prefix: "hps-<id>-<hash of the directory>-" (caller frees). */
char *slurm_job_prefix(const char *dir, int64_t id);

/* sbatch_write: arrays/<n>.tasks and arrays/<n>.sbatch for these tasks
 * ([[trial, run, target]...]) with this throttle (0: none). */
int sbatch_write(const struct experiment *e, const struct slurm_info *si,
		 int64_t n, const json_t *tasks, int64_t throttle,
		 struct hps_error *err);

/* sbatch_task_of: the run that task idx (SLURM_ARRAY_TASK_ID's text) of a
 * task map (arrays/<n>.tasks as read) stands for; -1 when the index is not
 * a number or the map has no such task (a [0, 0, 0] placeholder included). */
int sbatch_task_of(const json_t *map, const char *idx, int64_t *trial,
		   int64_t *run, uint64_t *length);

char *sbatch_script_path(const char *dir, int64_t n);
char *sbatch_tasks_path(const char *dir, int64_t n);

#endif
