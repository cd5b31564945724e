/* trialenv.h - the environment a trial run sees (hpsearch-trial(7)).
 *
 * Built from the environment recorded at create (so cron, login shells
 * and batch jobs run identical trials), the config's environment
 * variables, the job's own SLURM_* variables when inside Slurm, and the
 * protocol variables: HPS_* and one HP_<NAME> per leaf hyperparameter
 * (hpenv.h), Determined's DET_* variables, and PYTHONPATH led by the
 * Determined Core API shim (python/determined).  Values are data: they
 * reach the trial as environment strings, never through a shell.
 */
#ifndef HPS_TRIALENV_H
#define HPS_TRIALENV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "expconf.h"

/* In a trial's checkpoint directory: the storage id of the checkpoint the
 * Determined shim stored last (DET_LATEST_CHECKPOINT of the next run). */
#define DET_LATEST_FILE "det_latest_checkpoint"

struct run_info {
	const char *expdir;
	int64_t exp_id;
	int64_t trial;
	int64_t run;
	uint64_t length;	/* 0: no length */
	uint32_t seed;
	const char *hparams_path;
	const json_t *hparams;
	const char *metrics_path;
	const char *checkpoint_dir;
	int slots;
	const char *gpus;	/* "0,1" or NULL: CPU slots */
	bool amd;		/* AMD GPUs: ROCR/HIP variables too */
};

/* trialenv_build: a NULL-terminated "NAME=VALUE" array (free with
 * trialenv_free). */
char **trialenv_build(const struct hps_config *cfg, const struct run_info *ri,
		      struct hps_error *err);
void trialenv_free(char **env);

/* trialenv_argv: the entrypoint's argument vector as run (free with
 * trialenv_free); a string entrypoint's shell gets signal traps so that
 * it waits for the trial instead of dying first. */
char **trialenv_argv(const struct strv *ep);

#endif
