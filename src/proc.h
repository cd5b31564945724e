/* proc.h - running a command (no shell) and capturing what it prints.
 *
 * Used for Slurm's client commands: arguments are passed as argv, never
 * through a shell, so nothing in them is interpreted.
 */
#ifndef HPS_PROC_H
#define HPS_PROC_H

#include "error.h"

struct proc_out {
	char *out;		/* stdout, NUL-terminated (caller frees) */
	char *err;		/* stderr */
	int status;		/* exit status, or 128 + signal; -1: not run */
};

/* proc_run: argv[0] looked up in PATH; killed after timeout_s.  -1 only
 * when the command could not be started (err set); a command that ran and
 * failed returns 0 with its status. */
int proc_run(char *const argv[], int timeout_s, struct proc_out *po,
	     struct hps_error *err);
void proc_out_release(struct proc_out *po);

#endif
