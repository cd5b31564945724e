#!/bin/sh
# preview: Determined's bracket formulas on the legacy mnist adaptive.yaml.
. "$top_srcdir/tests/cli/lib.sh"
data="$top_srcdir/tests/data"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

run "$HPSEARCH" preview "$data/mnist-adaptive-legacy.yaml"
ok $rc "preview of mnist adaptive.yaml"
ok $(echo "$out" | grep -q '^bracket 1: 3 rungs, 12 trials, at most 8 at once' && echo 0 || echo 1) "  bracket 1: 3 rungs, 12 trials"
ok $(echo "$out" | grep -q '^bracket 2: 2 rungs, 4 trials, at most 8 at once' && echo 0 || echo 1) "  bracket 2: 2 rungs, 4 trials"
ok $(echo "$out" | grep -Eq '^  1 +58 batches +12 +9$' && echo 0 || echo 1) "  rung 1 of bracket 1: 58 batches, 12 trials, 9 stop"
ok $(echo "$out" | grep -q '^total: 16 trials, at most 3566 batches trained' && echo 0 || echo 1) "  total"

run "$HPSEARCH" preview --json "$data/mnist-adaptive-legacy.yaml"
ok $rc "preview --json"
py=$(command -v python3)
if [ -n "$py" ]; then
	echo "$out" >"$tmp/p.json"
	"$py" - "$tmp/p.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
b = p["brackets"]
assert [x["rungs"] for x in b] == [[58, 234, 937], [234, 937]], b
assert [x["trials"] for x in b] == [12, 4]
assert [x["max_concurrent_trials"] for x in b] == [8, 8]
assert b[0]["trials_per_rung"] == [12, 3, 1] and b[0]["stopped_per_rung"] == [9, 2, 1]
assert p["total_trials"] == 16 and p["unit"] == "batches" and p["searcher"] == "adaptive_asha"
PY
	ok $? "  JSON brackets: rungs [58,234,937] x12 and [234,937] x4"
else
	skip "no python3 to read JSON"
fi

run "$HPSEARCH" preview "$data/seed-search.yaml"
ok $([ $rc -eq 0 ] && echo "$out" | grep -q '^total: 20 trials, at most 20000 batches trained' && echo 0 || echo 1) "random: 20 trials x 1000 batches"

printf 'entrypoint: x\nsearcher: {name: grid, metric: m}\nhyperparameters:\n  a: {type: int, minval: 1, maxval: 4, count: 4}\n  b: {type: categorical, vals: [x, y, z]}\n' >"$tmp/grid.yaml"
run "$HPSEARCH" preview "$tmp/grid.yaml"
ok $([ $rc -eq 0 ] && echo "$out" | grep -q '^total: 12 trials' && echo 0 || echo 1) "grid: 4 x 3 = 12 trials"

printf 'entrypoint: x\nsearcher: {name: adaptive_asha, metric: m, max_trials: 100, max_length: 1000, divisor: 10, max_rungs: 9, mode: aggressive}\n' >"$tmp/trunc.yaml"
run "$HPSEARCH" preview --json "$tmp/trunc.yaml"
ok $([ $rc -eq 0 ] && echo "$out" | tr -d ' \n' | grep -q '"rungs":\[10,100,1000\]' && echo 0 || echo 1) "ln(1000)/ln(10) truncates to 2: 3 rungs, not 4"

printf 'entrypoint: x\nsearcher: {name: adaptive_asha, metric: m, max_trials: 100, max_length: 0}\n' >"$tmp/zero.yaml"
run "$HPSEARCH" preview "$tmp/zero.yaml"
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "an invalid config: exit 2"
done_testing
