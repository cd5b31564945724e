/* store.c - creating and finding experiment directories (see store.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "store.h"
#include "xalloc.h"

extern char **environ;

char *store_root(const char *opt)
{
	const char *home = getenv("HOME");

	if (opt && *opt)
		return xstrdup(opt);
	if (getenv("HPSEARCH_ROOT") && *getenv("HPSEARCH_ROOT"))
		return xstrdup(getenv("HPSEARCH_ROOT"));
	return xasprintf("%s/hpsearch", home && *home ? home : ".");
}

int64_t store_id_of(const char *dir)
{
	const char *base = strrchr(dir, '/');
	char *end;
	long long id;

	base = base ? base + 1 : dir;
	if (*base < '0' || *base > '9')
		return -1;
	id = strtoll(base, &end, 10);
	return *end == '-' && id > 0 ? id : -1;
}

/* Names become directory names: keep [A-Za-z0-9._-], map the rest to '_',
 * never start with a dot, at most 64 bytes ("../x" -> "_.._x"). */
static char *safe_name(const char *name)
{
	size_t n = strlen(name) > 64 ? 64 : strlen(name);
	char *s = xstrndup(name, n);

	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	if (s[0] == '.' || s[0] == '\0') {
		char *t = xasprintf("_%s", s);
		free(s);
		s = t;
	}
	return s;
}

static int64_t max_id(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *e;
	int64_t max = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		int64_t id = store_id_of(e->d_name);
		if (id > max)
			max = id;
	}
	closedir(d);
	return max;
}

/* Reserve the next id: mkdir is atomic, so two creates never share one. */
static int64_t reserve_id(const char *root, struct hps_error *err)
{
	char *ids = fs_join(root, ".ids");
	int64_t id = -1;

	if (fs_mkdir_p(ids, FS_DIR_MODE, err) < 0)
		goto out;
	for (int64_t next = max_id(ids) + 1;; next++) {
		char *p = xasprintf("%s/%lld", ids, (long long)next);
		int rc = mkdir(p, FS_DIR_MODE);
		free(p);
		if (rc == 0) {
			id = next;
			break;
		}
		if (errno != EEXIST) {
			hps_errorf_errno(err, "cannot reserve an experiment id in '%s'", ids);
			break;
		}
	}
out:
	free(ids);
	return id;
}

static int write_environment(const char *dir, struct hps_error *err)
{
	json_t *env = json_object();
	char *path = fs_join(dir, "environment");
	int rc;

	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char *k;
		if (!eq || eq == *e)
			continue;
		json_t *v = json_string(eq + 1);
		/* A value that is not UTF-8 cannot be JSON: it is left out. */
		if (v) {
			k = xstrndup(*e, (size_t)(eq - *e));
			json_object_set_new(env, k, v);
			free(k);
		}
	}
	rc = fs_write_json(path, env, err);
	json_decref(env);
	free(path);
	return rc;
}

/* ---- context snapshot ---- */

struct ignore {
	char **pat;
	size_t n;
};

static void load_ignore(const char *ctx, const char *file, struct ignore *ig)
{
	char *path = fs_join(ctx, file);
	char *buf = fs_read_file(path, 1 << 20, NULL, NULL);
	char *line, *save = NULL;

	free(path);
	if (!buf)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);
		while (l && (line[l - 1] == ' ' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (!l || line[0] == '#')
			continue;
		ig->pat = xreallocarray(ig->pat, ig->n + 1, sizeof(*ig->pat));
		ig->pat[ig->n++] = xstrdup(line);
	}
	free(buf);
}

/* gitignore's common subset: "name" matches any path component, a pattern
 * with a slash matches from the context's top, "dir/" only directories,
 * "!pat" re-includes. */
static bool ignored(const struct ignore *ig, const char *rel, bool isdir)
{
	const char *base = strrchr(rel, '/');
	bool out = false;

	base = base ? base + 1 : rel;
	for (size_t i = 0; i < ig->n; i++) {
		const char *p = ig->pat[i];
		bool neg = *p == '!', dironly;
		char pat[PATH_MAX];
		size_t l;

		if (neg)
			p++;
		snprintf(pat, sizeof(pat), "%s", *p == '/' ? p + 1 : p);
		l = strlen(pat);
		dironly = l && pat[l - 1] == '/';
		if (dironly)
			pat[--l] = '\0';
		if (dironly && !isdir)
			continue;
		if (strchr(p, '/') && !(dironly && !strchr(pat, '/')) ?
		    fnmatch(pat, rel, FNM_PATHNAME) == 0 : fnmatch(pat, base, 0) == 0)
			out = !neg;
	}
	return out;
}

