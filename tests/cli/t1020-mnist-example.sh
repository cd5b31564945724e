#!/bin/sh
# The seed's example: const.yaml (unchanged) trains the seed's CNN on the
# bundled digits through hpsearch run, and the 2-slot data-parallel path
# (gloo) of train.py works.  Needs Debian's python3-torch and
# python3-sklearn (scripts/install-deps --quickstart); skipped without.
. "$top_srcdir/tests/cli/lib.sh"
ex="$top_srcdir/examples/mnist_pytorch"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! /usr/bin/python3 -c 'import torch, sklearn' 2>/dev/null; then
	skip "python3-torch and python3-sklearn are not installed"
	done_testing
	exit $?
fi
if [ -n "${SHARED_DIR:-}" ] && [ -d "$SHARED_DIR/seed" ]; then
	cmp -s "$SHARED_DIR/seed/const.yaml" "$ex/const.yaml" && cmp -s "$SHARED_DIR/seed/search.yaml" "$ex/search.yaml"
	ok $? "the example's const.yaml and search.yaml are the seed's, unchanged"
fi
HPSEARCH_ROOT="$tmp/root" "$HPSEARCH" run -q "$ex/const.yaml" "$ex" >"$tmp/out" 2>&1
ok $? "const.yaml: one trial of 1000 batches through hpsearch run"
HPSEARCH_ROOT="$tmp/root" "$HPSEARCH" status --json 1 >"$tmp/s.json"
/usr/bin/python3 - "$tmp/s.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["trials"][0]
ok = t["state"] == "COMPLETED" and t["length"] == 1000 and t["best_metric"] < 0.5
print("# trial:", t["state"], t["length"], t["best_metric"])
sys.exit(0 if ok else 1)
PY
ok $? "  it reached 1000 batches with a validation loss below 0.5"

mkdir -p "$tmp/ck"
echo '{"learning_rate": 1.0, "n_filters1": 16, "n_filters2": 32, "dropout1": 0.25, "dropout2": 0.5}' >"$tmp/hp.json"
(cd "$ex" && HPS_HPARAMS="$tmp/hp.json" HPS_MAX_LENGTH=40 HPS_LENGTH_UNIT=batches HPS_SLOTS=2 \
	HPS_METRICS_FILE="$tmp/m.jsonl" HPS_CHECKPOINT_DIR="$tmp/ck" HPS_TRIAL_SEED=1 \
	python3 train.py >"$tmp/d.out" 2>&1)
ok $([ $? -eq 0 ] && tail -n 1 "$tmp/m.jsonl" | grep -q '"batches": 40' && echo 0 || echo 1) "two data-parallel ranks (gloo) train 40 batches"
done_testing
