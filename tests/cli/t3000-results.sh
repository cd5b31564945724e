#!/bin/sh
# t3000-results.sh - looking at results: export (CSV and JSON), compare,
# the status table (aligned, coloured only on a terminal, NO_COLOR) and
# bash completion, over quick local searches of the quadratic example.
. "$top_srcdir/tests/cli/lib.sh"
quad="$top_srcdir/examples/quadratic"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HPSEARCH_ROOT="$tmp/root"
unset NO_COLOR
PY=$(command -v python3)
esc=$(printf '\033')

# pycheck NAME PYTHON ARGS...: run a Python check (exit 0 = ok); its
# output is shown as TAP comments.
pycheck() {
	_name=$1; shift
	"$PY" - "$@" >"$tmp/py.out" 2>&1
	_rc=$?
	[ $_rc -eq 0 ] || note "$(cat "$tmp/py.out")"
	ok $_rc "$_name"
}

run "$HPSEARCH" run -q "$quad/single.yaml"
ok $rc "single: runs (experiment 1, the baseline)"
run "$HPSEARCH" run -q "$quad/random.yaml"
ok $rc "random: runs (experiment 2)"
run "$HPSEARCH" run -q "$quad/grid.yaml"
ok $rc "grid: runs (experiment 3)"
for x in 1 2 3; do
	"$HPSEARCH" status --json $x >"$tmp/s$x.json"
done

# ---- export: CSV ----
cat >"$tmp/csvcheck.py" <<'PY'
import csv, json, sys
FIXED = ["id", "state", "end_reason", "restarts", "runs", "length",
         "best_metric", "latest_metric"]

def leaves(h, pre=""):
    for k in sorted(h):
        if isinstance(h[k], dict):
            yield from leaves(h[k], pre + k + ".")
        else:
            yield pre + k, h[k]

def same(cell, v):
    if v is None:
        return cell in ("", "null")
    if isinstance(v, bool):
        return cell == ("true" if v else "false")
    if isinstance(v, (int, float)):
        return cell != "" and float(cell) == v
    if isinstance(v, str):
        return cell == v
    return json.loads(cell) == v

def get(h, name):
    for k in name.split("."):
        h = h[k]
    return h

# argv: CSV, status --json, then the hyperparameter columns (default: the
# leaves of the first trial's hyperparameters).
s = json.load(open(sys.argv[2]))
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
names = sys.argv[3:] or [n for n, _ in leaves(s["trials"][0]["hparams"])]
assert header == FIXED + names, "header %r" % header
assert len(rows) == len(s["trials"]), "%d rows for %d trials" % (len(rows), len(s["trials"]))
for row, t in zip(rows, s["trials"]):
    assert len(row) == len(header), "row %r" % row
    cell = dict(zip(header, row))
    for k in FIXED:
        assert same(cell[k], t[k]), "trial %s %s: %r vs %r" % (t["id"], k, cell[k], t[k])
    for n in names:
        v = get(t["hparams"], n)
        assert same(cell[n], v), "trial %s %s: %r vs %r" % (t["id"], n, cell[n], v)
PY
run "$HPSEARCH" export 2
ok $rc "export (csv) exits 0"
printf '%s\n' "$out" >"$tmp/2.csv"
pycheck "  one row per trial, the header's columns, values equal to status --json" \
	"$tmp/2.csv" "$tmp/s2.json" <"$tmp/csvcheck.py"
"$HPSEARCH" export --format csv 3 >"$tmp/3.csv"
pycheck "  grid experiment: the same" "$tmp/3.csv" "$tmp/s3.json" <"$tmp/csvcheck.py"
run "$HPSEARCH" export -o "$tmp/out.csv" quadratic_random
ok $([ $rc -eq 0 ] && [ -z "$out" ] && cmp -s "$tmp/out.csv" "$tmp/2.csv" && echo 0 || echo 1) \
	"  -o FILE writes the same, by name, nothing on stdout"
run "$HPSEARCH" export --format xml 2
ok $([ $rc -eq 2 ] && echo "$err" | grep -q "unknown format 'xml'" && echo 0 || echo 1) "  an unknown format: exit 2"
run "$HPSEARCH" export 99
ok $([ $rc -eq 1 ] && echo 0 || echo 1) "  an unknown experiment: exit 1"

# ---- export: JSON ----
"$HPSEARCH" export --format json 2 >"$tmp/2.json"
pycheck "export --format json: fields as status --json, the whole history of each trial" \
	"$tmp/2.json" "$tmp/s2.json" "$HPSEARCH_ROOT" <<'PY'
