#!/bin/sh
# t0900-manpages.sh - the man pages are clean roff, render, and cover every
# verb that hpsearch --help lists.
#
# Environment (set by the harness): top_srcdir, HPSEARCH.

: "${top_srcdir:?top_srcdir is not set}"
: "${HPSEARCH:?HPSEARCH is not set}"

tmp=${TMPDIR:-/tmp}/t0900.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

pages=$(ls "$top_srcdir"/man/*.[0-9] 2>/dev/null)
if [ -z "$pages" ]; then
	echo "1..0 # SKIP no man pages under $top_srcdir/man"
	exit 0
fi

# Verbs: the first word of each indented line after "verbs:" in --help.
"$HPSEARCH" --help >"$tmp/help" 2>&1
help_rc=$?
verbs=$(sed -n '/^verbs:/,/^$/{/^  [a-z]/s/^  \([a-z][a-z0-9-]*\).*/\1/p;}' \
	"$tmp/help")

have_mandoc=no
command -v mandoc >/dev/null 2>&1 && have_mandoc=yes

npages=0
for p in $pages; do
	npages=$((npages + 1))
done
nverbs=0
for v in $verbs; do
	[ "$v" = help ] || nverbs=$((nverbs + 1))
done

echo "1..$((2 * npages + nverbs + 1))"
n=0

n=$((n + 1))
if [ "$help_rc" -eq 0 ] && [ -n "$verbs" ]; then
	echo "ok $n - hpsearch --help lists verbs:" $verbs
else
	echo "not ok $n - hpsearch --help lists verbs (rc $help_rc)"
	sed 's/^/# /' "$tmp/help"
fi

render() {
	if [ "$have_mandoc" = yes ]; then
		mandoc -T utf8 "$1"
	else
		MANWIDTH=80 man -l "$1"
	fi
}

for p in $pages; do
	name=man/${p##*/}

	n=$((n + 1))
	if [ "$have_mandoc" = no ]; then
		echo "ok $n # SKIP mandoc not installed: $name lint"
	elif mandoc -T lint -W warning "$p" >"$tmp/lint" 2>&1 &&
	     [ ! -s "$tmp/lint" ]; then
		echo "ok $n - $name: mandoc -T lint -W warning is clean"
	else
		echo "not ok $n - $name: mandoc -T lint -W warning is clean"
		sed 's/^/# /' "$tmp/lint"
	fi

	n=$((n + 1))
	if [ "$have_mandoc" = no ] && ! command -v man >/dev/null 2>&1; then
		echo "ok $n # SKIP neither mandoc nor man installed: $name render"
	elif render "$p" >"$tmp/out" 2>"$tmp/err" && [ -s "$tmp/out" ] &&
	     [ ! -s "$tmp/err" ]; then
		echo "ok $n - $name renders"
	else
		echo "not ok $n - $name renders"
		sed 's/^/# /' "$tmp/err"
	fi
done

for v in $verbs; do
	[ "$v" = help ] && continue
	n=$((n + 1))
	if [ -f "$top_srcdir/man/hpsearch-$v.1" ]; then
		echo "ok $n - verb '$v' has man/hpsearch-$v.1"
	else
		echo "not ok $n - verb '$v' has man/hpsearch-$v.1"
	fi
done
