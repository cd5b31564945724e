#!/bin/sh
# t0160-malformed-metrics.sh - a local grid search whose trials append
# malformed lines to their metrics files (hpsearch-trial(7), METRICS FILE):
# a partial last line without its newline, a 1 MB line, invalid UTF-8,
# NaN and Infinity, nested objects, 1e999, a missing unit key, wrong
# types, non-monotonic steps, binary garbage, a repeated key...
#
# hpsearch must never crash, must warn naming the metrics file and the
# line, must keep the valid lines (a trial's best is the 0.25 of its
# valid lines: each bad line carries a better metric, 0.1, that must not
# count, except where only the unit key is bad), and the search must
# complete.
. "$top_srcdir/tests/cli/lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t0160.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
export HPSEARCH_ROOT="$tmp/root"
ctx=$tmp/ctx
mkdir "$ctx"

# The cases, one trial each: name, then the warning it must draw ('-':
# none is promised; the search must still complete and keep the rest).
cases='partial the last line has no newline at the end: ignored
longline not valid JSON
utf8 not valid JSON
nan NaN and Infinity are not JSON
infinity NaN and Infinity are not JSON
nested '"'"'validation_loss'"'"' is not a number
range not valid JSON
nounit no '"'"'batches'"'"' key
types '"'"'batches'"'"' is not a non-negative number
strmetric '"'"'validation_loss'"'"' is not a number
nonmonotonic -
binary not valid JSON
nul not valid JSON
array not a JSON object
dupkey not valid JSON
negative '"'"'batches'"'"' is not a non-negative number
huge '"'"'batches'"'"' is not a non-negative number
blank -
crlf -
manybad more warnings'
names=$(echo "$cases" | cut -d' ' -f1 | tr '\n' ',' | sed 's/,$//; s/,/, /g')

cat >"$ctx/search.yaml" <<EOF
name: malformed_metrics
hyperparameters:
  case: {type: categorical, vals: [$names]}
searcher:
  name: grid
  metric: validation_loss
  smaller_is_better: true
  max_concurrent_trials: 2
  max_length: {batches: 20}
entrypoint: sh trial.sh
EOF

# The trial: the valid lines around the bad ones of its case.
cat >"$ctx/trial.sh" <<'EOF'
m=$HPS_METRICS_FILE
good1='{"batches": 10, "validation_loss": 0.5}'
good2='{"batches": 20, "validation_loss": 0.25}'
printf '%s\n' "$good1" >>"$m"
case $HP_CASE in
partial) printf '%s\n' "$good2" >>"$m"
	printf '{"batches": 20, "validation_loss": 0.1' >>"$m"
	exit 0 ;;
longline) # a valid 1 MB line (kept: its 0.3 is not the best), then one
	# with no JSON at all
	{ printf '{"batches": 15, "validation_loss": 0.3, "x": "'
	head -c 1048576 /dev/zero | tr '\0' 'x'
	printf '"}\n'; } >>"$m"
	{ head -c 1048576 /dev/zero | tr '\0' 'y'; printf '\n'; } >>"$m" ;;
utf8) printf '{"batches": 15, "validation_loss": 0.1, "k": "\377\376\300\257"}\n' >>"$m" ;;
nan) printf '{"batches": 15, "validation_loss": NaN}\n' >>"$m" ;;
infinity) printf '{"batches": 15, "validation_loss": -Infinity}\n' >>"$m" ;;
nested) printf '{"batches": 15, "validation_loss": {"value": 0.1, "deep": [[[[{}]]]]}}\n' >>"$m" ;;
range) printf '{"batches": 15, "validation_loss": 1e999}\n' >>"$m" ;;
nounit) printf '{"validation_loss": 0.3}\n' >>"$m" ;;
types) printf '{"batches": "15", "validation_loss": 0.1}\n{"batches": true, "validation_loss": 0.1}\n' >>"$m" ;;
strmetric) printf '{"batches": 15, "validation_loss": "0.1"}\n' >>"$m" ;;
nonmonotonic) printf '{"batches": 5, "validation_loss": 0.4}\n{"batches": 3, "validation_loss": 0.45}\n' >>"$m" ;;
binary) head -c 3000 "$0" | od -An -tx1 | head -c 2000 >>"$m"
	printf '\001\002\003\033[31m\377\n' >>"$m" ;;
