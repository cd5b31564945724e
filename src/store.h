/* store.h - the experiment directory: where an experiment lives on disk.
 *
 *   <root>/<id>-<name>/  experiment.yaml format environment context/
 *                        state.json journal.jsonl lock
 *                        trials/<id>/{hparams.json, checkpoint/, runs/<k>/...}
 *
 * Ids are allocated atomically (mkdir of <root>/.ids/<id>, which is atomic
 * on every filesystem, NFS included), and an experiment is assembled in a
 * hidden directory and renamed into place, so a crash during create never
 * leaves half an experiment under its name.
 *
 * Ownership: returned strings are the caller's to free.
 */
#ifndef HPS_STORE_H
#define HPS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "expconf.h"

#define STORE_FORMAT 1
#define STORE_CONTEXT_LIMIT (96u << 20)	/* as Determined's context limit */

/* store_root: --root, else $HPSEARCH_ROOT, else ~/hpsearch. */
char *store_root(const char *opt);

/* store_init: writes an experiment's first state into the hidden
 * directory it is assembled in (dir), before the rename makes it visible. */
struct store_init {
	int (*fn)(const char *dir, int64_t id, void *arg, struct hps_error *err);
	void *arg;
};

/* store_create: a new experiment for cfg (loaded from config_path) with a
 * snapshot of context_dir (NULL: none), its state written by init.
 * Returns the directory, with its lock held (*lockfd, for store_unlock).
 * A failure removes what it made; what a killed create left behind is
 * removed by a later one. */
char *store_create(const char *root, const struct hps_config *cfg,
		   const char *config_path, const char *context_dir,
		   const struct store_init *init, int64_t *id, int *lockfd,
		   struct hps_error *err);

/* store_context: the directory trials run in: the one given, else the
 * config's own directory (where its train.py usually is). */
char *store_context(const char *config, const char *given);

/* store_resolve: an experiment named by id, name or directory. */
char *store_resolve(const char *root, const char *exp, struct hps_error *err);

/* store_list: the experiment directories under root, by id (NULL-terminated
 * array; free each and the array).  A missing root lists nothing. */
char **store_list(const char *root, struct hps_error *err);

/* store_check_format: refuse a directory written by a newer hpsearch. */
int store_check_format(const char *dir, struct hps_error *err);

/* store_lock: the experiment's OFD lock (held until store_unlock or exit).
 * Returns the fd, or -1: err says "busy" when another process holds it. */
int store_lock(const char *dir, bool wait, bool *busy, struct hps_error *err);
void store_unlock(int fd);

/* Paths inside an experiment. */
char *store_trial_dir(const char *dir, int64_t trial);
char *store_run_dir(const char *dir, int64_t trial, int64_t run);
char *store_checkpoint_dir(const char *dir, const struct hps_config *cfg,
			   int64_t exp_id, int64_t trial);

/* store_id_of: the id in a directory's name ("12-search" -> 12), or -1. */
int64_t store_id_of(const char *dir);

#endif
