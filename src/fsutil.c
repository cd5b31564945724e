/* fsutil.c - crash-safe file operations (see fsutil.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
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

/* fault_spec: "N" or "N@ROLE"; true when this is the Nth write and the
 * process plays ROLE (HPS_FAULT_ROLE, set by the CLI entry point to the
 * command's name), so a test can aim at the driver and not at the runs it
 * starts. */
static bool fault_spec(const char *spec, long n)
{
	char *end;
	long want;
	const char *role;

	if (!spec)
		return false;
	want = strtol(spec, &end, 10);
	if (want != n)
		return false;
	if (*end != '@')
		return *end == '\0';
	role = getenv("HPS_FAULT_ROLE");
	return role && !strcmp(role, end + 1);
}

static int fault_errno(void)
{
	const char *e = getenv("HPS_FAULT_ERRNO");

	if (e && !strcmp(e, "ENOSPC"))
		return ENOSPC;
	if (e && !strcmp(e, "EDQUOT"))
		return EDQUOT;
	return EIO;
}

/* fault_trace: one line per durable write, so a test learns how many
 * boundaries a command has and where each one is. */
static void fault_trace(long n, const char *what)
{
	const char *t = getenv("HPS_FAULT_TRACE"), *role = getenv("HPS_FAULT_ROLE");
	char line[PATH_MAX + 64];
	int fd, len;

	if (!t)
		return;
	len = snprintf(line, sizeof(line), "%s %ld %s\n", role ? role : "-", n, what);
	fd = open(t, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (len > 0)
		(void)!write(fd, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
	close(fd);
}

/* The durable-write counter lives in the environment, not in a global:
 * each call reads and bumps HPS_FAULT_COUNT so a test can aim at the Nth
 * write of one process (the entry point resets it, so a child counts its
 * own writes). */
int fs_fault(const char *what, struct hps_error *err)
{
	const char *w = getenv("HPS_FAULT_WRITE"), *k = getenv("HPS_FAULT_KILL");
	const char *c = getenv("HPS_FAULT_COUNT");
	char buf[32];
	long n;

	if (!w && !k && !getenv("HPS_FAULT_TRACE"))
		return 0;
	n = (c ? atol(c) : 0) + 1;
	snprintf(buf, sizeof(buf), "%ld", n);
	setenv("HPS_FAULT_COUNT", buf, 1);
	fault_trace(n, what);
	if (fault_spec(k, n))
		kill(getpid(), SIGKILL);
	if (fault_spec(w, n)) {
		errno = fault_errno();
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
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode & FS_NOT_WORLD);
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
	rc = fs_write_atomic(path, buf, len + 1, FS_FILE_MODE, err);
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
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		  FS_FILE_MODE);
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
		if (mkdir(p, mode & FS_NOT_WORLD) < 0 && errno != EEXIST) {
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

/* One component at a time with mkdirat and O_NOFOLLOW: a symbolic link
 * planted below base (by a trial, or by someone else in a shared project
 * directory) is refused instead of followed. */
int fs_mkdir_below(const char *base, const char *path, struct hps_error *err)
{
	size_t lb = strlen(base);
	char *rel, *comp, *save = NULL;
	int dfd, rc = 0;

	if (strncmp(path, base, lb) || (path[lb] && path[lb] != '/'))
		return hps_errorf(err, "'%s' is not below '%s'", path, base);
	if ((dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return hps_errorf_errno(err, "cannot open directory '%s'", base);
	rel = xstrdup(path + lb);
	for (comp = strtok_r(rel, "/", &save); comp && rc == 0;
	     comp = strtok_r(NULL, "/", &save)) {
		int next;
		if (mkdirat(dfd, comp, FS_DIR_MODE) < 0 && errno != EEXIST) {
			rc = hps_errorf_errno(err, "cannot create directory '%s' in '%s'",
					      comp, path);
			break;
		}
		next = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			rc = errno == ELOOP || errno == ENOTDIR
				? hps_errorf(err, "'%s' in '%s' is not a directory (a symbolic link?): refusing to follow it",
					     comp, path)
				: hps_errorf_errno(err, "cannot open directory '%s' in '%s'",
						   comp, path);
			break;
		}
		close(dfd);
		dfd = next;
	}
	close(dfd);
	free(rel);
	return rc;
}

int fs_create_excl(const char *path, const void *buf, size_t len,
		   struct hps_error *err)
{
	int fd;

	if (fs_fault(path, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  FS_FILE_MODE);
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
