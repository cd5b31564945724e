#!/bin/sh
# Searches on the real two-node Slurm test cluster: job arrays, the
# reaper, ASHA promotions as follow-up arrays and in place, stopping-based
# cancellations, MaxArraySize chunking, create's checks.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/slurmlib.sh"
need_slurm
quad="$top_srcdir/examples/quadratic"
data="$top_srcdir/tests/data/slurm"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HPSEARCH_ROOT="$tmp/root"

run "$HPSEARCH" create "$data/random20.yaml" "$quad"
ok $([ $rc -eq 0 ] && echo "$out" | grep -q 'submitted array job' && echo 0 || echo 1) "create submits a random search of 20 trials"
d=$(ls -d "$tmp"/root/1-*)
ok $([ "$(journal_count "$d" submit)" -eq 1 ] && grep -q '^#SBATCH --array=0-19%16$' "$d/arrays/1.sbatch" && echo 0 || echo 1) "  as one submission: an array of 20, throttled to 16"
reap_until_over 1
ok $? "  the reaper drives it to the end"
ok $([ "$(jstate 1 's["state"], len(t), all(x["state"] == "COMPLETED" and x["length"] == 32 for x in t)')" = "COMPLETED 20 True" ] && echo 0 || echo 1) "  20 trials completed"
sbatch --test-only "$d/arrays/1.sbatch" >/dev/null 2>&1
ok $? "  arrays/1.sbatch is valid input to sbatch by hand"

run "$HPSEARCH" create -q "$data/grid.yaml" "$quad"
HPS_SLURM_LIB=0 reap_until_over 2
ok $([ "$(jstate 2 's["state"], len(t)')" = "COMPLETED 6" ] && echo 0 || echo 1) "grid: 6 points completed (the reaper on squeue/scancel, not libslurm)"
run env HPS_SLURM_LIB=0 "$HPSEARCH" reap 2
ok $(echo "$out" | grep -q '^controller access: squeue/scancel' && echo 0 || echo 1) "  reap says which access it uses"

# Promotions as follow-up arrays (in place turned off), resumed from the
# checkpoint: batches continue across runs.
HPS_IN_PLACE=0 "$HPSEARCH" create -q "$data/asha.yaml" "$quad"
reap_until_over 3
d=$(ls -d "$tmp"/root/3-*)
ok $([ "$(jstate 3 's["state"], any(x["runs"] > 1 for x in t), max(x["length"] for x in t)')" = "COMPLETED True 128" ] && echo 0 || echo 1) "promotion-based ASHA: completed, promoted trials reached 128"
ok $([ "$(journal_count "$d" submit)" -gt 1 ] && [ "$(grep -c in_place "$d/journal.jsonl")" -eq 0 ] && echo 0 || echo 1) "  promotions went out as follow-up arrays ($(journal_count "$d" submit) submissions)"
python3 - "$d" <<'PY'
import glob, json, os, sys
for tdir in glob.glob(os.path.join(sys.argv[1], "trials", "*")):
    seq = []
    for r in sorted(glob.glob(os.path.join(tdir, "runs", "*")), key=lambda p: int(os.path.basename(p))):
        seq += [json.loads(l)["batches"] for l in open(os.path.join(r, "metrics.jsonl"))]
    if seq != sorted(set(seq)):
        print("# trial", tdir, seq); sys.exit(1)
PY
ok $? "  each promoted trial resumed from its checkpoint (batches continue across jobs)"

"$HPSEARCH" create -q "$data/asha.yaml" "$quad"
reap_until_over 4
d=$(ls -d "$tmp"/root/4-*)
ok $([ "$(jstate 4 's["state"]')" = COMPLETED ] && [ "$(grep -c '"in_place":true' "$d/journal.jsonl")" -gt 0 ] && echo 0 || echo 1) "with in place: runs go on in their allocation ($(grep -c '"in_place":true' "$d/journal.jsonl") in place, $(journal_count "$d" submit) submissions)"

"$HPSEARCH" create -q "$data/stopping.yaml" "$quad"
reap_until_over 5
# (0.08 s a batch: a loser has seconds left after its rung, so a slow
# pass, as under ASan, still catches it; what each trial did, for a failure)
"$HPSEARCH" status --json 5 | python3 -c 'import json,sys; [print("# trial %d: %s runs=%d length=%d %s" % (x["id"], x["state"], x["runs"], x["length"], x.get("end_reason"))) for x in json.load(sys.stdin)["trials"]]'
ok $([ "$(jstate 5 's["state"], all(x["runs"] == 1 for x in t), any(x["end_reason"] == "stopped early" and x["length"] < 64 for x in t)')" = "COMPLETED True True" ] && echo 0 || echo 1) "stopping-based ASHA: losers stopped early by scancel, one run each"

cp "$top_srcdir/tests/data/local/envtrial.sh" "$tmp/"
"$HPSEARCH" create -q "$data/envcheck.yaml" "$tmp"
reap_until_over 6
d=$(ls -d "$tmp"/root/6-*)
envf="$d/trials/1/checkpoint/env.run1"
ok $(grep -q '^SLURM_ARRAY_JOB_ID=' "$envf" && grep -q '^CUDA_VISIBLE_DEVICES=0,1$' "$envf" && grep -q '^HPS_GPUS=0,1$' "$envf" && grep -q '^HPS_SLOTS=2$' "$envf" && echo 0 || echo 1) "a task sees its two GPUs from Slurm, and Slurm's variables"
ok $(grep -qx 'HP_CMD=$(touch pwned-on-slurm)' "$envf" && [ -z "$(find "$d" "$tmp" -name 'pwned-on-slurm')" ] && echo 0 || echo 1) "  hyperparameter values stay data"

