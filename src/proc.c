/* proc.c - run a command and capture its output (see proc.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

int proc_run(char *const argv[], int timeout_s, struct proc_out *po,
	     struct hps_error *err)
{
	int o[2], e[2], status;
	struct buf out = {0}, errb = {0};
	pid_t pid;

	po->out = po->err = NULL;
	po->status = -1;
	if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0)
		return hps_errorf_errno(err, "cannot create a pipe");
	pid = fork();
	if (pid < 0) {
		close(o[0]); close(o[1]); close(e[0]); close(e[1]);
		return hps_errorf_errno(err, "cannot fork");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(null, 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
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
	if (po->status == 127 && strstr(po->err, "cannot run")) {
		hps_errorf(err, "%s", po->err);
		proc_out_release(po);
		return -1;
	}
	return 0;
}
