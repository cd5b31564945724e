#!/usr/bin/env python3
"""malformed-configs.py OUTDIR - write malformed experiment configs for
tests/cli/t0150-malformed-configs.sh.

Deterministic (no clock, a fixed seed): the same cases, byte for byte, on
every run.  Each case is OUTDIR/NNNN-name.yaml; OUTDIR/manifest.tsv has one
line per case:

    file <TAB> expect <TAB> field <TAB> place

expect  error: `hpsearch validate` must exit 2 with an error line;
        valid: it must exit 0 (warnings allowed);
        warn:  it must exit 0 with a warning line;
        any:   exit 0 or 2 (a mutilated file that may still parse).
field   a field path the error (or warning) must name, or '-'.
place   pos: the error line must have file:line:col; '-': no requirement.

A case that crashes, hangs or runs out of memory fails whatever expect
says.  The cases: every field of a full valid config (BASE) with every wrong
type and the numbers YAML and doubles get wrong (1e400, 2^64, -0, .inf,
.nan), then documents that attack the YAML layer: alias bombs, deep
nesting, NUL and invalid UTF-8 bytes, a file over the size limit, the empty
file, several documents, tabs, a BOM, duplicate keys, truncations and
random byte flips of BASE.
"""
import os
import random
import sys

# A valid config that uses every section, so each field can be broken.
# Values are YAML text; a dict is a mapping written in block style.
BASE = {
    "name": "malformed_base",
    "description": "the base of the generated malformed configs",
    "labels": "[a, b]",
    "entrypoint": "python3 train.py",
    "max_restarts": "2",
    "records_per_epoch": "100",
    "hyperparameters": {
        "lr": {"type": "log", "base": "10", "minval": "-4", "maxval": "-1"},
        "width": {"type": "int", "minval": "4", "maxval": "64"},
        "x": {"type": "double", "minval": "-1.0", "maxval": "1.0"},
        "opt": {"type": "categorical", "vals": "[adam, sgd]"},
        "k": {"type": "const", "val": "3"},
        "c": "1.0",
    },
    "searcher": {
        "name": "adaptive_asha",
        "metric": "validation_loss",
        "smaller_is_better": "true",
        "max_trials": "16",
        "max_rungs": "3",
        "divisor": "4",
        "max_concurrent_trials": "2",
        "max_length": {"batches": "256"},
    },
    "resources": {"slots_per_trial": "1", "resource_pool": "default"},
    "environment": {"environment_variables": "[A=1, B=2]"},
    "reproducibility": {"experiment_seed": "42"},
    "checkpoint_storage": {
        "type": "shared_fs",
        "host_path": "/tmp",
        "storage_path": "ckpt",
        "save_trial_best": "1",
        "save_trial_latest": "1",
        "save_experiment_best": "0",
    },
    "slurm": {
        "partition": "debug",
        "account": "acct",
        "qos": "normal",
        "time": "60",
        "gpu_type": "a100",
        "slots_per_node": "4",
        "sbatch_args": "[--mem=1G]",
        "pack_nodes": "false",
    },
}

# Values to put in place of a field: (YAML text, what YAML makes of it).
# "range": outside what a 64-bit integer or a double holds (an error of the
# YAML layer, with a place but no field); "nonfinite": .inf and .nan.
VALUES = [
    ('"abc"', "str"),
    ("''", "str"),
    ("7", "int"),
    ("-5", "int"),
    ("-0", "int"),
    ("2.5", "float"),
    ("true", "bool"),
    ("yes", "str"),
    ("~", "null"),
    ("[1, 2]", "seq"),
    ("{a: 1}", "map"),
    ("1e400", "range"),
    ("18446744073709551616", "range"),
    ("9223372036854775807", "int"),
    (".inf", "nonfinite"),
    ("-.inf", "nonfinite"),
    (".nan", "nonfinite"),
    ("1e-400", "int"),      # underflows to 0.0: an integral float, 0
    ("0x10", "int"),
    ("!!binary aGVsbG8=", "tag"),
]
INT_OF = {"7": 7, "-5": -5, "0": 0, "-0": 0, "9223372036854775807": 2**63 - 1,
          "-9223372036854775808": -2**63, "0x10": 16, "1e-400": 0}
