/* history.h - a trial's metric history, read back from its runs' files.
 *
 * The journal keeps what the searcher needs (the length and the searcher
 * metric of each report); the history is everything the trial wrote:
 * every line of every run's metrics.jsonl, in order, for export and the
 * report.  Bad lines are skipped (the reaper already warned about them).
 */
#ifndef HPS_HISTORY_H
#define HPS_HISTORY_H

#include <jansson.h>
#include <stddef.h>

#include "experiment.h"

/* history_trial: a new JSON array of the trial's reports, each the
 * object the trial wrote plus "run": k; at most max reports (0: all). */
json_t *history_trial(const struct experiment *e, const struct trial *t,
		      size_t max);

#endif
