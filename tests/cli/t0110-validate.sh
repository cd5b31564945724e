#!/bin/sh
# validate on good configs: summary line, warnings, exit 0; nothing created.
. "$top_srcdir/tests/cli/lib.sh"
data="$top_srcdir/tests/data"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

run env HOME="$tmp" HPSEARCH_ROOT="$tmp/root" "$HPSEARCH" validate "$data/seed-search.yaml"
ok $rc "seed search.yaml is valid"
ok $(echo "$out" | grep -q 'valid: random search, 20 trials, 5 hyperparameters, metric validation_loss (smaller is better), length 1000 batches (1 warning)' && echo 0 || echo 1) "  one summary line"
ok $(echo "$err" | grep -q ':7:13: warning: hyperparameters.learning_rate: minval and maxval of a log hyperparameter are exponents: this samples 10^0.0001..10^1 = \[1.00023, 10); if you meant values from 0.0001 to 1, write minval: -4 and maxval: 0' && echo 0 || echo 1) "  the log-range warning says what it samples and what -4..0 means"
ok $([ ! -e "$tmp/root" ] && [ -z "$(ls -A "$tmp")" ] && echo 0 || echo 1) "  nothing created"

run "$HPSEARCH" validate -q "$data/seed-search.yaml"
ok $([ $rc -eq 0 ] && [ -z "$out" ] && echo 0 || echo 1) "--quiet prints no summary"

run "$HPSEARCH" validate "$data/seed-search.yaml" "$data/mnist-adaptive-legacy.yaml"
ok $([ $rc -eq 0 ] && [ "$(echo "$out" | wc -l)" -eq 2 ] && echo 0 || echo 1) "several configs: a line each"

printf 'entrypoint: x\nsearcher: {name: random, metric: m, max_trials: 0}\n' >"$tmp/bad.yaml"
run "$HPSEARCH" validate "$data/seed-search.yaml" "$tmp/bad.yaml"
ok $([ $rc -eq 2 ] && echo "$err" | grep -q "bad.yaml:2:49: error: searcher.max_trials" && echo 0 || echo 1) "one bad config among good ones: exit 2"

if have_shared; then
	for f in "$SHARED_DIR"/seed/*.yaml; do
		run "$HPSEARCH" validate "$f"
		ok $rc "shared seed $(basename "$f") is valid"
	done
	run "$HPSEARCH" validate "$SHARED_DIR/seed/search.yaml"
	ok $(echo "$err" | grep -q 'warning: hyperparameters.learning_rate: minval and maxval of a log' && echo 0 || echo 1) "  search.yaml warns about its log range"
	run "$HPSEARCH" validate "$SHARED_DIR/seed/const.yaml"
	ok $([ -z "$err" ] && echo 0 || echo 1) "  const.yaml has no warning"
else
	skip "no ../shared"
fi
done_testing
