/* exp_internal.h - shared by experiment.c and exp_apply.c, and by
 * simulate.c, which applies records in memory without a journal. */
#ifndef HPS_EXP_INTERNAL_H
#define HPS_EXP_INTERNAL_H

#include "experiment.h"

/* exp_apply: change e by one journal record (see experiment.h). */
int exp_apply(struct experiment *e, const json_t *rec, struct hps_error *err);
int exp_apply_ops(struct experiment *e, struct ops *ops, struct hps_error *err);

/* What exp_open does with the files, from memory (the fuzzers' entry
 * points): exp_load_snapshot fills e (its cfg loaded, nothing else) from
 * state.json's object; exp_replay_record applies one journal record after
 * the snapshot (a journal_parse callback; arg is e; -2 stops the replay). */
int exp_load_snapshot(struct experiment *e, const json_t *snap,
		      struct hps_error *err);
/* exp_load_snapshot_text: the same from state.json's text (path names it
 * in errors): its trials through snapread.h when the text is in
 * exp_snapshot's form, else the whole text through jansson. */
int exp_load_snapshot_text(struct experiment *e, const char *text, size_t len,
			   const char *path, struct hps_error *err);
int exp_replay_record(const json_t *rec, void *arg);

/* exp_real_text: a finite real as jansson writes it with
 * JSON_REAL_PRECISION(17) (a '.' or an 'e' always, no '+' and no leading
 * zeros in the exponent), for the JSON hpsearch writes by hand. */
void exp_real_text(double v, char *buf, size_t len);

#endif
