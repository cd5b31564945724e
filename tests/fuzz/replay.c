/* replay.c - tests/unit/fuzz-replay.t: every file of tests/fuzz/corpus/<h>
 * and tests/fuzz/regressions/<h> through harness <h>, the function
 * libFuzzer calls (fuzz.h), so `make check` keeps what fuzzing found fixed
 * under gcc, ASan and valgrind without clang's fuzzer runtime.
 *
 * A harness that crashes kills this test (the TAP plan never comes); one
 * test point per directory counts its inputs.  The source tree is
 * $top_srcdir (set by `make check`), else the argument, else ".".
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "../unit/tap.h"
#include "xalloc.h"

static const struct {
	const char *name;
	int (*fn)(const uint8_t *, size_t);
} harnesses[] = {
	{"config", fuzz_config},
	{"metrics", fuzz_metrics},
	{"state", fuzz_state},
	{"tasks", fuzz_tasks},
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* replay_dir: each regular file of dir through fn, in name order (so a
 * failure names the same file every time); the count, or -1 without dir. */
static long replay_dir(const char *dir, int (*fn)(const uint8_t *, size_t))
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	long done = 0;

	if (!dp)
		return -1;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		FILE *fp = fopen(names[i], "rb");
		struct stat st;
		uint8_t *buf;
		size_t len;

		if (!fp || fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
			if (fp)
				fclose(fp);
			free(names[i]);
			continue;
		}
		/* +1: a zero-length malloc may be NULL, and the harness
		 * must see exactly len bytes (no terminator is promised). */
		buf = xmalloc((size_t)st.st_size + 1);
		len = fread(buf, 1, (size_t)st.st_size, fp);
		fclose(fp);
		/* Name the input first: if it crashes, the log says which. */
		printf("# %s\n", names[i]);
		fflush(stdout);
		fn(buf, len);
		free(buf);
		free(names[i]);
		done++;
	}
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");

	if (!top)
		top = argc > 1 ? argv[1] : ".";
	for (size_t h = 0; h < sizeof(harnesses) / sizeof(harnesses[0]); h++) {
		static const char *const kinds[] = {"corpus", "regressions"};
		for (size_t k = 0; k < 2; k++) {
			char *dir = xasprintf("%s/tests/fuzz/%s/%s", top, kinds[k],
					      harnesses[h].name);
			long n = replay_dir(dir, harnesses[h].fn);
			/* The seed corpus must exist; regressions may not yet. */
			ok(k == 1 || n > 0,
			   "%s: %ld %s inputs replayed", harnesses[h].name,
			   n < 0 ? 0 : n, kinds[k]);
			free(dir);
		}
	}
	return done_testing();
}
