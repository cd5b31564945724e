#!/bin/sh
# Determined Core API scripts run unchanged (python/determined, the shim):
# its unit checks, examples/determined_core under adaptive ASHA locally
# and on the Slurm test cluster (promotions resume through
# latest_checkpoint), the DET_* variables and PYTHONPATH that hpsearch
# exec sets, and should_preempt() after hpsearch cancel.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/slurmlib.sh"
ex="$top_srcdir/examples/determined_core"
shim=$(cd "$top_srcdir/python" && pwd -P)
tmp=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
PY=$(command -v python3)
export HPSEARCH_ROOT="$tmp/root"
unset HPSEARCH_PYTHONPATH DETCORE_SLEEP

# The shim's own checks, one TAP line each.
PYTHONPATH="$shim" "$PY" "$top_srcdir/tests/cli/t5000-determined-shim.py" >"$tmp/unit.out" 2>&1
while IFS= read -r line; do
	case $line in
	"ok - "*) ok 0 "shim: ${line#ok - }" ;;
	"not ok - "*) ok 1 "shim: ${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$tmp/unit.out"
[ "$(grep -c '^ok - ' "$tmp/unit.out")" -ge 20 ]
ok $? "shim: all checks ran ($(grep -c '^ok - ' "$tmp/unit.out") passed)"

# jcheck EXP PYTHON-EXPR: a Python expression over status --json (s, t)
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
        print("#  ", json.dumps({k: x.get(k) for k in ("id", "state", "end_reason", "length", "runs", "best_metric")}))
sys.exit(0 if ok else 1)
PY
}

# resumed DIR: every run of every trial printed the batch it resumed from
# (train.py: "resumed_from=N"); a first run starts at 0, and a later run
# at the length its previous run reached -- through latest_checkpoint.
resumed() {
	"$PY" - "$1" <<'PY'
import glob, json, os, re, sys
bad = promoted = 0
for tdir in sorted(glob.glob(os.path.join(sys.argv[1], "trials", "*"))):
    prev = 0
    runs = sorted(glob.glob(os.path.join(tdir, "runs", "*")), key=lambda p: int(os.path.basename(p)))
    for r in runs:
        log = open(os.path.join(r, "output.log")).read()
        m = re.findall(r"^resumed_from=(\d+)$", log, re.M)
        lines = [json.loads(l) for l in open(os.path.join(r, "metrics.jsonl"))]
        if not m or int(m[0]) != prev:
            print("# %s: resumed from %s, previous run reached %d" % (r, m, prev)); bad += 1
        promoted += int(m[0]) > 0 if m else 0
        prev = max([l["batches"] for l in lines if "validation_loss" in l] or [prev])
print("# %d runs resumed from a checkpoint" % promoted)
sys.exit(1 if bad or not promoted else 0)
PY
}

# ---- the example under promotion-based ASHA, locally ----
run "$HPSEARCH" run -q "$ex/adaptive.yaml"
ok $rc "local: examples/determined_core/adaptive.yaml runs to the end"
jcheck 1 's["state"] == "COMPLETED" and len(t) == 8 and all(x["state"] == "COMPLETED" and x["best_metric"] is not None for x in t) and any(x["runs"] > 1 for x in t) and max(x["length"] for x in t) == 160 and s["best_trial"] is not None'
ok $? "  8 trials completed with their validation_loss, some promoted to 160"
d=$(ls -d "$tmp"/root/1-*)
resumed "$d"
ok $? "  each promoted run resumed at the length its previous run reached (latest_checkpoint)"
"$PY" - "$d" <<'PY'
import glob, json, os, sys
for r in glob.glob(os.path.join(sys.argv[1], "trials", "*", "runs", "*")):
    for l in open(os.path.join(r, "metrics.jsonl")):
        j = json.loads(l)
        if "training" in j and "validation_loss" in j:
            sys.exit(1)
        if "training" not in j and set(j) != {"batches", "validation_loss"}:
            print("#", r, l); sys.exit(1)
PY
ok $? "  metrics lines: training under \"training\", validation flat with the searcher metric"

# ---- DET_* variables and PYTHONPATH ----
mkdir -p "$tmp/envctx"
cat >"$tmp/envctx/dump.py" <<'PY'
import json, os
import determined as det
info = det.get_cluster_info()
out = {k: v for k, v in os.environ.items() if k.startswith("DET_") or k in ("PYTHONPATH", "HPS_TRIAL_SEED")}
out["det_file"] = det.__file__
out["latest"] = info.latest_checkpoint
with det.core.init() as c:
    for op in c.searcher.operations():
        with c.checkpoint.store_path({"steps_completed": op.length}) as (path, sid):
            out["stored"] = sid
        c.train.report_validation_metrics(op.length, {"validation_loss": 1.0 / op.length})
        op.report_completed(1.0 / op.length)
