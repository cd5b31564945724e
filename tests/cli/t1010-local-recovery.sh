#!/bin/sh
# Crash safety of the local runner: the driver killed with SIGKILL at
# several points and continued ends with the same trials and decisions as
# an uninterrupted run (concurrency 1: arrival order is fixed); SIGTERM
# pauses and continue resumes; cancel reaches a running driver.
. "$top_srcdir/tests/cli/lib.sh"
quad="$top_srcdir/examples/quadratic"
data="$top_srcdir/tests/data/local"
tmp=$(mktemp -d)
cleanup() { pkill -KILL -f "$tmp/root" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
PY=$(command -v python3)

# summary ROOT EXP: the decisions of a search, one line per trial
summary() {
	HPSEARCH_ROOT="$1" "$HPSEARCH" status --json "$2" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
print(s["state"], s["best_trial"])
for t in s["trials"]:
    print(t["id"], json.dumps(t["hparams"], sort_keys=True), t["state"], t["end_reason"], t["length"], t["restarts"], t["best_metric"])
'
}

journal_lines() { cat "$1"/*/journal.jsonl 2>/dev/null | wc -l; }

HPSEARCH_ROOT="$tmp/ref" "$HPSEARCH" run -q "$data/asha1.yaml" "$quad" >/dev/null 2>&1
ok $? "reference: uninterrupted promotion-based ASHA, one trial at a time"
summary "$tmp/ref" 1 >"$tmp/ref.txt"

# Kill the driver with SIGKILL three times, at growing journal sizes; each
# time continue picks up (adopting the run the dead driver left behind).
export HPSEARCH_ROOT="$tmp/root"
"$HPSEARCH" run -q "$data/asha1.yaml" "$quad" >/dev/null 2>&1 &
pid=$!
kills=0
for at in 8 25 45; do
	n=0
	while [ "$(journal_lines "$tmp/root")" -lt $at ] && [ $n -lt 400 ]; do
		sleep 0.05; n=$((n + 1))
	done
	if kill -KILL $pid 2>/dev/null; then kills=$((kills + 1)); fi
	wait $pid 2>/dev/null
	"$HPSEARCH" continue -q 1 >/dev/null 2>&1 &
	pid=$!
done
wait $pid
ok $? "killed with SIGKILL $kills times, then continued to the end"
ok $([ $kills -ge 2 ] && echo 0 || echo 1) "  the kills landed mid-search ($kills)"
summary "$tmp/root" 1 >"$tmp/got.txt"
if cmp -s "$tmp/ref.txt" "$tmp/got.txt"; then r=0; else r=1; diff "$tmp/ref.txt" "$tmp/got.txt" | sed 's/^/# /'; fi
ok $r "  same trials, hyperparameters, rung decisions, lengths and best trial as the uninterrupted run"
"$PY" - "$tmp/root"/1-* <<'PY'
import glob, json, os, sys
# No run executed twice: every run directory has exactly one claim and at
# most one exit record, and the journal launched each (trial, run) once.
seen = set()
for line in open(os.path.join(sys.argv[1], "journal.jsonl")):
    r = json.loads(line)
    if r["ev"] == "launch":
        key = (r["trial"], r["run"])
        if key in seen:
            print("# launched twice:", key); sys.exit(1)
        seen.add(key)
runs = glob.glob(os.path.join(sys.argv[1], "trials", "*", "runs", "*"))
sys.exit(0 if len(runs) == len(seen) and all(os.path.exists(os.path.join(r, "claim")) for r in runs) else 1)
PY
ok $? "  every run was launched once and claimed once"

# SIGTERM pauses (the runs checkpoint), continue resumes.
export HPSEARCH_ROOT="$tmp/pause"
QUAD_SLEEP=0.02 "$HPSEARCH" run "$quad/random.yaml" >"$tmp/p.out" 2>&1 &
pid=$!
n=0
while [ "$(journal_lines "$tmp/pause")" -lt 6 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
kill -TERM $pid
wait $pid
rc=$?
ok $([ $rc -eq 1 ] && grep -q 'resume with: hpsearch continue 1' "$tmp/p.out" && echo 0 || echo 1) "SIGTERM pauses: exit 1 and says how to resume"
jstate=$("$HPSEARCH" status --json 1 | "$PY" -c 'import json,sys; s=json.load(sys.stdin); print(s["state"], sum(t["restarts"] for t in s["trials"]))')
ok $([ "$jstate" = "PAUSED 0" ] && echo 0 || echo 1) "  PAUSED, and the interrupted runs do not count as restarts ($jstate)"
ok $([ -z "$(pgrep -f "$tmp/pause")" ] && echo 0 || echo 1) "  no run is left running"
"$HPSEARCH" continue -q 1 >/dev/null 2>&1
ok $? "continue finishes the paused search"
jstate=$("$HPSEARCH" status --json 1 | "$PY" -c 'import json,sys; s=json.load(sys.stdin); print(s["state"], len(s["trials"]), all(t["length"] == 128 for t in s["trials"]))')
ok $([ "$jstate" = "COMPLETED 12 True" ] && echo 0 || echo 1) "  all 12 trials completed at full length ($jstate)"

# cancel while a driver runs: the request reaches it.
export HPSEARCH_ROOT="$tmp/cancel"
QUAD_SLEEP=0.05 "$HPSEARCH" run -q "$quad/random.yaml" >/dev/null 2>&1 &
pid=$!
n=0
while [ "$(journal_lines "$tmp/cancel")" -lt 4 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
run "$HPSEARCH" cancel 1 2
ok $([ $rc -eq 0 ] && echo "$out" | grep -q 'cancel requested' && echo 0 || echo 1) "cancel of one trial goes to the running driver"
run "$HPSEARCH" cancel 1
ok $rc "cancel of the whole experiment"
wait $pid
jstate=$("$HPSEARCH" status --json 1 | "$PY" -c 'import json,sys; s=json.load(sys.stdin); t=s["trials"]; print(s["state"], t[1]["state"], any(x["state"] == "CANCELED" for x in t))')
ok $([ "$jstate" = "CANCELED CANCELED True" ] && echo 0 || echo 1) "  the experiment and trial 2 are CANCELED ($jstate)"
ok $([ -z "$(pgrep -f "$tmp/cancel")" ] && echo 0 || echo 1) "  no run is left running"

# Continue of a cancelled random search (Determined's experiment continue):
# completed trials stay, cancelled ones run again from their checkpoints.
"$HPSEARCH" continue -q 1 >/dev/null 2>&1
ok $? "continue of the cancelled search"
jstate=$("$HPSEARCH" status --json 1 | "$PY" -c 'import json,sys; s=json.load(sys.stdin); t=s["trials"]; print(s["state"], all(x["state"] == "COMPLETED" and x["length"] == 128 and x["restarts"] == 0 for x in t))')
ok $([ "$jstate" = "COMPLETED True" ] && echo 0 || echo 1) "  every trial completed, restart counts reset ($jstate)"

# An ASHA search is not continued (as in Determined), and refusing it
# leaves the experiment readable.
export HPSEARCH_ROOT="$tmp/asha"
QUAD_SLEEP=0.05 "$HPSEARCH" run -q "$data/asha1.yaml" "$quad" >/dev/null 2>&1 &
pid=$!
n=0
while [ "$(journal_lines "$tmp/asha")" -lt 3 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
"$HPSEARCH" cancel 1 >/dev/null 2>&1
wait $pid
run "$HPSEARCH" continue 1
ok $([ $rc -eq 1 ] && echo "$err" | grep -q 'cannot be continued' && echo 0 || echo 1) "continue of a finished ASHA search is refused"
"$HPSEARCH" status 1 >/dev/null 2>&1
ok $? "  and the experiment stays readable"

# A stop signal that reaches 'hpsearch exec' before its run starts (the
# driver pausing or cancel, just after the spawn) ends it by that signal
# before the claim: the run is not started, and is there to run later.
# The signal is made pending across execve, so the timing is exact.  The
# trial itself starts with the stop signals unblocked, whatever exec was
# given.
export HPSEARCH_ROOT="$tmp/held"
cat >"$tmp/held.yaml" <<'YAML'
name: held
hyperparameters: {x: 1}
searcher: {name: single, metric: loss, max_length: {batches: 3}}
entrypoint: ["sh", "sigtrial.sh"]
YAML
mkdir -p "$tmp/heldctx"
cat >"$tmp/heldctx/sigtrial.sh" <<'SH'
grep '^SigBlk' /proc/self/status > "$HPS_CHECKPOINT_DIR/sigblk.run$HPS_RUN"
printf '{"batches": %s, "loss": 0.5}\n' "$HPS_MAX_LENGTH" >> "$HPS_METRICS_FILE"
SH
held() { # held pending|blocked CMD...: CMD with SIGTERM blocked (and pending)
	"$PY" - "$@" <<'PY'
import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
if sys.argv[1] == "pending":
    os.kill(os.getpid(), signal.SIGTERM)
os.execvp(sys.argv[2], sys.argv[2:])
PY
}
"$HPSEARCH" run -q "$tmp/held.yaml" "$tmp/heldctx" >/dev/null 2>&1
ok $? "a one-trial search for exec by hand"
hd=$(ls -d "$tmp/held"/1-*)
held pending "$HPSEARCH" exec --trial 1 --run 2 --length 3 "$hd" >/dev/null 2>&1
rc=$?
ok $([ $rc -eq 143 ] && [ ! -e "$hd/trials/1/runs/2/claim" ] && [ ! -e "$hd/trials/1/checkpoint/sigblk.run2" ] && echo 0 || echo 1) \
	"exec with SIGTERM pending: ends by it before the claim, nothing ran (exit $rc)"
held blocked "$HPSEARCH" exec --trial 1 --run 2 --length 3 "$hd" >/dev/null 2>&1
ok $? "  the same run then runs"
# SigBlk is a hex mask; SIGTERM (15), SIGINT (2), SIGHUP (1) and SIGUSR1
# (10) are bits 14, 1, 0 and 9: 0x4203.
blk=$(awk '{print $2}' "$hd/trials/1/checkpoint/sigblk.run2" 2>/dev/null)
ok $([ -n "$blk" ] && [ $((0x$blk & 0x4203)) -eq 0 ] && echo 0 || echo 1) \
	"  its trial starts with the stop signals unblocked though exec had SIGTERM blocked (SigBlk $blk)"
ok $([ -e "$hd/trials/1/runs/2/claim" ] && [ -e "$hd/trials/1/runs/2/exit.json" ] && echo 0 || echo 1) \
	"  claimed once, exit recorded"
done_testing
