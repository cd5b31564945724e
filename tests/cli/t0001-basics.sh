#!/bin/sh
# The command line itself: help, version, verbs, exit statuses.
. "$top_srcdir/tests/cli/lib.sh"

run "$HPSEARCH" --version
ok $([ $rc -eq 0 ] && echo "$out" | grep -q '^hpsearch [0-9]' && echo 0 || echo 1) "--version"
run "$HPSEARCH" --help
ok $([ $rc -eq 0 ] && echo "$out" | grep -q 'validate' && echo "$out" | grep -q preview && echo 0 || echo 1) "--help lists the verbs"
run "$HPSEARCH"
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "no verb: exit 2"
run "$HPSEARCH" valdate x.yaml
ok $([ $rc -eq 2 ] && echo "$err" | grep -q "did you mean 'validate'" && echo 0 || echo 1) "unknown verb: exit 2 with a suggestion"
run "$HPSEARCH" --bogus validate
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "unknown global option: exit 2"
run "$HPSEARCH" help preview
ok $([ $rc -eq 0 ] && echo "$out" | grep -q -- '--json' && echo 0 || echo 1) "help VERB shows its options"
run "$HPSEARCH" help nosuch
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "help of an unknown verb: exit 2"
run "$HPSEARCH" validate
ok $([ $rc -eq 2 ] && echo "$err" | grep -q 'usage:' && echo 0 || echo 1) "validate without a config: usage, exit 2"
run "$HPSEARCH" validate /nonexistent/x.yaml
ok $([ $rc -eq 2 ] && echo "$err" | grep -q "^/nonexistent/x.yaml: error: cannot open" && echo 0 || echo 1) "a missing config: exit 2, named"
run "$HPSEARCH" --root /tmp/x validate --bogus
ok $([ $rc -eq 2 ] && echo 0 || echo 1) "bad verb option: exit 2"
done_testing
