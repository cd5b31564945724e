#!/bin/sh
# t0150-malformed-configs.sh - `hpsearch validate` on hundreds of malformed
# configs (tests/cli/malformed-configs.py writes them, deterministically,
# into a temporary directory): every field with every wrong type and every
# hard number, alias bombs, deep nesting, NUL and invalid UTF-8, a 10 MB
# file, the empty file, several documents, tabs, a BOM, duplicate keys,
# truncations and byte flips.
#
# For each: no signal or sanitizer death (exit >= 128), no hang (timeout
# 10 s), memory bounded (ulimit -v 1 GiB where the build allows it: ASan
# reserves terabytes of address space, so its builds run without), and the
# verdict the generator's manifest gives: exit 2 with an error line that
# has file:line:col and names the field where it says so, or exit 0; and
# no line of stderr over 4096 characters.
# One hpsearch process per config; several configs per test point.
. "$top_srcdir/tests/cli/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 is needed to generate the configs"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t0150.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
cases=$tmp/cases
mkdir "$cases"

total=$(python3 "$top_srcdir/tests/cli/malformed-configs.py" "$cases")
ok $? "generated $total malformed configs"

# The memory limit, if this binary runs under it.  Under a wrapper
# (scripts/check's valgrind phase) the bounds were checked natively: the
# point there is memory errors, at valgrind's speed and size.
limit= tmo=10 stride=1
if [ -n "${HPS_TEST_HPSEARCH:-}" ]; then
	tmo=300 stride=5
	note "hpsearch under $HPS_TEST_HPSEARCH: every ${stride}th case, no memory limit, a $tmo s timeout"
elif (ulimit -v 1048576 && "$HPSEARCH" validate --help) >/dev/null 2>&1; then
	limit=1048576
else
	note "no ulimit -v: this build cannot run under it (a sanitizer build?)"
fi

# check FILE EXPECT FIELD PLACE: prints why the case failed, or nothing.
# $o: this worker's prefix for its out and err files.
check() {
	f=$cases/$1
	if [ -n "$limit" ]; then
		(ulimit -v "$limit"; exec timeout -s KILL $tmo "$HPSEARCH" validate "$f") \
			>"$o.out" 2>"$o.err"
	else
		timeout -s KILL $tmo "$HPSEARCH" validate "$f" >"$o.out" 2>"$o.err"
	fi
	st=$?
	if [ $st -ge 124 ]; then
		echo "$1: exit status $st (124+: a hang, a signal or out of memory)"
		sed -n '1,5s/^/    /p' "$o.err"
		return
	fi
	if grep -q -e 'AddressSanitizer' -e 'runtime error:' -e 'LeakSanitizer' "$o.err"; then
		echo "$1: sanitizer report"
		sed -n '1,10s/^/    /p' "$o.err"
		return
	fi
	# A message quotes values and paths cut short: no screen-sized lines.
	if awk 'length > 4096 { bad = 1 } END { exit !bad }' "$o.err"; then
		echo "$1: a line of stderr is longer than 4096 characters"
		return
	fi
	case $2 in
	error)
		if [ $st -ne 2 ]; then
			echo "$1: exit status $st, expected 2"
			sed -n '1,3s/^/    /p' "$o.err"
			return
		fi
		# The first error (validate prints in file order).
		line=$(grep -m1 ': error: ' "$o.err")
		if [ -z "$line" ]; then
			echo "$1: exit 2 without an error line"
			return
		fi
		if [ "$4" = pos ] && ! grep -q -F -e "$f:" "$o.err"; then
			echo "$1: no file name: $line"
			return
		fi
		if [ "$4" = pos ] && ! grep ': error: ' "$o.err" | grep -q -E -e "^.*\.yaml:[0-9]+:[0-9]+: error: "; then
			echo "$1: no file:line:col: $line"
			return
		fi
		if [ "$3" != - ] && ! grep ': error: ' "$o.err" | grep -q -F -e "error: $3"; then
			echo "$1: no error names $3:"
			sed -n '1,3s/^/    /p' "$o.err"
			return
		fi
		;;
	valid | warn)
		if [ $st -ne 0 ]; then
			echo "$1: exit status $st, expected 0 (a valid config)"
			sed -n '1,3s/^/    /p' "$o.err"
			return
		fi
		if [ "$2" = warn ] && ! grep -q ': warning: ' "$o.err"; then
			echo "$1: no warning"
			return
		fi
		;;
	any)
		if [ $st -ne 0 ] && [ $st -ne 2 ]; then
			echo "$1: exit status $st, expected 0 or 2"
			sed -n '1,3s/^/    /p' "$o.err"
			return
		fi
		if [ $st -eq 2 ] && ! grep -q ': error: ' "$o.err"; then
			echo "$1: exit 2 without an error line"
			return
		fi
		;;
	esac
}

# Two workers (the cases are independent processes): worker w takes the
# cases whose line number is w modulo 2 and writes "LINE<TAB>why" for each
# case that failed.
tab=$(printf '\t')
workers=2
w=0
while [ $w -lt $workers ]; do
	(
		o=$tmp/w$w
		i=0
		while IFS=$tab read -r file expect field place; do
			i=$((i + 1))
			[ $((i % workers)) -eq $w ] || continue
			[ $((i % stride)) -eq 0 ] || [ $stride -eq 1 ] || { echo "$i" >>"$o.skip"; continue; }
			why=$(check "$file" "$expect" "$field" "$place")
			[ -z "$why" ] || printf '%s\t%s\n' "$i" "$why" | tr '\n' '\001' | sed 's/\x01$//' >>"$o.fail"
			[ -z "$why" ] || echo >>"$o.fail"
			echo "$i" >>"$o.done"
		done <"$cases/manifest.tsv"
	) &
	w=$((w + 1))
done
wait
cat "$tmp"/w*.fail 2>/dev/null >"$tmp/failures"
tried=$(cat "$tmp"/w*.done 2>/dev/null | wc -l)
sampled_out=$(cat "$tmp"/w*.skip 2>/dev/null | wc -l)

# One test point per group of 50 cases, in the manifest's order.
group=50
first=1
while [ "$first" -le "$total" ]; do
	last=$((first + group - 1))
	[ "$last" -le "$total" ] || last=$total
	bad=$(awk -F '\t' -v a="$first" -v b="$last" '$1 >= a && $1 <= b { sub(/^[0-9]+\t/, ""); gsub(/\001/, "\n"); print }' "$tmp/failures")
	ok "$([ -z "$bad" ]; echo $?)" "configs $first-$last"
	[ -z "$bad" ] || note "$bad"
	first=$((last + 1))
done
if [ "$sampled_out" -gt 0 ]; then
	note "tried $tried malformed configs, $sampled_out left out under the wrapper"
else
	note "tried $tried malformed configs"
fi
ok "$([ $((tried + sampled_out)) -eq "$total" ]; echo $?)" "every generated config was tried ($tried of $total)"
done_testing
