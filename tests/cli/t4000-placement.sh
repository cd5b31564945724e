#!/bin/sh
# GPU and CPU placement on real machines' hwloc XML topologies: GPUs found
# once each, BMC VGA ignored, groups closest by NVLink bandwidth and the
# PCIe tree, cores near each group; and the local runner never gives two
# running trials one GPU.
. "$top_srcdir/tests/cli/lib.sh"
topo="$top_srcdir/tests/data/topologies"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# groups XML K [GPUS]: "0,1 2,3" (GPU indices of each group), or the error
groups() {
	"$HPSEARCH" slots --json --topology "$1" --slots-per-trial "$2" ${3:+--gpus "$3"} 2>&1 |
		python3 -c '
import json, sys
t = sys.stdin.read()
try:
    p = json.loads(t)
except ValueError:
    print(t.strip()); sys.exit()
if p["slots"] == "cpu":
    print(" ".join(",".join(map(str, g["cores"])) for g in p["groups"]))
else:
    print(" ".join(",".join(str(x["index"]) for x in g["gpus"]) for g in p["groups"]))'
}
numa() {
	"$HPSEARCH" slots --json --topology "$1" --slots-per-trial "$2" |
		python3 -c 'import json,sys; print(" ".join(",".join(map(str, g["numa"])) for g in json.load(sys.stdin)["groups"]))'
}
is() { # is GOT WANT NAME
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; note "got '$1', want '$2'"; fi
}

# POWER8: 4 GPUs seen as cuda+nvml+opencl (12 OS devices), NVLink pairs.
p8="$topo/power8-4gpu-distances.xml"
is "$(groups "$p8" 1)" "0 1 2 3" "POWER8: 4 GPUs from 12 OS devices, each counted once"
is "$(groups "$p8" 2)" "0,1 2,3" "  pairs follow the NVLink pairs {0,1} {2,3}"
is "$(numa "$p8" 2)" "0 1" "  each pair gets its own NUMA node's cores"
is "$(groups "$p8" 4)" "0,1,2,3" "  one group of 4"
is "$(groups "$p8" 2 "3,2,1")" "2,3" "  offered 3,2,1: the one NVLink pair among them"
run "$HPSEARCH" slots --topology "$p8" --slots-per-trial 8
ok $([ $rc -eq 2 ] && echo "$err" | grep -q 'a trial needs 8 GPUs; 4 are on offer' && echo 0 || echo 1) "  8 per trial: a clear error, exit 2"
run "$HPSEARCH" slots --topology "$p8" --gpus 7
ok $([ $rc -eq 2 ] && echo "$err" | grep -q "names '7', which this machine does not have" && echo 0 || echo 1) "  an unknown GPU in the list: a clear error"

is "$(groups "$p8" 1 "1,MIG-4f3a,MIG-77b0")" "1 -1 -1" "  MIG instances are slots too (no place hwloc can tell)"

# Intel: 3 NVIDIA (one with OS devices), 1 AMD Radeon, a Matrox BMC VGA.
in="$topo/intel-2numa-3nvidia-1amd-bmcvga.xml"
is "$(groups "$in" 1)" "0 1 2 3" "Intel: 3 NVIDIA + 1 AMD GPU; the BMC's Matrox VGA is not a GPU"
"$HPSEARCH" slots --json --topology "$in" | grep -q 'Matrox'
ok $([ $? -ne 0 ] && echo 0 || echo 1) "  and is not listed"
is "$(groups "$in" 2)" "0,1 2,3" "  pairs: the two functions of one PCI slot stay together"
run "$HPSEARCH" slots --topology "$in"
ok $([ $rc -eq 0 ] && echo "$out" | grep -q 'GPU 2 Tesla K40m.*cuda0' && echo 0 || echo 1) "  text output names the GPU, its bus id and OS devices"