with open(os.path.join(os.environ["HPS_CHECKPOINT_DIR"], "env.run" + os.environ["HPS_RUN"]), "w") as f:
    json.dump(out, f)
PY
cat >"$tmp/env.yaml" <<'EOF'
name: det_env
hyperparameters:
  lr: {type: double, minval: 0.1, maxval: 0.2}
  opt: {beta: 0.9, name: adam}
searcher:
  name: adaptive_asha
  metric: validation_loss
  max_trials: 4
  max_rungs: 2
  divisor: 2
  max_concurrent_trials: 2
  max_length: {batches: 8}
entrypoint: python3 dump.py
EOF
PYTHONPATH=/user/site DET_LATEST_CHECKPOINT=stale-from-outside run "$HPSEARCH" run -q "$tmp/env.yaml" "$tmp/envctx"
ok $rc "DET_*: a Core API script that dumps its environment runs"
d=$(ls -d "$tmp"/root/2-*)
"$PY" - "$d" "$shim" <<'PY'
import glob, json, os, sys
d, shim = sys.argv[1], sys.argv[2]
bad, seconds = [], 0
for tdir in sorted(glob.glob(os.path.join(d, "trials", "*"))):
    tid = int(os.path.basename(tdir))
    hp = json.load(open(os.path.join(tdir, "hparams.json")))
    runs = sorted(glob.glob(os.path.join(tdir, "checkpoint", "env.run*")))
    prev = None
    for k in range(1, len(runs) + 1):
        e = json.load(open(os.path.join(tdir, "checkpoint", "env.run%d" % k)))
        want = {"DET_TRIAL_ID": str(tid), "DET_EXPERIMENT_ID": "2",
                "DET_TRIAL_SEED": e.get("HPS_TRIAL_SEED")}
        for key, v in want.items():
            if e.get(key) != v:
                bad.append("trial %d run %d: %s=%r, not %r" % (tid, k, key, e.get(key), v))
        if json.loads(e.get("DET_HPARAMS", "null")) != hp:
            bad.append("trial %d: DET_HPARAMS %r" % (tid, e.get("DET_HPARAMS")))
        pp = e.get("PYTHONPATH", "").split(":")
        if os.path.realpath(pp[0]) != shim or pp[1:] != ["/user/site"]:
            bad.append("PYTHONPATH=%r" % e.get("PYTHONPATH"))
        if not os.path.realpath(e["det_file"]).startswith(shim + "/determined/"):
            bad.append("imported %s" % e["det_file"])
        if e.get("DET_LATEST_CHECKPOINT") != prev or e["latest"] != prev:
            bad.append("trial %d run %d: latest %r/%r, previous run stored %r"
                       % (tid, k, e.get("DET_LATEST_CHECKPOINT"), e["latest"], prev))
        seconds += k > 1
        prev = e["stored"]
for b in bad:
    print("#", b)
print("# %d promoted runs checked" % seconds)
sys.exit(1 if bad or not seconds else 0)
PY
ok $? "  DET_HPARAMS, DET_TRIAL_ID, DET_EXPERIMENT_ID, DET_TRIAL_SEED; DET_LATEST_CHECKPOINT unset on a first run, the previous run's storage id after a promotion; the shim first on PYTHONPATH"

cat >"$tmp/envctx/pp.sh" <<'EOF'
printf '{"batches": 1, "x": 1}\n' >>"$HPS_METRICS_FILE"
printf '%s\n' "$PYTHONPATH" >"$HPS_CHECKPOINT_DIR/pythonpath"
EOF
cat >"$tmp/noshim.yaml" <<'EOF'
name: det_noshim
hyperparameters:
  a: 1
searcher: {name: single, metric: x, max_length: 1}
environment:
  environment_variables: [HPSEARCH_PYTHONPATH=]
entrypoint: sh pp.sh
EOF
PYTHONPATH=/user/site run "$HPSEARCH" run -q "$tmp/noshim.yaml" "$tmp/envctx"
ok $([ $rc -eq 0 ] && [ "$(cat "$tmp"/root/*-det_noshim/trials/1/checkpoint/pythonpath)" = /user/site ] && echo 0 || echo 1) "HPSEARCH_PYTHONPATH= (empty) in the config leaves PYTHONPATH alone"

# ---- should_preempt() after hpsearch cancel ----
cat >"$tmp/long.yaml" <<'EOF'
name: det_preempt
hyperparameters:
  learning_rate: 0.01
  momentum: 0.5
