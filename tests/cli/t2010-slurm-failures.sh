#!/bin/sh
# Failures on the real Slurm test cluster: a crashing trial, a task
# cancelled by hand, a real time limit, the reaper killed at every
# durable-write boundary, the controller stopped during a pass, a node
# (slurmd and its slurmstepds) killed while trials run.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/slurmlib.sh"
need_slurm
quad="$top_srcdir/examples/quadratic"
data="$top_srcdir/tests/data/slurm"
tmp=$(mktemp -d)
cleanup() {
	cluster start-controller >/dev/null 2>&1
	cluster start-node n1 >/dev/null 2>&1
	scontrol update nodename=n1,n2 state=resume >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
export HPSEARCH_ROOT="$tmp/root"
expdir() { ls -d "$tmp"/root/"$1"-*; }
# wait_for EXP PYTHON-EXPR [SECONDS]: poll status until the expression holds
wait_for() {
	n=0
	while [ "$(jstate "$1" "$2")" != True ] && [ $n -lt "${3:-120}" ]; do
		"$HPSEARCH" reap -q "$1" >/dev/null 2>&1
		sleep 1; n=$((n + 1))
	done
	[ "$(jstate "$1" "$2")" = True ]
}

"$HPSEARCH" create -q "$data/crash.yaml" "$quad"
reap_until_over 1
ok $([ "$(jstate 1 's["state"], all(x["state"] == "ERROR" and x["restarts"] == 2 and x["runs"] == 3 for x in t)')" = "ERROR True" ] && echo 0 || echo 1) "a trial exiting 1 is retried max_restarts (2) times, then ERROR"

# A task cancelled by hand (not by hpsearch) is a failure: retried.
"$HPSEARCH" create -q "$data/slow.yaml" "$quad"
wait_for 2 'any(x["length"] >= 16 for x in t)' 60
d=$(expdir 2)
job=$(python3 -c "import json; print(json.load(open('$d/state.json'))['arrays'][0]['job'])" 2>/dev/null)
[ -n "$job" ] || job=$(grep -o '"job":[0-9]*' "$d/journal.jsonl" | head -n 1 | cut -d: -f2)
scancel "${job}_0"
reap_until_over 2 300
ok $([ "$(jstate 2 's["state"], t[0]["restarts"] >= 1, t[0]["state"], t[0]["length"]')" = "COMPLETED True COMPLETED 200" ] && echo 0 || echo 1) "a task cancelled with scancel is retried and the trial completes"

# The reaper killed at each durable write in turn (tasks make no pass of
# their own here: the reaper does all the work): no array submitted twice,
# no run claimed twice.
HPS_END_OF_RUN_REAP=0 HPS_IN_PLACE=0 "$HPSEARCH" create -q "$data/asha.yaml" "$quad"
d=$(expdir 3)
kills=0
n=1
for pass in $(seq 1 300); do
	HPS_FAULT_KILL=$n "$HPSEARCH" reap -q 3 >/dev/null 2>&1
	if [ $? -eq 137 ]; then kills=$((kills + 1)); n=$((n + 1)); else n=1; fi
	[ "$(jstate 3 's["state"] != "ACTIVE"')" = True ] && break
	sleep 0.3
done
reap_until_over 3 300
ok $([ "$(jstate 3 's["state"]')" = COMPLETED ] && [ $kills -gt 3 ] && echo 0 || echo 1) "the reaper killed at $kills durable writes, then run on: COMPLETED"
python3 - "$d" "$(sed -n 's/.*"prefix": "\(.*\)".*/\1/p' "$d/slurm.json")" <<'PY'
import glob, json, os, subprocess, sys
d, prefix = sys.argv[1], sys.argv[2]
subs, jobs = {}, {}
for line in open(os.path.join(d, "journal.jsonl")):
    r = json.loads(line)
    if r["ev"] == "submit":
        subs[r["array"]] = subs.get(r["array"], 0) + 1
    if r["ev"] == "submitted" and r["job"] > 0:
        jobs.setdefault(r["job"], []).append(r["array"])
out = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%F|%j"], capture_output=True, text=True).stdout
names = {}
for l in out.splitlines():
    f, n = l.split("|", 1)
    if n.startswith(prefix):
        names.setdefault(n, set()).add(f)
bad = [a for a, c in subs.items() if c > 1] + [j for j, a in jobs.items() if len(a) > 1] + [n for n, f in names.items() if len(f) > 1]
claims = glob.glob(os.path.join(d, "trials", "*", "runs", "*", "claim"))
runs = glob.glob(os.path.join(d, "trials", "*", "runs", "*"))
if bad or len(claims) != len(runs):
    print("# duplicated:", bad, "claims", len(claims), "runs", len(runs)); sys.exit(1)
PY
ok $? "  each array was submitted once, each run claimed once"
ok $([ -z "$(grep -l 'claimed already' "$d"/arrays/*.log 2>/dev/null)" ] && echo 0 || echo 1) "  no task found its run already claimed"

# The controller stopped during a pass: exit 1, nothing changes; the next
# pass picks up.
"$HPSEARCH" create -q "$data/slow.yaml" "$quad"
d=$(expdir 4)
wait_for 4 'all(x["runs"] == 1 for x in t)' 30
cluster stop-controller
before=$(cat "$d/journal.jsonl" "$d/state.json" | md5sum)
run "$HPSEARCH" reap 4
after=$(cat "$d/journal.jsonl" "$d/state.json" | md5sum)
ok $([ $rc -eq 1 ] && echo "$err" | grep -q 'cannot reach the Slurm controller' && echo 0 || echo 1) "controller down: the pass exits 1 and says why"
ok $([ "$before" = "$after" ] && echo 0 || echo 1) "  and changes nothing"
cluster start-controller
reap_until_over 4 300
ok $([ "$(jstate 4 's["state"], all(x["length"] == 200 for x in t)')" = "COMPLETED True" ] && echo 0 || echo 1) "  the controller back, the next passes complete the search"

# A node dies (slurmd and its slurmstepds killed): NODE_FAIL, the trials
# resume from their checkpoints on the other node.  Here the trials take a
# minute (0.3 s a batch), so the kill lands while they run however slow
# the passes of wait_for are: under valgrind a round takes seconds, and
# with 20 s trials the kill once came as the tasks on n1 had just ended.
sed 's/^  sleep: 0\.1$/  sleep: 0.3/' "$data/slow.yaml" >"$tmp/slower.yaml"
"$HPSEARCH" create -q "$tmp/slower.yaml" "$quad"
d=$(expdir 5)
wait_for 5 'sum(x["length"] >= 16 for x in t) >= 2' 60
on_n1=$(squeue -h -w n1 -o %A | wc -l)
cluster kill-node n1
reap_until_over 5 400
cluster start-node n1
ok $([ "$(jstate 5 's["state"], all(x["length"] == 200 and x["state"] == "COMPLETED" for x in t), sum(x["restarts"] for x in t) >= 1')" = "COMPLETED True True" ] && echo 0 || echo 1) "a killed node ($on_n1 tasks on it): the trials resume elsewhere and complete"
grep -h '"slurm_state":"NODE_FAIL"\|"slurm_state":"FAILED"\|"outcome":"lost"' "$d/journal.jsonl" >/dev/null
ok $? "  the lost runs are recorded as node failures"
python3 - "$d" <<'PY'
import glob, json, os, sys
for tdir in glob.glob(os.path.join(sys.argv[1], "trials", "*")):
    seq = []
    for r in sorted(glob.glob(os.path.join(tdir, "runs", "*")), key=lambda p: int(os.path.basename(p))):
        m = os.path.join(r, "metrics.jsonl")
        if os.path.exists(m):
            seq += [json.loads(l)["batches"] for l in open(m) if l.strip()]
    if not seq or seq[-1] != 200 or seq != sorted(seq):
        print("# trial", tdir, seq); sys.exit(1)
PY
ok $? "  resumed from checkpoints: batches never go back"

# A real time limit (one minute): signalled or killed, checkpointed, the
# retry resumes and the trial completes.
"$HPSEARCH" create -q "$data/timelimit.yaml" "$quad"
d=$(expdir 6)
grep -q '^#SBATCH --time=1$' "$d/arrays/1.sbatch" && grep -q '^#SBATCH --signal=B:USR1@10$' "$d/arrays/1.sbatch"
ok $? "a one-minute limit: --time=1 and USR1 10 s before it"
reap_until_over 6 400
ok $([ "$(jstate 6 's["state"], t[0]["length"], t[0]["restarts"] >= 1')" = "COMPLETED 150 True" ] && echo 0 || echo 1) "  the trial hit the limit, resumed from its checkpoint and completed ($(jstate 6 't[0]["restarts"]') restarts)"
done_testing
