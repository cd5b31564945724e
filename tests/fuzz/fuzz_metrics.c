/* metrics.c - fuzz harness: what a trial appends to metrics.jsonl, read as
 * a reap pass reads it (metrics_parse_chunk, line by line), and the whole
 * input as one line (metrics_parse_line).  The first byte picks the unit
 * key and the metric, so every length unit and an absent metric are
 * reached. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "metrics.h"

int fuzz_metrics(const uint8_t *data, size_t size)
{
	static const char *const keys[][2] = {
		{"batches", "validation_loss"}, {"records", "accuracy"},
		{"epochs", ""}, {"seconds", "validation_loss"},
	};
	struct harvest h;
	struct report r;
	const char *buf = (const char *)data;
	char *w;
	size_t k = 0;

	if (size > 0) {
		k = data[0] % (sizeof(keys) / sizeof(keys[0]));
		buf++;
		size--;
	}
	memset(&h, 0, sizeof(h));
	metrics_parse_chunk(&h, buf, size, keys[k][0], keys[k][1]);
	/* What harvest_metrics does with the result. */
	for (size_t i = 0; i < h.n; i++)
		if (h.v[i].line < 1 || h.v[i].line > h.lines)
			abort();
	if ((size_t)h.offset > size)
		abort();
	harvest_release(&h);

	memset(&r, 0, sizeof(r));
	w = metrics_parse_line(buf, size, keys[k][0], keys[k][1], &r);
	free(w);
	return 0;
}

FUZZ_TARGET(fuzz_metrics)