import glob, json, os, sys
x = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
d = s["dir"]
assert len(x) == len(s["trials"])
for a, t in zip(x, s["trials"]):
    for k in ("id", "state", "end_reason", "restarts", "runs", "length",
              "best_metric", "latest_metric", "hparams"):
        assert a[k] == t[k], "trial %s %s: %r vs %r" % (t["id"], k, a[k], t[k])
    lines = []
    for r in sorted(glob.glob(os.path.join(d, "trials", str(t["id"]), "runs", "*"))):
        lines += [json.loads(l) for l in open(os.path.join(r, "metrics.jsonl"))]
    assert len(a["history"]) == len(lines) > 0, "trial %s: %d reports, %d lines" % (t["id"], len(a["history"]), len(lines))
    for h, l in zip(a["history"], lines):
        assert h.pop("run") == 1 and h == l, (h, l)
PY

# ---- compare ----
run "$HPSEARCH" compare --json 1 2 3
ok $rc "compare --json exits 0"
printf '%s\n' "$out" >"$tmp/cmp.json"
pycheck "  improvement over the baseline, absolute and relative, from the best metrics" \
	"$tmp/cmp.json" "$tmp/s1.json" "$tmp/s2.json" "$tmp/s3.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
ss = [json.load(open(p)) for p in sys.argv[2:]]
assert c["metric"] == "validation_loss" and c["smaller_is_better"] is True
base = ss[0]["best_metric"]
assert [e["id"] for e in c["experiments"]] == [1, 2, 3]
for e, s in zip(c["experiments"], ss):
    assert e["best_metric"] == s["best_metric"] and e["best_trial"] == s["best_trial"], e
    assert e["trials"] == len(s["trials"]) and e["searcher"] == s["searcher"], e
    assert abs(e["improvement"] - (base - s["best_metric"])) < 1e-12, e
    assert abs(e["improvement_relative"] - (base - s["best_metric"]) / abs(base)) < 1e-12, e
    best = [t for t in s["trials"] if t["id"] == s["best_trial"]][0]
    assert e["hparams"] == best["hparams"], e
assert c["experiments"][0]["baseline"] and not c["experiments"][1]["baseline"]
assert "model.depth" in c["hparam_names"]
PY
run "$HPSEARCH" compare 1 2
ok $([ $rc -eq 0 ] && echo "$out" | grep -q '^improvement  *baseline  ' &&
	echo "$out" | grep -q '^learning_rate  *0\.01  ' && echo 0 || echo 1) \
	"  text: the baseline column, hyperparameters side by side"
run "$HPSEARCH" compare 1
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "  one experiment: exit 2"
sed -e 's/^name: .*/name: other_metric/' -e 's/metric: validation_loss/metric: loss/' \
	"$quad/single.yaml" >"$tmp/other.yaml"
"$HPSEARCH" run -q "$tmp/other.yaml" "$quad" >/dev/null 2>&1
run "$HPSEARCH" compare 1 other_metric
ok $([ $rc -eq 2 ] && echo "$err" | grep -q "its metric is 'loss'" && echo 0 || echo 1) \
	"  a different metric: exit 2, said why"

# ---- status text ----
run "$HPSEARCH" status 2
ok $rc "status (text) exits 0"
printf '%s\n' "$out" >"$tmp/st.txt"
ok $(echo "$out" | grep -q "$esc" && echo 1 || echo 0) "  piped: no escape codes"
cat >"$tmp/aligned.py" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
i = [n for n, l in enumerate(lines) if l.startswith("id  ")][0]
head, rows = lines[i], [l for l in lines[i + 1:] if l]
assert len(rows) == int(sys.argv[2]), "%d rows" % len(rows)
right = ["id", "restarts", "length", "best", "latest"]
names = ["id", "state", "end reason", "restarts", "length", "best", "latest"] + sys.argv[3:]
pos = 0
for n in names:
    start = head.index(n, pos)
    end = pos = start + len(n)
    for r in rows:
        assert r == r.rstrip(), "trailing blanks: %r" % r
        if n in right:   # right-aligned: ends under the header's end
            assert r[end - 1] != " " and (end == len(r) or r[end] == " "), (n, r)
        else:            # left-aligned: starts under the header's start
            assert r[start - 1] == " " if start else True, (n, r)
            assert r[start] != " ", (n, r)
PY
pycheck "  piped: one row per trial, columns aligned, a column per hyperparameter" \
	"$tmp/st.txt" 12 c learning_rate model.activation model.depth optimizer width x <"$tmp/aligned.py"
ok $(echo "$out" | grep -q '^best: *trial [0-9]*, validation_loss ' &&
	echo "$out" | grep -q '^  *model\.activation  *[a-z]' &&
	echo "$out" | grep -q '^progress: *12/12 trials done' && echo 0 || echo 1) \
	"  the best trial with its hyperparameters, and the progress"
