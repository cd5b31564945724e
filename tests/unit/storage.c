/* Unit tests of the storage pieces under every experiment: atomic writes,
 * the O_EXCL claim, the journal's torn tail, and incremental metrics
 * harvesting with every kind of bad line. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"
#include "metrics.h"
#include "tap.h"
#include "xalloc.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/hps-storage.XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? xstrdup(d) : NULL;
}

static void put(const char *path, const char *s, int append)
{
	FILE *fp = fopen(path, append ? "a" : "w");

	fputs(s, fp);
	fclose(fp);
}

static void test_atomic(const char *dir)
{
	char *p = fs_join(dir, "f.json"), *victim = fs_join(dir, "victim");
	struct hps_error err;
	json_t *j = json_pack("{s:i,s:s}", "b", 2, "a", "x");
	char *s;

	ok(fs_write_json(p, j, &err) == 0, "write_json");
	s = fs_read_file(p, 1 << 20, NULL, &err);
	is_str(s, "{\n  \"a\": \"x\",\n  \"b\": 2\n}\n", "sorted keys, indented, final newline");
	free(s);
	/* A symlink planted at the destination is replaced, never followed. */
	put(victim, "keep", 0);
	unlink(p);
	ok(symlink(victim, p) == 0, "plant a symlink");
	ok(fs_write_json(p, j, &err) == 0, "write over the symlink");
	s = fs_read_file(victim, 100, NULL, &err);
	is_str(s, "keep", "the symlink's target is untouched");
	free(s);
	setenv("HPS_FAULT_WRITE", "1", 1);
	unsetenv("HPS_FAULT_COUNT");
	ok(fs_write_json(p, j, &err) < 0 && strstr(err.msg, "injected fault"),
	   "an injected fault fails the write: %s", err.msg);
	unsetenv("HPS_FAULT_WRITE");
	unsetenv("HPS_FAULT_COUNT");
	s = fs_read_file(p, 1 << 20, NULL, &err);
	ok(s && strstr(s, "\"a\": \"x\""), "the old content survives the failed write");
	free(s);
	json_decref(j);
	free(p);
	free(victim);
}

static void test_claim(const char *dir)
{
	char *p = fs_join(dir, "claim");
	struct hps_error err;

	is_int(fs_create_excl(p, "1", 1, &err), 1, "the first claim wins");
	is_int(fs_create_excl(p, "2", 1, &err), 0, "a second claim finds it taken");
	free(p);
}

static int count_cb(const json_t *rec, void *arg)
{
	(void)rec;
	(*(int *)arg)++;
	return 0;
}

static void test_journal(const char *dir)
{
	char *p = fs_join(dir, "journal.jsonl");
	struct hps_error err;
	json_t *r = json_pack("{s:s,s:i}", "ev", "x", "seq", 1);
	int n = 0, torn = 0;
	long long end = 0;
	size_t w;

	ok(journal_append(p, r, &w, &err) == 0 && journal_append(p, r, &w, &err) == 0,
	   "two appends");
	put(p, "{\"ev\": \"half", 1);	/* a crash mid-append */
	ok(journal_read(p, count_cb, &n, &torn, &err) == 0 && n == 2 && torn,
	   "a torn tail is skipped, not an error (%d records)", n);
	ok(journal_repair(p, &err) == 0, "repair");
	n = 0;
	ok(journal_read_from(p, 0, count_cb, &n, &end, &torn, &err) == 0 && n == 2 &&
	   !torn && end == (long long)(2 * w), "repaired: 2 whole records, end %lld", end);
	n = 0;
	ok(journal_read_from(p, end, count_cb, &n, NULL, NULL, &err) == 0 && n == 0,
	   "reading from the end finds nothing new");
	put(p, "not json\n", 1);
	ok(journal_read(p, count_cb, &n, NULL, &err) < 0 && strstr(err.msg, "corrupt"),
	   "a corrupt whole line is an error naming the file: %s", err.msg);
	json_decref(r);
	free(p);
}

static void test_metrics(const char *dir)
{
	char *p = fs_join(dir, "metrics.jsonl");
	struct hps_error err;
	struct harvest h;

	put(p, "{\"batches\": 10, \"loss\": 0.5}\n{\"batches\": 20, \"lo", 0);
	ok(metrics_harvest(p, 0, 0, "batches", "loss", &h, &err) == 0 && h.n == 1 &&
	   h.v[0].length == 10 && h.v[0].metric == 0.5 && h.lines == 1,
	   "a complete line is read; the incomplete last one waits");
	off_t off = h.offset;
	harvest_release(&h);
	put(p, "ss\": 0.25}\n", 1);
	ok(metrics_harvest(p, off, 1, "batches", "loss", &h, &err) == 0 && h.n == 1 &&
	   h.v[0].length == 20 && h.v[0].metric == 0.25 && h.v[0].line == 2,
	   "the next pass reads only what was appended, line numbers go on");
	off = h.offset;
	harvest_release(&h);
	put(p, "{\"batches\": 30, \"loss\": NaN}\n"
	       "[1, 2]\n"
	       "{\"loss\": 0.1}\n"
	       "{\"batches\": \"x\", \"loss\": 0.1}\n"
	       "{\"batches\": 40, \"loss\": \"high\"}\n"
	       "\xff\xfe garbage\n"
	       "\n"
	       "{\"batches\": 50, \"loss\": {\"nested\": 1}}\n"
	       "{\"batches\": 1e300, \"loss\": 1e999}\n", 1);
	ok(metrics_harvest(p, off, 2, "batches", "loss", &h, &err) == 0,
	   "bad lines do not fail the harvest");
	ok(h.nwarnings == METRICS_MAX_WARNINGS && h.more_warnings >= 1,
	   "they become warnings (%zu + %zu more)", h.nwarnings, h.more_warnings);
	ok(h.nwarnings && strstr(h.warnings[0], "line 3:") && strstr(h.warnings[0], "NaN"),
	   "a NaN is named with its line: %s", h.nwarnings ? h.warnings[0] : "");
	ok(h.lines == 11, "every line is counted (%lld)", (long long)h.lines);
	harvest_release(&h);
	ok(metrics_harvest("/nonexistent/m.jsonl", 0, 0, "batches", "loss", &h, &err) == 0 &&
	   h.n == 0, "a missing file is an empty harvest");
	harvest_release(&h);
	free(p);
}

int main(void)
{
	char *dir = tmpdir();

	if (!ok(dir != NULL, "temporary directory"))
		return done_testing();
	test_atomic(dir);
	test_claim(dir);
	test_journal(dir);
	test_metrics(dir);
	{
		char *cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
		free(cmd);
	}
	free(dir);
	return done_testing();
}
