/* harvest.c - metrics and exits of runs into the journal (see harvest.h). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "harvest.h"
#include "metrics.h"
#include "store.h"
#include "xalloc.h"

static char *run_file(const struct experiment *e, const struct trial *t,
		      const char *name)
{
	char *rd = store_run_dir(e->dir, t->id, t->runs);
	char *p = fs_join(rd, name);

	free(rd);
	return p;
}

bool run_has_exit(const struct experiment *e, const struct trial *t)
{
	char *p = run_file(e, t, "exit.json");
	bool yes = fs_exists(p);

	free(p);
	return yes;
}

static json_t *reports_json(const struct harvest *h)
{
	json_t *a = json_array();

	for (size_t i = 0; i < h->n; i++) {
		const struct report *r = &h->v[i];
		json_array_append_new(a, json_pack("[o,o]",
			r->has_length ? json_integer((json_int_t)r->length) : json_null(),
			r->has_metric ? json_real(r->metric) : json_null()));
	}
	return a;
}

int harvest_metrics(struct experiment *e, struct trial *t, FILE *warn,
		    struct hps_error *err)
{
	char *path = run_file(e, t, "metrics.jsonl");
	struct harvest h;
	json_t *rec;
	int rc;

	rc = metrics_harvest(path, (off_t)t->offset, t->lines, exp_length_key(e),
			     e->cfg.searcher.metric ? e->cfg.searcher.metric : "",
			     &h, err);
	if (rc < 0)
		goto out;
	for (size_t i = 0; warn && i < h.nwarnings; i++)
		fprintf(warn, "hpsearch: warning: trial %lld run %lld: %s: %s\n",
			(long long)t->id, (long long)t->runs, path, h.warnings[i]);
	if (warn && h.more_warnings)
		fprintf(warn, "hpsearch: warning: trial %lld run %lld: %zu more warnings\n",
			(long long)t->id, (long long)t->runs, h.more_warnings);
	if ((long long)h.offset == t->offset) {
		harvest_release(&h);
		goto out;
	}
	rec = json_pack("{s:s,s:I,s:I,s:I,s:I,s:o}", "ev", "report",
			"trial", (json_int_t)t->id, "run", (json_int_t)t->runs,
			"offset", (json_int_t)h.offset, "lines", (json_int_t)h.lines,
			"reports", reports_json(&h));
	harvest_release(&h);
	rc = exp_record(e, rec, err);
	json_decref(rec);
	if (rc == 0)
		rc = 1;
out:
	free(path);
	return rc;
}

/* The run has exited: bytes after the last newline of its metrics file
 * will never become a line.  Say so, or a report lost to a missing final
 * newline goes unnoticed.  (Complete lines past one pass's chunk are not
 * torn: only a last byte other than a newline is.) */
static void warn_torn_tail(const struct experiment *e, const struct trial *t,
			   FILE *warn)
{
	char *path = run_file(e, t, "metrics.jsonl");
	struct stat st;
	char last = '\n';
	int fd;

	if (warn && stat(path, &st) == 0 && st.st_size > (off_t)t->offset &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
			fprintf(warn, "hpsearch: warning: trial %lld run %lld: %s: the last line has no newline at the end: ignored\n",
				(long long)t->id, (long long)t->runs, path);
		close(fd);
	}
	free(path);
}

int harvest_exit(struct experiment *e, struct trial *t, const char *fallback,
		 const char *slurm_state, FILE *warn, struct hps_error *err)
{
	char *path = run_file(e, t, "exit.json");
	struct hps_error e2;
	json_t *x = NULL, *rec;
	int rc;

	if (harvest_metrics(e, t, warn, err) < 0) {
		free(path);
		return -1;
	}
	warn_torn_tail(e, t, warn);
	if (fs_exists(path) && !(x = fs_read_json(path, &e2)) && warn)
		fprintf(warn, "hpsearch: warning: %s\n", e2.msg);
	free(path);
	rec = json_pack("{s:s,s:I,s:I,s:s,s:I,s:I}", "ev", "exit",
		"trial", (json_int_t)t->id, "run", (json_int_t)t->runs,
		"outcome", x ? json_string_value(json_object_get(x, "outcome")) ?: "failed"
			     : fallback,
		"code", x ? json_integer_value(json_object_get(x, "code")) : (json_int_t)-1,
		"signal", x ? json_integer_value(json_object_get(x, "signal")) : (json_int_t)0);
	if (x && json_is_true(json_object_get(x, "terminated")))
		json_object_set_new(rec, "terminated", json_true());
	if (slurm_state && (!x || strcmp(json_string_value(json_object_get(x, "outcome")) ?: "", "ok")))
		json_object_set_new(rec, "slurm_state", json_string(slurm_state));
	json_decref(x);
	rc = exp_record(e, rec, err);
	json_decref(rec);
	return rc;
}

int harvest_requests(struct experiment *e, struct hps_error *err)
{
	char *rq = fs_join(e->dir, "requests");
	DIR *dir = opendir(rq);
	struct dirent *de;
	int rc = 0;

	while (dir && rc == 0 && (de = readdir(dir))) {
		char *p;
		json_t *rec;

		if (de->d_name[0] == '.' || !strstr(de->d_name, ".json") ||
		    strstr(de->d_name, ".tmp."))
			continue;
		p = fs_join(rq, de->d_name);
		rec = fs_read_json(p, NULL);
		if (json_is_object(rec) &&
		    !strcmp(json_string_value(json_object_get(rec, "ev")) ?: "", "cancel"))
			rc = exp_record(e, rec, err);
		json_decref(rec);
		if (rc == 0)
			unlink(p);
		free(p);
	}
	if (dir)
		closedir(dir);
	free(rq);
	return rc;
}
