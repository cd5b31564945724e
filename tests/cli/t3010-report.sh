#!/bin/sh
# t3010-report.sh - hpsearch report: one self-contained HTML page.  Static
# checks always run (no network references, user strings escaped); the
# page is then loaded in headless Chromium when it is installed, its marks
# counted per plot in the rendered DOM against counts computed here from
# status --json and the metrics files, and a screenshot kept as an
# artefact (tests/report-screenshot.png in the build directory).
. "$top_srcdir/tests/cli/lib.sh"
quad="$top_srcdir/examples/quadratic"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
export HPSEARCH_ROOT="$root"
PY=$(command -v python3)
art="${top_builddir:-$tmp}/tests"
mkdir -p "$art"
varying="learning_rate model.activation model.depth optimizer width x"

chrome=
for c in chromium chromium-browser; do
	command -v "$c" >/dev/null 2>&1 && { chrome=$c; break; }
done

# browse FILE.html OUT-PREFIX [--screenshot=PNG]: the rendered DOM in
# OUT.dom, Chromium's log in OUT.log; a fresh profile each time.
browse() {
	_html=$1 _out=$2; shift 2
	rm -rf "$tmp/profile"
	timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
		"$@" "file://$_html" >"$_out.dom" 2>"$_out.log"
}

# counts DOM: "PLOT KIND N" for every plot's marks, and the table's rows.
counts() {
	"$PY" - "$1" <<'PY'
import collections, html.parser, sys
KIND = {"path": "path", "circle": "point", "polyline": "line", "rect": "bar"}
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.n = [], collections.Counter()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        plot = a.get("data-plot") or (self.stack[-1] if self.stack else None)
        if tag in ("figure", "table"):
            self.stack.append(plot)
        if "mark" in (a.get("class") or "").split():
            self.n[(plot, KIND.get(tag, tag))] += 1
        if tag == "tr" and "data-trial" in a:
            self.n[("trials", "row")] += 1
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("figure", "table"):
            self.stack.pop()
    def handle_endtag(self, tag):
        if tag in ("figure", "table") and self.stack:
            self.stack.pop()
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
for (plot, kind), n in sorted(p.n.items()):
    print(plot, kind, n)
PY
}

# expect STATUS.json TOP VARYING...: the same lines, from the data.
expect() {
	"$PY" - "$@" <<'PY'
import glob, json, math, os, sys
s = json.load(open(sys.argv[1]))
top, varying = int(sys.argv[2]), sys.argv[3:]
t = s["trials"]
small = s["smaller_is_better"]
best = [x for x in t if x["best_metric"] is not None]
best.sort(key=lambda x: ((x["best_metric"] if small else -x["best_metric"]), x["id"]))
out = {("trials", "row"): len(t)}
def points(tr):
    n = 0
    for f in glob.glob(os.path.join(s["dir"], "trials", str(tr["id"]), "runs", "*", "metrics.jsonl")):
        for line in open(f):
            try:
                m = json.loads(line)
            except ValueError:
                continue
            ok = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            n += ok(m.get("batches")) and ok(m.get(s["metric"]))
    return min(n, 200)
if best:
    pts = [points(x) for x in best[:top]]
    out[("curves", "path")] = sum(1 for n in pts if n)
    out[("curves", "point")] = sum(pts)
    out[("best", "point")] = len(best)
    if varying:
        out[("parcoords", "line")] = len(best)
    for v in varying:
        out[("scatter:" + v, "point")] = len(best)
rungs = sum(len(b["rungs"]) for b in s["rungs"])
if rungs:
    out[("rungs", "bar")] = 2 * rungs
for (plot, kind), n in sorted(out.items()):
    if n:
        print(plot, kind, n)
PY
}

# static FILE: no reference out of the page.
static_ok() {
	! grep -Eiq 'https?:|ftp:|//[a-z0-9.-]+\.[a-z]' "$1" &&
	! grep -Eiq '<(link|img|iframe|object|embed)\b|<[a-z][^>]*[[:space:]](src|href|xlink:href|action)=|@import|url\(' "$1"
}

# One experiment of each kind the report draws differently.
run "$HPSEARCH" run -q "$quad/adaptive.yaml"
ok $rc "adaptive_asha search runs (experiment 1)"
run "$HPSEARCH" run -q "$quad/random.yaml"
ok $rc "random search runs (experiment 2)"
run "$HPSEARCH" run -q "$quad/single.yaml"
ok $rc "single search runs (experiment 3): one trial"
sed -e 's/^name: .*/name: quiet/' -e 's/^entrypoint: .*/entrypoint: "true"/' \
	-e 's/max_trials: 12/max_trials: 3/' "$quad/random.yaml" >"$tmp/quiet.yaml"
run "$HPSEARCH" run -q "$tmp/quiet.yaml" "$quad"
ok $rc "a search whose trials report nothing (experiment 4)"
cat >"$tmp/evil.yaml" <<'EOF'
name: "<script>alert(1)</script>"
hyperparameters:
  x: {type: double, minval: -1, maxval: 1}
  "<i>hp</i>": {type: categorical, vals: ["<img src=x onerror=alert(2)>", "a&b"]}
