/* cli.h - what every command gets, and the command table.
 *
 * hpsearch.c parses the global options and hands the rest to the verb's
 * function; a verb returns an exit status (enum hps_exit).  Each verb lives
 * in cmd_<verb>.c and is listed once in commands.c.
 */
#ifndef HPS_CLI_H
#define HPS_CLI_H

#include <stdio.h>

struct cli {
	const char *prog;	/* "hpsearch" */
	const char *root;	/* --root, else $HPSEARCH_ROOT, else ~/hpsearch */
};

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *args;	/* synopsis after the verb */
	const char *summary;	/* one line for hpsearch --help */
	const char *help;	/* options, for hpsearch help VERB */
};

extern const struct command hps_commands[];

const struct command *cli_find(const char *name);
void cli_usage(const struct command *c, FILE *fp);
/* cli_bad_usage: print "hpsearch VERB: msg" and the usage; returns 2. */
int cli_bad_usage(const struct command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int cmd_validate(struct cli *cli, int argc, char **argv);
int cmd_preview(struct cli *cli, int argc, char **argv);
int cmd_simulate(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_continue(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_best(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_logs(struct cli *cli, int argc, char **argv);
int cmd_cancel(struct cli *cli, int argc, char **argv);
int cmd_exec(struct cli *cli, int argc, char **argv);
int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_experiment(struct cli *cli, int argc, char **argv);
int cmd_reap(struct cli *cli, int argc, char **argv);
int cmd_slots(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_compare(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);

#endif
