#!/bin/sh
# Hostile input is data, never code or a path out: hyperparameter values
# and names with shell metacharacters reach the trial byte for byte and
# run nothing; an experiment name with ../ and / stays under the root; an
# entrypoint and a context directory with spaces work; symbolic links a
# trial plants where hpsearch writes next are not followed; files respect
# the umask and are never world-writable.  t2050 does the same on Slurm.
. "$top_srcdir/tests/cli/lib.sh"
tmp=$(mktemp -d)
cleanup() { pkill -KILL -f "$tmp/" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
PY=$(command -v python3)
ctx="$tmp/my dir"
cp -R "$top_srcdir/tests/data/hostile/my dir" "$tmp/"
pwn="$tmp/PWNED"
mkdir -p "$tmp/victim/dir" && echo precious >"$tmp/victim/file"

"$PY" "$top_srcdir/tests/data/hostile/hostile-config.py" "$tmp/hostile.yaml" "$pwn"
export HPSEARCH_ROOT="$tmp/root"
run "$HPSEARCH" validate "$tmp/hostile.yaml"
ok $([ $rc -eq 0 ] && echo "$err" | grep -q 'warning' && echo 0 || echo 1) "validate: the odd name is only warned about (no HP_ variable for it)"
run "$HPSEARCH" run -q "$tmp/hostile.yaml" "$ctx"
ok $rc "a grid over ten hostile values runs to the end"
[ $rc -eq 0 ] || note "$err"
ok $([ ! -e "$pwn" ] && echo 0 || echo 1) "  nothing in a value, a name or the entrypoint ran as a command"
d=$(ls -d "$tmp"/root/1-* 2>/dev/null)
ok $([ -n "$d" ] && [ "$(ls -A "$tmp" | sort | tr '\n' ' ')" = "hostile.yaml hostile.yaml.vals my dir root victim " ] && echo 0 || echo 1) "  the experiment ../../escape/... lives under the root: $(basename "$d")"

# Every trial saw its value byte for byte, in HPS_HPARAMS and in HP_CMD,
# and the entrypoint's arguments as written.
"$PY" "$top_srcdir/tests/data/hostile/check-seen.py" "$d" "$tmp/hostile.yaml.vals" "$pwn"
ok $? "  each value reached its trial byte for byte (HPS_HPARAMS, HP_CMD, argv)"

# Symbolic links planted by a trial where hpsearch writes next (its run's
# exit.json and temporary files, the next run's directory) are not
# followed: the victim is untouched.
cat >"$tmp/plant.yaml" <<EOF
name: plant
hyperparameters:
  victim: "$tmp/victim"
  fail_first: true
searcher: {name: random, metric: loss, max_trials: 2, max_length: {batches: 2}}
max_restarts: 1
entrypoint: [python3, "the train.py"]
EOF
"$HPSEARCH" run -q "$tmp/plant.yaml" "$ctx" >"$tmp/plant.out" 2>&1
ok $([ "$(cat "$tmp/victim/file")" = precious ] && [ -z "$(ls -A "$tmp/victim/dir")" ] && echo 0 || echo 1) "planted symbolic links: the victim file and directory are untouched"
d=$(ls -d "$tmp"/root/2-*)
ok $([ -L "$d/trials/1/runs/2" ] && [ ! -L "$d/trials/1/runs/1/exit.json" ] && echo 0 || echo 1) "  exit.json replaced the link, the planted run directory was refused"

# umask: respected, and world-write masked off even under umask 000.
for m in 022 002 000 077; do
	(umask $m && HPSEARCH_ROOT="$tmp/u$m" "$HPSEARCH" run -q "$top_srcdir/tests/data/faults/asha-tiny.yaml" "$top_srcdir/examples/quadratic" >/dev/null 2>&1)
	ww=$(find "$tmp/u$m" ! -type l -perm -0002 | head -n 3)
	f=$(stat -c %a "$tmp/u$m"/1-*/state.json) dm=$(stat -c %a "$tmp/u$m"/1-*/trials)
	case $m in 022) want="644 755" ;; 002|000) want="664 775" ;; 077) want="600 700" ;; esac
	ok $([ -z "$ww" ] && [ "$f $dm" = "$want" ] && echo 0 || echo 1) "umask $m: files $f, directories $dm, nothing world-writable${ww:+ ($ww)}"
done
done_testing
