"""Two ranks on two nodes complete a gloo all_reduce (hpsearch's
multi-node trial test).  Each rank is one process per node: rank NODE_RANK
of NNODES, rendezvous at MASTER_ADDR:MASTER_PORT.  Rank 0 writes the
result as a metrics line."""
import json
import os
import sys

import torch
import torch.distributed as dist

rank, world = int(os.environ["NODE_RANK"]), int(os.environ["NNODES"])
dist.init_process_group("gloo", init_method="tcp://%s:%s" % (
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"]), rank=rank, world_size=world)
t = torch.tensor([float(rank + 1)])
dist.all_reduce(t)
seen = {k: os.environ.get(k) for k in ("NODE_RANK", "NNODES", "LOCAL_WORLD_SIZE",
                                        "WORLD_SIZE", "MASTER_ADDR", "CUDA_VISIBLE_DEVICES",
                                        "SLURMD_NODENAME")}
with open(os.path.join(os.environ["HPS_CHECKPOINT_DIR"], "rank%d.json" % rank), "w") as f:
    json.dump(seen, f)
if rank == 0:
    with open(os.environ["HPS_METRICS_FILE"], "a") as f:
        f.write(json.dumps({"batches": int(os.environ.get("HPS_MAX_LENGTH", "1")),
                            "loss": 0.0, "allreduce": t.item(), "world": world}) + "\n")
dist.destroy_process_group()
sys.exit(0)
