#!/bin/sh
# Trial chaos on the local runner (Determined's adaptive_chaos): an ASHA
# search whose runs fail at random (exit 1, SIGSEGV, a memory limit), one
# trial failing every run until it errors.  The search completes; every
# trial's restart count equals the failures in the chaos log; status says
# why each trial ended.  No hangs here: the local runner has no per-run
# time limit (slurm.time is Slurm's), so t2040-slurm-chaos.sh covers them.
. "$top_srcdir/tests/cli/lib.sh"
data="$top_srcdir/tests/data/chaos"
tmp=$(mktemp -d)
cleanup() { pkill -KILL -f "$tmp/root" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
PY=$(command -v python3)
export HPSEARCH_ROOT="$tmp/root"
log="$tmp/chaos.log"
sed "s|@CHAOS_LOG@|$log|" "$data/local.yaml" >"$tmp/chaos.yaml"

"$HPSEARCH" validate "$tmp/chaos.yaml" >/dev/null 2>&1
ok $? "the chaos config is valid"
t0=$(date +%s)
timeout 300 "$HPSEARCH" run -q "$tmp/chaos.yaml" "$data" >"$tmp/run.out" 2>&1
rc=$?
ok $rc "the chaos search runs to its end ($(($(date +%s) - t0)) s)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/run.out" | tail -n 20
"$HPSEARCH" status --json 1 >"$tmp/status.json" 2>/dev/null
d=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["dir"])' "$tmp/status.json")
st=$("$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["state"], s["trials_total"], s["trials_running"])' "$tmp/status.json")
ok $([ "$st" = "COMPLETED 8 0" ] && echo 0 || echo 1) "  COMPLETED, 8 trials, none running ($st)"

# The chaos actually happened, in every mode, to several trials.
cov=$("$PY" - "$log" <<'PY'
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(sorted({x["mode"] for x in c}) == ["exit", "oom", "segv"] and
      len({x["trial"] for x in c}) >= 4 and len(c) >= 8)
PY
)
ok $([ "$cov" = True ] && echo 0 || echo 1) "  the chaos log has exit, segv and oom failures over 4+ trials ($(wc -l <"$log") failures)"
note "$(cat "$log")"

"$PY" "$data/check.py" "$tmp/status.json" "$d" "$log" >"$tmp/check.out" 2>&1
grep -v '^ok' "$tmp/check.out" | sed 's/^/# /'
for c in restarts failed reasons end resumed; do
	grep -q "^ok $c\$" "$tmp/check.out"
	r=$?
	case $c in
	restarts) ok $r "  per trial: restarts == failures in the chaos log (less the last, for an ERROR trial)" ;;
	failed) ok $r "  the runs recorded as failed are exactly the injected ones" ;;
	reasons) ok $r "  each failed run ended as injected: exit status 1, signal 11, MemoryError" ;;
	end) ok $r "  each trial's end reason (status --json) says why it ended" ;;
	resumed) ok $r "  retries resumed from checkpoints: batches never go back" ;;
	esac
done

# Trial 3 fails every run: ERROR once max_restarts (3) is used up, and the
# status table says how its last run died.
t3=$("$PY" -c 'import json,sys; t=json.load(open(sys.argv[1]))["trials"][2]; print(t["state"], t["restarts"], t["runs"], t["end_reason"])' "$tmp/status.json")
last=$("$PY" -c '
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = max((x for x in c if x["trial"] == 3), key=lambda x: x["run"])["mode"]
print({"exit": "exit status 1", "oom": "exit status 1", "segv": "killed by signal 11"}[m])' "$log")
ok $([ "$t3" = "ERROR 3 4 $last" ] && echo 0 || echo 1) "  the doomed trial 3: ERROR after 3 restarts, 4 runs, reason '$last' ($t3)"
"$HPSEARCH" status 1 >"$tmp/status.txt" 2>&1
grep -q "^ *3  ERROR  *$last  *3 " "$tmp/status.txt"
ok $? "  the status table shows it: 3  ERROR  $last  3"
ok $([ "$(grep -c '^ *[0-9][0-9]*  COMPLETED  *\(completed\|not promoted\)  ' "$tmp/status.txt")" -eq 7 ] && echo 0 || echo 1) "  and the 7 others COMPLETED, completed or not promoted"
ok $([ -z "$(pgrep -f "$tmp/root")" ] && echo 0 || echo 1) "  no run is left running"
done_testing
