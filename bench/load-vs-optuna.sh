#!/bin/bash
# load-vs-optuna.sh - issue 8, benchmark 2: loading the full state of a
# 10,000-trial experiment (`hpsearch status --json`) against Optuna 3.1's
# JournalFileStorage loading the same number of trials with the same
# number of reports (Debian's python3-optuna; /usr/bin/python3).
#
#   bench/load-vs-optuna.sh [TRIALS [REPORTS]]     default 10000 10
#   HPSEARCH=path/to/hpsearch  REPS=5
#
# hpsearch: an experiment fabricated by bench/lib/fabricate.py (every trial
# finished, REPORTS metrics lines each).  Optuna: a journal log written by
# bench/lib/optuna_journal.py synth (the API's own format: create_trial,
# 4 set_param, REPORTS intermediate values, set_values), then
# load_study + get_trials + best_value, timed inside Python after
# `import optuna` (in Optuna's favour: the import alone takes ~1 s).
# Also shown: `hpsearch export --format json`, which reads every trial's
# metric history back from its files (what Optuna's load holds in memory).
# Both CPU time (steadier on a shared machine) and wall time are shown;
# the ratio against the target is on CPU time.
# Target: status --json at least 10x faster than Optuna's load.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
HPSEARCH=${HPSEARCH:-$here/../_build_bench/hpsearch}
REPS=${REPS:-5}
n=${1:-10000}
reports=${2:-10}
PY=/usr/bin/python3
$PY -c 'import optuna' 2>/dev/null || { echo "load-vs-optuna: python3-optuna is missing (scripts/install-deps)"; exit 77; }
tmp=$(mktemp -d /tmp/hps-load.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export FAKESLURM_DIR=$tmp/fake
exp=$(python3 "$here/lib/fabricate.py" --hpsearch "$HPSEARCH" --root "$tmp/root" \
	--trials "$n" --reports "$reports" --running 0)
$PY "$here/lib/optuna_journal.py" synth "$tmp/optuna.log" "$n" "$reports"
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# cpu_cmd: median CPU seconds (user + system) of REPS runs, and the wall
# time beside it: on a shared machine CPU time is the steadier figure.
cpu_cmd() {
	local c=() w=()
	for i in $(seq "$REPS"); do
		/usr/bin/time -f '%U %S %e' -o "$tmp/t" "$@" >/dev/null
		c+=("$(awk '{print $1 + $2}' "$tmp/t")"); w+=("$(awk '{print $3}' "$tmp/t")")
	done
	echo "$(printf '%s\n' "${c[@]}" | median) $(printf '%s\n' "${w[@]}" | median)"
}
read -r st_cpu st_wall < <(cpu_cmd "$HPSEARCH" --root "$tmp/root" status --json "$exp")
read -r ex_cpu ex_wall < <(cpu_cmd "$HPSEARCH" --root "$tmp/root" export --format json "$exp")
oc=() ow=()
for i in $(seq "$REPS"); do
	line=$($PY "$here/lib/optuna_journal.py" load "$tmp/optuna.log")
	ow+=("$(echo "$line" | sed 's/.*load_s=\([0-9.]*\).*/\1/')")
	oc+=("$(echo "$line" | sed 's/.*cpu_s=\([0-9.]*\).*/\1/')")
done
op_cpu=$(printf '%s\n' "${oc[@]}" | median); op_wall=$(printf '%s\n' "${ow[@]}" | median)
read -r opp_cpu opp_wall < <(cpu_cmd $PY "$here/lib/optuna_journal.py" load "$tmp/optuna.log")
echo "hpsearch: $HPSEARCH; $n trials x $reports reports; median of $REPS"
echo "  state:  state.json $(du -h "$exp/state.json" | cut -f1), journal $(du -h "$exp/journal.jsonl" | cut -f1); Optuna log $(du -h "$tmp/optuna.log" | cut -f1)"
printf '  %-48s %8s %8s\n' "" "CPU s" "wall s"
printf '  %-48s %8.3f %8.3f\n' "hpsearch status --json (whole process)" "$st_cpu" "$st_wall"
printf '  %-48s %8.3f %8.3f\n' "hpsearch export --format json (with histories)" "$ex_cpu" "$ex_wall"
printf '  %-48s %8.3f %8.3f\n' "Optuna journal load (in Python, after import)" "$op_cpu" "$op_wall"
printf '  %-48s %8.3f %8.3f\n' "Optuna journal load (whole python process)" "$opp_cpu" "$opp_wall"
r=$(echo "$op_cpu / $st_cpu" | bc -l)
printf '  Optuna load / status --json, CPU: %.1fx  (target >= 10x): %s   (wall: %.1fx)\n' "$r" \
	"$(echo "$r >= 10" | bc | sed 's/1/MET/;s/0/MISSED/')" "$(echo "$op_wall / $st_wall" | bc -l)"
printf '  Optuna load / export --format json, CPU: %.1fx   (wall: %.1fx)\n' \
	"$(echo "$op_cpu / $ex_cpu" | bc -l)" "$(echo "$op_wall / $ex_wall" | bc -l)"
