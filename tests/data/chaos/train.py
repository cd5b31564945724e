#!/usr/bin/env python3
"""A chaos trial for hpsearch's failure tests (Determined's adaptive_chaos).

It trains like examples/quadratic/train.py (a closed-form loss, checkpoints,
cumulative lengths) and follows hpsearch-trial(7): HPS_HPARAMS,
HPS_MAX_LENGTH, HPS_LENGTH_UNIT, HPS_METRIC, HPS_METRICS_FILE,
HPS_CHECKPOINT_DIR, HPS_TRIAL_ID, HPS_RUN; SIGTERM/SIGINT/SIGHUP checkpoint
and exit 128+signal, SIGUSR1 checkpoints and goes on.  Standard library
only; a run takes well under a second unless `sleep` is set.

Each run decides, from a hash of (chaos_seed, trial id, run number) and so
the same way every time, whether it fails and how.  A run that fails first
appends one line to the chaos log,

    {"trial": T, "run": R, "mode": M, "batches": B}

then fails at B batches in mode M:

    exit   exit status 1
    segv   SIGSEGV sent to itself: killed by signal 11
    oom    RLIMIT_AS set a little above what the process uses, then an
           allocation past it: MemoryError, Python's exit status 1 (a
           cgroup limit would be SIGKILL / OUT_OF_MEMORY instead)
    hang   ignores SIGTERM, SIGINT, SIGHUP and SIGUSR1 and sleeps forever:
           only a time limit (Slurm's --time, then SIGKILL) ends it

Knobs, all hyperparameters (consts in the test configs):

    chaos_log     absolute path of the chaos log (no log, no chaos)
    chaos_seed    seed of the decisions (default 0)
    chaos_p       probability that a run fails (default 0.3)
    chaos_modes   comma-separated modes to draw from (default "exit,segv,oom")
    chaos_max     at most this many random failures per trial (default 2;
                  counted in the checkpoint directory), so that a trial
                  with max_restarts > chaos_max always completes
    chaos_doom    a trial id whose every run fails (0: none): it ends as
                  ERROR once its failures outrun max_restarts
    chaos_force   a list of "TRIAL:RUN:MODE" failures that happen whatever
                  the draw (not counted against chaos_max)
    report_every  batches between reports (default max(1, target // 4))
    sleep         seconds per batch (default 0)
"""

import hashlib
import json
import os
import resource
import signal
import sys
import time

STATE = "state.json"
FAILS = "chaos_failures"
_signalled = 0


def _on_signal(signum, _frame):
    global _signalled
    _signalled = signum


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
    except (FileNotFoundError, ValueError):
        return default


def draw(*parts):
    """A number in [0, 1) from the parts, the same on every machine."""
    h = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(h[:8], "big") / 2.0**64


def decide(hp, trial, run, ckdir, start, target):
    """(mode, batch) for a run that is to fail, or None."""
    if not hp.get("chaos_log") or target <= start:
        return None
    seed = hp.get("chaos_seed", 0)
    modes = [m.strip() for m in str(hp.get("chaos_modes", "exit,segv,oom")).split(",") if m.strip()]
    # Fail somewhere in the first three quarters of what this run trains.
    at = start + 1 + int(draw(seed, trial, run, "at") * max(1, (target - start) * 3 // 4))
    for f in hp.get("chaos_force") or []:
        t, r, m = str(f).split(":")
        if int(t) == trial and int(r) == run:
            return m, at
    mode = modes[int(draw(seed, trial, run, "mode") * len(modes))] if modes else "exit"
    if int(hp.get("chaos_doom", 0) or 0) == trial:
        return mode, at
    fails = int(read_json(os.path.join(ckdir, FAILS), 0)) if ckdir else 0
    if fails >= int(hp.get("chaos_max", 2)):
        return None
    if draw(seed, trial, run, "fail") >= float(hp.get("chaos_p", 0.3)):
        return None
    if ckdir:
        write_atomic(os.path.join(ckdir, FAILS), "%d\n" % (fails + 1))
    return mode, at


def fail(hp, trial, run, mode, batches):
    line = json.dumps({"trial": trial, "run": run, "mode": mode,
                       "batches": batches}, sort_keys=True) + "\n"
    fd = os.open(hp["chaos_log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, line.encode())  # one write: whole lines from every trial
    os.fsync(fd)
    os.close(fd)
    print("train.py: chaos: %s at %d batches (trial %d run %d)" %
          (mode, batches, trial, run), file=sys.stderr, flush=True)
    if mode == "exit":
        sys.exit(1)
    if mode == "segv":
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(10)
        sys.exit(2)  # not reached
    if mode == "oom":
        with open("/proc/self/statm") as f:
            vsz = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = vsz + (64 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        hog = []
        while True:  # MemoryError ends it: exit status 1
            hog.append(bytearray(16 << 20))
    if mode == "hang":
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
            signal.signal(s, signal.SIG_IGN)
        while True:
            time.sleep(3600)
    sys.exit("train.py: unknown chaos mode %r" % mode)


def main():
    global _signalled
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
        signal.signal(s, _on_signal)
    env = os.environ
    hp = read_json(env["HPS_HPARAMS"], {}) if env.get("HPS_HPARAMS") else {}
    trial = int(env.get("HPS_TRIAL_ID", "0") or 0)
    run = int(env.get("HPS_RUN", "0") or 0)
    target = int(env.get("HPS_MAX_LENGTH", "") or 100)
    unit = env.get("HPS_LENGTH_UNIT", "") or "batches"
    metric = env.get("HPS_METRIC", "") or "validation_loss"
    ckdir = env.get("HPS_CHECKPOINT_DIR", "")
    mpath = env.get("HPS_METRICS_FILE", "")
    mfile = open(mpath, "a", encoding="utf-8") if mpath else sys.stdout
    state = {"batches": 0}
    if ckdir:
        os.makedirs(ckdir, exist_ok=True)
        state = read_json(os.path.join(ckdir, STATE), state)
    every = int(hp.get("report_every", 0) or 0) or max(1, target // 4)
    sleep = float(hp.get("sleep", 0) or 0)
    x = float(hp.get("x", 0.5))

    def save():
        if ckdir:
            write_atomic(os.path.join(ckdir, STATE), json.dumps(state) + "\n")

    def report():
        b = state["batches"]
        loss = (x - 0.3) ** 2 + 1.0 / (1.0 + b) ** 0.5
        mfile.write(json.dumps({unit: b, metric: loss}) + "\n")
        mfile.flush()

    start = state["batches"]
    chaos = decide(hp, trial, run, ckdir, start, target)
    print("train.py: trial %d run %d: batches %d -> %d%s" %
          (trial, run, start, target, " (chaos: %s at %d)" % chaos if chaos else ""),
          file=sys.stderr, flush=True)
    while state["batches"] < target:
        if _signalled == signal.SIGUSR1:  # checkpoint now, go on
            _signalled = 0
            save()
        if _signalled:
            save()
            print("train.py: signal %d: checkpointed at %d batches" %
                  (_signalled, state["batches"]), file=sys.stderr)
            return 128 + _signalled
        if sleep > 0:
            time.sleep(sleep)
        state["batches"] += 1
        b = state["batches"]
        if chaos and b == chaos[1]:
            fail(hp, trial, run, chaos[0], b)
        if b % every == 0 or b == target:
            save()
            report()
    if state["batches"] == start:
        report()  # nothing left to train: report where we are
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
