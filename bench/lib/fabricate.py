#!/usr/bin/env python3
"""fabricate.py - a Slurm experiment of N trials with metric histories,
made fast for the benchmarks (bench only).

  fabricate.py --hpsearch BIN --root ROOT --trials N [--reports H] [--running R]
               [--searcher random|adaptive_asha]

1. `hpsearch create` of a random search of N trials (no throttle), against
   the fake Slurm commands in bench/lib/fakeslurm (PATH, HPS_SLURM_LIB=0):
   hpsearch itself journals the submissions of its arrays.  The fake
   MaxArraySize is N + 1 (unless FAKESLURM_MAX_ARRAY_SIZE says otherwise):
   with chunks of 1,001, create would submit one and leave the others to
   later passes, as it does on a cluster.
2. Every run is then "executed" the way `hpsearch exec` leaves it: a claim,
   metrics.jsonl with H reports ({"batches": ..., "validation_loss": ...}),
   and exit.json - except for the first R trials, whose runs are still
   running (H/2 reports, no exit.json; the fake squeue lists their tasks as
   RUNNING).
3. What a reap pass would journal for them (one "report" record per run,
   one "exit" per finished run) is appended to journal.jsonl in hpsearch's
   own format; then one real `hpsearch reap` replays it and snapshots.

Prints the experiment directory.  FAKESLURM_DIR must be set.
"""
import argparse
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fakeslurm")


def fake_env():
    env = dict(os.environ)
    env["PATH"] = FAKE + ":" + env.get("PATH", "")
    env["HPS_SLURM_LIB"] = "0"
    return env


def dumps(rec):
    return json.dumps(rec, sort_keys=True, separators=(",", ":"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hpsearch", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--trials", type=int, required=True)
    ap.add_argument("--reports", type=int, default=10)
    ap.add_argument("--running", type=int, default=0)
    ap.add_argument("--length", type=int, default=1000)
    a = ap.parse_args()
    fdir = os.environ["FAKESLURM_DIR"]
    os.makedirs(a.root, exist_ok=True)
    ctx = os.path.join(a.root, "ctx-%d" % a.trials)
    os.makedirs(ctx, exist_ok=True)
    with open(os.path.join(ctx, "train.py"), "w") as f:
        f.write("raise SystemExit('never run: a fabricated experiment')\n")
    cfg = os.path.join(ctx, "bench.yaml")
    with open(cfg, "w") as f:
        f.write("""name: bench_%d
hyperparameters:
  x: {type: double, minval: -1.0, maxval: 1.0}
  learning_rate: {type: log, base: 10, minval: -4, maxval: -1}
  width: {type: int, minval: 4, maxval: 64}
  optimizer: {type: categorical, vals: [adam, sgd, rmsprop]}
searcher:
  name: random
  metric: validation_loss
  max_trials: %d
  max_concurrent_trials: 0
  max_length: {batches: %d}
entrypoint: python3 train.py
""" % (a.trials, a.trials, a.length))
    env = fake_env()
    env.setdefault("FAKESLURM_MAX_ARRAY_SIZE", str(a.trials + 1))
    out = subprocess.run([a.hpsearch, "--root", a.root, "create", "--quiet", cfg, ctx],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("create failed: %s" % out.stderr)
    dirs = [d for d in os.listdir(a.root) if d[0].isdigit()]
    exp = os.path.join(a.root, max(dirs, key=lambda d: int(d.split("-")[0])))
    with open(os.path.join(exp, "slurm.json")) as f:
        prefix = json.load(f)["prefix"]
    # the submissions hpsearch journaled
    where, jobs, seq = {}, {}, 0
    with open(os.path.join(exp, "journal.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            seq = r["seq"]
            if r["ev"] == "submit":
                for i, t in enumerate(r["tasks"]):
                    where[t[0]] = (r["array"], i)
            elif r["ev"] == "submitted":
                jobs[r["array"]] = r["job"]
    if len(where) != a.trials:
        sys.exit("create submitted %d runs, not %d" % (len(where), a.trials))
    rng = random.Random(a.trials)
    recs, squeue = [], []
    for t in range(1, a.trials + 1):
        rd = os.path.join(exp, "trials", str(t), "runs", "1")
        os.makedirs(rd, exist_ok=True)
        running = t <= a.running
        h = max(1, a.reports // 2) if running else a.reports
        base = rng.uniform(0.1, 2.0)
        reports, body = [], []
        for k in range(1, h + 1):
            b = a.length * k // a.reports
            v = round(base * (1.0 + 1.0 / k), 6)
            reports.append([b, v])
            body.append(dumps({"batches": b, "validation_loss": v}) + "\n")
        data = "".join(body).encode()
        with open(os.path.join(rd, "claim"), "w") as f:
            f.write(dumps({"host": "fake", "pid": 1, "time": 0, "slurm_job": "0"}))
        with open(os.path.join(rd, "metrics.jsonl"), "wb") as f:
            f.write(data)
        seq += 1
        recs.append(dumps({"ev": "report", "trial": t, "run": 1, "offset": len(data),
                           "lines": h, "reports": reports, "seq": seq}))
        arr, idx = where[t]
        if running:
            job = jobs[arr]
            squeue.append("%d|%d|%d|RUNNING|%sa%d|None" % (job, idx, job + idx + 1, prefix, arr))
            continue
        with open(os.path.join(rd, "exit.json"), "w") as f:
            f.write(dumps({"outcome": "ok", "code": 0, "signal": 0, "terminated": False,
                           "start": 0, "end": 0, "host": "fake", "pid": 1}) + "\n")
        seq += 1
        recs.append(dumps({"ev": "exit", "trial": t, "run": 1, "outcome": "ok",
                           "code": 0, "signal": 0, "seq": seq}))
    with open(os.path.join(exp, "journal.jsonl"), "a") as f:
        f.write("\n".join(recs) + "\n")
    with open(os.path.join(fdir, "squeue.out"), "w") as f:
        f.write("".join(l + "\n" for l in squeue))
    # one real pass: replays what was appended, snapshots
    out = subprocess.run([a.hpsearch, "--root", a.root, "reap", "--quiet", exp],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("reap failed: %s" % out.stderr)
    print(exp)


if __name__ == "__main__":
    main()
