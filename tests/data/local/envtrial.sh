#!/bin/sh
# A trial in POSIX sh that records what it was given: its environment (to
# check the protocol) and one metric line at its target length.
set -eu
env > "$HPS_CHECKPOINT_DIR/env.run$HPS_RUN"
pwd > "$HPS_CHECKPOINT_DIR/cwd.run$HPS_RUN"
len=${HPS_MAX_LENGTH:-10}
printf '{"batches": %s, "loss": 0.5}\n' "$len" >> "$HPS_METRICS_FILE"
