#!/bin/sh
# simulate-scale.sh - how long hpsearch simulate takes, and how much memory,
# for 100,000 trials on 1,000 slots; and the slot utilisation it reports
# against issue 8's 97 % target.  A measurement, not a test: it prints
# figures and exits 0 unless a simulation fails.
#
# usage: bench/simulate-scale.sh [HPSEARCH]   (default: ./hpsearch, then
#        _build/hpsearch, then hpsearch on PATH)
# Needs /usr/bin/time (GNU time) for the peak RSS; without it only the
# wall time is printed.
set -eu

hps=${1:-}
if [ -z "$hps" ]; then
	for c in ./hpsearch _build/hpsearch; do
		[ -x "$c" ] && hps=$c && break
	done
	[ -n "$hps" ] || hps=$(command -v hpsearch) || { echo "no hpsearch binary" >&2; exit 1; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

hp='hyperparameters:
  lr: {type: log, base: 10, minval: -5, maxval: -1}
  width: {type: int, minval: 16, maxval: 512}
  dropout: {type: double, minval: 0.0, maxval: 0.5}'
cat >"$tmp/asha.yaml" <<Y
entrypoint: x
$hp
searcher: {name: adaptive_asha, metric: validation_loss, max_trials: 100000, divisor: 4,
  max_rungs: 5, max_length: {batches: 10000}, max_concurrent_trials: 1000}
Y
cat >"$tmp/random.yaml" <<Y
entrypoint: x
$hp
searcher: {name: random, metric: validation_loss, max_trials: 100000,
  max_length: {batches: 10000}, max_concurrent_trials: 0}
Y
cat >"$tmp/random-mct.yaml" <<Y
entrypoint: x
$hp
searcher: {name: random, metric: validation_loss, max_trials: 100000,
  max_length: {batches: 10000}, max_concurrent_trials: 1000}
Y

# field FILE KEY: a number from simulate --json output.
field() {
	sed -n "s/^  \"$2\": \\([-0-9.e+]*\\),*\$/\\1/p" "$1"
}

measure() { # measure NAME CONFIG
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%e %M' -o "$tmp/time" "$hps" simulate --slots 1000 --queue-delay 30 \
			--json "$2" >"$tmp/out.json"
		set -- "$1" "$(cut -d' ' -f1 "$tmp/time") s" "$(cut -d' ' -f2 "$tmp/time") KiB"
	else
		s0=$(date +%s)
		"$hps" simulate --slots 1000 --queue-delay 30 --json "$2" >"$tmp/out.json"
		set -- "$1" "$(($(date +%s) - s0)) s" "? KiB"
	fi
	u=$(field "$tmp/out.json" utilisation)
	w=$(field "$tmp/out.json" utilisation_with_work)
	printf '%-34s %8s %11s %7.2f %% %7s %9.2f %%  %s\n' "$1" "$2" "$3" \
		"$(awk -v x="$u" "BEGIN { print x * 100 }")" \
		"$(awk -v u="$u" 'BEGIN { print (u >= 0.97) ? "met" : "not met" }')" \
		"$(awk -v x="$w" "BEGIN { print x * 100 }")" \
		"$(field "$tmp/out.json" trials) trials, $(field "$tmp/out.json" runs) runs, $(field "$tmp/out.json" array_submissions) arrays"
}

echo "hpsearch simulate: 100,000 trials on 1,000 slots, queue delay 30 s ($hps)"
printf '%-34s %8s %11s %9s %7s %11s\n' search time "peak RSS" util "97 %?" "while work"
measure "adaptive_asha, mct 1000" "$tmp/asha.yaml"
measure "random, no mct" "$tmp/random.yaml"
measure "random, mct 1000" "$tmp/random-mct.yaml"
