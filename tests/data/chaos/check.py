#!/usr/bin/env python3
"""Check a finished chaos search against its chaos logs.

    check.py STATUS.json EXPDIR CHAOS_LOG [EXTERNAL_LOG]

STATUS.json is `hpsearch status --json` of the experiment.  CHAOS_LOG holds
the failures the trials injected themselves (tests/data/chaos/train.py);
EXTERNAL_LOG, when given, the array tasks the test killed from outside, one
JSON object a line, as squeue showed them running just before:

    {"what": "scancel" | "kill-node", "job": ARRAY_JOB_ID, "index": I, "time": T}

Its victims are the runs of that task (the journal's submit and in-place
launch records) that did not end ok.

Prints one line per check, "ok NAME" or "FAIL NAME: why", and exits 1 when a
check failed.  The checks:

  restarts   per trial, restarts == the runs that failed (injected by the
             trial or from outside), less one for a trial that ended ERROR
             (its last failure is not restarted)
  failed     the runs hpsearch recorded as failed are exactly those runs
  reasons    each failed run ended as its injection says: exit -> exit
             status 1, segv -> signal 11, oom -> exit status 1 with
             MemoryError in its output.log, hang -> Slurm TIMEOUT,
             scancel -> a signal or CANCELLED, kill-node -> NODE_FAIL, a
             signal or "lost"; a run with two causes (it failed, and its
             task was killed before its exit record) may end as either
  end        each trial's end_reason says why it ended: completed / not
             promoted for COMPLETED; for ERROR the reason of its last
             failed run (exit status N, killed by signal N, TIMEOUT, ...)
  resumed    the batches a trial reported never go back across its runs,
             and it reached its length
"""

import glob
import json
import os
import sys


def lines(path):
    out = []
    if path and os.path.exists(path):
        for l in open(path, encoding="utf-8"):
            if l.strip():
                out.append(json.loads(l))
    return out


