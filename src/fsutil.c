/* fsutil.c - crash-safe file operations (see fsutil.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "xalloc.h"

char *fs_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	return xasprintf("%s%s%s", a, la && a[la - 1] == '/' ? "" : "/", b);
}

/* The durable-write counter lives in the environment, not in a global:
 * each call reads and bumps HPS_FAULT_COUNT so a test can aim at the Nth
 * write of one process. */
int fs_fault(const char *what, struct hps_error *err)
{
	const char *w = getenv("HPS_FAULT_WRITE"), *k = getenv("HPS_FAULT_KILL");
	const char *c = getenv("HPS_FAULT_COUNT");
	char buf[32];
	long n;

	if (!w && !k)
		return 0;
	n = (c ? atol(c) : 0) + 1;
	snprintf(buf, sizeof(buf), "%ld", n);
	setenv("HPS_FAULT_COUNT", buf, 1);
	if (k && atol(k) == n)
		kill(getpid(), SIGKILL);
	if (w && atol(w) == n) {
		errno = EIO;
		return hps_errorf_errno(err, "cannot write '%s' (injected fault %ld)",
					what, n);
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_fsync_dir(const char *dir, struct hps_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return hps_errorf_errno(err, "cannot open directory '%s'", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		close(fd);
		return hps_errorf_errno(err, "cannot sync directory '%s'", dir);
	}
	close(fd);
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int fs_write_atomic(const char *path, const void *buf, size_t len,
		    mode_t mode, struct hps_error *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dir = dir_of(path);
	int fd = -1, rc = -1;

	if (fs_fault(path, err) < 0)
		goto out;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		hps_errorf_errno(err, "cannot create '%s'", tmp);
		goto out;
	}
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		hps_errorf_errno(err, "cannot write '%s'", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		hps_errorf_errno(err, "cannot write '%s'", tmp);
		goto out;
	}
	fd = -1;
	/* rename(2) replaces a planted symlink itself, never its target. */
	if (rename(tmp, path) < 0) {
		hps_errorf_errno(err, "cannot rename '%s' to '%s'", tmp, path);
		goto out;
	}
	rc = fs_fsync_dir(dir, err);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}

int fs_write_json(const char *path, const json_t *j, struct hps_error *err)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS |
			     JSON_REAL_PRECISION(17));
	size_t len;
	char *buf;
	int rc;

	if (!s)
		return hps_errorf(err, "cannot encode '%s' as JSON", path);
	len = strlen(s);
	buf = xmalloc(len + 2);
	memcpy(buf, s, len);
	buf[len] = '\n';
	rc = fs_write_atomic(path, buf, len + 1, 0666, err);
	free(buf);
	free(s);
	return rc;
}

char *fs_read_file(const char *path, size_t max, size_t *lenp,
		   struct hps_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, len = 0;
	char *buf;

	if (fd < 0) {
		hps_errorf_errno(err, "cannot open '%s'", path);
		return NULL;
	}
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n;
		if (len == cap) {
			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hps_errorf_errno(err, "cannot read '%s'", path);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == cap && cap >= max) {
		char c;
		if (read(fd, &c, 1) == 1) {
			hps_errorf(err, "'%s' is larger than %zu bytes", path, max);
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

json_t *fs_read_json(const char *path, struct hps_error *err)
{
	json_error_t je;
	size_t len;
	char *s = fs_read_file(path, 1u << 30, &len, err);
	json_t *j;

	if (!s)
		return NULL;
	j = json_loadb(s, len, 0, &je);
	free(s);
	if (!j)
		hps_errorf(err, "'%s' is corrupt: line %d, column %d: %s", path,
			   je.line, je.column, je.text);
	return j;
}

int fs_append(const char *path, const void *buf, size_t len,
	      struct hps_error *err)
{
	int fd, rc = 0;

	if (fs_fault(path, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return hps_errorf_errno(err, "cannot open '%s'", path);
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0)
		rc = hps_errorf_errno(err, "cannot append to '%s'", path);
	close(fd);
	return rc;
}

int fs_mkdir_p(const char *path, mode_t mode, struct hps_error *err)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s && *s != '/')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = hps_errorf_errno(err, "cannot create directory '%s'", p);
			break;
		}
		*s = saved;
		if (!saved)
			break;
	}
	free(p);
	return rc;
}

int fs_create_excl(const char *path, const void *buf, size_t len,
		   struct hps_error *err)
{
	int fd;

	if (fs_fault(path, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		return hps_errorf_errno(err, "cannot create '%s'", path);
	}
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		hps_errorf_errno(err, "cannot write '%s'", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 1;
}

bool fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}
