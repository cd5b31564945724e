/* cmd_cancel.c - hpsearch cancel EXP [TRIAL...].
 *
 * With the experiment's lock free, the cancel is journaled here and the
 * runs are stopped.  When a driver holds the lock, the request is left in
 * requests/ for it: only the lock holder writes the journal.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "experiment.h"
#include "fsutil.h"
#include "reaper.h"
#include "store.h"
#include "xalloc.h"

static json_t *cancel_record(int argc, char **argv, struct hps_error *err)
{
	json_t *rec = json_pack("{s:s}", "ev", "cancel"), *ids;

	if (argc == 0)
		return rec;
	ids = json_array();
	for (int i = 0; i < argc; i++) {
		char *end;
		long long id = strtoll(argv[i], &end, 10);
		if (*end || id < 1) {
			hps_errorf(err, "'%s' is not a trial id", argv[i]);
			json_decref(ids);
			json_decref(rec);
			return NULL;
		}
		json_array_append_new(ids, json_integer(id));
	}
	json_object_set_new(rec, "trials", ids);
	return rec;
}

static int leave_request(const char *dir, json_t *rec, struct hps_error *err)
{
	char *rq = fs_join(dir, "requests"), *p;
	int rc;

	if (fs_mkdir_below(dir, rq, err) < 0) {
		free(rq);
		return -1;
	}
	p = xasprintf("%s/%ld-%ld.json", rq, (long)time(NULL), (long)getpid());
	rc = fs_write_json(p, rec, err);
	free(p);
	free(rq);
	/* The holder goes once more before it lets go: the request is not
	 * left for the next pass. */
	p = fs_join(dir, "dirty");
	if (rc == 0)
		rc = fs_write_atomic(p, "1\n", 2, FS_FILE_MODE, err);
	free(p);
	return rc;
}

/* Stop the runs of cancelled trials that are still alive on this host. */
static void stop_runs(struct experiment *e)
{
	char host[256] = "";

	gethostname(host, sizeof(host) - 1);
	for (size_t i = 0; i < e->n; i++) {
		struct trial *t = &e->t[i];
		char *rd, *p;
		json_t *claim;

		if (!t->running || !t->kill)
			continue;
		rd = store_run_dir(e->dir, t->id, t->runs);
		p = fs_join(rd, "claim");
		claim = fs_read_json(p, NULL);
		if (claim && !strcmp(json_string_value(json_object_get(claim, "host")) ?: "", host))
			kill((pid_t)json_integer_value(json_object_get(claim, "pid")), SIGTERM);
		json_decref(claim);
		free(p);
		free(rd);
	}
}

/* Refuse what cannot be cancelled: unknown trials, a finished experiment. */
static int check_target(const char *dir, const json_t *rec, struct hps_error *err)
{
	struct experiment *e = exp_open(dir, false, err);
	json_t *ids = json_object_get(rec, "trials"), *v;
	size_t i;
	int rc = 0;

	if (!e)
		return -1;
	if (exp_is_over(e))
		rc = hps_errorf(err, "experiment %lld is %s already", (long long)e->id,
				exp_state_name(e->state));
	json_array_foreach(ids, i, v)
		if (rc == 0 && (json_integer_value(v) > (json_int_t)e->n)) {
			hps_errorf(err, "experiment %lld has no trial %lld", (long long)e->id,
				   (long long)json_integer_value(v));
			rc = -2;
		}
	exp_free(e);
	return rc;
}

int cmd_cancel(struct cli *cli, int argc, char **argv)
{
	struct hps_error err;
	struct experiment *e = NULL;
	char *root, *dir;
	json_t *rec = NULL;
	bool busy;
	int fd = -1, rc = HPS_EXIT_FAILURE, c;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cli_usage(cli_find("cancel"), stdout);
		return HPS_EXIT_OK;
	}
	if (argc < 2 || argv[1][0] == '-')
		return cli_bad_usage(cli_find("cancel"), "give an experiment");
	root = store_root(cli->root);
	dir = store_resolve(root, argv[1], &err);
	free(root);
	if (!dir)
		goto fail;
	if (!(rec = cancel_record(argc - 2, argv + 2, &err))) {
		free(dir);
		fprintf(stderr, "hpsearch cancel: %s\n", err.msg);
		return HPS_EXIT_USAGE;
	}
	if ((c = check_target(dir, rec, &err)) < 0) {
		fprintf(stderr, "hpsearch cancel: %s\n", err.msg);
		rc = c == -2 ? HPS_EXIT_USAGE : HPS_EXIT_FAILURE;
		goto out;
	}
	fd = store_lock(dir, false, &busy, &err);
	if (fd < 0 && busy) {
		if (leave_request(dir, rec, &err) < 0)
			goto fail;
		printf("cancel requested: the running driver of %s applies it\n", dir);
		rc = HPS_EXIT_OK;
		goto out;
	}
	if (fd < 0 || !(e = exp_open(dir, true, &err)) || exp_record(e, rec, &err) < 0 ||
	    exp_snapshot(e, &err) < 0)
		goto fail;
	if (reaper_is_slurm(dir)) {
		if (reaper_scancel_killed(e, &err) < 0)
			fprintf(stderr, "hpsearch cancel: %s (the next reap pass tries again)\n", err.msg);
	} else {
		stop_runs(e);
	}
	printf("cancelled %s\n", argc > 2 ? "those trials" : "the experiment");
	rc = HPS_EXIT_OK;
	goto out;
fail:
	fprintf(stderr, "hpsearch cancel: %s\n", err.msg);
out:
	json_decref(rec);
	exp_free(e);
	store_unlock(fd);
	free(dir);
	return rc;
}
