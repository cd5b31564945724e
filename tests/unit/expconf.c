/* Unit tests of the config loader: a table of documents with the verdict
 * and the first message each must give, then the defaults. */
#include "config.h"

#include <stdlib.h>

#include "expconf.h"
#include "tap.h"

#define EP "entrypoint: python3 train.py\n"
#define RND "searcher: {name: random, metric: loss, max_trials: 4, max_length: {batches: 10}}\n"

static const struct {
	const char *yaml;
	const char *want;	/* NULL: valid, no warning; "!w..." a warning */
} cases[] = {
	/* hyperparameter types */
	{EP RND "hyperparameters: {a: 1, b: [1, x], c: null, d: {red: fish}}\n", NULL},
	{EP RND "hyperparameters: {a: {type: const, val: 3}}\n", NULL},
	{EP RND "hyperparameters: {a: {type: int, minval: 1, maxval: 2}}\n", NULL},
	{EP RND "hyperparameters: {a: {type: int, minval: 1.0, maxval: 2}}\n", NULL},
	{EP RND "hyperparameters: {a: {type: int, minval: 1.5, maxval: 2}}\n",
	 "3:42: error: hyperparameters.a.minval: expected an integer, got a float '1.5'"},
	{EP RND "hyperparameters: {a: {type: int, minval: 2, maxval: 2}}\n",
	 "hyperparameters.a: minval (2) must be less than maxval (2)"},
	{EP RND "hyperparameters: {a: {type: double, minval: 1}}\n",
	 "hyperparameters.a: a double hyperparameter needs 'maxval'"},
	{EP RND "hyperparameters: {a: {type: log, minval: -3, maxval: -1, base: 0}}\n",
	 "hyperparameters.a.base: must be > 0, got 0"},
	{EP RND "hyperparameters: {a: {type: log, minval: -3, maxval: -1}}\n",
	 "hyperparameters.a: a log hyperparameter needs 'base'"},
	{EP RND "hyperparameters: {a: {type: log, minval: 0.001, maxval: 0.1, base: 10}}\n",
	 "!wif you meant values from 0.001 to 0.1, write minval: -3 and maxval: -1"},
	{EP RND "hyperparameters: {a: {type: categorical, vals: []}}\n",
	 "a categorical hyperparameter needs at least one value"},
	{EP RND "hyperparameters: {a: {type: categorical, vals: x}}\n",
	 "hyperparameters.a.vals: expected a list of values, got a string"},
	{EP RND "hyperparameters: {a: {type: categorical}}\n",
	 "hyperparameters.a: a categorical hyperparameter needs 'vals'"},
	{EP RND "hyperparameters: {a: {type: intt, minval: 1, maxval: 2}}\n",
	 "hyperparameters.a.type: unknown hyperparameter type 'intt' (did you mean 'int'?)"},
	{EP RND "hyperparameters: {a: {type: int, minval: 1, maxval: 3, cnt: 2}}\n",
	 "hyperparameters.a.cnt: unknown field (did you mean 'count'?)"},
	{EP RND "hyperparameters: {a: {type: int, minval: 1, maxval: 3, count: 0}}\n",
	 "hyperparameters.a.count: must be >= 1, got 0"},
	{EP RND "hyperparameters: {one: {a: {type: categorical}}}\n",
	 "hyperparameters.one.a: a categorical hyperparameter needs 'vals'"},
	{EP RND "hyperparameters: {a: .nan}\n",
	 "hyperparameters.a: '.nan' has no JSON form"},
	{EP RND "hyperparameters: {a: {}}\n", NULL},
	{EP RND "hyperparameters: [1, 2]\n",
	 "hyperparameters: expected a mapping, got a list"},
	{EP RND "hyperparameters: {drop-out: 0.5}\n",
	 "!whyperparameters.drop-out: this name has no HP_ variable"},
	{EP RND "hyperparameters: {lr: 1, LR: 2}\n",
	 "!wHP_LR names more than one hyperparameter"},
	/* grid */
	{EP "searcher: {name: grid, metric: m}\nhyperparameters: {a: {type: int, minval: 1, maxval: 3}}\n",
	 "hyperparameters.a: grid search is in use but count was not provided"},
	{EP "searcher: {name: grid, metric: m}\nhyperparameters: {n: {a: {type: log, base: 2, minval: 1, maxval: 3}}}\n",
	 "hyperparameters.n.a: grid search is in use but count was not provided"},
	{EP "searcher: {name: grid, metric: m, max_trials: 3}\nhyperparameters: {a: 1}\n",
	 "searcher.max_trials: unknown field"},
	/* searchers */
	{EP "searcher: {name: single, metric: m, max_length: 10}\n", NULL},
	{EP "searcher: {name: single, metric: m}\n", NULL},
	{EP "searcher: {name: random, metric: m}\n",
	 "searcher: missing required field 'max_trials'"},
	{EP "searcher: {name: random, max_trials: 2}\n",
	 "searcher: missing required field 'metric'"},
	{EP "searcher: {name: randm, metric: m, max_trials: 2}\n",
	 "searcher.name: unknown searcher 'randm' (did you mean 'random'?)"},
	{EP "searcher: {name: custom, metric: m}\n",
	 "searcher.name: the 'custom' searcher was removed in Determined 0.38"},
	{EP "searcher: {name: sync_halving, metric: m}\n",
	 "searcher.name: the 'sync_halving' searcher was removed in Determined 0.15"},
	{EP "searcher: {name: pbt, metric: m}\n",
	 "searcher.name: the 'pbt' searcher was removed in Determined 0.18"},
	{EP "searcher: {name: random, metric: m, max_trials: 2, smaller_is_better: yes}\n",
	 "searcher.smaller_is_better: expected true or false, got a string 'yes' (YAML 1.2: yes/no/on/off are strings)"},
	{EP "searcher: {name: random, metric: m, max_trials: 0}\n",
	 "searcher.max_trials: must be between 1 and 100000000, got 0"},
	{EP "searcher: {name: random, metric: m, max_trials: 2, max_concurrent_trials: -1}\n",
	 "searcher.max_concurrent_trials: must be >= 0, got -1"},
	{EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4, max_length: {batches: 100}}\n", NULL},
	{EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4, time_metric: batches, max_time: 100}\n", NULL},
	{EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4}\n",
	 "searcher: adaptive_asha needs a length: time_metric and max_time, or max_length"},
	{EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4, time_metric: batches}\n",
	 "searcher.time_metric: time_metric and max_time go together"},
	{EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4, max_length: 100, divisor: 1}\n",
	 "searcher.divisor: must be greater than 1, got 1"},
	{EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4, max_length: 100, mode: wild}\n",
	 "searcher.mode: expected standard, aggressive or conservative, got 'wild'"},
	{EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4, max_length: 100, bracket_rungs: [2, 0]}\n",
	 "searcher.bracket_rungs[1]: each bracket's rung count must be an integer from 1 to 64, got an integer '0'"},
	{EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4, max_length: 0}\n",
	 "an ASHA search needs a length of at least 1"},
	{EP "searcher: {name: async_halving, metric: m, max_trials: 4, max_length: {batches: 9}}\n",
	 "searcher: missing required field 'num_rungs'"},
	{EP "searcher: {name: async_halving, metric: m, max_trials: 4, num_rungs: 3, max_length: 9}\n", NULL},
	{EP "searcher: {name: random, metric: m, max_trials: 2, max_length: {batches: 1, records: 2}}\n",
	 "a length object must have one attribute named \"batches\", \"records\", or \"epochs\""},
	{EP "searcher: {name: random, metric: m, max_trials: 2, max_length: {batches: 0}}\n",
	 "searcher.max_length.batches: must be >= 1, got 0"},
	{EP "searcher: {name: random, metric: m, max_trials: 2, max_length: {}}\n",
	 "a length object must have one attribute"},
	{EP "searcher: {name: random, metric: m, max_trials: 2, max_concurrent_trials: 5}\n",
	 "!wmax_concurrent_trials (5) is above max_trials (2)"},
	/* the rest of the document */
	{RND, "error: missing required field 'entrypoint'"},
	{EP, "error: missing required section 'searcher'"},
	{"", "error: the config is empty"},
	{"- a\n", "error: expected a mapping, got a list"},
	{EP RND "hyperparamters: {}\n", "hyperparamters: unknown field (did you mean 'hyperparameters'?)"},
	{EP RND "bind_mounts: []\n", "!wbind_mounts: this Determined field means nothing to hpsearch"},
	{EP RND "max_restarts: -1\n", "max_restarts: must be between 0 and 1000000, got -1"},
	{EP RND "resources: {slots_per_trial: 2, resource_pool: gpu}\n", NULL},
	{EP RND "resources: {slots_per_trial: x}\n", "resources.slots_per_trial: expected an integer, got a string 'x'"},
	{EP RND "environment: {environment_variables: [A=1, B]}\n",
	 "environment.environment_variables[1]: expected NAME=VALUE, got 'B'"},
	{EP RND "environment: {environment_variables: {cpu: [A=1], cuda: [B=2]}}\n", NULL},
	{EP RND "environment: {image: x}\n", "!wenvironment.image: containers are not used"},
	{EP RND "reproducibility: {experiment_seed: -1}\n",
	 "reproducibility.experiment_seed: must be between 0 and 4294967295, got -1"},
	{EP RND "checkpoint_storage: {type: shared_fs, host_path: rel}\n",
	 "checkpoint_storage.host_path: must be an absolute path, got 'rel'"},
	{EP RND "checkpoint_storage: {type: ftp}\n",
	 "checkpoint_storage.type: expected shared_fs, directory, s3, gcs or azure, got 'ftp'"},
	{EP RND "slurm: {sbatch_args: [--exclusive], partition: gpu, account: a, qos: q, time: 60, slots_per_node: 4}\n", NULL},
	{EP RND "slurm: {sbatch_arg: []}\n", "slurm.sbatch_arg: unknown field (did you mean 'sbatch_args'?)"},
	{EP RND "slurm: {pack_nodes: true}\n", "slurm.pack_nodes: packing trials on whole nodes needs slurm.slots_per_node"},
	{EP RND "slurm: {pack_nodes: true, slots_per_node: 4}\n", NULL},
	{EP RND "resources: {slots_per_trial: 3}\nslurm: {slots_per_node: 2}\n",
	 "slurm.slots_per_node: resources.slots_per_trial (3) must be a multiple of slots_per_node (2)"},
	{EP RND "labels: x\n", "labels: expected a list of strings, got a string 'x'"},
	{EP RND "entrypoint: model_def:Trial\n", "duplicate key 'entrypoint'"},
	{"entrypoint: model_def:MyTrial\n" RND, "!w'model_def:MyTrial' looks like a Determined Trial class"},
	{"entrypoint: []\n" RND, "entrypoint: must not be an empty list"},
};

