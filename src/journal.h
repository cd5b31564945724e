/* journal.h - the experiment's append-only journal (journal.jsonl).
 *
 * One JSON object per line, written by a single write(2) with O_APPEND and
 * fsynced, so a record is durable once journal_append() returns.  A crash
 * mid-append leaves at most a torn last line without its newline: readers
 * ignore it and the next writer (who holds the experiment lock) cuts it off
 * with journal_repair().  A complete line that is not a JSON object is
 * corruption and is reported with the file and line number.
 */
#ifndef HPS_JOURNAL_H
#define HPS_JOURNAL_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

/* journal_append: rec as one compact line (sorted keys); *written (if
 * given) gets the bytes appended. */
int journal_append(const char *path, const json_t *rec, size_t *written,
		   struct hps_error *err);

/* journal_read: each complete record, in order, to cb (which borrows it;
 * a non-zero return stops the read and is returned).  A missing journal
 * reads as empty.  *torn (if given) tells whether a torn tail was skipped. */
int journal_read(const char *path, int (*cb)(const json_t *rec, void *arg),
		 void *arg, int *torn, struct hps_error *err);

/* journal_read_from: the same from byte offset start; *end gets the offset
 * just past the last complete record (where the next read starts). */
int journal_read_from(const char *path, long long start,
		      int (*cb)(const json_t *rec, void *arg), void *arg,
		      long long *end, int *torn, struct hps_error *err);

/* journal_parse: the records of buf (len bytes that start at byte start of
 * the journal named path, for messages), as journal_read_from reads them:
 * the from-memory core of the readers, and the fuzzers' entry point. */
int journal_parse(const char *buf, size_t len, long long start,
		  const char *path, int (*cb)(const json_t *rec, void *arg),
		  void *arg, long long *end, int *torn, struct hps_error *err);

/* journal_repair: drop a torn tail; only the lock holder may call it. */
int journal_repair(const char *path, struct hps_error *err);

#endif
