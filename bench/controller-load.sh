#!/bin/bash
# controller-load.sh - issue 8, benchmark 3: what a reap pass costs the
# Slurm controller, counted by slurmctld itself (sdiag's RPC statistics,
# reset with sdiag -r around each pass), at 10 and 10,000 trials; and how
# many sbatch submissions an adaptive ASHA search makes, against one job
# per trial.
#
#   bench/controller-load.sh [SIZES...]      default: 10 10000
#   HPSEARCH=path/to/hpsearch  PASSES=3
#
# Runs its own private test cluster (slurm/test-cluster with
# HPS_SLURM_DIR=${BENCH_SLURM_DIR:-/tmp/hpsearch-slurm-bench3}, ports
# ${BENCH_SLURM_PORT:-17117}..+2): the shared one is left alone, and no other
# client's RPCs are counted.  Needs root.  The big experiments are held
# (slurm.sbatch_args: [--hold]): their tasks stay PENDING, so every trial is
# "running" for the reaper and each pass looks at all of them.  Counted: the
# RPCs of clients (MESSAGE_* and completion messages of the slurmds, and
# sdiag's own REQUEST_STATS_INFO, are left out).
# Targets: the same number of controller RPCs per pass at 10 and 10,000
# trials (<= 3); sbatch submissions at most one per pass that launches runs,
# plus MaxArraySize chunks.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
HPSEARCH=${HPSEARCH:-$top/_build_bench/hpsearch}
PASSES=${PASSES:-3}
sizes=${*:-10 10000}
export HPS_SLURM_DIR=${BENCH_SLURM_DIR:-/tmp/hpsearch-slurm-bench3}
export HPS_SLURM_PORT=${BENCH_SLURM_PORT:-17117}
"$top/slurm/test-cluster" start >/dev/null
eval "$("$top/slurm/test-cluster" env)"
tmp=$(mktemp -d /tmp/hps-ctl.XXXXXX)
root=$tmp/root
cleanup() {
	for d in "$root"/[0-9]*; do
		[ -d "$d" ] && "$HPSEARCH" --root "$root" cancel "$d" >/dev/null 2>&1
	done
	scancel -u "$(id -un)" 2>/dev/null	# our own cluster: only our jobs
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT

# rpcs: client RPCs since the last reset, "TOTAL TYPE=count ..."
rpcs() {
	sdiag | awk '/by message type/ {on=1; next} /by user/ {on=0}
		on && NF > 2 && $1 !~ /^MESSAGE_/ && $1 != "REQUEST_STATS_INFO" &&
		$1 !~ /^REQUEST_COMPLETE/ && $1 != "REQUEST_STEP_COMPLETE" {
			c=$0; sub(/.*count:/, "", c); sub(/ .*/, "", c); n += c; s = s " " $1 "=" c }
		END {print n + 0 s}'
}
counted() { sdiag -r >/dev/null; "$@"; rpcs; }

echo "hpsearch: $HPSEARCH; cluster: $SLURM_CONF; MaxArraySize $(scontrol show config | awk '/MaxArraySize/ {print $3}')"
echo "controller access: $("$HPSEARCH" --root "$root" reap --all 2>/dev/null | sed -n 's/^controller access: //p')"
mkdir -p "$tmp/ctx"
echo "raise SystemExit('held: never runs')" >"$tmp/ctx/train.py"
printf '%8s  %-28s %s\n' trials what "client RPCs (by type)"
for n in $sizes; do
	cat >"$tmp/ctx/held-$n.yaml" <<EOY
name: held_$n
hyperparameters:
  x: {type: double, minval: -1.0, maxval: 1.0}
searcher:
  name: random
  metric: validation_loss
  max_trials: $n
  max_length: {batches: 100}
slurm:
  sbatch_args: [--hold]
entrypoint: python3 train.py
EOY
	sdiag -r >/dev/null
	"$HPSEARCH" --root "$root" create --quiet "$tmp/ctx/held-$n.yaml" "$tmp/ctx" >/dev/null
	printf '%8d  %-28s %s\n' "$n" "create (submits all)" "$(rpcs)"
	exp=$(ls -d "$root"/*-held_$n)
	"$HPSEARCH" --root "$root" reap --quiet "$exp"	# first look at the queue
	for p in $(seq "$PASSES"); do
		printf '%8d  %-28s %s\n' "$n" "pass, nothing new #$p" "$(counted "$HPSEARCH" --root "$root" reap --quiet "$exp")"
	done
	rm -f "$exp/reap-digest.json"
	printf '%8d  %-28s %s\n' "$n" "full pass (no digest)" "$(counted "$HPSEARCH" --root "$root" reap --quiet "$exp")"
	"$HPSEARCH" --root "$root" cancel "$exp" >/dev/null 2>&1 || true
	"$HPSEARCH" --root "$root" reap --quiet "$exp" || true
done

# An adaptive ASHA search of the quadratic example, run to its end.
mkdir -p "$tmp/asha"
cp "$top/examples/quadratic/train.py" "$top/examples/quadratic/adaptive.yaml" "$tmp/asha/"
sdiag -r >/dev/null
"$HPSEARCH" --root "$root" create --quiet "$tmp/asha/adaptive.yaml" "$tmp/asha" >/dev/null
exp=$(ls -d "$root"/*-quadratic_adaptive)
timeout 900 "$HPSEARCH" --root "$root" reap --watch=2 --quiet "$exp" || true
sub=$(rpcs | tr ' ' '\n' | sed -n 's/^REQUEST_SUBMIT_BATCH_JOB=//p')
j=$exp/journal.jsonl
trials=$("$HPSEARCH" --root "$root" status --json "$exp" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["trials_total"], s["state"], sum(t["runs"] for t in s["trials"]))')
set -- $trials
arrays=$(grep -c '"ev":"submitted"' "$j" || true)
inplace=$(grep -c '"in_place":true' "$j" || true)
echo "adaptive ASHA (examples/quadratic/adaptive.yaml): $1 trials, $3 runs, $2"
echo "  sbatch submissions counted by slurmctld (REQUEST_SUBMIT_BATCH_JOB): ${sub:-0}; arrays journaled: $arrays; runs continued in place: $inplace"
echo "  one job per trial would be $1 submissions (one per run: $3)"