HP_INT = 2**62 - 1   # int hyperparameters: within +-2^62

# Each field: (path, kind, required, (min, max) for ints).
# kind: int, str, free (any string), abspath, bool, num, strlist, enum.
FIELDS = [
    ("name", "free", False),
    ("description", "free", False),
    ("labels", "strlist", False),
    ("entrypoint", "entry", True),
    ("max_restarts", "int", False, (0, 1000000)),
    ("records_per_epoch", "int", False, (0, 2**63 - 1)),
    ("hyperparameters.lr.type", "enum", True),
    ("hyperparameters.lr.base", "base", False),
    ("hyperparameters.lr.minval", "num", True),
    ("hyperparameters.lr.maxval", "num", True),
    ("hyperparameters.width.minval", "hpint", True),
    ("hyperparameters.width.maxval", "hpint", True),
    ("hyperparameters.x.minval", "num", True),
    ("hyperparameters.x.maxval", "num", True),
    ("hyperparameters.opt.vals", "vals", True),
    ("searcher.name", "enum", True),
    ("searcher.metric", "free", True),
    ("searcher.smaller_is_better", "bool", False),
    ("searcher.max_trials", "int", True, (1, 100000000)),
    ("searcher.max_rungs", "int", False, (1, 1000)),
    ("searcher.divisor", "divisor", False),
    ("searcher.max_concurrent_trials", "int", False, (0, 2**63 - 1)),
    ("searcher.max_length.batches", "int", True, (1, 2**63 - 1)),
    ("resources.slots_per_trial", "int", False, (0, 4096)),
    ("resources.resource_pool", "free", False),
    ("environment.environment_variables", "envlist", False),
    ("reproducibility.experiment_seed", "int", False, (0, 2**32 - 1)),
    ("checkpoint_storage.type", "enum", False),
    ("checkpoint_storage.host_path", "abspath", False),
    ("checkpoint_storage.storage_path", "free", False),
    ("checkpoint_storage.save_trial_best", "int", False, (0, 2**63 - 1)),
    ("slurm.partition", "free", False),
    ("slurm.account", "free", False),
    ("slurm.qos", "free", False),
    ("slurm.time", "time", False),
    ("slurm.gpu_type", "free", False),
    ("slurm.slots_per_node", "int", False, (1, 4096)),
    ("slurm.sbatch_args", "strlist", False),
    ("slurm.pack_nodes", "bool", False),
]


def verdict(field, text, yk):
    """What validate must say about BASE with field set to (text, yk):
    (expect, field to name or '-', place)."""
    path, kind, required = field[0], field[1], field[2]
    if yk == "range":
        return "error", "-", "pos"  # the YAML layer: a place, no field
    if yk == "tag":
        return "error", "-", "pos"
    if yk == "null":
        # Null is "use the default" where Determined allows it.
        return ("error", "-", "-") if required else ("valid", "-", "-")
    ok = False
    parent = path.rsplit(".", 1)[0]
    if kind == "int":
        lo, hi = field[3]
        ok = yk == "int" and lo <= INT_OF[text] <= hi
        # BASE has slurm.slots_per_node 4: more slots span whole nodes.
        if path == "resources.slots_per_trial" and ok:
            v = INT_OF[text]
            if v > 4 and v % 4:
                return "error", "slurm.slots_per_node", "pos"
    elif kind == "hpint":
        if yk == "int":
            v = INT_OF[text]
            if not -HP_INT <= v <= HP_INT:
                return "error", path, "pos"
            ok = v <= 64 if path.endswith("minval") else v >= 4
            if not ok:      # minval >= maxval: the hyperparameter is named
                return "error", parent, "pos"
    elif kind == "num":
        if yk in ("int", "float"):
            v = float(INT_OF[text]) if yk == "int" else float(text)
            bound = {"hyperparameters.lr.minval": (None, -1),
                     "hyperparameters.lr.maxval": (-4, None),
                     "hyperparameters.x.minval": (None, 1.0),
                     "hyperparameters.x.maxval": (-1.0, None)}[path]
            ok = (bound[0] is None or v > bound[0]) and \
                 (bound[1] is None or v < bound[1])
            return ("valid", "-", "-") if ok else ("error", parent, "pos")
    elif kind == "free":
        ok = yk == "str" and not (path == "searcher.metric" and text == "''")
    elif kind == "bool":
        ok = yk == "bool"
    elif kind in ("enum", "abspath"):
        ok = False
    if ok:
        return "valid", "-", "-"
    return "error", path, "pos"