struct copy {
	const char *src_top;
	const char *skip;	/* the experiment root, when inside the context */
	struct ignore ig;
	uint64_t bytes;
	struct hps_error *err;
};

static int copy_file(const char *src, const char *dst, mode_t mode,
		     struct copy *c)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return hps_errorf_errno(c->err, "cannot read '%s'", src);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0775);
	if (out < 0) {
		hps_errorf_errno(c->err, "cannot create '%s'", dst);
		goto done;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		c->bytes += (uint64_t)n;
		if (c->bytes > STORE_CONTEXT_LIMIT) {
			hps_errorf(c->err, "the context directory '%s' holds more than %u MiB: "
				   "list what the trials do not need in %s/.hpsignore",
				   c->src_top, STORE_CONTEXT_LIMIT >> 20, c->src_top);
			goto done;
		}
		if (write(out, buf, (size_t)n) != n) {
			hps_errorf_errno(c->err, "cannot write '%s'", dst);
			goto done;
		}
	}
	rc = n < 0 ? hps_errorf_errno(c->err, "cannot read '%s'", src) : 0;
	if (rc == 0 && fsync(out) < 0)
		rc = hps_errorf_errno(c->err, "cannot write '%s'", dst);
done:
	close(in);
	if (out >= 0)
		close(out);
	return rc;
}

static int copy_tree(const char *src, const char *dst, const char *rel,
		     struct copy *c)
{
	DIR *d = opendir(src);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return hps_errorf_errno(c->err, "cannot read directory '%s'", src);
	while (rc == 0 && (e = readdir(d))) {
		char *s, *t, *r;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		s = fs_join(src, e->d_name);
		t = fs_join(dst, e->d_name);
		r = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		if (lstat(s, &st) < 0)
			rc = hps_errorf_errno(c->err, "cannot stat '%s'", s);
		else if (ignored(&c->ig, r, S_ISDIR(st.st_mode)) ||
			 (c->skip && !strcmp(s, c->skip)))
			;
		else if (S_ISDIR(st.st_mode))
			rc = mkdir(t, (st.st_mode & 0775) | 0700) < 0
			   ? hps_errorf_errno(c->err, "cannot create '%s'", t)
			   : copy_tree(s, t, r, c);
		else if (S_ISREG(st.st_mode))
			rc = copy_file(s, t, st.st_mode, c);
		else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(s, target, sizeof(target) - 1);
			if (n >= 0) {
				target[n] = '\0';
				if (symlink(target, t) < 0)
					rc = hps_errorf_errno(c->err, "cannot create '%s'", t);
			}
		}
		free(s);
		free(t);
		free(r);
	}
	closedir(d);
	return rc;
}

static int snapshot_context(const char *ctx, const char *dst, const char *root,
			    struct hps_error *err)
{
	struct copy c = {.src_top = ctx, .err = err};
	char real_root[PATH_MAX];
	int rc;

	if (realpath(root, real_root))
		c.skip = real_root;
	load_ignore(ctx, ".hpsignore", &c.ig);
	load_ignore(ctx, ".detignore", &c.ig);
	if (mkdir(dst, FS_DIR_MODE) < 0)
		return hps_errorf_errno(err, "cannot create '%s'", dst);
	{
		char real_ctx[PATH_MAX];
		if (!realpath(ctx, real_ctx))
			rc = hps_errorf_errno(err, "cannot read the context directory '%s'", ctx);
		else
			rc = copy_tree(real_ctx, dst, "", &c);
	}
	for (size_t i = 0; i < c.ig.n; i++)
		free(c.ig.pat[i]);
	free(c.ig.pat);
	return rc;
}

static int write_basics(const char *tmp, const char *config_path,
			struct hps_error *err)
{
	size_t len;
	char *yaml = fs_read_file(config_path, 8u << 20, &len, err);
	char *p, fmt[16];
	int rc;

