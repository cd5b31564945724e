/* runproc.h - running one trial run's entrypoint as a supervised child.
 *
 * The child gets its own process group, the run's environment, the
 * context directory as working directory, /dev/null as stdin and the
 * run's output.log as stdout and stderr.  SIGTERM, SIGINT, SIGHUP and
 * SIGUSR1 sent to the supervisor are forwarded to the whole group
 * (SIGUSR1: "checkpoint now", as Slurm's --signal sends it before the time
 * limit); after SIGTERM the group gets grace_s seconds before SIGKILL.
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

#endif
