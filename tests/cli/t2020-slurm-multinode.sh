#!/bin/sh
# A trial across the test cluster's two nodes (slots_per_trial 4,
# slots_per_node 2): one task per node started with srun, the torchrun
# variables set, and the two ranks complete a gloo all_reduce with
# PyTorch.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/slurmlib.sh"
need_slurm
data="$top_srcdir/tests/data/slurm"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HPSEARCH_ROOT="$tmp/root"
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	skip "python3-torch is not installed (scripts/install-deps)"
	done_testing
	exit $?
fi
run "$HPSEARCH" create -q "$data/multinode.yaml" "$data"
ok $rc "create a trial that spans two nodes"
d=$(ls -d "$tmp"/root/1-*)
ok $(grep -q '^#SBATCH --nodes=2$' "$d/arrays/1.sbatch" && grep -q '^#SBATCH --ntasks-per-node=1$' "$d/arrays/1.sbatch" && grep -q '^#SBATCH --gres=gpu:2$' "$d/arrays/1.sbatch" && echo 0 || echo 1) "  the array asks for 2 nodes, one task and 2 GPUs on each"
reap_until_over 1 240
ok $([ "$(jstate 1 's["state"]')" = COMPLETED ] && echo 0 || echo 1) "  the trial completed"
ok $(grep -q '"allreduce": 3.0' "$d"/trials/1/runs/1/metrics.jsonl && grep -q '"world": 2' "$d"/trials/1/runs/1/metrics.jsonl && echo 0 || echo 1) "  its two ranks completed a gloo all_reduce (1 + 2 = 3)"
python3 - "$d/trials/1/checkpoint" <<'PY'
import json, os, sys
r = [json.load(open(os.path.join(sys.argv[1], "rank%d.json" % i))) for i in (0, 1)]
ok = (r[0]["NODE_RANK"], r[1]["NODE_RANK"]) == ("0", "1") and \
     all(x["NNODES"] == "2" and x["LOCAL_WORLD_SIZE"] == "2" and x["WORLD_SIZE"] == "4"
         and x["MASTER_ADDR"] == "127.0.0.1" and x["CUDA_VISIBLE_DEVICES"] == "0,1" for x in r) and \
     {r[0]["SLURMD_NODENAME"], r[1]["SLURMD_NODENAME"]} == {"n1", "n2"}
print("#", r)
sys.exit(0 if ok else 1)
PY
ok $? "  NODE_RANK, NNODES, LOCAL_WORLD_SIZE, WORLD_SIZE, MASTER_ADDR (NodeAddr) and GPUs on n1 and n2"
ok $([ -s "$d/trials/1/runs/1/master_port" ] && echo 0 || echo 1) "  rank 0 published its master port in the run directory"
done_testing
