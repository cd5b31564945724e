#!/bin/bash
# reap-scale.sh - issue 8, benchmark 1: the cost of a reap pass against the
# size of the experiment (100, 1,000, 10,000, 100,000 trials, each with a
# metric history), for a pass with nothing new and a pass where 1 % of the
# trials advanced (one more metrics line each).
#
#   bench/reap-scale.sh [SIZES...]        default: 100 1000 10000 100000
#   HPSEARCH=path/to/hpsearch  REPS=5  REPORTS=10  BENCH_TMP=/tmp/...
#
# Experiments are fabricated by bench/lib/fabricate.py (create through the
# fake Slurm commands of bench/lib/fakeslurm, runs written as hpsearch exec
# leaves them, their harvest journaled in hpsearch's format).  A pass is one
# `hpsearch reap --quiet EXP` process (load, one squeue, settle, write),
# against the fake squeue (HPS_SLURM_LIB=0): the controller is not what is
# measured here (bench/controller-load.sh counts its RPCs).  2 % of the
# trials are running (at least 2); 1 % of them (at least 1) advance.
# Target: nothing-new pass at 10,000 trials within 2x of the one at 100.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
HPSEARCH=${HPSEARCH:-$here/../_build_bench/hpsearch}
REPS=${REPS:-9}
REPORTS=${REPORTS:-10}
tmp=${BENCH_TMP:-$(mktemp -d /tmp/hps-reap-scale.XXXXXX)}
sizes=${*:-100 1000 10000 100000}
export HPS_SLURM_LIB=0
fake="$here/lib/fakeslurm"

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

echo "hpsearch: $HPSEARCH"
echo "reap pass (one 'hpsearch reap' process), median of $REPS; $REPORTS reports per finished trial"
printf '%8s %8s %12s %12s %10s %14s\n' trials running "nothing(s)" "1%adv(s)" "RSS(MB)" "state.json(MB)"
declare -A nothing
for n in $sizes; do
	run=$(( n / 50 )); [ $run -lt 2 ] && run=2
	adv=$(( n / 100 )); [ $adv -lt 1 ] && adv=1
	export FAKESLURM_DIR=$tmp/fake-$n
	rm -rf "$FAKESLURM_DIR" "$tmp/root-$n"
	exp=$(python3 "$here/lib/fabricate.py" --hpsearch "$HPSEARCH" --root "$tmp/root-$n" \
		--trials $n --reports $REPORTS --running $run)
	reap() { PATH=$fake:$PATH "$HPSEARCH" --root "$tmp/root-$n" reap --quiet "$exp"; }
	reap	# settles the view of the queue once
	ts=()
	for i in $(seq $REPS); do
		t0=$(now); reap; t1=$(now)
		ts+=("$(echo "$t1 - $t0" | bc)")
	done
	t_nothing=$(printf '%s\n' "${ts[@]}" | median)
	rss=$( { PATH=$fake:$PATH /usr/bin/time -f %M "$HPSEARCH" --root "$tmp/root-$n" reap --quiet "$exp"; } 2>&1 | tail -1)
	ts=()
	for i in $(seq $REPS); do
		# adv running trials (1..run) append one metrics line each
		for t in $(seq $adv); do
			echo "{\"batches\": $((500 + i)), \"validation_loss\": 0.$((5000 + i))}" \
				>>"$exp/trials/$t/runs/1/metrics.jsonl"
		done
		t0=$(now); reap; t1=$(now)
		ts+=("$(echo "$t1 - $t0" | bc)")
	done
	t_adv=$(printf '%s\n' "${ts[@]}" | median)
	nothing[$n]=$t_nothing
	printf '%8d %8d %12.4f %12.4f %10.1f %14.1f\n' $n $run $t_nothing $t_adv \
		"$(echo "$rss / 1024" | bc -l)" "$(echo "$(stat -c %s "$exp/state.json") / 1048576" | bc -l)"
done
if [ -n "${nothing[100]:-}" ] && [ -n "${nothing[10000]:-}" ]; then
	r=$(echo "${nothing[10000]} / ${nothing[100]}" | bc -l)
	printf 'nothing-new pass, 10,000 / 100 trials: %.2fx   (target <= 2x): %s\n' "$r" \
		"$(echo "$r <= 2" | bc -l | sed 's/1/MET/;s/0/MISSED/')"
fi
[ -n "${BENCH_TMP:-}" ] || rm -rf "$tmp"
