#!/bin/sh
# t0100-invalid-configs.sh - every config under tests/configs/invalid must be
# refused: `hpsearch validate` exits 2, prints nothing on stdout, and its
# first stderr line is exactly the one in the case's .err file (where the
# word FILE at the start stands for the path of the .yaml passed).
#
# Environment (set by `make check`): HPSEARCH, the binary; top_srcdir, the
# source tree.  Both default to this checkout, so the script also runs by
# hand from any directory.  See tests/configs/README.md to add a case.

here=$(cd "$(dirname "$0")" && pwd) || exit 1
top_srcdir=${top_srcdir:-$here/../..}
HPSEARCH=${HPSEARCH:-${top_builddir:-$top_srcdir}/hpsearch}
dir=$top_srcdir/tests/configs/invalid

if [ ! -x "$HPSEARCH" ]; then
	echo "Bail out! HPSEARCH is not an executable: $HPSEARCH"
	exit 1
fi
if [ ! -d "$dir" ]; then
	echo "Bail out! no case directory: $dir"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t0100.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

n=0
for f in "$dir"/*.yaml; do
	[ -e "$f" ] && n=$((n + 1))
done
if [ "$n" -eq 0 ]; then
	echo "Bail out! no .yaml cases in $dir"
	exit 1
fi
echo "1..$n"

# Print each line of a file as a TAP comment.
comment() {
	sed 's/^/#   /' "$1"
}

i=0
for f in "$dir"/*.yaml; do
	[ -e "$f" ] || continue
	i=$((i + 1))
	name=$(basename "$f" .yaml)
	err=${f%.yaml}.err

	if [ ! -f "$err" ]; then
		echo "not ok $i - $name"
		echo "# missing expected message: $err"
		continue
	fi
	expected=$(sed -n 1p "$err")
	case $expected in
	FILE*) expected=$f${expected#FILE} ;;
	*)
		echo "not ok $i - $name"
		echo "# $err must start with FILE, got: $expected"
		continue
		;;
	esac

	"$HPSEARCH" validate "$f" >"$tmp/out" 2>"$tmp/err"
	status=$?
	got=$(sed -n 1p "$tmp/err")

	why=
	if [ "$status" -gt 128 ]; then
		why="killed by signal $((status - 128)) (exit status $status)"
	elif [ "$status" -ne 2 ]; then
		why="exit status $status, expected 2"
	elif [ -s "$tmp/out" ]; then
		why="unexpected output on stdout"
	elif [ "$got" != "$expected" ]; then
		why="first error line differs"
	fi

	if [ -z "$why" ]; then
		echo "ok $i - $name"
		continue
	fi
	echo "not ok $i - $name"
	echo "# $why"
	echo "# expected: $expected"
	echo "# got: $got"
	if [ -s "$tmp/out" ]; then
		echo "# stdout:"
		comment "$tmp/out"
	fi
	if [ "$(wc -l <"$tmp/err")" -gt 1 ]; then
		echo "# full stderr:"
		comment "$tmp/err"
	fi
done
exit 0
