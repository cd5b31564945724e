#!/bin/bash
# promotion.sh - issue 8, benchmark 4: promotion latency (a run's exit to
# the start of the run that follows it) and slot utilisation during an
# adaptive ASHA search of short trials on the test cluster (2 nodes x 2
# fake GPUs = 4 slots).
#
#   bench/promotion.sh          HPSEARCH=...  TRIALS=64  SLEEP=0.08 (s a batch)
#
# The search is examples/quadratic's adaptive.yaml with a per-batch sleep
# (max_length 256 batches: ~20 s for a whole trial at 0.08 s a batch),
# max_concurrent_trials 4, driven by the end-of-run passes of its tasks
# (continue-in-place or submission) and `hpsearch reap --watch=2`.
# Timings come from each run's exit.json (start, end: whole seconds, as
# hpsearch exec writes them):
#   latency of a run = its start - the latest exit before it (runs of the
#                      first batch excluded)
#   utilisation      = sum of run times / (4 slots x (last end - first start))
# Targets: latency p50 <= 2 s; utilisation >= 90 %.
# Own private cluster (BENCH_SLURM_DIR, default /tmp/hpsearch-slurm-bench3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
HPSEARCH=${HPSEARCH:-$top/_build_bench/hpsearch}
TRIALS=${TRIALS:-64}
SLEEP=${SLEEP:-0.08}
export HPS_SLURM_DIR=${BENCH_SLURM_DIR:-/tmp/hpsearch-slurm-bench3}
export HPS_SLURM_PORT=${BENCH_SLURM_PORT:-17117}
"$top/slurm/test-cluster" start >/dev/null
eval "$("$top/slurm/test-cluster" env)"
tmp=$(mktemp -d /tmp/hps-promo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ctx"
cp "$top/examples/quadratic/train.py" "$tmp/ctx/"
sed -e "s/max_trials: 16/max_trials: $TRIALS/" -e "s/^  c: 1.0/  c: 1.0\n  sleep: $SLEEP/" \
	"$top/examples/quadratic/adaptive.yaml" >"$tmp/ctx/adaptive.yaml"
t0=$(date +%s)
"$HPSEARCH" --root "$tmp/root" create --quiet "$tmp/ctx/adaptive.yaml" "$tmp/ctx" >/dev/null
exp=$(ls -d "$tmp/root"/*-quadratic_adaptive)
timeout 1200 "$HPSEARCH" --root "$tmp/root" reap --watch=2 --quiet "$exp" || true
t1=$(date +%s)
python3 - "$exp" "$t1" "$t0" <<'EOP'
import glob, json, os, statistics, sys
exp = sys.argv[1]
runs = []
for p in glob.glob(os.path.join(exp, "trials", "*", "runs", "*", "exit.json")):
    x = json.load(open(p))
    parts = p.split(os.sep)
    runs.append((x["start"], x["end"], int(parts[-4]), int(parts[-2]), x.get("host", "?")))
runs.sort()
j = [json.loads(l) for l in open(os.path.join(exp, "journal.jsonl"))]
inplace = sum(1 for r in j if r.get("ev") == "launch" and r.get("in_place"))
arrays = sum(1 for r in j if r.get("ev") == "submitted")
first = runs[0][0]
lat = []
for s, e, t, k, h in runs:
    before = [e2 for s2, e2, *_ in runs if e2 <= s]
    if s > first and before:
        lat.append(s - max(before))
busy = sum(e - s for s, e, *_ in runs)
span = max(e for _, e, *_ in runs) - first
print("adaptive ASHA: %d trials, %d runs (%d continued in place, %d arrays submitted), %d s in all"
      % (len({r[2] for r in runs}), len(runs), inplace, arrays, int(sys.argv[2]) - int(sys.argv[3])))
print("  run time: median %.1f s, min %d s, max %d s" % (statistics.median(e - s for s, e, *_ in runs),
      min(e - s for s, e, *_ in runs), max(e - s for s, e, *_ in runs)))
if lat:
    p50 = statistics.median(lat)
    p90 = sorted(lat)[int(0.9 * (len(lat) - 1))]
    print("  promotion latency (exit -> next start, whole seconds): p50 %.1f s, p90 %d s, max %d s, n=%d  (target p50 <= 2 s): %s"
          % (p50, p90, max(lat), len(lat), "MET" if p50 <= 2 else "MISSED"))
u = busy / (4.0 * span) if span else 0
print("  slot utilisation: %.1f %% of 4 slots over %d s, first start to last end  (target >= 90 %%): %s"
      % (100 * u, span, "MET" if u >= 0.9 else "MISSED"))
# The same until the last run started: after it, ASHA has nothing left to
# give the free slots (its top rung ends the search), whatever the runner.
last = max(s for s, *_ in runs)
if last > first:
    b2 = sum(max(0, min(e, last) - s) for s, e, *_ in runs if s < last)
    print("  slot utilisation until the last run started: %.1f %% over %d s"
          % (100.0 * b2 / (4.0 * (last - first)), last - first))
EOP
