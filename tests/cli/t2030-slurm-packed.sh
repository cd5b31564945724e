#!/bin/sh
# Packed nodes (slurm.pack_nodes): each array task takes a whole node and
# runs waiting trials on the node's GPUs, disjoint groups, until none is
# left; both nodes of the test cluster fill.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/slurmlib.sh"
need_slurm
data="$top_srcdir/tests/data/slurm"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HPSEARCH_ROOT="$tmp/root"
run "$HPSEARCH" create -q "$data/packed.yaml" "$data"
ok $rc "create a packed-node search"
d=$(ls -d "$tmp"/root/1-*)
ok $(grep -q '^#SBATCH --exclusive$' "$d/arrays/1.sbatch" && grep -q '^#SBATCH --gres=gpu:2$' "$d/arrays/1.sbatch" && grep -q 'exec --worker' "$d/arrays/1.sbatch" && echo 0 || echo 1) "  whole-node workers with the node's 2 GPUs"
reap_until_over 1 240
ok $([ "$(jstate 1 's["state"], len(t), all(x["state"] == "COMPLETED" for x in t)')" = "COMPLETED 8 True" ] && echo 0 || echo 1) "  all 8 trials completed"
cat "$d"/trials/*/checkpoint/where >"$tmp/where"
python3 - "$tmp/where" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
rows = [(n, g, float(s), float(e)) for n, g, s, e in rows]
assert len(rows) == 8, rows
for i, a in enumerate(rows):
    for b in rows[i + 1:]:
        if a[0] == b[0] and a[1] == b[1] and a[2] < b[3] and b[2] < a[3]:
            print("# GPU", a[0], a[1], "shared by overlapping runs"); sys.exit(1)
nodes = {r[0] for r in rows}
gpus = {(r[0], r[1]) for r in rows}
overlap = any(a[0] == b[0] and a[1] != b[1] and a[2] < b[3] and b[2] < a[3]
              for i, a in enumerate(rows) for b in rows[i + 1:])
print("# nodes", sorted(nodes), "GPUs", sorted(gpus))
sys.exit(0 if nodes == {"n1", "n2"} and len(gpus) == 4 and overlap else 1)
PY
ok $? "  both nodes' GPUs filled, two trials at once per node, never one GPU twice"
done_testing
