/* history.c - reading a trial's metric history (see history.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "history.h"
#include "store.h"

#define HISTORY_MAX_FILE (256u << 20)

static void read_run(const char *path, int64_t run, json_t *out, size_t max)
{
	size_t len;
	char *buf = fs_read_file(path, HISTORY_MAX_FILE, &len, NULL), *p, *nl;

	if (!buf)
		return;
	for (p = buf; p < buf + len && (!max || json_array_size(out) < max); p = nl + 1) {
		json_t *j;
		if (!(nl = memchr(p, '\n', (size_t)(buf + len - p))))
			break;	/* an incomplete last line is not a report yet */
		j = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if (json_is_object(j)) {
			json_object_set_new(j, "run", json_integer(run));
			json_array_append(out, j);
		}
		json_decref(j);
	}
	free(buf);
}

json_t *history_trial(const struct experiment *e, const struct trial *t,
		      size_t max)
{
	json_t *out = json_array();

	for (int64_t k = 1; k <= t->runs; k++) {
		char *rd = store_run_dir(e->dir, t->id, k);
		char *p = fs_join(rd, "metrics.jsonl");
		read_run(p, k, out, max);
		free(p);
		free(rd);
	}
	return out;
}