run "$HPSEARCH" create --dry-run "$data/random20.yaml" "$quad"
d=$(ls -d "$tmp"/root/7-*)
ok $([ $rc -eq 0 ] && [ -f "$d/arrays/1.sbatch" ] && [ -z "$(squeue -h -n "$(sed -n 's/^#SBATCH --job-name=//p' "$d/arrays/1.sbatch")")" ] && [ "$(journal_count "$d" submit)" -eq 0 ] && echo 0 || echo 1) "create --dry-run writes the script and submits nothing"

sed 's/^name: .*/name: badpart\nslurm: {partition: nosuchpartition}/' "$data/random20.yaml" >"$tmp/bad.yaml"
run "$HPSEARCH" create "$tmp/bad.yaml" "$quad"
d=$(ls -d "$tmp"/root/8-*)
ok $([ $rc -eq 1 ] && echo "$err" | grep -q 'sbatch --test-only refused' && [ "$(journal_count "$d" submit)" -eq 0 ] && echo 0 || echo 1) "a partition sbatch refuses: --test-only catches it, nothing is submitted"

run "$HPSEARCH" run --backend slurm -q "$data/grid.yaml" "$quad"
ok $([ $rc -eq 0 ] && echo "$out" | grep -q 'COMPLETED' && echo 0 || echo 1) "run --backend slurm: create and reap in the foreground"

# MaxArraySize caps the index: 20 runs with MaxArraySize=8 go out as
# arrays of 8 (%16) and 8 (%8); the last 4 wait while those fill
# max_concurrent_trials (16), for in-place continuation or a later pass.
conf=$SLURM_CONF
cp "$conf" "$tmp/slurm.conf.saved"
sed -i 's/^MaxArraySize=.*/MaxArraySize=8/' "$conf"
scontrol reconfigure >/dev/null 2>&1; sleep 2
"$HPSEARCH" create -q "$data/random20.yaml" "$quad"
n=$(ls -d "$tmp"/root/* | wc -l)
d=$(ls -d "$tmp"/root/$n-*)
ok $([ "$(journal_count "$d" submit)" -eq 2 ] && grep -q '^#SBATCH --array=0-7%16$' "$d/arrays/1.sbatch" && grep -q '^#SBATCH --array=0-7%8$' "$d/arrays/2.sbatch" && echo 0 || echo 1) "MaxArraySize 8: 20 runs, arrays of 8 (%16) and 8 (%8), 4 held: never above max_concurrent_trials"
reap_until_over $n
ok $([ "$(jstate $n 's["state"], len(t)')" = "COMPLETED 20" ] && [ "$(journal_count "$d" submit)" -le 3 ] && echo 0 || echo 1) "  and all 20 complete ($(journal_count "$d" submit) submissions)"
# Without max_concurrent_trials the chunks are not throttled; one waits
# while a chunk's worth of tasks (8) is still queued: the cluster runs 4
# at a time, and the queue never holds all 20.
sed 's/^name: .*/name: unlimited/; s/^\(  max_trials: 20\)$/\1\n  max_concurrent_trials: 0/' "$data/random20.yaml" >"$tmp/unlimited.yaml"
run "$HPSEARCH" create "$tmp/unlimited.yaml" "$quad"
n=$(ls -d "$tmp"/root/* | wc -l)
d=$(ls -d "$tmp"/root/$n-*)
ok $([ "$(journal_count "$d" submit)" -eq 1 ] && grep -q '^#SBATCH --array=0-7$' "$d/arrays/1.sbatch" && echo "$out" | grep -q '12 runs wait for a later pass (8 tasks still queued)' && echo 0 || echo 1) "max_concurrent_trials 0: create submits one array of 8, the 12 others wait while 8 tasks are queued"
# A 'dirty' that cannot be removed: every locked reap makes all its
# passes, as when other processes keep asking for one.  The pass at the
# end of a task gives its allocation one waiting run, however many passes
# follow (it once gave each pass's pick, and all but the last never ran).
# (stderr: a reap that finds the lock busy cannot leave its request in
# that 'dirty' and says so; the assertions below judge the outcome)
mkdir "$d/dirty"
reap_until_over $n 2>/dev/null
# (for a failure: every trial that did not end in one completed run)
jstate $n '"\n".join("# trial %d: %s runs=%d restarts=%d %s" % (x["id"], x["state"], x["runs"], x["restarts"], x.get("end_reason")) for x in t if x["runs"] != 1 or x["state"] != "COMPLETED") or "# all trials: one completed run"'
ok $([ "$(jstate $n 's["state"], len(t), len(set(x["id"] for x in t if x["runs"] == 1))')" = "COMPLETED 20 20" ] && [ "$(journal_count "$d" submit)" -ge 2 ] && echo 0 || echo 1) "  and all 20 complete, one run each, the waiting ones in later arrays or in place ($(journal_count "$d" submit) submissions)"
cp "$tmp/slurm.conf.saved" "$conf"
scontrol reconfigure >/dev/null 2>&1; sleep 1
done_testing
