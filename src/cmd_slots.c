/* cmd_slots.c - hpsearch slots: how trials would be placed on a machine.
 *
 *   hpsearch slots [--topology XML] [--slots-per-trial N] [--gpus LIST] [--json]
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "error.h"
#include "placement.h"

static void print_group(const struct placement *p, int i)
{
	const struct slot_group *g = &p->g[i];

	printf("group %d:", i + 1);
	for (int j = 0; j < g->ngpus; j++) {
		const struct gpu *u = &p->gpus[g->gpus[j]];
		printf("%s GPU %d %s (%s, %s)", j ? "," : "", u->index, u->name, u->busid,
		       u->osdevs[0] ? u->osdevs : "no OS device");
	}
	printf("%s CPUs ", g->ngpus ? ";" : "");
	for (int j = 0; j < g->ncpus; j++)
		printf("%s%d", j ? "," : "", g->cpus[j]);
	printf("; NUMA node%s ", g->nnuma == 1 ? "" : "s");
	for (int j = 0; j < g->nnuma; j++)
		printf("%s%d", j ? "," : "", g->numa[j]);
	printf("\n");
}

int cmd_slots(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"topology", required_argument, NULL, 't'},
		{"slots-per-trial", required_argument, NULL, 'n'},
		{"gpus", required_argument, NULL, 'g'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *self = cli_find("slots");
	const char *xml = NULL, *gpus = NULL;
	struct placement p;
	struct hps_error err;
	int per = 1, c;
	bool json = false;

	(void)cli;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': xml = optarg; break;
		case 'n':
			per = atoi(optarg);
			if (per < 1)
				return cli_bad_usage(self, "--slots-per-trial needs a positive number");
			break;
		case 'g': gpus = optarg; break;
		case 'j': json = true; break;
		case 'h':
			cli_usage(self, stdout);
			return HPS_EXIT_OK;
		default:
			return cli_bad_usage(self, "bad option");
		}
	}
	if (optind != argc)
		return cli_bad_usage(self, "no operands");
	if (!gpus)
		gpus = getenv("CUDA_VISIBLE_DEVICES");
	if (gpus && !*gpus)
		gpus = NULL;
	if (placement_plan(xml, gpus, per, &p, &err) < 0) {
		fprintf(stderr, "hpsearch slots: %s\n", err.msg);
		return HPS_EXIT_USAGE;
	}
	if (json) {
		json_t *j = placement_json(&p);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
	} else {
		printf("%d %s on offer, %d core%s; %d group%s of %d:\n", p.ngpus ? p.ngpus : p.ncores,
		       p.ngpus ? (p.ngpus == 1 ? "GPU" : "GPUs") : "cores", p.ncores,
		       p.ncores == 1 ? "" : "s", p.ng, p.ng == 1 ? "" : "s", per);
		for (int i = 0; i < p.ng; i++)
			print_group(&p, i);
	}
	placement_release(&p);
	return HPS_EXIT_OK;
}
