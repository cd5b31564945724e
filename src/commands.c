/* commands.c - the table of verbs: name, function, synopsis, help. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "cli.h"

const struct command hps_commands[] = {
	{"validate", cmd_validate, "CONFIG...",
	 "check configs: errors (exit 2) and warnings; nothing is created",
	 "  -q, --quiet   print only problems, no summary line\n"},
	{"preview", cmd_preview, "CONFIG [--json]",
	 "show the planned brackets, rungs, trials per rung and lengths",
	 "      --json    print the plan as JSON (a stable interface)\n"},
	{"simulate", cmd_simulate, "CONFIG [--slots N] [--queue-delay S] [--seed S] [--json]",
	 "run the search on simulated trials and a simulated cluster",
	 "      --slots N         slots of the simulated cluster (default 100)\n"
	 "      --queue-delay S   seconds from a submission to its start (default 10)\n"
	 "      --seed S          seed of the simulated curves (default 0)\n"
	 "      --json            the figures as JSON (a stable interface)\n"},
	{"create", cmd_create, "CONFIG [CONTEXT] [--dry-run] [--quiet]",
	 "create an experiment on Slurm and submit its first array",
	 "      --dry-run   write the first array's script, submit nothing\n"
	 "  -q, --quiet     print nothing but problems\n"},
	{"experiment", cmd_experiment, "create CONFIG [CONTEXT] [--dry-run] [--quiet]",
	 "the same as create, spelled as Determined users type it",
	 ""},
	{"reap", cmd_reap, "[EXP...|--all] [--watch[=SEC]] [--report] [--quiet]",
	 "one reap pass over Slurm experiments (cron), or a loop",
	 "      --all          every Slurm experiment under the root\n"
	 "      --watch[=SEC]  pass again every SEC seconds (10) until all are over\n"
	 "      --report       refresh each experiment's report.html after each pass\n"
	 "  -q, --quiet        print nothing unless something is wrong\n"},
	{"run", cmd_run, "CONFIG [CONTEXT] [--slots N] [--topology XML] [--quiet]",
	 "create an experiment and drive it to the end on this machine",
	 "      --slots N        run on N CPU slots (default: the GPUs, else the cores)\n"
	 "      --topology XML   count slots in this hwloc XML topology\n"
	 "      --backend B      local (default), or slurm: create, then reap --watch\n"
	 "  -q, --quiet          no progress output\n"},
	{"continue", cmd_continue, "EXP [--slots N] [--quiet]",
	 "resume a paused or interrupted experiment on this machine",
	 "      --slots N        run on N CPU slots\n"
	 "  -q, --quiet          no progress output\n"},
	{"status", cmd_status, "EXP [--json]",
	 "state, progress, the best trial and a table of trials",
	 "      --json    the status as JSON (a stable interface)\n"},
	{"best", cmd_best, "EXP [-n N] [--json]",
	 "the best trials by the searcher metric",
	 "  -n N          how many (default 1)\n"
	 "      --json    as JSON\n"},
	{"list", cmd_list, "[--json]",
	 "the experiments under the root",
	 "      --json    as JSON\n"},
	{"compare", cmd_compare, "EXP EXP... [--json]",
	 "the best results of experiments side by side, against the first",
	 "      --json    as JSON (a stable interface)\n"},
	{"export", cmd_export, "EXP [--format csv|json] [-o FILE]",
	 "the trials as CSV or JSON, a column per hyperparameter",
	 "      --format F       csv (the default) or json (with each trial's metrics)\n"
	 "  -o, --output FILE    write FILE (replaced atomically), not stdout\n"},
	{"logs", cmd_logs, "EXP TRIAL [-f]",
	 "a trial's output, run by run",
	 "  -f, --follow  keep printing while the trial runs\n"},
	{"cancel", cmd_cancel, "EXP [TRIAL...]",
	 "cancel an experiment, or some of its trials",
	 ""},
	{"exec", cmd_exec, "--trial T --run K [--length L] [--slots N] [--gpus LIST] DIR",
	 "internal: run one trial run (what every task and local child runs)",
	 ""},
	{"report", cmd_report, "EXP [-o FILE] [--top N]",
	 "write a self-contained HTML report with plots of the search",
	 "  -o, --output FILE   write here (default: report.html in the experiment)\n"
	 "      --top N         learning curves of the N best trials (default 10)\n"},
	{"slots", cmd_slots, "[--topology XML] [--slots-per-trial N] [--gpus LIST] [--json]",
	 "how trials would be placed on this machine's GPUs and cores",
	 "      --topology XML        an hwloc XML topology instead of this machine\n"
	 "      --slots-per-trial N   slots per trial (default 1)\n"
	 "      --gpus LIST           the GPUs on offer (default: $CUDA_VISIBLE_DEVICES, else all)\n"
	 "      --json                the plan as JSON (a stable interface)\n"},
	{"help", cmd_help, "[VERB]",
	 "show the commands, or one command's options",
	 ""},
	{NULL, NULL, NULL, NULL, NULL},
};

const struct command *cli_find(const char *name)
{
	for (const struct command *c = hps_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void cli_usage(const struct command *c, FILE *fp)
{
	fprintf(fp, "usage: hpsearch [--root DIR] %s %s\n", c->name, c->args);
	if (c->help && *c->help)
		fprintf(fp, "\n%s", c->help);
}

int cli_bad_usage(const struct command *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hpsearch %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage(c, stderr);
	return 2;
}
