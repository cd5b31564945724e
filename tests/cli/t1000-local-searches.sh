#!/bin/sh
# The local runner end to end, with real trial processes: every searcher
# on the quadratic example, the trial protocol, retries and InvalidHP.
. "$top_srcdir/tests/cli/lib.sh"
quad="$top_srcdir/examples/quadratic"
data="$top_srcdir/tests/data/local"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
export HPSEARCH_ROOT="$root"
PY=$(command -v python3)

# jcheck EXP PYTHON-EXPR: evaluate a Python expression over status --json (s)
jcheck() {
	"$HPSEARCH" status --json "$1" >"$tmp/s.json" 2>"$tmp/s.err" || return 1
	"$PY" - "$tmp/s.json" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = s["trials"]
ok = eval(sys.argv[2])
if not ok:
    print("# status:", json.dumps({k: v for k, v in s.items() if k != "trials"}))
    for x in t:
        print("#  ", json.dumps({k: x[k] for k in ("id", "state", "end_reason", "length", "restarts", "runs")}))
sys.exit(0 if ok else 1)
PY
}

run "$HPSEARCH" run -q "$quad/random.yaml"
ok $rc "random: runs to the end"
ok $(echo "$out" | grep -q '^experiment 1 COMPLETED' && echo 0 || echo 1) "  prints the end state"
jcheck 1 'len(t) == 12 and all(x["state"] == "COMPLETED" and x["length"] == 128 and x["runs"] == 1 for x in t) and s["best_trial"] is not None'
ok $? "  12 trials completed at 128 batches, one run each"
ok $(ls "$root"/1-quadratic_random/trials | wc -l | grep -q '^12$' && echo 0 || echo 1) "  a directory per trial"

run "$HPSEARCH" run -q "$quad/grid.yaml"
ok $rc "grid: runs to the end"
jcheck 2 'len(t) == 12 and len({json.dumps(x["hparams"], sort_keys=True) for x in t}) == 12'
ok $? "  12 distinct grid points"

run "$HPSEARCH" run -q "$quad/single.yaml"
ok $rc "single: runs to the end"
jcheck 3 'len(t) == 1 and t[0]["state"] == "COMPLETED" and t[0]["length"] == 100'
ok $? "  one trial at 100 batches"

run "$HPSEARCH" run -q "$quad/adaptive.yaml"
ok $rc "adaptive_asha (promotion-based): runs to the end"
jcheck 4 'len(t) == 16 and any(x["runs"] > 1 for x in t) and max(x["length"] for x in t) == 256 and all(x["state"] == "COMPLETED" for x in t)'
ok $? "  16 trials, some promoted to 256"
# A promoted trial resumes: across its runs the batches only grow, and it
# trained exactly its last target, never a sum of restarts from zero.
"$PY" - "$root/4-quadratic_adaptive" <<'PY'
import glob, json, os, sys
bad = 0
for tdir in sorted(glob.glob(os.path.join(sys.argv[1], "trials", "*"))):
    seq = []
    runs = sorted(glob.glob(os.path.join(tdir, "runs", "*")), key=lambda p: int(os.path.basename(p)))
    for r in runs:
        for line in open(os.path.join(r, "metrics.jsonl")):
            seq.append(json.loads(line)["batches"])
    if seq != sorted(set(seq)) or seq[-1] not in (16, 64, 256):
        print("# trial", tdir, "batches", seq)
        bad += 1
sys.exit(1 if bad else 0)
PY
ok $? "  promoted trials resume from their checkpoint (batches continue across runs)"

run "$HPSEARCH" run -q "$quad/stopping.yaml"
ok $rc "adaptive_asha (stopping-based): runs to the end"
jcheck 5 'all(x["runs"] == 1 for x in t) and any(x["end_reason"] == "stopped early" and x["length"] < 256 for x in t)'
ok $? "  one run per trial, losers stopped early"

run "$HPSEARCH" run -q "$data/crash.yaml" "$quad"
ok $([ $rc -eq 1 ] && echo 0 || echo 1) "every trial crashes: exit 1"
jcheck 6 's["state"] == "ERROR" and all(x["state"] == "ERROR" and x["restarts"] == 2 and x["runs"] == 3 for x in t)'
ok $? "  each trial retried max_restarts (2) times, then ERROR"

run "$HPSEARCH" run -q "$data/flaky.yaml" "$quad"
ok $rc "a first run that crashes is retried"
jcheck 7 's["state"] == "COMPLETED" and all(x["restarts"] == 1 and x["runs"] == 2 and x["length"] == 64 for x in t)'
ok $? "  restart count equals the crashes, and the retry finishes"

run "$HPSEARCH" run -q "$data/invalid.yaml" "$quad"
ok $rc "invalid hyperparameters (exit 78)"
jcheck 8 'sum(x["end_reason"] == "invalid hyperparameters" for x in t) == len(t) - 6 and len(t) > 6'
ok $? "  random replaces each invalid trial"

