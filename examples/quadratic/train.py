#!/usr/bin/env python3
"""A dependency-free trial for hpsearch's tests and demos.

It "trains" nothing: the validation loss is a closed-form function of the
hyperparameters and of the cumulative number of batches trained, plus a small
deterministic noise derived from HPS_TRIAL_SEED, so every run is fast and
reproducible and a resumed trial reports exactly what an uninterrupted one
would.  It follows the hpsearch trial protocol (see hpsearch-trial(7)):

  HPS_HPARAMS          JSON file with the hyperparameters (required keys: none)
  HPS_MAX_LENGTH       cumulative length to reach (default: 100)
  HPS_LENGTH_UNIT      batches | records | epochs | any time_metric name
                       (unknown names are counted as batches)
  HPS_RECORDS_PER_EPOCH  records per epoch (default 64 * global_batch_size)
  HPS_METRICS_FILE     append one JSON object per line (default: stdout)
  HPS_CHECKPOINT_DIR   state.json is kept here; a new run resumes from it
  HPS_TRIAL_SEED       seed of the noise term
  HPS_RUN              only echoed into the metrics and the checkpoint

Knobs for tests (hyperparameter first, then environment variable):

  report_every / QUAD_REPORT_EVERY   batches between reports
                                     (default max(1, max_length // 4));
                                     a report is always written at the end
  sleep / QUAD_SLEEP                 seconds to sleep per batch (default 0)
  fail_at_batches / QUAD_FAIL_AT     exit 1 on reaching this many batches ...
  crash_runs / QUAD_CRASH_RUNS       ... but only during the first N runs of
                                     the trial (counted in the checkpoint
                                     directory); unset or < 0: every run
  invalid / QUAD_INVALID             exit 78 at once (an "invalid
                                     hyperparameters" trial) if true

SIGTERM or SIGUSR1: checkpoint at the next batch boundary, exit 128+signal.
Exit 0 once HPS_MAX_LENGTH is reached.
"""

import hashlib
import json
import math
import os
import signal
import sys
import time

STATE = "state.json"
ATTEMPTS = "attempts"

_signalled = 0


def _on_signal(signum, _frame):
    global _signalled
    _signalled = signum


def load_hparams():
    path = os.environ.get("HPS_HPARAMS")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        hp = json.load(f)
    if not isinstance(hp, dict):
        sys.exit("train.py: %s: hyperparameters are not a JSON object" % path)
    return hp


def knob(hp, name, env, default, conv):
    """A test knob: the hyperparameter, else the environment, else default."""
    if name in hp and hp[name] is not None:
        return conv(hp[name])
    if os.environ.get(env, "") != "":
        return conv(os.environ[env])
    return default


def as_bool(v):
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes", "on")
    return bool(v)


def num(hp, name, default):
    v = hp.get(name, default)
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def noise(seed, batches):
    """Deterministic noise in [-0.005, 0.005) from (seed, batches)."""
    h = hashlib.sha256(("%s:%d" % (seed, batches)).encode()).digest()
    return (int.from_bytes(h[:8], "big") / 2.0**64 - 0.5) * 0.01


def loss_at(hp, seed, batches):
    """Validation loss after `batches` batches: lower is better."""
    x = num(hp, "x", 0.5)
    lr = num(hp, "learning_rate", num(hp, "lr", 0.01))
    width = num(hp, "width", 8)
    loss = (x - 0.3) ** 2 + (lr - 0.01) ** 2 * 100.0
    loss += 0.02 * abs(math.log2(max(width, 1.0)) - 4.0)
    opt = hp.get("optimizer")
    loss += {"adam": 0.0, "sgd": 0.05, "rmsprop": 0.02}.get(opt, 0.0)
    model = hp.get("model")
    if isinstance(model, dict):
        depth = num(model, "depth", 2)
        loss += 0.01 * abs(depth - 3)
        loss += {"relu": 0.0, "tanh": 0.01}.get(model.get("activation"), 0.02)
    c = num(hp, "c", 1.0)
    loss += c / math.sqrt(1.0 + batches)
    return loss + noise(seed, batches)


def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path, default):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default


