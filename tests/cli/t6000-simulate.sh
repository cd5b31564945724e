#!/bin/sh
# simulate: the real searcher and reap decisions on simulated trials and a
# simulated cluster.  No timing assertions here (bench/simulate-scale.sh
# measures); only what the output must be.
. "$top_srcdir/tests/cli/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
py=$(command -v python3)

# async_halving, 4 rungs, divisor 4, 64 trials: 64 -> 16 -> 4 -> 1 reach
# each rung, as the plan (preview) says; 16 at once on 8 slots.
cat >"$tmp/asha.yaml" <<'Y'
entrypoint: x
hyperparameters:
  lr: {type: log, base: 10, minval: -5, maxval: -1}
  width: {type: int, minval: 16, maxval: 512}
searcher: {name: async_halving, metric: loss, max_trials: 64, num_rungs: 4,
  divisor: 4, max_length: {batches: 6400}, max_concurrent_trials: 16}
Y
cat >"$tmp/random.yaml" <<'Y'
entrypoint: x
hyperparameters:
  lr: {type: log, base: 10, minval: -5, maxval: -1}
  width: {type: int, minval: 16, maxval: 512}
searcher: {name: random, metric: loss, max_trials: 64, max_length: {batches: 6400},
  max_concurrent_trials: 16}
Y
# Four trials, divisor 4: exactly one promotion, whatever the order.
cat >"$tmp/four.yaml" <<'Y'
entrypoint: x
hyperparameters:
  lr: {type: log, base: 10, minval: -5, maxval: -1}
searcher: {name: async_halving, metric: loss, max_trials: 4, num_rungs: 2,
  divisor: 4, max_length: {batches: 400}}
Y

run "$HPSEARCH" simulate --slots 8 "$tmp/asha.yaml"
ok $rc "simulate an async_halving search"
ok $(echo "$out" | grep -q '^async_halving search, 64 trials on 8 slots .*: COMPLETED$' && echo 0 || echo 1) "  the head line"
ok $(echo "$out" | grep -Eq '^  slot utilisation +[0-9.]+ %' && echo 0 || echo 1) "  prints the utilisation"

run "$HPSEARCH" simulate --slots 8 --json "$tmp/asha.yaml"
ok $rc "simulate --json"
echo "$out" >"$tmp/a1.json"
run "$HPSEARCH" simulate --slots 8 --json "$tmp/asha.yaml"
echo "$out" >"$tmp/a2.json"
ok $(cmp -s "$tmp/a1.json" "$tmp/a2.json" && echo 0 || echo 1) "the same seed gives the same output"
run "$HPSEARCH" simulate --slots 8 --json --seed 7 "$tmp/asha.yaml"
ok $(echo "$out" | cmp -s - "$tmp/a1.json" && echo 1 || echo 0) "another seed gives other curves"

run "$HPSEARCH" preview --json "$tmp/asha.yaml"
echo "$out" >"$tmp/plan.json"
run "$HPSEARCH" simulate --slots 8 --json "$tmp/random.yaml"
echo "$out" >"$tmp/r.json"
run "$HPSEARCH" simulate --slots 1000 --queue-delay 0 --json "$tmp/random.yaml"
echo "$out" >"$tmp/r1000.json"
if [ -n "$py" ]; then
	"$py" - "$tmp/a1.json" "$tmp/plan.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
keys = ["searcher", "metric", "state", "trials", "slots", "queue_delay_s", "seed",
        "makespan_s", "busy_slot_s", "utilisation", "utilisation_target",
        "utilisation_with_work", "idle_with_work_slot_s", "length_trained", "unit",
        "runs", "in_place_runs", "array_submissions", "promotions",
        "promotions_per_rung", "trials_per_rung", "rung_lengths",
        "best_metric", "best_trial"]
assert list(s.keys()) == keys, list(s.keys())
assert s["state"] == "COMPLETED" and s["trials"] == 64 and s["slots"] == 8
b = p["brackets"][0]
got, plan = s["trials_per_rung"][0], b["trials_per_rung"]
promoted = s["promotions_per_rung"][0]
assert s["rung_lengths"] == [b["rungs"]]
# Every trial reports rung 0; each promoted trial reports the next rung.
assert got[0] == plan[0] == 64 and promoted == got[1:] + [0], (got, promoted)
# Determined's promotionsAsync promotes at least the plan's int(n/d) of
# a rung's n results, and more when a new best arrives after the quota.
assert all(g >= q for g, q in zip(got, plan)) and got[-1] >= 1, (got, plan)
assert s["promotions"] == sum(promoted) and s["runs"] == 64 + s["promotions"]
assert s["length_trained"] >= p["total_length"]
assert 0 <= s["utilisation"] <= 1 and 0 <= s["utilisation_with_work"] <= 1
assert s["makespan_s"] > 0 and 1 <= s["best_trial"] <= 64
PY
	ok $? "  JSON keys; promotions per rung 16, 4, 1 as the plan predicts"
	"$py" - "$tmp/r.json" "$tmp/r1000.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); w = json.load(open(sys.argv[2]))