cp "$data/envtrial.sh" "$tmp/"
(cd "$tmp" && "$HPSEARCH" run -q "$data/hostile.yaml" "$tmp" >"$tmp/h.out" 2>&1)
ok $? "hostile hyperparameter values and names: the trial runs"
d=$(ls -d "$root"/9-*)
envf="$d/trials/1/checkpoint/env.run1"
ok $(grep -qx 'HP_CMD=$(touch pwned-by-hp)' "$envf" && grep -qx 'HP_TICK=`touch pwned-by-tick`' "$envf" && grep -qx 'HP_SEMI=a; touch pwned-by-semi' "$envf" && echo 0 || echo 1) "  values reach the trial verbatim"
ok $([ -z "$(find "$tmp" / -maxdepth 1 -name 'pwned-by-*' 2>/dev/null)" ] && [ -z "$(find "$d" -name 'pwned-by-*')" ] && echo 0 || echo 1) "  nothing was executed"
ok $(grep -q '^HP_NESTED__DEEP__VALUE=7$' "$envf" && grep -q '^HP_OBJ={"red":"fish"}$' "$envf" && ! grep -q '^HP_DROP' "$envf" && echo 0 || echo 1) "  nested names join with __, a const object is JSON, drop-out has no variable"
ok $(grep -q '^HPS_TRIAL_ID=1$' "$envf" && grep -q '^HPS_RUN=1$' "$envf" && grep -q '^HPS_MAX_LENGTH=10$' "$envf" && grep -q '^HPS_LENGTH_UNIT=batches$' "$envf" && grep -q "^HPS_HPARAMS=$d/trials/1/hparams.json$" "$envf" && echo 0 || echo 1) "  protocol variables"
ok $([ "$(cat "$d/trials/1/checkpoint/cwd.run1")" = "$d/context" ] && echo 0 || echo 1) "  the trial runs in the context snapshot"
case $d in "$root"/9-_.._hostile__rm_-rf__) r=0 ;; *) r=1 ;; esac
ok $r "  a hostile experiment name stays inside the root ($(basename "$d"))"
"$PY" -c "import json,sys; h=json.load(open(sys.argv[1])); sys.exit(0 if h['newline']=='line1\nline2' and h['quote']=='it\'s \"quoted\"' else 1)" "$d/trials/1/hparams.json"
ok $? "  hparams.json holds the values exactly"

run "$HPSEARCH" list --json
ok $([ $rc -eq 0 ] && echo "$out" | "$PY" -c 'import json,sys; sys.exit(0 if len(json.load(sys.stdin)) == 9 else 1)' && echo 0 || echo 1) "list --json shows 9 experiments"
run "$HPSEARCH" best -n 3 1
ok $([ $rc -eq 0 ] && [ "$(echo "$out" | wc -l)" -eq 3 ] && echo 0 || echo 1) "best -n 3"
run "$HPSEARCH" logs 1 1
ok $rc "logs of a trial"
run "$HPSEARCH" status 99
ok $([ $rc -eq 1 ] && echo "$err" | grep -q "no experiment '99'" && echo 0 || echo 1) "status of an unknown experiment: exit 1"
run "$HPSEARCH" continue 1
ok $([ $rc -eq 1 ] && echo "$err" | grep -q 'COMPLETED: nothing to continue' && echo 0 || echo 1) "continue of a completed experiment refuses"

# checkpoint_storage: with save_trial_* at 0, only the experiment's best
# save_experiment_best trials keep their checkpoints.
gcroot="$tmp/gcroot"
HPSEARCH_ROOT="$gcroot" "$HPSEARCH" run -q "$data/gc.yaml" "$quad" >/dev/null 2>&1
kept=$(ls -d "$gcroot"/1-gc/trials/*/checkpoint 2>/dev/null | wc -l)
best2=$(HPSEARCH_ROOT="$gcroot" "$HPSEARCH" best -n 2 --json 1 | "$PY" -c 'import json,sys; print(" ".join(str(t["id"]) for t in json.load(sys.stdin)))')
have=$(for i in $best2; do [ -d "$gcroot/1-gc/trials/$i/checkpoint" ] && echo "$i"; done | tr '\n' ' ')
ok $([ "$kept" -eq 2 ] && [ "$have" = "$(echo $best2) " ] && echo 0 || echo 1) "checkpoint GC keeps the 2 best trials' checkpoints ($kept kept: $have)"
ok $([ "$(ls -d "$root"/1-quadratic_random/trials/*/checkpoint | wc -l)" -eq 12 ] && echo 0 || echo 1) "  with the defaults every trial keeps its checkpoint"

# Ids are allocated atomically: six creates racing get six ids.
race="$tmp/race"
for i in 1 2 3 4 5 6; do
	HPSEARCH_ROOT="$race" "$HPSEARCH" run -q "$quad/single.yaml" >/dev/null 2>&1 &
done
wait
ok $([ "$(ls "$race" | grep -c '^[1-6]-quadratic_single$')" -eq 6 ] && echo 0 || echo 1) "six racing creates get ids 1..6"

# A directory written by a newer hpsearch is refused, not misread.
d=$(ls -d "$root"/3-*)
echo 99 >"$d/format"
run "$HPSEARCH" status 3
ok $([ $rc -eq 1 ] && echo "$err" | grep -q 'written by a newer hpsearch (format 99' && echo 0 || echo 1) "a newer directory format is refused with a clear message"
done_testing
