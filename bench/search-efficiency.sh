#!/bin/bash
# search-efficiency.sh - issue 8, benchmark 5: search efficiency on the
# digits CNN of examples/mnist_pytorch (scikit-learn's 8x8 digits, Debian's
# PyTorch; nothing downloaded).
#
#   bench/search-efficiency.sh            reduced: 1 seed, 400 batches a trial
#   BENCH_FULL=1 bench/search-efficiency.sh   3 seeds, 1000 batches (hours on 2 cores)
#   SEEDS="1 2 3"  LENGTH=1000  REPORT_EVERY=100  ASHA_TRIALS=16  HPSEARCH=...
#   ASHA_RUNGS=3   max_rungs for ASHA (default: Determined's, 5)
#   BENCH_TMP=DIR  keep the work there; a search already finished there under
#                  the same name (eff_random_1, ...) is reused, not rerun
#
# For each seed: hpsearch's random search of 20 trials and adaptive ASHA
# (ASHA_TRIALS trials, default 16 as in adaptive.yaml) over the same space
# (adaptive.yaml's: learning rate 10^-4..1, filters, dropouts), run locally
# on 2 slots; then Optuna's RandomSampler +
# SuccessiveHalvingPruner (reduction 4, min resource LENGTH/16) on the same
# objective (train.py, run rung by rung from its checkpoint) until it has
# trained as many batches as ASHA did.  Batches are counted from the
# journals (harvest order) and Optuna's own loop.
# Targets: ASHA reaches random-20's best validation loss with <= 35 % of
# random-20's batches; at equal batches ASHA's best matches or beats
# Optuna's (median over the seeds).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
HPSEARCH=${HPSEARCH:-$top/_build_bench/hpsearch}
if [ "${BENCH_FULL:-0}" = 1 ]; then SEEDS=${SEEDS:-1 2 3}; LENGTH=${LENGTH:-1000}; REPORT_EVERY=${REPORT_EVERY:-100}
else SEEDS=${SEEDS:-1}; LENGTH=${LENGTH:-400}; REPORT_EVERY=${REPORT_EVERY:-25}; fi
ASHA_TRIALS=${ASHA_TRIALS:-16}	# adaptive.yaml's 16; its searcher's budget
PY=/usr/bin/python3
# The trials' `python3 train.py` too: Debian's, with PyTorch and
# scikit-learn (another python3 first on PATH may lack them).
export PATH=/usr/bin:$PATH
tmp=${BENCH_TMP:-$(mktemp -d /tmp/hps-eff.XXXXXX)}
mkdir -p "$tmp/ctx"
cp "$top/examples/mnist_pytorch/train.py" "$tmp/ctx/"
space="hyperparameters:
  learning_rate: {type: log, base: 10, minval: -4, maxval: 0}
  n_filters1: {type: int, minval: 16, maxval: 64}
  n_filters2: {type: int, minval: 32, maxval: 128}
  dropout1: {type: double, minval: 0.2, maxval: 0.5}
  dropout2: {type: double, minval: 0.3, maxval: 0.6}
  global_batch_size: 32
  report_every: $REPORT_EVERY"
echo "digits CNN, $LENGTH batches a trial, reports every $REPORT_EVERY, ASHA max_trials $ASHA_TRIALS${ASHA_RUNGS:+, max_rungs $ASHA_RUNGS}, seeds: $SEEDS"
printf '%5s %12s %12s %12s %14s %12s %12s\n' seed random-best random-batch asha-to-reach "asha/random" asha-best optuna-best
for s in $SEEDS; do
	for kind in random adaptive_asha; do
		n=20; rungs=
		if [ $kind = adaptive_asha ]; then
			n=$ASHA_TRIALS
			[ -z "${ASHA_RUNGS:-}" ] || rungs="  max_rungs: $ASHA_RUNGS"
		fi
		done_dir=$(ls -d "$tmp/root"/*-eff_${kind}_$s 2>/dev/null | head -n 1)
		if [ -n "$done_dir" ] && "$HPSEARCH" --root "$tmp/root" status "${done_dir##*/}" 2>/dev/null | head -n 1 | grep -q COMPLETED; then
			continue	# finished in an earlier run: reused
		fi
		cat >"$tmp/ctx/$kind-$s.yaml" <<EOY
name: eff_${kind}_$s
$space
searcher:
  name: $kind
  metric: validation_loss
  smaller_is_better: true
  max_trials: $n
$rungs
  max_length: {batches: $LENGTH}
reproducibility: {experiment_seed: $s}
entrypoint: python3 train.py
EOY
		"$HPSEARCH" --root "$tmp/root" run --quiet --slots 2 "$tmp/ctx/$kind-$s.yaml" "$tmp/ctx" >/dev/null
	done
	rnd=$(ls -d "$tmp/root"/*-eff_random_$s); asha=$(ls -d "$tmp/root"/*-eff_adaptive_asha_$s)
	python3 "$here/lib/efficiency.py" curve "$rnd" >"$tmp/r-$s.json"
	python3 "$here/lib/efficiency.py" curve "$asha" >"$tmp/a-$s.json"
	budget=$(python3 -c "import json; print(json.load(open('$tmp/a-$s.json'))['total'])")
	BENCH_REPORT_EVERY=$REPORT_EVERY $PY "$here/lib/efficiency.py" optuna "$tmp/ctx" "$LENGTH" "$budget" "$s" "$tmp/work-$s" >"$tmp/o-$s.json"
	python3 - "$tmp" "$s" <<'EOP'
import json, sys
tmp, s = sys.argv[1], sys.argv[2]
r, a, o = (json.load(open("%s/%s-%s.json" % (tmp, k, s))) for k in "rao")
reach = next((b for b, best in a["curve"] if best <= r["best"]), None)
ratio = reach / r["total"] if reach is not None else float("nan")
print("%5s %12.4f %12d %12s %13.1f%% %12.4f %12.4f" % (s, r["best"], r["total"],
      reach if reach is not None else "never", 100 * ratio, a["best"], o["best"]))
json.dump({"seed": s, "ratio": ratio, "asha_best": a["best"], "optuna_best": o["best"],
           "asha_total": a["total"], "optuna_total": o["total"]}, open("%s/sum-%s.json" % (tmp, s), "w"))
EOP
done
python3 - "$tmp" $SEEDS <<'EOP'
import json, math, statistics, sys
tmp, seeds = sys.argv[1], sys.argv[2:]
v = [json.load(open("%s/sum-%s.json" % (tmp, s))) for s in seeds]
ratios = [x["ratio"] if not math.isnan(x["ratio"]) else math.inf for x in v]
r = statistics.median(ratios)
print("median over %d seed(s): ASHA reaches random-20's best with %.1f %% of its batches (target <= 35 %%): %s"
      % (len(v), 100 * r, "MET" if r <= 0.35 else "MISSED"))
a = statistics.median(x["asha_best"] for x in v)
o = statistics.median(x["optuna_best"] for x in v)
print("at equal batches (ASHA %s, Optuna %s): best validation loss ASHA %.4f, Optuna SH %.4f (target: ASHA <= Optuna): %s"
      % ([x["asha_total"] for x in v], [x["optuna_total"] for x in v], a, o, "MET" if a <= o else "MISSED"))
EOP
[ -n "${BENCH_TMP:-}" ] || rm -rf "$tmp"