searcher: {name: random, metric: validation_loss, max_trials: 3, max_length: {batches: 8}}
entrypoint: python3 train.py
EOF
run "$HPSEARCH" run -q "$tmp/evil.yaml" "$quad"
ok $rc "a search with markup in its name and hyperparameters (experiment 5)"

run "$HPSEARCH" report 1
ok $([ $rc -eq 0 ] && [ "$out" = "$root/1-quadratic_adaptive/report.html" ] && [ -s "$out" ] && echo 0 || echo 1) \
	"report EXP writes report.html in the experiment and prints its path"
run "$HPSEARCH" report 2 -o "$tmp/r2.html" --top 5
ok $([ $rc -eq 0 ] && [ "$out" = "$tmp/r2.html" ] && [ -s "$tmp/r2.html" ] && echo 0 || echo 1) \
	"report EXP -o FILE --top N"
for n in 3 4 5; do
	"$HPSEARCH" report -o "$tmp/r$n.html" $n >/dev/null 2>"$tmp/err" || cat "$tmp/err"
done
cp "$root/1-quadratic_adaptive/report.html" "$tmp/r1.html"
run "$HPSEARCH" report
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "no experiment: exit 2"
run "$HPSEARCH" report 1 --top 0
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "--top 0: exit 2"
run "$HPSEARCH" report 99
ok $([ $rc -eq 1 ] && echo "$err" | grep -q "99" && echo 0 || echo 1) "an unknown experiment: exit 1"
run "$HPSEARCH" report 1 -o "$tmp/no/such/dir/r.html"
ok $([ $rc -eq 1 ] && echo 0 || echo 1) "an unwritable output: exit 1"

for n in 1 2 3 4 5; do
	static_ok "$tmp/r$n.html"
	ok $? "report $n refers to nothing outside itself (no URL, src, href, import)"
done
ok $(grep -q '<script>alert' "$tmp/r5.html" || grep -q '<img' "$tmp/r5.html" ||
     grep -q '<i>hp' "$tmp/r5.html" && echo 1 || echo 0) "user strings are escaped in the file"
ok $(grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$tmp/r5.html" &&
     grep -q 'a&amp;b' "$tmp/r5.html" && echo 0 || echo 1) "  and shown as text"
ok $(grep -q 'data-plot="none"' "$tmp/r4.html" && ! grep -q 'class="mark' "$tmp/r4.html" &&
     echo 0 || echo 1) "no metric reported: says so, draws no mark"

if [ -z "$chrome" ]; then
	skip "chromium is not installed: the report is not rendered"
	done_testing
	exit
fi

for n in 1 2 3 4 5; do
	browse "$tmp/r$n.html" "$tmp/b$n" --dump-dom
	ok $(grep -q 'data-script="ok"' "$tmp/b$n.dom" && ! grep -q ':CONSOLE' "$tmp/b$n.log" &&
	     echo 0 || echo 1) "report $n renders in Chromium; its script ran, no console message"
	grep ':CONSOLE' "$tmp/b$n.log" | sed 's/^/# /'
done
for n in 1 2 3 4 5; do
	top=10; [ $n -eq 2 ] && top=5
	vary=$varying; [ $n -eq 3 ] && vary=; [ $n -eq 5 ] && vary="<i>hp</i> x"
	"$HPSEARCH" status --json $n >"$tmp/s$n.json"
	expect "$tmp/s$n.json" $top $vary >"$tmp/want$n"
	counts "$tmp/b$n.dom" >"$tmp/got$n"
	diff "$tmp/want$n" "$tmp/got$n" >"$tmp/diff$n"
	ok $? "report $n: every plot drew one mark per data point ($(wc -l <"$tmp/want$n") counts)"
	sed 's/^/# /' "$tmp/diff$n"
done
ok $(grep -q '^rungs bar' "$tmp/want1" && grep -q '^curves point' "$tmp/want3" &&
     [ "$(cat "$tmp/want4")" = "trials row 3" ] && echo 0 || echo 1) \
	"  the counts cover ASHA rungs, one trial, and no metric"
"$PY" - "$tmp/b5.dom" <<'PY'
import sys
d = open(sys.argv[1], encoding="utf-8").read()
ok = (d.count("<script") == 1 and "<img" not in d and "<i>" not in d
      and "&lt;script&gt;alert(1)&lt;/script&gt;" in d and "onerror" not in d.replace("onerror=alert(2)&gt;", ""))
sys.exit(0 if ok else 1)
PY
ok $? "the rendered page shows the markup as text: one script, no injected element"

rm -f "$art/report-screenshot.png"
browse "$tmp/r1.html" "$tmp/shot" --screenshot="$art/report-screenshot.png" --window-size=1400,3000
ok $(head -c 8 "$art/report-screenshot.png" 2>/dev/null | od -An -c | grep -q 'P   N   G' &&
     echo 0 || echo 1) "a screenshot is kept: tests/report-screenshot.png"
done_testing
