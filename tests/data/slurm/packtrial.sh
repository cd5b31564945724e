#!/bin/sh
# Records where and when it ran: node, GPUs, start and end.
s=$(date +%s.%N); sleep 1; e=$(date +%s.%N)
echo "$SLURMD_NODENAME $CUDA_VISIBLE_DEVICES $s $e" >"$HPS_CHECKPOINT_DIR/where"
printf '{"batches": %s, "loss": 0.5}\n' "${HPS_MAX_LENGTH:-1}" >>"$HPS_METRICS_FILE"