# A CPU-only machine: slots are cores.
is "$(groups "$topo/cpu-only-2core.xml" 1)" "0 1" "CPU only: slots are cores"
is "$(groups "$topo/cpu-only-2core.xml" 2)" "0,1" "  two cores per trial"

if [ -n "${SHARED_DIR:-}" ] && [ -d "$SHARED_DIR/topologies" ]; then
	t="$SHARED_DIR/topologies"
	dgx="$t/nvidia-dgx2-16gpu.xml"
	is "$(groups "$dgx" 1 | wc -w)" 16 "DGX-2: 16 GPUs"
	is "$(groups "$dgx" 2)" "0,1 2,3 4,5 6,7 8,9 10,11 12,13 14,15" "  pairs share a PCIe switch"
	is "$(groups "$dgx" 4)" "0,1,2,3 4,5,6,7 8,9,10,11 12,13,14,15" "  quads share a host bridge"
	is "$(groups "$dgx" 8)" "0,1,2,3,4,5,6,7 8,9,10,11,12,13,14,15" "  eights share a package"
	is "$(numa "$dgx" 8)" "0 1" "  and its NUMA node"
	is "$(groups "$t/flux-ipa20.xml" 1 | wc -w)" 4 "flux-ipa20: 4 GPUs from cuda+nvml+opencl, counted once"
	is "$(groups "$t/flux-corona.xml" 4)" "0,1,2,3 4,5,6,7" "flux-corona: 8 AMD GPUs (rsmi), 4 per package"
	is "$(numa "$t/flux-corona.xml" 4)" "0 1" "  each group on its package's NUMA node"
	is "$(groups "$t/flux-tuo.SPX.xml" 1 | wc -w)" 4 "flux-tuo: 4 AMD APU GPUs"
	is "$(numa "$t/flux-tuo.SPX.xml" 1)" "0 1 2 3" "  one per package"
	for f in "$t"/*.xml; do
		"$HPSEARCH" slots --json --topology "$f" >/dev/null 2>&1
		ok $? "$(basename "$f") loads and plans"
	done
else
	skip "no ../shared/topologies"
fi

# The local runner on a 4-GPU topology: runs at the same time never share
# a GPU.  Each trial records its CUDA_VISIBLE_DEVICES and when it ran.
cat >"$tmp/gputrial.sh" <<'EOS'
#!/bin/sh
s=$(date +%s.%N); sleep 0.3; e=$(date +%s.%N)
echo "$CUDA_VISIBLE_DEVICES $s $e" >"$HPS_CHECKPOINT_DIR/gpu"
printf '{"batches": %s, "loss": 0.5}\n' "${HPS_MAX_LENGTH:-1}" >>"$HPS_METRICS_FILE"
EOS
cat >"$tmp/gpus.yaml" <<'EOS'
name: gpus
hyperparameters: {x: {type: double, minval: 0, maxval: 1}}
searcher: {name: random, metric: loss, max_trials: 12, max_length: 4}
entrypoint: ["sh", "gputrial.sh"]
EOS
HPSEARCH_ROOT="$tmp/root" "$HPSEARCH" run -q --topology "$p8" "$tmp/gpus.yaml" "$tmp" >/dev/null 2>&1
ok $? "a local search on the POWER8 topology's 4 GPUs"
cat "$tmp"/root/1-gpus/trials/*/checkpoint/gpu >"$tmp/all"
python3 - "$tmp/all" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
rows = [(r[0], float(r[1]), float(r[2])) for r in rows]
assert len(rows) == 12, rows
for i, a in enumerate(rows):
    for b in rows[i + 1:]:
        if a[0] == b[0] and a[1] < b[2] and b[1] < a[2]:
            print("# GPU", a[0], "shared by overlapping runs"); sys.exit(1)
if len({r[0] for r in rows}) != 4:
    print("# GPUs used:", {r[0] for r in rows}); sys.exit(1)
PY
ok $? "  no two running trials shared a GPU, and all 4 were used"
done_testing
