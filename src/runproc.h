/* runproc.h - running one trial run's entrypoint as a supervised child.
 *
 * The child gets its own process group, the run's environment, the
 * context directory as working directory, /dev/null as stdin and the
 * run's output.log as stdout and stderr.  SIGTERM, SIGINT, SIGHUP and
 * SIGUSR1 sent to the supervisor are forwarded to the whole group
 * (SIGUSR1: "checkpoint now", as Slurm's --signal sends it before the time
 * limit); after SIGTERM the group gets grace_s seconds before SIGKILL.
 * The entrypoint starts with those signals unblocked, whatever the caller
 * blocks.
 */
#ifndef HPS_RUNPROC_H
#define HPS_RUNPROC_H

#include <stdbool.h>
#include <time.h>

#include "error.h"

struct run_result {
	int code;		/* exit status, when !signal */
	int signal;		/* the signal that ended it, or 0 */
	bool terminated;	/* we were asked to stop it */
	time_t start, end;
};

int runproc(char *const argv[], char *const envp[], const char *cwd,
	    const char *log_path, int grace_s, struct run_result *res,
	    struct hps_error *err);

/* runproc_hold_signals: block the signals runproc forwards, for a process
 * that goes through several steps around its runs.  One that comes between
 * runs then waits: a stop signal for runproc_stop_pending, SIGUSR1 for the
 * next runproc, which forwards it.  Without this a SIGTERM that came while
 * the state was being read or a claim written would end the process
 * there. */
void runproc_hold_signals(void);

/* runproc_stop_pending: the held stop signal (SIGTERM, SIGINT, SIGHUP)
 * waiting, or 0. */
int runproc_stop_pending(void);

/* runproc_die_by: end the process as SIG's default action would have;
 * for a stop signal runproc_stop_pending found, at a point where nothing
 * is half-done. */
_Noreturn void runproc_die_by(int sig);

#endif