static void run_case(size_t i)
{
	struct hps_config cfg;
	struct diag d;
	struct ynode *root;
	const char *want = cases[i].want;
	bool warn = want && want[0] == '!';
	int rc = -1;
	char *got = NULL;

	diag_init(&d, "t.yaml");
	root = ytree_load_string(cases[i].yaml, strlen(cases[i].yaml), &d);
	if (root)
		rc = expconf_load_tree(root, &cfg, &d);
	else
		memset(&cfg, 0, sizeof(cfg));
	if (d.n)
		got = diag_format(&d, &d.v[0]);
	if (!want)
		ok(rc == 0 && d.n == 0, "case %zu valid, no warning%s%s", i,
		   got ? ": got " : "", got ? got : "");
	else if (warn)
		ok(rc == 0 && got && strstr(got, "warning") && strstr(got, want + 2),
		   "case %zu warns: %s%s%s", i, want + 2, got ? " / got " : "", got ? got : "");
	else
		ok(rc < 0 && got && strstr(got, want), "case %zu: %s%s%s", i, want,
		   got ? " / got " : "", got ? got : "");
	free(got);
	expconf_release(&cfg);
	diag_release(&d);
}

static void test_defaults(void)
{
	const char *y = EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4, max_length: {epochs: 2}}\n"
			"reproducibility: {experiment_seed: 7}\n";
	struct hps_config cfg;
	struct diag d;
	struct ynode *root;

	diag_init(&d, "t.yaml");
	root = ytree_load_string(y, strlen(y), &d);
	ok(root && expconf_load_tree(root, &cfg, &d) == 0, "defaults config loads");
	ok(cfg.searcher.smaller_is_better, "smaller_is_better defaults to true");
	is_int(cfg.searcher.max_concurrent_trials, 16, "max_concurrent_trials defaults to 16");
	is_double(cfg.searcher.divisor, 4, "divisor defaults to 4");
	is_int(cfg.searcher.max_rungs, 5, "max_rungs defaults to 5");
	ok(cfg.searcher.mode == MODE_STANDARD, "mode defaults to standard");
	ok(!cfg.searcher.stop_once, "legacy max_length: promotion-based by default");
	ok(cfg.searcher.length.unit == UNIT_EPOCHS && cfg.searcher.length.units == 2, "epochs length");
	is_int(cfg.max_restarts, 5, "max_restarts defaults to 5");
	is_int(cfg.slots_per_trial, 1, "slots_per_trial defaults to 1");
	is_int(cfg.experiment_seed, 7, "experiment_seed read");
	is_int((long long)cfg.entrypoint.n, 3, "string entrypoint runs through sh -c");
	is_str(cfg.entrypoint.v[2], "python3 train.py", "  with the string as is");
	is_int(cfg.checkpoint.save_trial_best, 1, "save_trial_best defaults to 1");
	is_int(cfg.checkpoint.save_experiment_best, 0, "save_experiment_best defaults to 0");
	expconf_release(&cfg);
	diag_release(&d);

	y = EP "searcher: {name: adaptive_asha, metric: m, max_trials: 4, time_metric: steps, max_time: 50, max_length: 9}\n"
	       "resources: {resource_pool: gpu}\n";
	diag_init(&d, "t.yaml");
	root = ytree_load_string(y, strlen(y), &d);
	ok(root && expconf_load_tree(root, &cfg, &d) == 0, "time_metric config loads");
	ok(cfg.searcher.stop_once && cfg.searcher.length.unit == UNIT_TIME_METRIC &&
	   cfg.searcher.length.units == 50, "time_metric wins over max_length and means stopping-based");
	is_str(cfg.slurm.partition, "gpu", "resource_pool is the Slurm partition");
	expconf_release(&cfg);
	diag_release(&d);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i);
	test_defaults();
	return done_testing();
}
