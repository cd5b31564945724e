#!/bin/sh
# Damaged state on disk: state.json lost, truncated, garbage or the wrong
# shape is rebuilt from the journal (readers in memory, the lock holder
# writes it back) and the search ends as an undamaged one; a torn journal
# tail is ignored by readers and cut by the next writer; a corrupt journal
# line is an error naming the file and the line, and changes nothing.
. "$top_srcdir/tests/cli/lib.sh"
quad="$top_srcdir/examples/quadratic"
cfg="$top_srcdir/tests/data/faults/asha-tiny.yaml"
tmp=$(mktemp -d)
cleanup() { pkill -KILL -f "$tmp/" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
PY=$(command -v python3)

summary() { # summary ROOT
	HPSEARCH_ROOT="$1" "$HPSEARCH" status --json 1 | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
print(s["state"], s["best_trial"])
for t in s["trials"]:
    print(t["id"], json.dumps(t["hparams"], sort_keys=True), t["state"], t["end_reason"], t["length"], t["restarts"], t["best_metric"])
'
}

HPSEARCH_ROOT="$tmp/ref" "$HPSEARCH" run -q "$cfg" "$quad" >/dev/null 2>&1
ok $? "reference search"
summary "$tmp/ref" >"$tmp/ref.txt"

# interrupted ROOT: a search killed partway (the driver at its 12th write)
interrupted() {
	HPS_FAULT_KILL=12@run HPSEARCH_ROOT="$1" "$HPSEARCH" run -q "$cfg" "$quad" >/dev/null 2>&1
	d=$(ls -d "$1"/1-*)
}

for damage in missing truncated garbage shape; do
	r="$tmp/$damage"
	interrupted "$r"
	case $damage in
	missing) rm -f "$d/state.json" ;;
	truncated) head -c 100 "$d/state.json" >"$d/x" && mv "$d/x" "$d/state.json" ;;
	garbage) printf '\001\377\376binary\000junk' >"$d/state.json" ;;
	shape) echo '{"state": 7, "trials": "no"}' >"$d/state.json" ;;
	esac
	before=$(cksum 2>/dev/null <"$d/state.json")
	run env HPSEARCH_ROOT="$r" "$HPSEARCH" status 1
	ok $([ $rc -eq 0 ] && echo "$err" | grep -q "state.json.*rebuilding the state from '$d/journal.jsonl'" && echo 0 || echo 1) "state.json $damage: status warns, names the file and rebuilds from the journal"
	ok $([ "$(cksum 2>/dev/null <"$d/state.json")" = "$before" ] && echo 0 || echo 1) "  a reader writes nothing"
	HPSEARCH_ROOT="$r" "$HPSEARCH" continue -q 1 >"$r.out" 2>&1
	ok $? "  continue rebuilds it and finishes the search"
	summary "$r" >"$r.txt" 2>"$r.err"
	if cmp -s "$tmp/ref.txt" "$r.txt" && [ ! -s "$r.err" ]; then c=0; else c=1; diff "$tmp/ref.txt" "$r.txt" | sed 's/^/# /'; fi
	ok $c "  same trials, decisions and best trial as the undamaged search; state.json whole again"
done

# A torn last line (a writer killed mid-append).
r="$tmp/torn"
interrupted "$r"
printf '{"ev":"report","seq":999,"tri' >>"$d/journal.jsonl"
run env HPSEARCH_ROOT="$r" "$HPSEARCH" status 1
ok $([ $rc -eq 0 ] && tail -c 5 "$d/journal.jsonl" | grep -q 'tri' && echo 0 || echo 1) "a torn journal tail: readers skip it and leave it"
HPSEARCH_ROOT="$r" "$HPSEARCH" continue -q 1 >/dev/null 2>&1
ok $? "  the next writer cuts it off and continues"
summary "$r" >"$r.txt"
ok $(cmp -s "$tmp/ref.txt" "$r.txt" && ! grep -q '"tri$' "$d/journal.jsonl" && echo 0 || echo 1) "  and the search ends as the undamaged one"

# A corrupt complete line in the middle: the journal is the truth, so this
# is an error that names the file and line, and nothing is written.
r="$tmp/corrupt"
interrupted "$r"
rm -f "$d/state.json"	# force a replay through the damaged line
"$PY" - "$d/journal.jsonl" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
lines[3] = b'{"ev": "report", "seq": 4, oops'
open(p, "wb").write(b"\n".join(lines))
PY
sum_j=$(cksum <"$d/journal.jsonl")
run env HPSEARCH_ROOT="$r" "$HPSEARCH" status 1
ok $([ $rc -eq 1 ] && echo "$err" | grep -q "journal.jsonl. is corrupt at byte [0-9]" && echo 0 || echo 1) "a corrupt journal line: status exits 1 naming the file and the place"
note "$err"
run env HPSEARCH_ROOT="$r" "$HPSEARCH" continue 1
ok $([ $rc -eq 1 ] && echo "$err" | grep -q "journal.jsonl. is corrupt at byte [0-9]" && [ "$(cksum <"$d/journal.jsonl")" = "$sum_j" ] && [ ! -e "$d/state.json" ] && echo 0 || echo 1) "  continue refuses the same way and writes nothing"
done_testing
