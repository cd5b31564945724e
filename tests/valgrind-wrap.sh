#!/bin/sh
# valgrind-wrap.sh - hpsearch under valgrind, for the CLI tests in
# scripts/check's valgrind phase: HPS_TEST_HPSEARCH points the tests here,
# HPS_VALGRIND_BIN names the binary and HPS_VALGRIND_LOGS a directory that
# collects one report per process (empty when clean).  hpsearch processes
# it starts (drivers, hpsearch exec) are traced too; trials, shells and
# Slurm's commands are not, and tasks started by slurmstepd run natively.
: "${HPS_VALGRIND_BIN:?}" "${HPS_VALGRIND_LOGS:?}"
here=$(cd "$(dirname "$0")" && pwd)
exec valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--suppressions="$here/valgrind.supp" \
	--trace-children=yes \
	--trace-children-skip='*python*,*/sh,*/bash,*/dash,/usr/*,/bin/*,/sbin/*,*/timeout,*/env' \
	--log-file="$HPS_VALGRIND_LOGS/vg.%p.log" \
	"$HPS_VALGRIND_BIN" "$@"
