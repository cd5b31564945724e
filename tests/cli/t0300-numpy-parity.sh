#!/bin/sh
# Sampling parity with numpy's RandomState (what Determined's nprand
# reproduces): the same experiment_seed gives the same trials, in order,
# request-id and trial-seed draws included.  Needs Debian's python3-numpy
# under /usr/bin/python3 (another python3 may come first on PATH).
. "$top_srcdir/tests/cli/lib.sh"
dump="$top_builddir/tests/unit/rng-dump"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
if ! $PY -c 'import numpy' 2>/dev/null; then
	skip "python3-numpy is not installed"
	done_testing
	exit $?
fi
for seed in 0 1 42 31337 4294967295; do
	cat >"$tmp/c.yaml" <<EOF2
entrypoint: x
reproducibility: {experiment_seed: $seed}
searcher: {name: random, metric: m, max_trials: 50}
hyperparameters:
  lr: {type: log, base: 10, minval: -4, maxval: 0}
  n_filters1: {type: int, minval: 16, maxval: 64}
  dropout: {type: double, minval: 0.2, maxval: 0.5}
  opt: {type: categorical, vals: [adam, sgd, adadelta]}
  big: {type: int, minval: 0, maxval: 10000000000}
  k: 3
  b: {type: int, minval: 5, maxval: 6}
EOF2
	"$dump" "$tmp/c.yaml" 50 >"$tmp/c.out" 2>&1
	$PY - "$seed" "$tmp/c.out" <<'PY'
import json, sys
import numpy as np
seed, path = int(sys.argv[1]), sys.argv[2]
rs = np.random.RandomState(seed)
lines = open(path).read().splitlines()
assert len(lines) == 50, lines[:3]
for n, line in enumerate(lines):
    hp_text, rid, tseed = line.split(" ")
    got = json.loads(hp_text)
    want = {}
    # sorted names: b, big, dropout, k, lr, n_filters1, opt
    want["b"] = 5 + int(rs.randint(0, 2))
    want["big"] = int(rs.randint(0, 10000000001))
    want["dropout"] = rs.uniform(0.2, 0.5)
    want["k"] = 3
    want["lr"] = 10 ** rs.uniform(-4, 0)
    want["n_filters1"] = 16 + int(rs.randint(0, 49))
    want["opt"] = ["adam", "sgd", "adadelta"][int(rs.randint(0, 3))]
    raw = [int(x) for x in rs.randint(0, 2**32, size=4, dtype=np.uint64)]
    b = bytearray(b"".join(x.to_bytes(4, "little") for x in raw))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    want_rid = "-".join([h[:8], h[8:12], h[12:16], h[16:20], h[20:]])
    want_seed = int(rs.randint(0, 2**31))
    if got != want or rid != want_rid or int(tseed) != want_seed:
        print("trial", n, "got", got, rid, tseed, "want", want, want_rid, want_seed)
        sys.exit(1)
PY
	ok $? "seed $seed: 50 trials match numpy draw for draw"
done
done_testing
