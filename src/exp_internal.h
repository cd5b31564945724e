/* exp_internal.h - shared by experiment.c and exp_apply.c only. */
#ifndef HPS_EXP_INTERNAL_H
#define HPS_EXP_INTERNAL_H

#include "experiment.h"

/* exp_apply: change e by one journal record (see experiment.h). */
int exp_apply(struct experiment *e, const json_t *rec, struct hps_error *err);
int exp_apply_ops(struct experiment *e, struct ops *ops, struct hps_error *err);

#endif