	if (!yaml)
		return -1;
	p = fs_join(tmp, "experiment.yaml");
	rc = fs_write_atomic(p, yaml, len, FS_FILE_MODE, err);
	free(p);
	free(yaml);
	if (rc < 0)
		return -1;
	snprintf(fmt, sizeof(fmt), "%d\n", STORE_FORMAT);
	p = fs_join(tmp, "format");
	rc = fs_write_atomic(p, fmt, strlen(fmt), FS_FILE_MODE, err);
	free(p);
	if (rc < 0)
		return -1;
	p = fs_join(tmp, "trials");
	rc = mkdir(p, FS_DIR_MODE) < 0 ? hps_errorf_errno(err, "cannot create '%s'", p) : 0;
	free(p);
	return rc < 0 ? -1 : write_environment(tmp, err);
}

/* rm_tree: remove a directory tree without following symbolic links. */
static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* sweep_creating: remove what a create killed halfway left behind.  A
 * creator holds the lock inside its hidden directory until the rename, so
 * a lock we can take means the creator is gone; the age test covers the
 * instant between its mkdir and its lock. */
static void sweep_creating(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		char *p;
		bool busy;
		int fd;
		struct hps_error ignored;

		if (strncmp(de->d_name, ".creating-", 10))
			continue;
		p = fs_join(root, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
		    time(NULL) - st.st_mtime > 60 &&
		    (fd = store_lock(p, false, &busy, &ignored)) >= 0) {
			rm_tree(p);
			store_unlock(fd);
		}
		free(p);
	}
	closedir(d);
}

char *store_create(const char *root, const struct hps_config *cfg,
		   const char *config_path, const char *context_dir,
		   const struct store_init *init, int64_t *idp, int *lockfd,
		   struct hps_error *err)
{
	char *name = safe_name(cfg->name), *tmp = NULL, *dir = NULL, *ctx;
	bool made = false, busy;
	int64_t id;
	int fd = -1;

	if (fs_mkdir_p(root, FS_DIR_MODE, err) < 0)
		goto fail;
	sweep_creating(root);
	if ((id = reserve_id(root, err)) < 0)
		goto fail;
	tmp = xasprintf("%s/.creating-%lld", root, (long long)id);
	dir = xasprintf("%s/%lld-%s", root, (long long)id, name);
	if (mkdir(tmp, FS_DIR_MODE) < 0) {
		hps_errorf_errno(err, "cannot create '%s'", tmp);
		goto fail;
	}
	made = true;
	/* The lock is taken here and survives the rename: no reaper sees the
	 * experiment before its creator is done with it. */
	if ((fd = store_lock(tmp, false, &busy, err)) < 0 ||
	    write_basics(tmp, config_path, err) < 0)
		goto fail;
	if (context_dir) {
		ctx = fs_join(tmp, "context");
		int rc = snapshot_context(context_dir, ctx, root, err);
		free(ctx);
		if (rc < 0)
			goto fail;
	}
	/* The state is written before the rename, which is the commit: an
	 * experiment under its name is always whole. */
	if (init && init->fn(tmp, id, init->arg, err) < 0)
		goto fail;
	if (rename(tmp, dir) < 0) {
		hps_errorf_errno(err, "cannot create '%s'", dir);
		goto fail;
	}
	made = false;
	if (fs_fsync_dir(root, err) < 0)
		goto fail;
	*idp = id;
	*lockfd = fd;
	free(tmp);
	free(name);
	return dir;
fail:
	if (made)
		rm_tree(tmp);
	store_unlock(fd);
	free(tmp);
	free(dir);
	free(name);
	return NULL;
}

static int cmp_by_id(const void *a, const void *b)
{
	int64_t x = store_id_of(*(char *const *)a), y = store_id_of(*(char *const *)b);

	return x < y ? -1 : x > y;
}

char **store_list(const char *root, struct hps_error *err)
{
	DIR *d = opendir(root);
	struct dirent *e;
	char **v = xcalloc(1, sizeof(*v));
	size_t n = 0;

	if (!d) {
		if (errno != ENOENT) {
			free(v);
			hps_errorf_errno(err, "cannot read '%s'", root);
			return NULL;
		}
		return v;
	}
	while ((e = readdir(d))) {
		if (store_id_of(e->d_name) < 0)
			continue;
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = fs_join(root, e->d_name);
		v[n] = NULL;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_by_id);
	return v;
}

