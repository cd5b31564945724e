# slurmlib.sh - helpers for the tests that need the Slurm test cluster
# (slurm/test-cluster start; scripts/check starts it).  Sourced after
# lib.sh.  Without a reachable cluster the test skips, unless
# HPS_REQUIRE_SLURM=1 (CI), where that is a failure.  The Slurm tests run
# one at a time (a lock): some of them stop daemons.
slurm_ready() {
	[ -n "${SLURM_CONF:-}" ] && scontrol ping 2>/dev/null | grep -q 'is UP'
}

need_slurm() {
	if ! slurm_ready; then
		if [ "${HPS_REQUIRE_SLURM:-0}" = 1 ]; then
			echo "not ok 1 - the Slurm test cluster is required (HPS_REQUIRE_SLURM=1) but not reachable (SLURM_CONF=${SLURM_CONF:-unset})"
			echo "1..1"
			exit 1
		fi
		skip "no Slurm test cluster (slurm/test-cluster start, then SLURM_CONF)"
		done_testing
		exit 0
	fi
	exec 9>"${TMPDIR:-/tmp}/hpsearch-slurm-tests.lock"
	flock 9
}

cluster() { "$top_srcdir/slurm/test-cluster" "$@"; }

# reap_until_over EXP [SECONDS]: reap passes until the experiment is over
reap_until_over() {
	timeout "${2:-300}" "$HPSEARCH" reap --watch=1 --quiet "$1"
}

# jstate EXP PYTHON-EXPR: print the value of an expression over status --json
jstate() {
	"$HPSEARCH" status --json "$1" | python3 -c "import json,sys; s=json.load(sys.stdin); t=s['trials']; print($2)"
}

journal_count() { # journal_count DIR EV
	grep -c "\"ev\":\"$2\"" "$1/journal.jsonl"
}
