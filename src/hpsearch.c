/* hpsearch.c - the entry point: global options, then the verb's function.
 *
 * Exit statuses: 0 ok, 1 runtime failure, 2 usage or config error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "cli.h"
#include "error.h"
#include "slurmlib.h"

static void usage(FILE *fp)
{
	fprintf(fp, "usage: hpsearch [--root DIR] [--version] [--help] VERB [ARGS]\n\n"
		    "Determined-style hyperparameter searches on Slurm job arrays.\n\n"
		    "verbs:\n");
	for (const struct command *c = hps_commands; c->name; c++)
		fprintf(fp, "  %-10s %s\n", c->name, c->summary);
	fprintf(fp, "\n'hpsearch help VERB' shows a verb's options; man hpsearch for more.\n");
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stdout);
		return HPS_EXIT_OK;
	}
	c = cli_find(argv[1]);
	if (!c) {
		fprintf(stderr, "hpsearch help: unknown verb '%s'\n", argv[1]);
		return HPS_EXIT_USAGE;
	}
	printf("hpsearch %s - %s\n\n", c->name, c->summary);
	cli_usage(c, stdout);
	if (strcmp(c->name, "help"))
		printf("\nSee man hpsearch-%s for the whole story.\n", c->name);
	return HPS_EXIT_OK;
}

static int unknown_verb(const char *verb)
{
	const char *names[64];
	size_t n = 0;
	const char *hint;

	for (const struct command *c = hps_commands; c->name && n < 63; c++)
		names[n++] = c->name;
	names[n] = NULL;
	hint = suggest(verb, names);
	fprintf(stderr, "hpsearch: unknown verb '%s'%s%s%s\n", verb,
		hint ? " (did you mean '" : "", hint ? hint : "",
		hint ? "'?)" : "");
	fprintf(stderr, "Run 'hpsearch --help' for the list of verbs.\n");
	return HPS_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct cli cli = {.prog = "hpsearch", .root = getenv("HPSEARCH_ROOT")};
	const struct command *c;
	int i;

	/* Nothing hpsearch or a trial it starts creates is ever writable by
	 * everyone: the user's umask, with write for others masked off. */
	umask(umask(0) | S_IWOTH);

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return HPS_EXIT_OK;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			char why[200];
			printf("hpsearch %s\n", PACKAGE_VERSION);
			slurmlib_close(slurmlib_open(false, why, sizeof(why)));
			printf("Slurm access: %s\n", why);
			return HPS_EXIT_OK;
		} else if (!strcmp(a, "--root")) {
			if (i + 1 == argc) {
				fprintf(stderr, "hpsearch: --root needs a directory\n");
				return HPS_EXIT_USAGE;
			}
			cli.root = argv[++i];
		} else if (!strncmp(a, "--root=", 7)) {
			cli.root = a + 7;
		} else {
			fprintf(stderr, "hpsearch: unknown option '%s'\n", a);
			usage(stderr);
			return HPS_EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return HPS_EXIT_USAGE;
	}
	c = cli_find(argv[i]);
	if (!c)
		return unknown_verb(argv[i]);
	/* Fault injection counts the writes of each process from one, and
	 * names the process by its verb so a test can aim at one of them. */
	if (getenv("HPS_FAULT_WRITE") || getenv("HPS_FAULT_KILL") ||
	    getenv("HPS_FAULT_TRACE")) {
		setenv("HPS_FAULT_COUNT", "0", 1);
		setenv("HPS_FAULT_ROLE", argv[i], 1);
	}
	return c->run(&cli, argc - i, argv + i);
}
