/* harvest.h - turning what runs left on disk into journal records.
 *
 * Shared by every driver (the local runner, the Slurm reaper): metrics
 * appended since the last pass become one "report" record per run; a run
 * whose process is gone becomes an "exit" record from its exit.json (or
 * "lost" when it left none).  Only the trial's current run is read, so a
 * stray process of an old run cannot pollute a retry.
 */
#ifndef HPS_HARVEST_H
#define HPS_HARVEST_H

#include <stdbool.h>
#include <stdio.h>

#include "experiment.h"

/* harvest_metrics: journal a report of t's current run if it has new
 * lines; warnings go to warn (NULL: silent).  Returns 1 if a record was
 * written, 0 if nothing was new, -1 on error. */
int harvest_metrics(struct experiment *e, struct trial *t, FILE *warn,
		    struct hps_error *err);

/* harvest_exit: the current run of t has ended: read the rest of its
 * metrics, then journal its exit from exit.json, or as `fallback` (e.g.
 * "lost") with slurm_state (may be NULL) when there is none. */
int harvest_exit(struct experiment *e, struct trial *t, const char *fallback,
		 const char *slurm_state, FILE *warn, struct hps_error *err);

/* harvest_requests: journal the requests (cancel) other commands left in
 * requests/ while we held the lock, and remove them. */
int harvest_requests(struct experiment *e, struct hps_error *err);

/* run_has_exit: whether the current run of t left its exit.json. */
bool run_has_exit(const struct experiment *e, const struct trial *t);

#endif
