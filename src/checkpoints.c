/* checkpoints.c - checkpoint garbage collection (see checkpoints.h). */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "checkpoints.h"
#include "fsutil.h"
#include "store.h"
#include "xalloc.h"

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* rank: how many closed trials beat t (0: t is the best). */
static size_t rank(const struct experiment *e, const struct trial *t)
{
	size_t r = 0;

	for (size_t i = 0; i < e->n; i++)
		if (&e->t[i] != t && e->t[i].has_best &&
		    (exp_better(e, e->t[i].best, t->best) ||
		     (e->t[i].best == t->best && e->t[i].id < t->id)))
			r++;
	return r;
}

int checkpoints_gc(struct experiment *e, struct hps_error *err)
{
	const struct checkpoint_config *ck = &e->cfg.checkpoint;
	int removed = 0;

	if (ck->save_trial_best > 0 || ck->save_trial_latest > 0)
		return 0;
	for (size_t i = 0; i < e->n; i++) {
		const struct trial *t = &e->t[i];
		char *dir;

		if (!t->closed || t->running)
			continue;
		if (t->has_best && rank(e, t) < (size_t)ck->save_experiment_best)
			continue;
		dir = store_checkpoint_dir(e->dir, &e->cfg, e->id, t->id);
		if (fs_exists(dir)) {
			if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0) {
				hps_errorf_errno(err, "cannot remove the checkpoint '%s'", dir);
				free(dir);
				return -1;
			}
			removed++;
		}
		free(dir);
	}
	return removed;
}
