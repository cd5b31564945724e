#!/usr/bin/python3
"""efficiency.py - issue 8, benchmark 5 helpers (digits CNN of
examples/mnist_pytorch).

  efficiency.py curve EXPDIR             batches-vs-best curve of an hpsearch
        experiment, from its journal (report records, in harvest order):
        prints JSON {"total": batches, "best": loss, "curve": [[batches, best]...]}
  efficiency.py optuna CTX LENGTH BUDGET SEED WORKDIR
        Optuna's RandomSampler + SuccessiveHalvingPruner (reduction factor 4,
        min resource LENGTH/16) on the same objective: train.py of CTX run
        rung by rung (resuming from its checkpoint), one trial at a time,
        until BUDGET batches were trained; prints the same JSON.
"""
import json
import math
import os
import subprocess
import sys


def curve_of_journal(exp):
    last, total, best, curve = {}, 0, math.inf, []
    for line in open(os.path.join(exp, "journal.jsonl")):
        r = json.loads(line)
        if r.get("ev") == "launch" or r.get("ev") == "submit":
            continue
        if r.get("ev") != "report":
            continue
        t = r["trial"]
        for length, loss in r["reports"]:
            if length is None:
                continue
            total += max(0, length - last.get(t, 0))
            last[t] = max(last.get(t, 0), length)
            if loss is not None and loss < best:
                best = loss
            curve.append([total, best])
    return {"total": total, "best": best, "curve": curve}


def optuna_run(ctx, length, budget, seed, work):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    min_r = max(1, length // 16)
    rungs = []
    r = min_r
    while r < length:
        rungs.append(r)
        r *= 4
    rungs.append(length)
    study = optuna.create_study(
        sampler=optuna.samplers.RandomSampler(seed=seed),
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=min_r, reduction_factor=4))
    total, best, curve = 0, math.inf, []
    n = 0
    while total < budget:
        trial = study.ask()
        n += 1
        hp = {"learning_rate": 10 ** trial.suggest_float("lr_exp", -4, 0),
              "n_filters1": trial.suggest_int("n_filters1", 16, 64),
              "n_filters2": trial.suggest_int("n_filters2", 32, 128),
              "dropout1": trial.suggest_float("dropout1", 0.2, 0.5),
              "dropout2": trial.suggest_float("dropout2", 0.3, 0.6),
              "global_batch_size": 32, "report_every": REPORT_EVERY}
        d = os.path.join(work, "optuna-%d" % n)
        os.makedirs(os.path.join(d, "ck"), exist_ok=True)
        with open(os.path.join(d, "hp.json"), "w") as f:
            json.dump(hp, f)
        done, pruned, value = 0, False, None
        for rung in rungs:
            if total >= budget:
                break
            env = dict(os.environ, HPS_HPARAMS=os.path.join(d, "hp.json"),
                       HPS_MAX_LENGTH=str(rung), HPS_LENGTH_UNIT="batches",
                       HPS_CHECKPOINT_DIR=os.path.join(d, "ck"),
                       HPS_METRICS_FILE=os.path.join(d, "metrics.jsonl"),
                       HPS_TRIAL_SEED=str(seed * 1000 + n), OMP_NUM_THREADS="1")
            subprocess.run([sys.executable, "train.py"], cwd=ctx, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for line in open(os.path.join(d, "metrics.jsonl")):
                m = json.loads(line)
                b = m["batches"]
                if b <= done:
                    continue
                total += b - done
                done = b
                v = m.get("validation_loss")
                if v is not None:
                    value = v
                    best = min(best, v)
                    trial.report(v, step=b)
                curve.append([total, best])
            if trial.should_prune():
                pruned = True
                break
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, value if value is not None else float("inf"))
    return {"total": total, "best": best, "curve": curve, "trials": n}


REPORT_EVERY = int(os.environ.get("BENCH_REPORT_EVERY", "100"))

if __name__ == "__main__":
    if sys.argv[1] == "curve":
        print(json.dumps(curve_of_journal(sys.argv[2])))
    else:
        print(json.dumps(optuna_run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                                    int(sys.argv[5]), sys.argv[6])))
