/* multinode.c - trials across nodes (see multinode.h). */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "multinode.h"
#include "proc.h"
#include "xalloc.h"

extern char **environ;

#define PORT_WAIT_S 120		/* how long ranks wait for rank 0's port */

char *multinode_master_addr(void)
{
	const char *node = getenv("SLURMD_NODENAME");
	char host[256] = "localhost", *addr = NULL, *p;
	struct proc_out po;
	struct hps_error err;

	gethostname(host, sizeof(host) - 1);
	if (node) {
		char *argv[] = {"scontrol", "show", "node", "-o", (char *)node, NULL};
		if (proc_run(argv, 30, &po, &err) == 0 && po.status == 0 &&
		    (p = strstr(po.out, "NodeAddr=")))
			addr = xstrndup(p + 9, strcspn(p + 9, " \n"));
		proc_out_release(&po);
	}
	return addr ? addr : xstrdup(host);
}

int multinode_launch(const struct experiment *e, const struct rank_args *r,
		     const char *rundir, struct run_result *res,
		     struct hps_error *err)
{
	char exe[PATH_MAX], ntasks[32], trial[32], run[32], len[32];
	char *logp = fs_join(rundir, "output.log");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int rc;

	if (n < 0) {
		free(logp);
		return hps_errorf_errno(err, "cannot find the hpsearch binary");
	}
	exe[n] = '\0';
	snprintf(ntasks, sizeof(ntasks), "--ntasks=%lld", (long long)expconf_nodes(&e->cfg));
	snprintf(trial, sizeof(trial), "%lld", (long long)r->trial);
	snprintf(run, sizeof(run), "%lld", (long long)r->run);
	snprintf(len, sizeof(len), "%llu", (unsigned long long)r->length);
	char *argv[] = {"srun", ntasks, "--ntasks-per-node=1", "--kill-on-bad-exit=1",
			"--label", "--export=ALL", exe, "exec", "--rank", "--trial", trial,
			"--run", run, "--length", len, "--master-addr",
			(char *)r->master_addr, (char *)r->dir, NULL};
	/* srun runs with this task's own environment (Slurm's); each rank
	 * builds the trial's environment itself. */
	rc = runproc(argv, environ, rundir, logp, 30, res, err);
	free(logp);
	return rc;
}

/* A port free on this node now: the kernel picks it, we let it go and
 * publish it; the trainer binds it a moment later. */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int master_port(int rank, const char *rundir, struct hps_error *err)
{
	char *p = fs_join(rundir, "master_port"), buf[32];
	time_t until = time(NULL) + PORT_WAIT_S;
	int port = -1;

	if (rank == 0) {
		port = free_port();
		snprintf(buf, sizeof(buf), "%d\n", port);
		if (port < 0 || fs_write_atomic(p, buf, strlen(buf), FS_FILE_MODE, err) < 0)
			port = hps_errorf(err, "cannot publish a master port");
	} else {
		while (port < 0 && time(NULL) < until) {
			char *s = fs_read_file(p, 64, NULL, NULL);
			if (s)
				port = atoi(s);
			free(s);
			if (port < 0)
				usleep(200000);
		}
		if (port < 0)
			hps_errorf(err, "rank 0 published no master port in %d s", PORT_WAIT_S);
	}
	free(p);
	return port;
}

/* env_set: NAME=value in env, replacing an earlier NAME (a variable of the
 * submitting shell must not shadow the rank's). */
static char **env_set(char **env, const char *name, const char *value)
{
	size_t n = 0, l = strlen(name);

	for (; env[n]; n++)
		if (!strncmp(env[n], name, l) && env[n][l] == '=') {
			free(env[n]);
			env[n] = xasprintf("%s=%s", name, value);
			return env;
		}
	env = xreallocarray(env, n + 2, sizeof(*env));
	env[n] = xasprintf("%s=%s", name, value);
	env[n + 1] = NULL;
	return env;
}

static char **env_int(char **env, const char *name, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return env_set(env, name, buf);
}

char **multinode_vars(char **env, const struct hps_config *cfg,
		      const struct rank_args *r, const char *rundir,
		      struct hps_error *err)
{
	const char *id = getenv("SLURM_NODEID") ?: getenv("SLURM_PROCID");
	int rank = id ? atoi(id) : 0;
	int64_t nodes = expconf_nodes(cfg), local = cfg->slurm.slots_per_node;
	int port = master_port(rank, rundir, err);

	if (port < 0)
		return NULL;
	env = env_int(env, "NODE_RANK", rank);
	env = env_int(env, "NNODES", nodes);
	env = env_int(env, "LOCAL_WORLD_SIZE", local);
	env = env_int(env, "WORLD_SIZE", nodes * local);
	env = env_int(env, "MASTER_PORT", port);
	return env_set(env, "MASTER_ADDR", r->master_addr);
}
