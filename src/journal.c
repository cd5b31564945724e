/* journal.c - append-only JSON-lines journal (see journal.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"
#include "xalloc.h"

#define JOURNAL_MAX (1u << 30)

int journal_append(const char *path, const json_t *rec, size_t *written,
		   struct hps_error *err)
{
	char *s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS |
			     JSON_REAL_PRECISION(17));
	size_t len;
	int rc;

	if (!s)
		return hps_errorf(err, "cannot encode a journal record for '%s'", path);
	len = strlen(s);
	s = xrealloc(s, len + 2);
	s[len] = '\n';
	rc = fs_append(path, s, len + 1, err);
	free(s);
	if (rc == 0 && written)
		*written = len + 1;
	return rc;
}

/* Read bytes [start, EOF) of path: only what is new since a snapshot. */
static char *read_tail(const char *path, long long start, size_t *len,
		       struct hps_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0, want;
	char *buf;

	if (fd < 0) {
		hps_errorf_errno(err, "cannot open '%s'", path);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || st.st_size < start || st.st_size - start > JOURNAL_MAX) {
		hps_errorf(err, "'%s' is %s than state.json expects", path,
			   st.st_size < start ? "shorter" : "larger");
		close(fd);
		return NULL;
	}
	want = (size_t)(st.st_size - start);
	buf = xmalloc(want + 1);
	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, start + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

int journal_parse(const char *buf, size_t len, long long start,
		  const char *path, int (*cb)(const json_t *rec, void *arg),
		  void *arg, long long *end, int *torn, struct hps_error *err)
{
	const char *p, *nl;
	int rc = 0;

	if (torn)
		*torn = 0;
	if (end)
		*end = start;
	for (p = buf; p < buf + len && rc == 0; p = nl + 1) {
		json_error_t je;
		json_t *rec;

		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (!nl) {	/* a torn last append: not a record */
			if (torn)
				*torn = 1;
			break;
		}
		rec = json_loadb(p, (size_t)(nl - p), 0, &je);
		if (!json_is_object(rec)) {
			rc = hps_errorf(err, "'%s' is corrupt at byte %lld: %s", path,
					start + (long long)(p - buf),
					rec ? "not an object" : je.text);
			json_decref(rec);
			break;
		}
		rc = cb(rec, arg);
		json_decref(rec);
		if (end)
			*end = start + (long long)(nl + 1 - buf);
	}
	return rc;
}

int journal_read_from(const char *path, long long start,
		      int (*cb)(const json_t *rec, void *arg), void *arg,
		      long long *end, int *torn, struct hps_error *err)
{
	size_t len;
	char *buf;
	int rc;

	if (torn)
		*torn = 0;
	if (end)
		*end = start;
	if (!fs_exists(path))
		return start == 0 ? 0 : hps_errorf(err, "'%s' is missing", path);
	if (!(buf = read_tail(path, start, &len, err)))
		return -1;
	rc = journal_parse(buf, len, start, path, cb, arg, end, torn, err);
	free(buf);
	return rc;
}

int journal_read(const char *path, int (*cb)(const json_t *rec, void *arg),
		 void *arg, int *torn, struct hps_error *err)
{
	return journal_read_from(path, 0, cb, arg, NULL, torn, err);
}

int journal_repair(const char *path, struct hps_error *err)
{
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	off_t end;
	char c;

	if (fd < 0)
		return errno == ENOENT ? 0 : hps_errorf_errno(err, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return hps_errorf_errno(err, "cannot stat '%s'", path);
	}
	/* Walk back to the last newline: everything after it is torn. */
	for (end = st.st_size; end > 0; end--) {
		if (pread(fd, &c, 1, end - 1) != 1)
			break;
		if (c == '\n')
			break;
	}
	if (end != st.st_size && (ftruncate(fd, end) < 0 || fsync(fd) < 0)) {
		close(fd);
		return hps_errorf_errno(err, "cannot repair '%s'", path);
	}
	close(fd);
	return 0;
}
