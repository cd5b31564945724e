#!/bin/sh
# Conformance: every Determined example config is valid, except the one
# using the removed custom searcher.
. "$top_srcdir/tests/cli/lib.sh"
if ! have_shared; then
	skip "no ../shared/determined"
	done_testing
	exit $?
fi
for f in "$SHARED_DIR"/determined/examples/*.yaml; do
	name=$(basename "$f")
	run "$HPSEARCH" validate "$f"
	case $name in
	custom_search_method*)
		ok $([ $rc -eq 2 ] && echo "$err" | grep -q "error: searcher.name: the 'custom' searcher was removed" && echo 0 || echo 1) "$name: custom searcher refused"
		;;
	*)
		ok $rc "$name is valid"
		[ $rc -eq 0 ] || note "$err"
		;;
	esac
done
done_testing