searcher: {name: single, metric: validation_loss, max_length: {batches: 100000}}
entrypoint: python3 train.py
EOF
DETCORE_SLEEP=0.01 "$HPSEARCH" run -q "$tmp/long.yaml" "$ex" >"$tmp/long.out" 2>&1 &
pid=$!
n=0
while ! grep -qs training "$tmp"/root/*-det_preempt/trials/1/runs/1/metrics.jsonl && [ $n -lt 300 ]; do
	sleep 0.1; n=$((n + 1))
done
e=$(ls -d "$tmp"/root/*-det_preempt); e=${e##*/}; e=${e%%-*}
run "$HPSEARCH" cancel "$e"
ok $rc "preempt: hpsearch cancel of a running Core API trial (experiment $e)"
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
kill -KILL "$pid" 2>/dev/null
wait "$pid"
pid=
r="$tmp/root/$e-det_preempt/trials/1/runs/1"
ck="$tmp/root/$e-det_preempt/trials/1/checkpoint"
ok $(grep -q 'preempted at batch' "$r/output.log" && echo 0 || echo 1) "  should_preempt() turned true: the script checkpointed and returned"
ok $("$PY" -c 'import json,sys; e=json.load(open(sys.argv[1])); sys.exit(0 if e["code"] == 143 and e["signal"] == 0 else 1)' "$r/exit.json" && echo 0 || echo 1) "  the run exited 143 (preempted before its length), not 0"
ok $("$PY" -c 'import json,os,sys; ck=sys.argv[1]; sid=open(os.path.join(ck,"det_latest_checkpoint")).read().strip(); s=json.load(open(os.path.join(ck,sid,"metadata.json")))["steps_completed"]; sys.exit(0 if 0 < s < 100000 else 1)' "$ck" && echo 0 || echo 1) "  its checkpoint is the trial's latest, with steps_completed in its metadata"
jcheck "$e" 't[0]["state"] == "CANCELED"'
ok $? "  the trial is CANCELED"

# ---- the example on the Slurm test cluster ----
if slurm_ready; then
	exec 9>"${TMPDIR:-/tmp}/hpsearch-slurm-tests.lock"
	flock 9
	run "$HPSEARCH" create -q "$ex/adaptive.yaml" "$ex"
	ok $rc "slurm: create of examples/determined_core/adaptive.yaml"
	id=$(ls "$tmp/root" | sed -n 's/^\([0-9]*\)-determined_core_adaptive$/\1/p' | sort -n | tail -n 1)
	reap_until_over "$id" 300
	ok $? "slurm: the example's adaptive ASHA search is driven to the end"
	jcheck "$id" 's["state"] == "COMPLETED" and len(t) == 8 and all(x["best_metric"] is not None for x in t) and any(x["runs"] > 1 for x in t)'
	ok $? "  8 trials with their validation_loss, some promoted"
	resumed "$(ls -d "$tmp"/root/"$id"-*)"
	ok $? "  promoted runs resumed through latest_checkpoint on the cluster"

	# hpsearch cancel is scancel: the trial's should_preempt() turns true,
	# and it checkpoints before KillWait runs out.
	DETCORE_SLEEP=0.01 "$HPSEARCH" create -q "$tmp/long.yaml" "$ex" >/dev/null 2>&1
	e=$(ls "$tmp/root" | sed -n 's/^\([0-9]*\)-det_preempt$/\1/p' | sort -n | tail -n 1)
	r="$tmp/root/$e-det_preempt/trials/1/runs/1"
	n=0
	while ! grep -qs training "$r/metrics.jsonl" && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
	run "$HPSEARCH" cancel "$e"
	reap_until_over "$e" 120
	# The experiment is cancelled at once, but the run goes on within
	# KillWait to write its checkpoint: reap --watch waits for its exit
	# record before it returns.
	ok $([ -s "$r/exit.json" ] && echo 0 || echo 1) "slurm: reap --watch returned once the cancelled run's exit record was in"
	[ -s "$r/exit.json" ] || { echo "# no exit.json; output.log:"; sed 's/^/# /' "$r/output.log"; }
	ok $(grep -q 'preempted at batch' "$r/output.log" && grep -q 'exiting 143' "$r/output.log" && [ -s "$tmp/root/$e-det_preempt/trials/1/checkpoint/det_latest_checkpoint" ] && "$PY" -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["code"] != 143)' "$r/exit.json" && echo 0 || echo 1) "slurm: after hpsearch cancel (scancel), should_preempt() turned true, the trial checkpointed and exited 143"
elif [ "${HPS_REQUIRE_SLURM:-0}" = 1 ]; then
	ok 1 "slurm: the test cluster is required (HPS_REQUIRE_SLURM=1) but not reachable"
else
	skip "no Slurm test cluster (slurm/test-cluster start, then SLURM_CONF)"
fi

done_testing
