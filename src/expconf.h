/* expconf.h - a validated experiment config (Determined's format).
 *
 * expconf_load() reads a YAML file, checks it against Determined's rules
 * (REFERENCE.md section 1) and hpsearch's own extensions, and fills a
 * struct hps_config with every default applied.  Every problem goes into
 * the caller's struct diag with file:line:column and the field path; the
 * load fails (returns -1) when any error was found.  Warnings never fail.
 *
 * Ownership: the config owns every string and JSON value it holds;
 * expconf_release() frees them.  The raw YAML tree is kept (cfg->root) so
 * later modules can quote marks.
 */
#ifndef HPS_EXPCONF_H
#define HPS_EXPCONF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "hparams.h"
#include "ytree.h"

enum searcher_kind {
	SEARCH_SINGLE,
	SEARCH_RANDOM,
	SEARCH_GRID,
	SEARCH_ADAPTIVE_ASHA,
	SEARCH_ASYNC_HALVING,
};

enum asha_mode { MODE_STANDARD, MODE_AGGRESSIVE, MODE_CONSERVATIVE };

enum length_unit {
	UNIT_NONE,		/* no length: the trial script decides */
	UNIT_BATCHES,
	UNIT_RECORDS,
	UNIT_EPOCHS,
	UNIT_UNITLESS,		/* a bare integer max_length */
	UNIT_TIME_METRIC,	/* time_metric + max_time */
};

struct strv {
	char **v;		/* NULL-terminated */
	size_t n;
};

struct length {
	enum length_unit unit;
	uint64_t units;
	const char *time_metric;	/* UNIT_TIME_METRIC: borrowed from the searcher */
};

struct searcher_config {
	enum searcher_kind kind;
	char *metric;		/* NULL only where Determined allows it */
	bool smaller_is_better;
	int64_t max_trials;	/* random, ASHA; 1 for single; grid: 0 */
	int64_t max_concurrent_trials;	/* 0 = unlimited */
	double divisor;
	int64_t max_rungs;	/* adaptive_asha */
	int64_t num_rungs;	/* async_halving */
	enum asha_mode mode;
	int64_t *bracket_rungs;
	size_t nbracket_rungs;
	bool stop_once;		/* resolved: true = stopping-based ASHA */
	char *time_metric;
	struct length length;	/* resolved: time_metric wins over max_length */
};

struct slurm_config {
	struct strv sbatch_args;
	char *gpu_type;
	int64_t slots_per_node;	/* 0 = unset */
	bool pack_nodes;	/* whole nodes run workers that pack trials */
	char *partition;	/* slurm.partition, else resources.resource_pool */
	char *account;
	char *qos;
	char *time;		/* as sbatch --time takes it */
};

struct checkpoint_config {
	char *type;		/* shared_fs, directory; NULL = default */
	char *host_path;	/* shared_fs host_path / directory container_path; NULL = in the experiment */
	char *storage_path;
	int64_t save_experiment_best;	/* 0 */
	int64_t save_trial_best;	/* 1 */
	int64_t save_trial_latest;	/* 1 */
};

struct hps_config {
	char *path;		/* file as named by the user */
	struct ynode *root;	/* the YAML tree (owned) */
	char *name;
	char *description;
	struct strv labels;
	/* entrypoint as argv: a list is used as is; a string becomes
	 * {"sh", "-c", string}, as Determined runs a string entrypoint. */
	struct strv entrypoint;
	struct hparam hparams;	/* HP_NESTED root */
	struct searcher_config searcher;
	int64_t slots_per_trial;	/* 1 */
	char *resource_pool;
	int64_t max_restarts;	/* 5 */
	/* environment.environment_variables: "NAME=VALUE" lists per slot
	 * type; the list form fills all three. */
	struct strv env_cpu, env_cuda, env_rocm;
	bool has_seed;
	uint32_t experiment_seed;	/* Unix time when not given */
	int64_t records_per_epoch;	/* 0 = unset */
	struct checkpoint_config checkpoint;
	struct slurm_config slurm;
};

/* expconf_nodes: how many nodes one trial spans (slots_per_trial over
 * slurm.slots_per_node; 1 without slots_per_node). */
int64_t expconf_nodes(const struct hps_config *cfg);

/* expconf_load: load and validate; 0 on success, -1 when d has errors. */
int expconf_load(const char *path, struct hps_config *cfg, struct diag *d);

/* expconf_load_reported: the same, its errors and warnings printed to out
 * (what every command that takes a config does); 0 or -1. */
int expconf_load_reported(const char *path, struct hps_config *cfg, FILE *out);

/* expconf_load_tree: validate an already-loaded tree; steals root. */
int expconf_load_tree(struct ynode *root, struct hps_config *cfg,
		     struct diag *d);

void expconf_release(struct hps_config *cfg);

void strv_release(struct strv *s);
void strv_push(struct strv *s, const char *str);

/* Fragment entry points (Determined's schema test cases check these pieces
 * on their own).  Each validates one node as if it stood at path, reports
 * into d, and returns 0 when no error was found. */
int expconf_check_hparam_fragment(const struct ynode *n, const char *path,
				 bool grid, struct diag *d);
int expconf_check_searcher_fragment(const struct ynode *n, const char *path,
				   struct diag *d);
int expconf_check_length_fragment(const struct ynode *n, const char *path,
				 struct diag *d);

const char *searcher_kind_name(enum searcher_kind k);
const char *length_unit_name(enum length_unit u);
bool searcher_is_asha(const struct searcher_config *s);

#endif
