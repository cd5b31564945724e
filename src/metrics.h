/* metrics.h - reading what a trial run appended to its metrics file.
 *
 * A run appends one JSON object per line to metrics.jsonl.  A pass reads
 * only the bytes appended since the offset it kept, stops before an
 * incomplete last line (the trial may be writing it), and turns each line
 * into a report: the length reached (the line's unit key, e.g. "batches")
 * and the searcher metric, when present.  Malformed lines, NaN/Infinity,
 * non-numeric values and lines without the unit key become warnings that
 * name the line; nothing in the file can crash the reader.
 */
#ifndef HPS_METRICS_H
#define HPS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define METRICS_MAX_CHUNK (16u << 20)	/* bytes read per pass and run */
#define METRICS_MAX_WARNINGS 5		/* per pass and run; the rest counted */

struct report {
	int64_t line;		/* 1-based line number in the file */
	bool has_length;
	uint64_t length;
	bool has_metric;
	double metric;
};

struct harvest {
	struct report *v;
	size_t n;
	off_t offset;		/* where the next pass starts */
	int64_t lines;		/* complete lines consumed in all */
	char *warnings[METRICS_MAX_WARNINGS];
	size_t nwarnings, more_warnings;
};

/* metrics_harvest: read path from offset (line numbers continue from
 * lines).  A missing file is an empty harvest.  -1 only for I/O errors. */
int metrics_harvest(const char *path, off_t offset, int64_t lines,
		    const char *length_key, const char *metric,
		    struct harvest *out, struct hps_error *err);
void harvest_release(struct harvest *h);

/* metrics_parse_line: one line (len bytes, no newline) into r; returns
 * NULL, or a warning (caller frees) when the line is not usable. */
char *metrics_parse_line(const char *line, size_t len, const char *length_key,
			 const char *metric, struct report *r);

/* metrics_parse_chunk: the complete lines of buf (bytes read from h->offset
 * on, h->lines lines already counted) into h, as metrics_harvest does;
 * h->offset moves past the last newline. */
void metrics_parse_chunk(struct harvest *h, const char *buf, size_t len,
			 const char *length_key, const char *metric);

#endif
