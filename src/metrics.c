/* metrics.c - incremental harvesting of metrics.jsonl (see metrics.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "xalloc.h"

void harvest_release(struct harvest *h)
{
	free(h->v);
	for (size_t i = 0; i < h->nwarnings; i++)
		free(h->warnings[i]);
	memset(h, 0, sizeof(*h));
}

static void warn(struct harvest *h, char *msg)
{
	if (!msg)
		return;
	if (h->nwarnings < METRICS_MAX_WARNINGS)
		h->warnings[h->nwarnings++] = msg;
	else {
		h->more_warnings++;
		free(msg);
	}
}

/* The line is not NUL-terminated: strspn could read past it. */
static bool blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

char *metrics_parse_line(const char *line, size_t len, const char *length_key,
			 const char *metric, struct report *r)
{
	json_error_t je;
	json_t *j, *v;
	char *w = NULL;

	if (blank(line, len))
		return NULL;	/* blank lines are harmless */
	j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return xasprintf("not valid JSON (%s)%s", je.text,
				 memmem(line, len, "NaN", 3) || memmem(line, len, "Infinity", 8)
				 ? "; NaN and Infinity are not JSON: leave the key out or write null" : "");
	if (!json_is_object(j)) {
		json_decref(j);
		return xstrdup("not a JSON object");
	}
	v = json_object_get(j, length_key);
	if (json_is_number(v) && json_number_value(v) >= 0 &&
	    json_number_value(v) < 1.8e19) {
		r->has_length = true;
		r->length = (uint64_t)json_number_value(v);
	} else if (v && !json_is_null(v)) {
		w = xasprintf("'%s' is not a non-negative number", length_key);
	} else if (!v) {
		w = xasprintf("no '%s' key: the report cannot be placed", length_key);
	}
	v = json_object_get(j, metric);
	if (json_is_number(v) && isfinite(json_number_value(v))) {
		r->has_metric = true;
		r->metric = json_number_value(v);
	} else if (v && !json_is_null(v) && !w) {
		w = xasprintf("'%s' is not a number", metric);
	}
	json_decref(j);
	return w;
}

void metrics_parse_chunk(struct harvest *h, const char *buf, size_t len,
			 const char *length_key, const char *metric)
{
	const char *p = buf, *end = buf + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		struct report r = {.line = ++h->lines};
		char *w = metrics_parse_line(p, (size_t)(nl - p), length_key, metric, &r);

		if (w) {
			char *full = xasprintf("line %lld: %s", (long long)r.line, w);
			free(w);
			warn(h, full);
		}
		if (r.has_length || r.has_metric) {
			h->v = xreallocarray(h->v, h->n + 1, sizeof(*h->v));
			h->v[h->n++] = r;
		}
		p = nl + 1;
	}
	h->offset += (off_t)(p - buf);
}

int metrics_harvest(const char *path, off_t offset, int64_t lines,
		    const char *length_key, const char *metric,
		    struct harvest *out, struct hps_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	ssize_t n;
	size_t got = 0;

	memset(out, 0, sizeof(*out));
	out->offset = offset;
	out->lines = lines;
	if (fd < 0)
		return errno == ENOENT ? 0 : hps_errorf_errno(err, "cannot open '%s'", path);
	buf = xmalloc(METRICS_MAX_CHUNK);
	while (got < METRICS_MAX_CHUNK &&
	       (n = pread(fd, buf + got, METRICS_MAX_CHUNK - got, offset + (off_t)got)) > 0)
		got += (size_t)n;
	close(fd);
	metrics_parse_chunk(out, buf, got, length_key, metric);
	/* A full chunk without a newline is one huge line: skip it, or the
	 * file could never be read past it. */
	if (got == METRICS_MAX_CHUNK && out->offset == offset) {
		out->offset += (off_t)got;
		warn(out, xasprintf("line %lld: longer than %u MiB: skipped",
				    (long long)lines + 1, METRICS_MAX_CHUNK >> 20));
	}
	free(buf);
	return 0;
}