def emit(d, indent=0):
    out = []
    pad = "  " * indent
    for k, v in d.items():
        if isinstance(v, dict):
            out.append("%s%s:\n" % (pad, k))
            out.append(emit(v, indent + 1))
        else:
            out.append("%s%s: %s\n" % (pad, k, v))
    return "".join(out)


def with_value(path, text):
    import copy
    d = copy.deepcopy(BASE)
    keys = path.split(".")
    node = d
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = text
    return d


def without(path):
    import copy
    d = copy.deepcopy(BASE)
    keys = path.split(".")
    node = d
    for k in keys[:-1]:
        node = node[k]
    del node[keys[-1]]
    return d


class Out:
    def __init__(self, outdir):
        self.dir = outdir
        self.n = 0
        self.manifest = open(os.path.join(outdir, "manifest.tsv"), "w")

    def add(self, name, data, expect, field="-", place="-"):
        self.n += 1
        fname = "%04d-%s.yaml" % (self.n, name)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(os.path.join(self.dir, fname), "wb") as f:
            f.write(data)
        self.manifest.write("%s\t%s\t%s\t%s\n" % (fname, expect, field, place))


def safe(s):
    return "".join(c if c.isalnum() else "-" for c in s)[:40]


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    o = Out(outdir)
    base = emit(BASE)
    o.add("base", base, "valid")

    # 1. Every field, every wrong type and every hard number.
    checked = {"int", "hpint", "num", "free", "bool", "enum", "abspath"}
    for field in FIELDS:
        path, kind = field[0], field[1]
        for text, yk in VALUES:
            doc = emit(with_value(path, text))
            name = "%s-%s" % (safe(path), safe(text) or "empty")
            if kind in checked:
                o.add(name, doc, *verdict(field, text, yk))
            else:
                # Lists, entrypoint, env lists, time, vals, base, divisor:
                # the rules are richer; a wrong scalar type must still be
                # refused, and nothing may crash.
                if yk in ("range", "tag"):
                    o.add(name, doc, "error", "-", "pos")
                elif (yk in ("int", "float", "bool", "map") and kind in (
                        "strlist", "vals", "entry")) or (
                        yk in ("int", "float", "bool") and kind == "envlist"):
                    o.add(name, doc, "error", path, "pos")
                else:
                    o.add(name, doc, "any")
        # The field left out.
        # (Without its type, lr is a nested hyperparameter of constants.)
        o.add("%s-missing" % safe(path), emit(without(path)),
              "error" if field[2] and path != "hyperparameters.lr.type" else "any")

    # 2. The YAML layer.
    o.add("empty", "", "error")
    o.add("only-comment", "# nothing here\n", "error")
    o.add("only-whitespace", "   \n\n\t\n", "any")
    o.add("null-document", "~\n", "error")
    o.add("scalar-document", "hello\n", "error", "-", "-")
    o.add("list-document", "- a\n- b\n", "error")
    o.add("two-documents", base + "---\n" + base, "error", "-", "pos")
    o.add("document-end-then-more", base + "...\n---\nname: x\n", "error", "-", "pos")
    o.add("bom", "\ufeff" + base, "valid")
    o.add("bom-utf16", "\ufeff".encode("utf-16-le") + base.encode("utf-16-le"), "any")
    o.add("tab-indent", base.replace("  name: adaptive_asha", "\tname: adaptive_asha"),
          "error", "-", "pos")
    o.add("tab-after-colon", base.replace("max_trials: 16", "max_trials:\t16"), "valid")
    o.add("crlf", base.replace("\n", "\r\n"), "valid")
    o.add("cr-only", base.replace("\n", "\r"), "any")
    for path in ("name", "searcher.metric", "hyperparameters.lr.minval",
                 "slurm.time"):
        keys = path.split(".")
        line = "  " * (len(keys) - 1) + keys[-1] + ":"
        i = base.index(line)
        j = base.index("\n", i) + 1
        o.add("duplicate-%s" % safe(path), base[:j] + base[i:j] + base[j:],
              "error", "-", "pos")
    o.add("duplicate-section", base + "searcher:\n  name: random\n", "error", "-", "pos")
    # Alias bombs: each level 10 aliases of the last (10^9 nodes).
    bomb = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, 10):
        bomb += "a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10))
    o.add("billion-laughs", bomb, "error", "-", "pos")
    o.add("billion-laughs-in-hparams",
          base.replace("  c: 1.0\n", "  c: 1.0\n  bomb: {type: const, val: &b0 [x, x, x, x, x, x, x, x, x, x]}\n"
                       + "".join("  b%d: {type: const, val: &b%d [%s]}\n" % (i, i, ", ".join(["*b%d" % (i - 1)] * 10))
                                 for i in range(1, 8))),
          "error", "-", "pos")
    o.add("alias-small", base.replace("  c: 1.0\n", "  c: &one 1.0\n  d: *one\n"), "valid")
    o.add("alias-unknown", base.replace("  c: 1.0\n", "  c: *nothing\n"), "error", "-", "pos")
    o.add("alias-self", "a: &x [*x]\n", "error", "-", "pos")
    o.add("merge-key", base.replace("  c: 1.0\n", "  base: &b {type: int, minval: 1, maxval: 2}\n  m: {<<: *b, maxval: 3}\n"), "valid")
    o.add("merge-key-scalar", base.replace("  c: 1.0\n", "  m: {<<: 3}\n"), "error", "-", "pos")
    # Deep nesting: flow, block, and under hyperparameters.
    for depth in (200, 300, 5000, 100000):
        o.add("deep-flow-list-%d" % depth, "[" * depth + "]" * depth + "\n",
              "error", "-", "pos")
        o.add("deep-flow-map-%d" % depth, "{a: " * depth + "1" + "}" * depth + "\n",
              "error", "-", "pos")
    deep = "".join("  " * (i + 1) + "n%d:\n" % i for i in range(300))
    o.add("deep-block-hparams", base.replace("  c: 1.0\n", "  c: 1.0\n  nest:\n" +
                                             "".join("  " + l + "\n" for l in deep.splitlines()) +
                                             "  " * 302 + "v: 1\n"), "error", "-", "pos")
    nest = "hyperparameters:\n"
    for i in range(200):
        nest += "  " * (i + 1) + "h%d:\n" % i
    nest += "  " * 201 + "leaf: 1\n"
    o.add("deep-hparams-200", base.replace("hyperparameters:\n", nest, 1), "any")
    # Bytes: NUL, invalid UTF-8, control characters, surrogates.
    o.add("nul-in-value", base.replace("malformed_base", "malformed\x00base"), "error", "-", "pos")
    o.add("nul-in-quoted", base.replace("malformed_base", '"malformed\\0base"'), "error", "-", "pos")
    o.add("nul-at-start", "\x00" + base, "error", "-", "pos")
    o.add("nul-at-end", base + "\x00", "error", "-", "pos")
    for i, bad in enumerate((b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xf0\x28\x8c\xbc",
                             b"\xed\xa0\x80", b"\xc0\xaf", b"\xfe\xfe")):
        raw = base.encode()
        at = raw.index(b"validation_loss")
        o.add("bad-utf8-%d" % i, raw[:at] + bad + raw[at:], "error", "-", "pos")
        o.add("bad-utf8-key-%d" % i, raw + b"k" + bad + b": 1\n", "error", "-", "pos")
    o.add("bell", base.replace("malformed_base", "malformed\x07base"), "error", "-", "pos")
    o.add("escape-surrogate", base.replace("malformed_base", '"\\ud800"'), "any")
    o.add("escape-nul", base.replace("validation_loss", '"loss\\x00"'), "error", "-", "pos")
    o.add("escape-invalid", base.replace("malformed_base", '"\\q"'), "error", "-", "pos")
    o.add("unicode-ok", base.replace("malformed_base", "r\u00e9sum\u00e9 \u4f60\u597d \U0001F600"), "valid")
    # Sizes.
    big = base + "# " + "x" * (10 * 1024 * 1024) + "\n"
    o.add("ten-megabytes", big, "error")
    long_value = base.replace("malformed_base", "n" * (1024 * 1024))
    o.add("one-megabyte-name", long_value, "valid")
    o.add("long-key", base + "k" * 100000 + ": 1\n", "error", "-", "pos")
    o.add("long-nested-keys", base.replace("  c: 1.0\n", "".join(
        "  " * (i + 1) + "h%03d%s:\n" % (i, "x" * 900) for i in range(100)) +
        "  " * 101 + "leaf: {type: int, minval: 5, maxval: 1}\n"), "error", "-", "pos")
    o.add("many-keys", base + "".join("u%d: 1\n" % i for i in range(20000)), "error", "-", "pos")
    # Merge keys: a 300000-key mapping merged (quadratic once), and one
    # mapping merged a hundred times.
    o.add("merge-300000-keys", base + "zz: &zz\n" +
          "".join("  u%d: 1\n" % i for i in range(300000)) + "zy: {<<: *zz}\n",
          "error", "zz", "pos")
    o.add("merge-100-times", base + "zz: &zz\n" +
          "".join("  u%d: 1\n" % i for i in range(3000)) +
          "zy: {<<: [%s]}\n" % ", ".join(["*zz"] * 100), "error", "zz", "pos")
    o.add("list-900000-items", base + "zz:\n" + "- 1\n" * 900000, "error", "zz", "pos")
    o.add("many-hparams", base.replace("  c: 1.0\n", "".join("  p%d: %d\n" % (i, i) for i in range(5000))), "any")
    o.add("huge-grid", base.replace("adaptive_asha", "grid").replace(
        "    minval: -1.0\n", "    minval: -1.0\n    count: 100000\n").replace(
        "    minval: 4\n", "    minval: 4\n    count: 60\n"), "error", "-", "-")
    # Syntax.
    o.add("unclosed-flow", base.replace("[adam, sgd]", "[adam, sgd"), "error", "-", "pos")
    o.add("unclosed-quote", base.replace("malformed_base", '"malformed_base'), "error", "-", "pos")
    o.add("key-is-list", base + "[a, b]: 1\n", "error", "-", "pos")
    o.add("key-is-map", base + "? {a: 1}\n: 2\n", "error", "-", "pos")
    o.add("unknown-tag", base.replace("malformed_base", "!!python/object:os.system x"), "error", "-", "pos")
    o.add("local-tag", base.replace("malformed_base", "!mytag x"), "error", "-", "pos")
    o.add("int-tag-mismatch", base.replace("max_trials: 16", "max_trials: !!int sixteen"), "error", "-", "pos")
    o.add("directive", "%YAML 1.1\n---\n" + base, "any")
    o.add("bad-directive", "%YAML 9.9\n---\n" + base, "any")
    o.add("anchor-no-node", base + "x: &\n", "any")
    o.add("stray-colon", base + ":\n", "any")
    o.add("stray-dash", base + "- x\n", "error", "-", "pos")
    o.add("indent-odd", base.replace("    batches: 256", "   batches: 256"), "valid")
    o.add("indent-wrong", base.replace("    batches: 256", "  batches: 256"), "error", "-", "pos")

    # 3. Truncations of BASE at many points, and random byte flips.
    raw = base.encode()
    for cut in range(7, len(raw), max(1, len(raw) // 30)):
        o.add("truncated-%d" % cut, raw[:cut], "any")
    rng = random.Random(20260401)
    for i in range(50):
        b = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(len(b))
            b[pos] = rng.choice([0, 9, 10, 13, 0x22, 0x26, 0x2a, 0x3a, 0x5b, 0x7b,
                                 0x7f, 0x80, 0xc3, 0xff, rng.randrange(256)])
        o.add("flipped-%d" % i, bytes(b), "any")
    for i in range(10):
        o.add("random-bytes-%d" % i, bytes(rng.randrange(256) for _ in range(rng.randint(1, 4000))), "any")
    o.manifest.close()
    print(o.n)


if __name__ == "__main__":
    main()