char *store_context(const char *config, const char *given)
{
	const char *slash;

	if (given)
		return xstrdup(given);
	slash = strrchr(config, '/');
	return slash ? xstrndup(config, (size_t)(slash - config)) : xstrdup(".");
}

char *store_resolve(const char *root, const char *exp, struct hps_error *err)
{
	char **all, *found = NULL, *end;
	struct stat st;
	long long id = strtoll(exp, &end, 10);
	int matches = 0;

	if (strchr(exp, '/') || !strcmp(exp, ".") || !strcmp(exp, "..")) {
		char *f = fs_join(exp, "format");
		bool ok = stat(exp, &st) == 0 && S_ISDIR(st.st_mode) && fs_exists(f);
		free(f);
		if (ok)
			return xstrdup(exp);
		hps_errorf(err, "'%s' is not an experiment directory", exp);
		return NULL;
	}
	if (!(all = store_list(root, err)))
		return NULL;
	for (char **p = all; *p; p++) {
		const char *base = strrchr(*p, '/') + 1;
		const char *nm = strchr(base, '-') + 1;
		if ((*end == '\0' && store_id_of(*p) == id) || !strcmp(nm, exp) ||
		    !strcmp(base, exp)) {
			free(found);
			found = xstrdup(*p);
			matches++;
		}
		free(*p);
	}
	free(all);
	if (matches == 1 || (found && *end == '\0'))
		return found;
	if (matches > 1)
		hps_errorf(err, "'%s' names %d experiments under '%s': use the id", exp,
			   matches, root);
	else
		hps_errorf(err, "no experiment '%s' under '%s'", exp, root);
	free(found);
	return NULL;
}

int store_check_format(const char *dir, struct hps_error *err)
{
	char *p = fs_join(dir, "format");
	char *s = fs_read_file(p, 64, NULL, err);
	int v;

	free(p);
	if (!s)
		return -1;
	v = atoi(s);
	free(s);
	if (v > STORE_FORMAT)
		return hps_errorf(err, "'%s' was written by a newer hpsearch (format %d; this one reads up to %d): use that version",
				  dir, v, STORE_FORMAT);
	if (v < 1)
		return hps_errorf(err, "'%s' has a corrupt format file", dir);
	return 0;
}

int store_lock(const char *dir, bool wait, bool *busy, struct hps_error *err)
{
	char *p = fs_join(dir, "lock");
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FS_FILE_MODE);

	*busy = false;
	if (fd < 0) {
		hps_errorf_errno(err, "cannot open '%s'", p);
		free(p);
		return -1;
	}
	/* OFD locks belong to the open file, not the process: a child that
	 * inherits nothing cannot release them by closing another fd. */
	while (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EACCES) {
			*busy = true;
			hps_errorf(err, "the experiment '%s' is busy: another hpsearch is driving it", dir);
		} else {
			hps_errorf_errno(err, "cannot lock '%s'", p);
		}
		close(fd);
		free(p);
		return -1;
	}
	free(p);
	return fd;
}

void store_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

char *store_trial_dir(const char *dir, int64_t trial)
{
	return xasprintf("%s/trials/%lld", dir, (long long)trial);
}

char *store_run_dir(const char *dir, int64_t trial, int64_t run)
{
	return xasprintf("%s/trials/%lld/runs/%lld", dir, (long long)trial,
			 (long long)run);
}

char *store_checkpoint_dir(const char *dir, const struct hps_config *cfg,
			   int64_t exp_id, int64_t trial)
{
	const struct checkpoint_config *ck = &cfg->checkpoint;

	if (ck->host_path)
		return xasprintf("%s%s%s/hpsearch-%lld/trial-%lld", ck->host_path,
				 ck->storage_path ? "/" : "",
				 ck->storage_path ? ck->storage_path : "",
				 (long long)exp_id, (long long)trial);
	return xasprintf("%s/trials/%lld/checkpoint", dir, (long long)trial);
}
