/* proc.c - run a command and capture its output (see proc.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "xalloc.h"

#define PROC_MAX_OUTPUT (64u << 20)

struct buf {
	char *p;
	size_t n, cap;
};

static void append(struct buf *b, const char *s, size_t n)
{
	if (b->n + n > PROC_MAX_OUTPUT)
		n = PROC_MAX_OUTPUT - b->n;
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void proc_out_release(struct proc_out *po)
{
	free(po->out);
	free(po->err);
	po->out = po->err = NULL;
}

static void collect(int ofd, int efd, pid_t pid, int timeout_s,
		    struct buf *out, struct buf *err)
{
	struct pollfd p[2] = {{.fd = ofd, .events = POLLIN}, {.fd = efd, .events = POLLIN}};
	time_t deadline = time(NULL) + timeout_s;
	char chunk[8192];
	int open_fds = 2;

	while (open_fds > 0) {
		int left = (int)(deadline - time(NULL));
		if (left <= 0) {
			kill(pid, SIGKILL);
			append(err, "(timed out)\n", 12);
			break;
		}
		if (poll(p, 2, left * 1000) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)) || p[i].fd < 0)
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n > 0) {
				append(i ? err : out, chunk, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				p[i].fd = -1;
				open_fds--;
			}
		}
	}
}

/* Spawned, not forked: a driver holding a large state (100,000 trials)
 * would copy its page tables for every sbatch or squeue; posix_spawn
 * shares them until the exec. */
static int spawn(char *const argv[], int out, int errfd, pid_t *pid)
{
	extern char **environ;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	int rc;

	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int proc_run(char *const argv[], int timeout_s, struct proc_out *po,
	     struct hps_error *err)
{
	int o[2], e[2], status, rc;
	struct buf out = {0}, errb = {0};
	pid_t pid;

	po->out = po->err = NULL;
	po->status = -1;
	if (pipe2(o, O_CLOEXEC) < 0)
		return hps_errorf_errno(err, "cannot create a pipe");
	if (pipe2(e, O_CLOEXEC) < 0) {
		close(o[0]); close(o[1]);
		return hps_errorf_errno(err, "cannot create a pipe");
	}
	rc = spawn(argv, o[1], e[1], &pid);
	close(o[1]);
	close(e[1]);
	if (rc != 0) {
		close(o[0]); close(e[0]);
		errno = rc;
		return hps_errorf_errno(err, "cannot run %s", argv[0]);
	}
	append(&out, "", 0);
	append(&errb, "", 0);
	collect(o[0], e[0], pid, timeout_s, &out, &errb);
	close(o[0]);
	close(e[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	po->out = out.p;
	po->err = errb.p;
	po->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}
