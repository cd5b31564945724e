#!/bin/bash
# create-scale.sh - issue 8, benchmark 6: creating a 100,000-trial random
# search, its wall time and peak memory (/usr/bin/time -v).
#
#   bench/create-scale.sh [TRIALS]        default 100000
#   HPSEARCH=path/to/hpsearch  REPS=3
#
# Three figures: `create --dry-run` (everything hpsearch does: config, the
# experiment directory, the searcher's 100,000 trials, the journal, the
# state, the array script; nothing submitted), and `create` against the fake
# Slurm commands of bench/lib/fakeslurm (adds sinfo, sbatch --test-only and
# the submissions, each journaled and fsynced) twice: with
# max_concurrent_trials 100, where the first MaxArraySize=1001 chunk fills
# the limit and the other 99 wait for later passes, and with 0 (unlimited),
# where all 100 chunks go out at create.  Target: under 2 s and 200 MB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
HPSEARCH=${HPSEARCH:-$here/../_build_bench/hpsearch}
REPS=${REPS:-3}
n=${1:-100000}
tmp=$(mktemp -d /tmp/hps-create-scale.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ctx"
cat >"$tmp/ctx/random.yaml" <<EOY
name: bench_random
hyperparameters:
  x: {type: double, minval: -1.0, maxval: 1.0}
  learning_rate: {type: log, base: 10, minval: -4, maxval: -1}
  width: {type: int, minval: 4, maxval: 64}
  optimizer: {type: categorical, vals: [adam, sgd, rmsprop]}
searcher:
  name: random
  metric: validation_loss
  max_trials: $n
  max_concurrent_trials: MCT
  max_length: {batches: 1000}
entrypoint: python3 train.py
EOY
sed 's/MCT/0/' "$tmp/ctx/random.yaml" >"$tmp/ctx/unlimited.yaml"
sed -i 's/MCT/100/' "$tmp/ctx/random.yaml"
echo "print('never run')" >"$tmp/ctx/train.py"
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
measure() { # measure LABEL ARGS...: median wall s, max RSS MB over REPS
	local label=$1 w=() m=() cpu=()
	shift
	for i in $(seq "$REPS"); do
		rm -rf "$tmp/root" "$tmp/fake"
		FAKESLURM_DIR=$tmp/fake /usr/bin/time -v -o "$tmp/tv" "$@" >/dev/null
		w+=("$(awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(k=1;k<=n;k++) s=s*60+a[k]; print s}' "$tmp/tv")")
		m+=("$(awk -F': ' '/Maximum resident/ {print $2/1024}' "$tmp/tv")")
		cpu+=("$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$tmp/tv")")
	done
	local wm mm cm
	wm=$(printf '%s\n' "${w[@]}" | median); mm=$(printf '%s\n' "${m[@]}" | sort -n | tail -1)
	cm=$(printf '%s\n' "${cpu[@]}" | median)
	printf '%-34s %8.2f s (target < 2 s: %s)  cpu %6.2f s  %7.1f MB (target < 200 MB: %s)\n' \
		"$label" "$wm" "$(echo "$wm < 2" | bc | sed 's/1/MET/;s/0/MISSED/')" "$cm" "$mm" \
		"$(echo "$mm < 200" | bc | sed 's/1/MET/;s/0/MISSED/')"
	printf '%-34s %s trial directories after create (made lazily), %s sbatch submissions\n' "" \
		"$(ls "$tmp/root"/1-*/trials | wc -l)" "$(grep -c '^sbatch --parsable [^-]' "$tmp/fake/calls.log" 2>/dev/null || echo 0)"
}
echo "hpsearch: $HPSEARCH; $n trials, median of $REPS"
measure "create --dry-run" "$HPSEARCH" --root "$tmp/root" create --quiet --dry-run "$tmp/ctx/random.yaml" "$tmp/ctx"
measure "create (fake Slurm), mct 100" env PATH="$here/lib/fakeslurm:$PATH" HPS_SLURM_LIB=0 \
	"$HPSEARCH" --root "$tmp/root" create --quiet "$tmp/ctx/random.yaml" "$tmp/ctx"
measure "create (fake Slurm), mct 0" env PATH="$here/lib/fakeslurm:$PATH" HPS_SLURM_LIB=0 \
	"$HPSEARCH" --root "$tmp/root" create --quiet "$tmp/ctx/unlimited.yaml" "$tmp/ctx"
