#!/usr/bin/env python3
"""check-seen.py EXPDIR VALS PWN: every hostile value reached its trial byte
for byte (HPS_HPARAMS, HP_CMD, argv); exit 1 naming the ones that did not."""
import glob
import json
import sys

d, pwn = sys.argv[1], sys.argv[3]
vals = json.load(open(sys.argv[2]))
by = {}
for p in glob.glob(d + "/**/seen-*.json", recursive=True):
    s = json.load(open(p))
    by[s["hparams"]["cmd"]] = s
name = "we;ird $(touch %s) name" % pwn
bad = [v for v in vals if v not in by or by[v]["vars"].get("HP_CMD") != v
       or by[v]["argv"] != ["$(touch %s)" % pwn]
       or by[v]["hparams"].get(name) != "x|y&z `id`"]
if bad:
    print("# wrong for:", [b[:40] for b in bad], "of", len(by), "seen")
sys.exit(1 if bad else 0)
