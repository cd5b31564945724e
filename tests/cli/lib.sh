# lib.sh - TAP helpers for the CLI tests (sourced, POSIX sh).
# The harness exports HPSEARCH (the binary), top_srcdir, top_builddir and
# SHARED_DIR (../shared beside the checkout; it may be absent).
: "${HPSEARCH:?HPSEARCH is not set}"
: "${top_srcdir:?top_srcdir is not set}"
tap_n=0
tap_failed=0
ok() { # ok STATUS NAME
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }
note() { echo "$*" | sed 's/^/# /'; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
# run CMD...: sets $out, $err, $rc
run() {
	_t=${TMPDIR:-/tmp}/hps-cli.$$
	"$@" >"$_t.out" 2>"$_t.err"
	rc=$?
	out=$(cat "$_t.out")
	err=$(cat "$_t.err")
	rm -f "$_t.out" "$_t.err"
}
have_shared() { [ -n "${SHARED_DIR:-}" ] && [ -d "$SHARED_DIR/determined" ]; }
