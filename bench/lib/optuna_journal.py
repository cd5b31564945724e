#!/usr/bin/python3
"""optuna_journal.py - Optuna's JournalFileStorage for the load benchmark.

  optuna_journal.py make PATH TRIALS REPORTS   a study of TRIALS finished
        trials, 4 parameters each (the space of bench/lib/fabricate.py), each
        with REPORTS intermediate values and a final value, through Optuna's
        API (ask/report/tell: slow, quadratic: each call replays the log)
  optuna_journal.py synth PATH TRIALS REPORTS  the same log, written line by
        line in the format the API writes (op codes 0, 4, 5, 7, 6), fast
  optuna_journal.py load PATH                  load it, read every trial;
        prints "load_s=<wall s> cpu_s=<CPU s> trials=<n> reports=<n>" (from
        load_study to having all trials, after `import optuna`)
"""
import sys
import time


def storage(path):
    import optuna
    from optuna.storages import JournalFileStorage, JournalStorage
    return JournalStorage(JournalFileStorage(path))


def make(path, trials, reports):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="bench", storage=storage(path))
    for i in range(trials):
        t = study.ask()
        x = t.suggest_float("x", -1.0, 1.0)
        t.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
        t.suggest_int("width", 4, 64)
        t.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
        v = 1.0
        for k in range(1, reports + 1):
            v = abs(x) * (1.0 + 1.0 / k)
            t.report(v, step=1000 * k // reports)
        study.tell(t, v)


def synth(path, trials, reports):
    import json
    import random
    rng = random.Random(trials)
    w = "bench-worker-0"
    dist = {
        "x": {"name": "FloatDistribution", "attributes": {"step": None, "low": -1.0, "high": 1.0, "log": False}},
        "learning_rate": {"name": "FloatDistribution", "attributes": {"step": None, "low": 0.0001, "high": 0.1, "log": True}},
        "width": {"name": "IntDistribution", "attributes": {"log": False, "step": 1, "low": 4, "high": 64}},
        "optimizer": {"name": "CategoricalDistribution", "attributes": {"choices": ["adam", "sgd", "rmsprop"]}},
    }
    dist = {k: json.dumps(v) for k, v in dist.items()}
    out = [json.dumps({"op_code": 0, "worker_id": w, "study_name": "bench", "directions": [1]})]
    for i in range(trials):
        out.append(json.dumps({"op_code": 4, "worker_id": w, "study_id": 0,
                               "datetime_start": "2026-01-01T00:00:00.000000"}))
        x = rng.uniform(-1, 1)
        params = [("x", x), ("learning_rate", 10 ** rng.uniform(-4, -1)),
                  ("width", float(rng.randint(4, 64))), ("optimizer", rng.randint(0, 2))]
        for name, v in params:
            out.append(json.dumps({"op_code": 5, "worker_id": w, "trial_id": i, "param_name": name,
                                   "param_value_internal": v, "distribution": dist[name]}))
        v = 1.0
        for k in range(1, reports + 1):
            v = abs(x) * (1.0 + 1.0 / k)
            out.append(json.dumps({"op_code": 7, "worker_id": w, "trial_id": i,
                                   "step": 1000 * k // reports, "intermediate_value": v}))
        out.append(json.dumps({"op_code": 6, "worker_id": w, "trial_id": i, "state": 1, "values": [v],
                               "datetime_complete": "2026-01-01T00:00:01.000000"}))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def load(path):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    t0, c0 = time.perf_counter(), time.process_time()
    study = optuna.load_study(study_name="bench", storage=storage(path))
    trials = study.get_trials(deepcopy=False)
    n_rep = sum(len(t.intermediate_values) for t in trials)
    best = study.best_value
    t1, c1 = time.perf_counter(), time.process_time()
    print("load_s=%.4f cpu_s=%.4f trials=%d reports=%d best=%g"
          % (t1 - t0, c1 - c0, len(trials), n_rep, best))


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "synth":
        synth(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        load(sys.argv[2])
