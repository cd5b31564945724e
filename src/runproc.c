/* runproc.c - supervising a trial's entrypoint (see runproc.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "runproc.h"

/* The signals the supervisor forwards (and holds while it waits). */
static void forwarded(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGHUP);
	sigaddset(s, SIGUSR1);
}

static void child(char *const argv[], char *const envp[], const char *cwd,
		  int log, const sigset_t *old)
{
	int null = open("/dev/null", O_RDONLY);
	sigset_t fwd;

	setpgid(0, 0);
	/* If the supervisor is killed outright, the trial goes with it rather
	 * than running on unwatched; a driver's death does not reach here. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(127);
	/* The caller's mask, less what runproc forwards: a caller that holds
	 * them (runproc_hold_signals) must not pass that on to the trial. */
	forwarded(&fwd);
	sigaddset(&fwd, SIGCHLD);
	sigprocmask(SIG_SETMASK, old, NULL);
	sigprocmask(SIG_UNBLOCK, &fwd, NULL);
	if (null >= 0)
		dup2(null, 0);
	dup2(log, 1);
	dup2(log, 2);
	if (cwd && chdir(cwd) < 0) {
		dprintf(2, "hpsearch exec: cannot enter '%s': %s\n", cwd, strerror(errno));
		_exit(127);
	}
	execvpe(argv[0], argv, envp);
	dprintf(2, "hpsearch exec: cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void forward(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0)
		kill(pid, sig);
}

/* Wait for the child, forwarding signals; SIGKILL grace_s after a TERM. */
static int supervise(pid_t pid, int sfd, int grace_s, struct run_result *res)
{
	time_t kill_at = 0;
	int status;

	for (;;) {
		struct pollfd p = {.fd = sfd, .events = POLLIN};
		struct signalfd_siginfo si;
		int timeout = kill_at ? 1000 : -1;

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (kill_at && time(NULL) >= kill_at) {
			forward(pid, SIGKILL);
			kill_at = 0;
		}
		if (poll(&p, 1, timeout) <= 0)
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD)
			continue;
		forward(pid, (int)si.ssi_signo);
		if (si.ssi_signo != SIGUSR1) {
			res->terminated = true;
			if (!kill_at)
				kill_at = time(NULL) + grace_s;
		}
	}
	if (WIFSIGNALED(status))
		res->signal = WTERMSIG(status);
	else
		res->code = WEXITSTATUS(status);
	/* Stragglers the entrypoint left in its group go with it. */
	kill(-pid, SIGKILL);
	return 0;
}

int runproc(char *const argv[], char *const envp[], const char *cwd,
	    const char *log_path, int grace_s, struct run_result *res,
	    struct hps_error *err)
{
	sigset_t mask, old;
	int log, sfd, rc;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, FS_FILE_MODE);
	if (log < 0)
		return hps_errorf_errno(err, "cannot open '%s'", log_path);
	forwarded(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		rc = hps_errorf_errno(err, "cannot create a signalfd");
		goto out;
	}
	res->start = time(NULL);
	pid = fork();
	if (pid < 0) {
		rc = hps_errorf_errno(err, "cannot fork");
		goto out;
	}
	if (pid == 0)
		child(argv, envp, cwd, log, &old);
	setpgid(pid, pid);
	rc = supervise(pid, sfd, grace_s, res);
	res->end = time(NULL);
out:
	if (sfd >= 0)
		close(sfd);
	close(log);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void runproc_hold_signals(void)
{
	sigset_t s;

	forwarded(&s);
	sigprocmask(SIG_BLOCK, &s, NULL);
}

int runproc_stop_pending(void)
{
	static const int stops[] = {SIGTERM, SIGINT, SIGHUP};
	sigset_t p;

	if (sigpending(&p) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		if (sigismember(&p, stops[i]) == 1)
			return stops[i];
	return 0;
}

_Noreturn void runproc_die_by(int sig)
{
	sigset_t s;

	signal(sig, SIG_DFL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);	/* delivered here: the end */
	raise(sig);
	_exit(128 + sig);
}
