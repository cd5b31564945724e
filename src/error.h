/* error.h - the error a module hands back to command code.
 *
 * Modules never print or exit: they fill a struct hps_error and return -1.
 * Only command code (cmd_*.c) prints it and picks the exit status.  Messages
 * are lowercase, problem first, subject quoted: "cannot open 'state.json': ...".
 */
#ifndef HPS_ERROR_H
#define HPS_ERROR_H

/* Exit statuses of every command (a contract: scripts depend on them). */
enum hps_exit {
	HPS_EXIT_OK = 0,
	HPS_EXIT_FAILURE = 1,	/* runtime failure: I/O, Slurm, a trial */
	HPS_EXIT_USAGE = 2,	/* bad command line or invalid config */
};

struct hps_error {
	char msg[1024];
};

/* hps_errorf: format into err (NULL is allowed) and return -1, so that
 * "return hps_errorf(err, ...);" is the whole error path of a function. */
int hps_errorf(struct hps_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* hps_errorf_errno: like hps_errorf, with ": strerror(errno)" appended. */
int hps_errorf_errno(struct hps_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
