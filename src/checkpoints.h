/* checkpoints.h - garbage collection of trial checkpoints at the end of an
 * experiment, as checkpoint_storage's save_* keys ask.
 *
 * A trial keeps one checkpoint directory (it overwrites it), which is its
 * latest and, for hpsearch's purpose, its best.  So with save_trial_best
 * or save_trial_latest above 0 (Determined's defaults: 1 each) every
 * trial keeps its checkpoint; with both 0, only the save_experiment_best
 * best trials keep theirs.
 */
#ifndef HPS_CHECKPOINTS_H
#define HPS_CHECKPOINTS_H

#include "error.h"
#include "experiment.h"

/* checkpoints_gc: remove what is not kept (closed trials only); returns
 * how many directories were removed, or -1. */
int checkpoints_gc(struct experiment *e, struct hps_error *err);

#endif
