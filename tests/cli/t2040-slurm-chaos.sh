#!/bin/sh
# Trial chaos on the Slurm test cluster (Determined's adaptive_chaos): runs
# that fail at random (exit 1, SIGSEGV, a memory limit), a run that hangs
# past its one-minute time limit, and from outside: scancel of running
# tasks, a slurmd killed and restarted while tasks run on it, slurmctld
# stopped and started, all while `hpsearch reap --watch` drives the search.
# The search completes; every trial's restart count equals the failures
# recorded, by the trials (the chaos log) and by this test (what it killed);
# status says why each trial ended.
#
# The short version (CI, about two minutes): 6 trials, one hang, one round
# of outside chaos.  HPS_LONG_TESTS=1: 12 trials, two hangs, three rounds
# (both nodes killed in turn).
#
# Memory: the test cluster enforces no memory limit (no cgroup task plugin,
# JobAcctGatherType=jobacct_gather/none), so --mem would never end a task
# with OUT_OF_MEMORY; the "oom" runs set RLIMIT_AS themselves and die of
# MemoryError (exit status 1), as they do on the local runner.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/slurmlib.sh"
need_slurm
data="$top_srcdir/tests/data/chaos"
tmp=$(mktemp -d)
watcher=
cleanup() {
	[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
	cluster start-controller >/dev/null 2>&1
	cluster start-node n1 >/dev/null 2>&1
	cluster start-node n2 >/dev/null 2>&1
	if [ -n "${prefix:-}" ]; then
		squeue -h -o '%A %j' 2>/dev/null | awk -v p="$prefix" 'index($2, p) == 1 {print $1}' |
			xargs -r scancel 2>/dev/null
	fi
	scontrol update nodename=n1,n2 state=resume >/dev/null 2>&1
	if [ -n "${HPS_KEEP_CHAOS:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
PY=$(command -v python3)
export HPSEARCH_ROOT="$tmp/root"
log="$tmp/chaos.log"	# the trials' own failures (train.py)
ext="$tmp/outside.log"	# what this test did to them
: >"$ext"
if [ "${HPS_LONG_TESTS:-0}" = 1 ]; then
	trials=12 rounds=3
	sed -e "s|@CHAOS_LOG@|$log|" -e "s|max_trials: 6|max_trials: $trials|" \
	    -e 's|chaos_force: .*|chaos_force: ["2:1:hang", "7:1:hang"]|' \
	    "$data/slurm.yaml" >"$tmp/chaos.yaml"
else
	trials=6 rounds=1
	sed -e "s|@CHAOS_LOG@|$log|" "$data/slurm.yaml" >"$tmp/chaos.yaml"
fi

t0=$(date +%s)
"$HPSEARCH" create -q "$tmp/chaos.yaml" "$data" >/dev/null
ok $? "create: $trials chaos trials, max 4 at a time"
d=$(ls -d "$tmp"/root/1-*)
prefix=$(sed -n 's/.*"prefix": "\(.*\)".*/\1/p' "$d/slurm.json")
timeout $((trials * 40)) "$HPSEARCH" reap --watch=1 --quiet 1 >"$tmp/watch.out" 2>&1 &
watcher=$!

# running_tasks [NODE]: "ARRAYJOB INDEX" of our running tasks
running_tasks() {
	squeue -h -t R ${1:+-w "$1"} -o '%F %K %j' 2>/dev/null |
		awk -v p="$prefix" 'index($3, p) == 1 {print $1, $2}'
}
# record WHAT: one line per running task read on stdin, in $ext (once)
record() {
	while read -r job index; do
		grep -q "\"what\": \"$1\", \"job\": $job, \"index\": $index," "$ext" ||
			echo "{\"what\": \"$1\", \"job\": $job, \"index\": $index, \"time\": $(date +%s)}" >>"$ext"
	done
}
# wait_running N SECONDS: until N of our tasks run
wait_running() {
	n=0
	while [ "$(running_tasks | wc -l)" -lt "$1" ] && [ $n -lt "$2" ]; do sleep 0.5; n=$((n + 1)); done
}
# The forced hangs (trial 2, and 7 in the long version, run 1: array 1's
# tasks 1 and 6) are left alone: they need their TIMEOUT.
first=$(sed -n 's/.*"submitted","job":\([0-9]*\).*/\1/p' "$d/journal.jsonl" | head -n 1)
not_hang() { grep -v "^$first [16]\$"; }

round=1
while [ $round -le $rounds ]; do
	# scancel of a random running task
	wait_running 2 60
	sleep 2
	victim=$(running_tasks | not_hang | shuf -n 1)
	if [ -n "$victim" ]; then
		echo "$victim" | record scancel
		scancel "$(echo "$victim" | tr ' ' _)"
		note "round $round: scancel $(echo "$victim" | tr ' ' _)"
	fi
	# slurmd killed with its job steps while tasks run on it, restarted
	# a few seconds later.  The node is one without a forced hang where
	# there is one (the hang should live to its TIMEOUT); every task on it
	# is recorded.
	wait_running 2 60
	sleep 1
	node=
	for n in n$(( (round - 1) % 2 + 1 )) n$(( round % 2 + 1 )); do
		running_tasks "$n" >"$tmp/on-node"
		if [ -s "$tmp/on-node" ] && [ "$(not_hang <"$tmp/on-node" | wc -l)" -eq "$(wc -l <"$tmp/on-node")" ]; then
			node=$n; break
		fi
	done
	[ -n "$node" ] || { node=n$(( (round - 1) % 2 + 1 )); running_tasks "$node" >"$tmp/on-node"; }
	record kill-node <"$tmp/on-node"
	note "round $round: kill-node $node: $(tr ' \n' '_ ' <"$tmp/on-node")"
	cluster kill-node "$node"
	if [ $round -eq 2 ]; then
		# the long version's second round: the node stays dead until
		# the controller finds it not responding (its tasks then end
		# as NODE_FAIL, or TIMEOUT)
		n=0
		until sinfo -h -n "$node" -o %T 2>/dev/null | grep -q '^down\|\*$'; do
			[ $n -lt 45 ] || break
			sleep 1; n=$((n + 1))
			running_tasks "$node" | record kill-node
		done
		note "round $round: $node $(sinfo -h -n "$node" -o %T 2>/dev/null) after $n s"
	else
		# back a few seconds later, before SlurmdTimeout: Slurm keeps
		# the dead tasks RUNNING until their time limit (TIMEOUT)
		for n in 1 2 3; do sleep 1; running_tasks "$node" | record kill-node; done
	fi
	# (each second, what the controller sees running there is recorded
	# too: a task that started there after the listing died as well)
	cluster start-node "$node"
	# slurmctld stopped for a few seconds while tasks run and end
	sleep 2
	cluster stop-controller
	note "round $round: slurmctld stopped"
	sleep 5
	cluster start-controller
	scontrol update nodename=n1,n2 state=resume >/dev/null 2>&1
	round=$((round + 1))
done

wait $watcher
rc=$?
watcher=
ok $rc "reap --watch drove the search to its end ($(($(date +%s) - t0)) s)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/watch.out" | tail -n 20
reap_until_over 1 120 >/dev/null 2>&1
"$HPSEARCH" status --json 1 >"$tmp/status.json" 2>/dev/null
st=$("$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["state"], s["trials_total"], all(t["state"] == "COMPLETED" and t["length"] == 60 for t in s["trials"]))' "$tmp/status.json")
ok $([ "$st" = "COMPLETED $trials True" ] && echo 0 || echo 1) "  COMPLETED: all $trials trials trained to 60 batches ($st)"
kinds=$(cat "$log" "$ext" 2>/dev/null | "$PY" -c '
import json, sys
print(" ".join(sorted({json.loads(l).get("mode") or json.loads(l)["what"] for l in sys.stdin if l.strip()})))')
note "injected: $kinds"
note "$(cat "$log" "$ext")"
echo " $kinds " | grep -q ' hang ' && echo " $kinds " | grep -q ' scancel ' && echo " $kinds " | grep -q ' kill-node '
ok $? "  the chaos happened: a hang, a scancel, a node killed ($kinds)"

"$PY" "$data/check.py" "$tmp/status.json" "$d" "$log" "$ext" >"$tmp/check.out" 2>&1
grep -v '^ok' "$tmp/check.out" | sed 's/^/# /'
for c in restarts failed reasons end resumed; do
	grep -q "^ok $c\$" "$tmp/check.out"
	r=$?
	case $c in
	restarts) ok $r "  per trial: restarts == the failures recorded (chaos log, scancels, the killed node)" ;;
	failed) ok $r "  the runs recorded as failed are exactly those" ;;
	reasons) ok $r "  each failed run ended as its cause says (exit 1, signal 11, MemoryError, TIMEOUT, cancel, node failure)" ;;
	end) ok $r "  each trial's end reason says why it ended" ;;
	resumed) ok $r "  retries resumed from checkpoints: batches never go back" ;;
	esac
done
"$HPSEARCH" status 1 >"$tmp/status.txt" 2>&1
ok $([ "$(grep -c '^ *[0-9][0-9]*  COMPLETED  *completed  ' "$tmp/status.txt")" -eq "$trials" ] && echo 0 || echo 1) "  the status table: every trial COMPLETED, completed"
ok $([ -z "$(squeue -h -o %j | grep "^$prefix")" ] && echo 0 || echo 1) "  nothing of the experiment is left in the queue"
done_testing