assert s["searcher"] == "random" and s["trials"] == 64 and s["runs"] == 64
assert s["promotions"] == 0 and s["promotions_per_rung"] == [[0]], s["promotions_per_rung"]
assert s["trials_per_rung"] == [[64]] and s["length_trained"] == 64 * 6400
assert 0 < s["utilisation"] <= 1
# 16 at once on 1000 slots: most slots stay idle, and that is the config's.
assert 0 < w["utilisation"] < 0.05 and w["utilisation_with_work"] > 0.99, w
PY
	ok $? "  random: no promotions; utilisation in [0, 1]"
else
	skip "no python3 to read JSON"
	skip "no python3 to read JSON"
fi

run "$HPSEARCH" simulate --slots 2 --json "$tmp/four.yaml"
ok $([ $rc -eq 0 ] && echo "$out" | tr -d ' \n' | grep -q '"promotions_per_rung":\[\[1,0\]\],"trials_per_rung":\[\[4,1\]\]' && echo 0 || echo 1) "4 trials, divisor 4: rungs of 4 and 1, as planned"

# Stopping-based ASHA: trials are stopped at rungs, and it ends.
cat >"$tmp/stop.yaml" <<'Y'
entrypoint: x
hyperparameters:
  a: {type: double, minval: 0, maxval: 1}
searcher: {name: adaptive_asha, metric: acc, smaller_is_better: false, max_trials: 40,
  time_metric: batches, max_time: 1000, max_concurrent_trials: 8}
Y
run "$HPSEARCH" simulate --slots 4 "$tmp/stop.yaml"
ok $([ $rc -eq 0 ] && echo "$out" | grep -q 'COMPLETED$' && echo 0 || echo 1) "stopping-based ASHA runs to the end"

run "$HPSEARCH" simulate --slots 2 "$top_srcdir/examples/quadratic/grid.yaml"
ok $([ $rc -eq 0 ] && echo "$out" | grep -q '^grid search, 12 trials' && echo 0 || echo 1) "grid: 12 trials"

printf 'entrypoint: x\nsearcher: {name: adaptive_asha, metric: m, max_trials: 100, max_length: 0}\n' >"$tmp/bad.yaml"
run "$HPSEARCH" simulate "$tmp/bad.yaml"
ok $([ $rc -eq 2 ] && echo "$err" | grep -q 'bad.yaml' && echo 0 || echo 1) "an invalid config: exit 2, the file named"
for bad in 0 -3 1.5 x ''; do
	run "$HPSEARCH" simulate --slots "$bad" "$tmp/asha.yaml"
	ok $([ $rc -eq 2 ] && echo 0 || echo 1) "--slots '$bad': exit 2"
done
run "$HPSEARCH" simulate --queue-delay -1 "$tmp/asha.yaml"
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "--queue-delay -1: exit 2"
run "$HPSEARCH" simulate --seed -1 "$tmp/asha.yaml"
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "--seed -1: exit 2"
run "$HPSEARCH" simulate
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "no config: exit 2"
printf 'entrypoint: x\nresources: {slots_per_trial: 4}\nsearcher: {name: random, metric: m, max_trials: 2, max_length: 10}\n' >"$tmp/wide.yaml"
run "$HPSEARCH" simulate --slots 2 "$tmp/wide.yaml"
ok $([ $rc -eq 2 ] && echo "$err" | grep -q 'cannot hold' && echo 0 || echo 1) "fewer slots than slots_per_trial: exit 2"

# Scale: 20,000 trials of adaptive ASHA on 1,000 slots finish.
cat >"$tmp/scale.yaml" <<'Y'
entrypoint: x
hyperparameters:
  lr: {type: log, base: 10, minval: -5, maxval: -1}
  width: {type: int, minval: 16, maxval: 512}
searcher: {name: adaptive_asha, metric: loss, max_trials: 20000, divisor: 4, max_rungs: 5,
  max_length: {batches: 10000}, max_concurrent_trials: 1000}
Y
run "$HPSEARCH" simulate --slots 1000 --json "$tmp/scale.yaml"
ok $([ $rc -eq 0 ] && echo "$out" | grep -q '"trials": 20000,' && echo "$out" | grep -q '"state": "COMPLETED"' && echo 0 || echo 1) "20,000 trials on 1,000 slots"
done_testing
