#!/usr/bin/env python3
"""A trial for the hostile-input tests: it records exactly what it received
(its hyperparameters file and its HP_ variables) beside its checkpoint,
reports one metric, and, when asked to, fails its first run and plants symbolic links where
hpsearch will write next, aimed at a victim outside the experiment."""
import json
import os
import sys

env = os.environ
with open(env["HPS_HPARAMS"]) as f:
    hp = json.load(f)
seen = {"hparams": hp,
        "vars": {k: v for k, v in env.items() if k.startswith("HP_")},
        "argv": sys.argv[1:]}
ck = env["HPS_CHECKPOINT_DIR"]
with open(os.path.join(ck, "seen-%s.json" % env["HPS_RUN"]), "w") as f:
    json.dump(seen, f, sort_keys=True)

victim = hp.get("victim")
if victim:
    # The next run of this trial, and files of this run hpsearch writes
    # after the trial exits: links to the victim must not be followed.
    rundir = os.path.dirname(env["HPS_METRICS_FILE"])
    runs = os.path.dirname(rundir)
    nxt = os.path.join(runs, str(int(env["HPS_RUN"]) + 1))
    if not os.path.lexists(nxt):
        os.symlink(os.path.join(victim, "dir"), nxt)
    for name in ("exit.json", "output.log.1", "exit.json.tmp.%d" % os.getppid()):
        p = os.path.join(rundir, name)
        if not os.path.lexists(p):
            os.symlink(os.path.join(victim, "file"), p)

if hp.get("fail_first") and env["HPS_RUN"] == "1":
    sys.exit(1)

with open(env["HPS_METRICS_FILE"], "a") as f:
    n = int(env.get("HPS_MAX_LENGTH", "1"))
    loss = float(len(json.dumps(hp, sort_keys=True)) % 7)
    f.write(json.dumps({env.get("HPS_LENGTH_UNIT", "batches"): n,
                        env.get("HPS_METRIC", "loss"): loss}) + "\n")
