/* config.c - fuzz harness: YAML text -> ytree -> expconf validation, as
 * `hpsearch validate` and `create` read a config (cmd_validate.c), then
 * what a valid config goes on to: its diagnostics printed, its grid sized,
 * a searcher built and started. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "expconf.h"
#include "fuzz.h"
#include "searcher.h"
#include "space.h"
#include "ytree.h"

#define FUZZ_MAX_TRIALS 256

int fuzz_config(const uint8_t *data, size_t size)
{
	struct hps_config cfg;
	struct hps_error err;
	struct diag d;
	struct ynode *root;
	FILE *sink;

	/* ytree_load_file refuses larger files before parsing. */
	if (size > YTREE_MAX_BYTES)
		return 0;
	diag_init(&d, "fuzz.yaml");
	root = ytree_load_string((const char *)data, size, &d);
	if (root && expconf_load_tree(root, &cfg, &d) == 0) {
		struct searcher *s;
		struct ops ops = {0};

		/* The default seed is the clock: fix it, so a crash replays. */
		if (!cfg.has_seed)
			cfg.experiment_seed = 1;
		(void)hparam_count_leaves(&cfg.hparams);
		/* A random search creates all its trials at the start: a big
		 * valid search is slow, not a bug, so only small ones go on. */
		if (space_grid_size(&cfg.hparams) <= FUZZ_MAX_TRIALS &&
		    cfg.searcher.max_trials <= FUZZ_MAX_TRIALS &&
		    (s = searcher_new(&cfg, &err))) {
			if (searcher_start(s, &ops, &err) == 0)
				json_decref(searcher_save(s));
			ops_release(&ops);
			searcher_free(s);
		}
		expconf_release(&cfg);
	} else if (root) {
		expconf_release(&cfg);
	}
	/* Formatting every entry is part of what validate does. */
	sink = fopen("/dev/null", "w");
	if (sink) {
		diag_print(&d, sink);
		fclose(sink);
	}
	diag_release(&d);
	return 0;
}

FUZZ_TARGET(fuzz_config)