def main():
    status = json.load(open(sys.argv[1]))
    d = sys.argv[2]
    chaos = lines(sys.argv[3])
    ext = lines(sys.argv[4]) if len(sys.argv) > 4 else []
    bad = []

    def check(name, problems):
        if problems:
            bad.append(name)
            print("FAIL %s: %s" % (name, "; ".join(str(p) for p in problems[:8])))
        else:
            print("ok %s" % name)

    # What the journal says about every run that ended (the last exit
    # record of a (trial, run) wins).
    exits = {}
    journals = sorted(glob.glob(os.path.join(d, "journal*.jsonl")))
    for j in journals:
        for r in lines(j):
            if r.get("ev") == "exit":
                exits[(r["trial"], r["run"])] = r
    # Runs that failed by injection: mode per (trial, run).
    injected = {}
    for c in chaos:
        injected[(c["trial"], c["run"])] = c["mode"]
    # The runs of each array task, in order: the one it was submitted with
    # (submit + submitted), then those it went on with in place.
    arrays, jobs, task_runs = {}, {}, {}
    for j in journals:
        for r in lines(j):
            if r.get("ev") == "submit":
                arrays[r["array"]] = r["tasks"]
            elif r.get("ev") == "submitted" and r.get("job", 0) > 0:
                jobs[r["array"]] = int(r["job"])
                for i, t in enumerate(arrays.get(r["array"], [])):
                    task_runs.setdefault((int(r["job"]), i), []).append((t[0], t[1]))
            elif r.get("ev") == "launch" and r.get("in_place"):
                key = (int(r["job"]), int(r["index"]))
                task_runs.setdefault(key, []).append((r["trial"], r["run"]))
    # A task the test killed from outside (scancel, its node killed) fails
    # the run it was running: of its runs, the ones that did not end ok.
    # (A run that exited 0 just before the kill is not a victim; nor are
    # the runs it had finished before.)
    outside = {}
    for e in ext:
        for k in task_runs.get((int(e["job"]), int(e["index"])), []):
            if exits.get(k, {}).get("outcome") != "ok":
                outside.setdefault(k, e["what"])
    failed_expected = set(injected) | set(outside)
    failed_got = {k for k, r in exits.items() if r.get("outcome") != "ok"}

    trials = {t["id"]: t for t in status["trials"]}
    probs = []
    for tid, t in sorted(trials.items()):
        n = sum(1 for k in failed_expected if k[0] == tid)
        want = n - 1 if t["state"] == "ERROR" else n
        if t["restarts"] != want:
            probs.append("trial %d (%s): restarts %d, recorded failures %d" %
                         (tid, t["state"], t["restarts"], n))
    check("restarts", probs)

    probs = []
    for k in sorted(failed_expected - failed_got):
        probs.append("run %s injected/killed (%s) but not recorded as failed (%s)" %
                     (k, injected.get(k) or outside.get(k), exits.get(k)))
    for k in sorted(failed_got - failed_expected):
        probs.append("run %s failed without a recorded cause: %s" % (k, exits[k]))
    check("failed", probs)

    # A run can have two causes: it failed by itself, and its task was
    # killed from outside before hpsearch exec recorded how (the node
    # killed between the trial's exit and its exit record).  Either
    # ending is then right.
    def reason_ok(k, r):
        return any(mode_ok(m, k, r) for m in (injected.get(k), outside.get(k)) if m)

    def mode_ok(mode, k, r):
        code, sig = r.get("code"), r.get("signal")
        st = r.get("slurm_state")
        if mode == "exit":
            return code == 1 and not sig
        if mode == "segv":
            return sig == 11 or code == 139
        if mode == "oom":
            log = os.path.join(d, "trials", str(k[0]), "runs", str(k[1]), "output.log")
            return code == 1 and not sig and "MemoryError" in open(log, errors="replace").read()
        if mode == "hang":
            return st == "TIMEOUT"
        if mode == "scancel":
            return bool(sig) or st == "CANCELLED" or code not in (0, None)
        if mode == "kill-node":
            return st in ("NODE_FAIL", "FAILED", "CANCELLED") or bool(sig) or \
                r.get("outcome") == "lost" or code not in (0, None)
        return False

    probs = []
    for k in sorted(failed_expected & failed_got):
        if not reason_ok(k, exits[k]):
            probs.append("run %s (%s) ended as %s" %
                         (k, injected.get(k) or outside.get(k), exits[k]))
    check("reasons", probs)

    def reason_of(r):
        # hpsearch-status(1): Slurm's word where it says more, then the
        # signal, then "run lost", then the exit status.
        st = r.get("slurm_state")
        if st in ("TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL",
                  "PREEMPTED", "DEADLINE") or (st and (r.get("code") or 0) < 0):
            return st
        if r.get("signal"):
            return "killed by signal %d" % r["signal"]
        if r.get("outcome") == "lost":
            return "run lost"
        return "exit status %d" % r.get("code", 0)

    probs = []
    for tid, t in sorted(trials.items()):
        er = t.get("end_reason")
        if t["state"] == "COMPLETED":
            if er not in ("completed", "not promoted"):
                probs.append("trial %d COMPLETED, end reason %r" % (tid, er))
        elif t["state"] == "ERROR":
            runs = [k for k in failed_got if k[0] == tid]
            last = max(runs, key=lambda k: k[1]) if runs else None
            want = reason_of(exits[last]) if last else None
            if er != want:
                probs.append("trial %d ERROR, end reason %r, its last failed run %s says %r" %
                             (tid, er, last, want))
        else:
            probs.append("trial %d ended %s (%r)" % (tid, t["state"], er))
    check("end", probs)

    probs = []
    for tid, t in sorted(trials.items()):
        seq = []
        runs = glob.glob(os.path.join(d, "trials", str(tid), "runs", "*"))
        for r in sorted(runs, key=lambda p: int(os.path.basename(p))):
            m = os.path.join(r, "metrics.jsonl")
            if os.path.exists(m):
                seq += [json.loads(l)["batches"] for l in open(m) if l.strip()]
        if seq != sorted(seq) or (t["state"] == "COMPLETED" and (not seq or seq[-1] != t["length"])):
            probs.append("trial %d (length %s): %s" % (tid, t["length"], seq))
    check("resumed", probs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