nul) printf '{"batches": 15, "validation_loss": 0.1}\000{"batches": 16}\n' >>"$m" ;;
array) printf '[15, 0.1]\n"text"\n42\nnull\n' >>"$m" ;;
dupkey) printf '{"batches": 15, "validation_loss": 0.1, "validation_loss": 0.1}\n' >>"$m" ;;
negative) printf '{"batches": -15, "validation_loss": 0.1}\n' >>"$m" ;;
huge) printf '{"batches": 1e300, "validation_loss": 0.1}\n{"batches": 18446744073709551616, "validation_loss": 0.1}\n' >>"$m" ;;
blank) printf '\n   \n\t\r\n' >>"$m" ;;
crlf) printf '{"batches": 15, "validation_loss": 0.3}\r\n' >>"$m" ;;
manybad) i=0; while [ $i -lt 40 ]; do printf 'bad line %d\n' $i >>"$m"; i=$((i + 1)); done ;;
esac
printf '%s\n' "$good2" >>"$m"
EOF

"$HPSEARCH" run "$ctx/search.yaml" "$ctx" --slots 2 >"$tmp/out" 2>"$tmp/err"
rc=$?
ok "$([ $rc -lt 128 ]; echo $?)" "run: no crash (exit $rc)"
[ $rc -lt 128 ] || sed -n '1,20s/^/# /p' "$tmp/err"
ok $rc "run: the search completes"
[ $rc -eq 0 ] || sed -n '1,20s/^/# /p' "$tmp/err"
if grep -q -e AddressSanitizer -e 'runtime error:' -e LeakSanitizer "$tmp/err"; then
	ok 1 "no sanitizer report"
	grep -m5 -e AddressSanitizer -e 'runtime error:' "$tmp/err" | sed 's/^/# /'
else
	ok 0 "no sanitizer report"
fi

"$HPSEARCH" status --json 1 >"$tmp/status.json" 2>"$tmp/status.err"
ok $? "status --json reads the experiment"
# For each case: its trial completed, its best is the valid lines' 0.25,
# and its length is 20 (the valid lines' last); the warnings of its run
# name its metrics file and a line number.
python3 - "$tmp/status.json" "$tmp/err" "$HPSEARCH_ROOT" <<'PY' >"$tmp/check" 2>&1
import json, os, re, sys
s = json.load(open(sys.argv[1]))
err = open(sys.argv[2], encoding="utf-8", errors="replace").read()
root = sys.argv[3]
for t in s["trials"]:
    case = t["hparams"]["case"]
    problems = []
    if t["state"] != "COMPLETED":
        problems.append("state %s (%s)" % (t["state"], t.get("end_reason")))
    best = t.get("best_metric")
    # A line whose unit key is unusable places no report, but its metric
    # counts for the trial's best, as on a line without the unit key
    # (hpsearch-trial(7)): those cases' 0.1 is the best.
    want = 0.1 if case in ("types", "negative", "huge") else 0.25
    if best is None or abs(best - want) > 1e-12:
        problems.append("best %r, expected %r" % (best, want))
    if t.get("length") != 20:
        problems.append("length %r, expected 20" % (t.get("length"),))
    print("%s\t%d\t%s" % (case, t["id"], "; ".join(problems)))
PY
ok $? "status --json parses"
ntrials=$(wc -l <"$tmp/check")
ncases=$(echo "$cases" | wc -l)
ok "$([ "$ntrials" -eq "$ncases" ]; echo $?)" "one trial per case ($ntrials of $ncases)"

echo "$cases" | while read -r name want; do
	line=$(grep "^$name	" "$tmp/check")
	id=$(echo "$line" | cut -f2)
	problems=$(echo "$line" | cut -f3)
	ok "$([ -n "$id" ] && [ -z "$problems" ]; echo $?)" "$name: trial ${id:-?} completed with the valid lines' best"
	[ -z "$problems" ] || note "$problems"
	[ -n "$id" ] || continue
	[ "$want" = - ] && continue
	# "hpsearch: warning: trial T run 1: PATH/metrics.jsonl: line N: ..."
	pat="hpsearch: warning: trial $id run 1: "
	if [ "$want" = "more warnings" ]; then
		grep -q -F "${pat}" "$tmp/err" && grep -F "${pat}" "$tmp/err" | grep -q "more warnings"
	else
		grep -F "$pat" "$tmp/err" | grep -E "/trials/$id/runs/1/metrics\.jsonl: (line [0-9]+|the last line)" | grep -q -F "$want"
	fi
	ok $? "$name: warns naming the file and the line: $want"
done >"$tmp/tap"
# (The loop ran in a subshell, numbering on from tap_n: count its points.)
cat "$tmp/tap"
tap_n=$((tap_n + $(grep -c '^\(not \)\{0,1\}ok ' "$tmp/tap")))
tap_failed=$((tap_failed + $(grep -c '^not ok ' "$tmp/tap")))
note "$ncases malformed metrics cases"
if [ "$tap_failed" -gt 0 ]; then
	note "stderr of the run:"
	cut -c1-300 "$tmp/err" | sed -n '1,60p' | sed 's/^/  /' | while read -r l; do note "$l"; done
fi
done_testing