if script -qc true /dev/null >/dev/null 2>&1; then
	TERM=xterm script -qc "'$HPSEARCH' status 2" /dev/null >"$tmp/tty.txt" 2>&1
	ok $(grep -q "${esc}\[32mCOMPLETED${esc}\[0m" "$tmp/tty.txt" &&
		grep -q "${esc}\[1;32m" "$tmp/tty.txt" && echo 0 || echo 1) \
		"  on a terminal: states coloured, the best metric highlighted"
	NO_COLOR=1 TERM=xterm script -qc "'$HPSEARCH' status 2" /dev/null >"$tmp/tty.txt" 2>&1
	ok $(grep -q "$esc" "$tmp/tty.txt" && echo 1 || echo 0) "  NO_COLOR=1 on a terminal: plain"
else
	skip "no script(1) to fake a terminal"
	skip "no script(1) to fake a terminal"
fi
run "$HPSEARCH" status 4
ok $([ $rc -eq 0 ] && echo "$out" | grep -q '^searcher: *single on loss' && echo 0 || echo 1) \
	"  a single-trial experiment"

# ---- a value with a comma, a quote and a newline ----
cat >"$tmp/quoting.yaml" <<'EOF'
name: quoting
hyperparameters:
  tag:
    type: categorical
    vals: ['a,"b"', "line1\nline2", plain, [1, 0.1], {b: 1, a: 0.1}]
  x: 0.25
  opt:
    id: 'say "hi"'
searcher:
  name: grid
  metric: validation_loss
  smaller_is_better: true
  max_length:
    batches: 4
entrypoint: python3 train.py
EOF
run "$HPSEARCH" run -q "$tmp/quoting.yaml" "$quad"
ok $rc "a config with awkward values runs (experiment 5)"
"$HPSEARCH" status --json quoting >"$tmp/s5.json"
"$HPSEARCH" export quoting >"$tmp/5.csv"
pycheck "  export: RFC 4180 quoting reads back as the values" \
	"$tmp/5.csv" "$tmp/s5.json" opt.id tag x <"$tmp/csvcheck.py"
ok $(grep -q '^[0-9]*,COMPLETED,completed,.*,"a,""b""",' "$tmp/5.csv" &&
	grep -q ',"\[1,0.1\]",' "$tmp/5.csv" &&
	grep -q ',"{""a"":0.1,""b"":1}",' "$tmp/5.csv" && echo 0 || echo 1) \
	"  quotes doubled inside quotes; lists and objects as compact JSON, sorted keys, shortest numbers"
"$HPSEARCH" status quoting >"$tmp/st5.txt"
pycheck "  status: a newline in a value does not break the table" \
	"$tmp/st5.txt" 5 opt.id tag x <"$tmp/aligned.py"

# ---- bash completion ----
comp="$top_srcdir/scripts/hpsearch.bash-completion"
if command -v bash >/dev/null 2>&1; then
	# complete WORD...: what _hpsearch offers for the line, the last word
	# being completed.
	complete_line() {
		bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			_hpsearch; printf "%s\n" "${COMPREPLY[@]}"' sh "$comp" "$HPSEARCH" "$@"
	}
	ok $(bash -n "$comp" && echo 0 || echo 1) "completion: the script parses"
	c=$(complete_line '')
	ok $(echo "$c" | grep -qx status && echo "$c" | grep -qx export &&
		echo "$c" | grep -qx compare && echo 0 || echo 1) "  verbs from --help"
	c=$(complete_line st)
	ok $([ "$c" = status ] && echo 0 || echo 1) "  a verb's prefix"
	c=$(complete_line status '')
	ok $(echo "$c" | grep -qx 2 && echo "$c" | grep -qx quadratic_random && echo 0 || echo 1) \
		"  experiment ids and names"
	c=$(HPSEARCH_ROOT=/nonexistent; complete_line --root "$tmp/root" compare 1 quadratic_g)
	ok $([ "$c" = quadratic_grid ] && echo 0 || echo 1) "  --root on the line"
	c=$(complete_line logs 1 '')
	ok $([ "$c" = 1 ] && echo 0 || echo 1) "  trial ids for logs"
	c=$(complete_line export --format '')
	ok $([ "$(echo $c)" = "csv json" ] && echo 0 || echo 1) "  option values"
	c=$(complete_line export --)
	ok $(echo "$c" | grep -qx -- --format && echo "$c" | grep -qx -- --output && echo 0 || echo 1) \
		"  a verb's options"
	c=$(cd "$quad" && complete_line validate s)
	ok $(echo "$c" | grep -qx single.yaml && echo "$c" | grep -qx stopping.yaml && echo 0 || echo 1) \
		"  config files for validate"
else
	skip "no bash"
fi
done_testing