class Trial:
    def __init__(self):
        self.hp = load_hparams()
        self.seed = os.environ.get("HPS_TRIAL_SEED", "0")
        self.run = os.environ.get("HPS_RUN", "")
        self.unit = os.environ.get("HPS_LENGTH_UNIT", "batches") or "batches"
        self.bs = max(1, int(num(self.hp, "global_batch_size", 1)))
        rpe = os.environ.get("HPS_RECORDS_PER_EPOCH", "")
        self.rpe = int(rpe) if rpe else 64 * self.bs
        self.target = self.to_batches(os.environ.get("HPS_MAX_LENGTH", ""))
        self.ckdir = os.environ.get("HPS_CHECKPOINT_DIR", "")
        mpath = os.environ.get("HPS_METRICS_FILE", "")
        self.mfile = open(mpath, "a", encoding="utf-8") if mpath else sys.stdout
        self.state = {"batches": 0, "runs": []}
        if self.ckdir:
            os.makedirs(self.ckdir, exist_ok=True)
            self.state = read_json(os.path.join(self.ckdir, STATE), self.state)

    def to_batches(self, length):
        """Convert HPS_MAX_LENGTH in HPS_LENGTH_UNIT to batches."""
        if length == "":
            return 100
        n = float(length)
        if self.unit == "records":
            return max(int(n) // self.bs, 1)
        if self.unit == "epochs":
            return max(int(round(n * self.rpe / self.bs)), 1)
        return int(n)

    def count_attempt(self):
        """Runs of this trial started so far, this one included."""
        if not self.ckdir:
            return 1
        path = os.path.join(self.ckdir, ATTEMPTS)
        n = int(read_json(path, 0)) + 1
        write_atomic(path, "%d\n" % n)
        return n

    def save(self):
        if self.ckdir:
            write_atomic(os.path.join(self.ckdir, STATE),
                         json.dumps(self.state, sort_keys=True, indent=2) + "\n")

    def report(self):
        b = self.state["batches"]
        loss = loss_at(self.hp, self.seed, b)
        m = {"batches": b, "records": b * self.bs,
             "epochs": b * self.bs / float(self.rpe),
             "validation_loss": loss, "loss": loss,
             "accuracy": 1.0 / (1.0 + loss)}
        if self.unit not in m:
            m[self.unit] = b
        self.mfile.write(json.dumps(m, sort_keys=True) + "\n")
        self.mfile.flush()


def main():
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGUSR1, _on_signal)
    t = Trial()
    hp = t.hp
    if knob(hp, "invalid", "QUAD_INVALID", False, as_bool):
        print("train.py: invalid hyperparameters (injected)", file=sys.stderr)
        return 78  # hpsearch: exit 78 = invalid hyperparameters
    every = knob(hp, "report_every", "QUAD_REPORT_EVERY", 0, int)
    if every <= 0:
        every = max(1, t.target // 4)
    sleep = knob(hp, "sleep", "QUAD_SLEEP", 0.0, float)
    fail_at = knob(hp, "fail_at_batches", "QUAD_FAIL_AT", -1, int)
    crash_runs = knob(hp, "crash_runs", "QUAD_CRASH_RUNS", -1, int)
    attempt = t.count_attempt()
    t.state["runs"].append(t.run)
    start = t.state["batches"]
    print("train.py: run %s (attempt %d): batches %d -> %d" %
          (t.run or "?", attempt, start, t.target), file=sys.stderr)
    while t.state["batches"] < t.target:
        if _signalled:
            t.save()
            print("train.py: signal %d: checkpointed at %d batches" %
                  (_signalled, t.state["batches"]), file=sys.stderr)
            return 128 + _signalled
        if sleep > 0:
            time.sleep(sleep)
        t.state["batches"] += 1
        b = t.state["batches"]
        if b == fail_at and (crash_runs < 0 or attempt <= crash_runs):
            print("train.py: failing at %d batches (injected)" % b,
                  file=sys.stderr)
            return 1
        if b % every == 0 or b == t.target:
            t.save()
            t.report()
    if t.state["batches"] == start:
        t.report()  # nothing left to train: report where we are
    t.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
