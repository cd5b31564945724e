#!/bin/sh
# Hostile input on the real Slurm test cluster: hyperparameter values, a
# name and entrypoint arguments full of shell metacharacters go through
# sbatch scripts, the tasks map and hpsearch exec as data: nothing runs,
# each trial sees its value byte for byte, the experiment stays under the
# root, and the script hpsearch wrote is one sbatch accepts by hand.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/slurmlib.sh"
need_slurm
tmp=$(mktemp -d); trap 'scancel --name="hps-*" -u "$(id -un)" 2>/dev/null; rm -rf "$tmp"' EXIT
export HPSEARCH_ROOT="$tmp/root"
PY=$(command -v python3)
cp -R "$top_srcdir/tests/data/hostile/my dir" "$tmp/"
pwn="$tmp/PWNED"
"$PY" "$top_srcdir/tests/data/hostile/hostile-config.py" "$tmp/hostile.yaml" "$pwn"

run "$HPSEARCH" create -q "$tmp/hostile.yaml" "$tmp/my dir"
ok $rc "create: a grid over ten hostile values is submitted"
[ $rc -eq 0 ] || note "$err"
reap_until_over 1
ok $? "  the reaper drives it to the end"
d=$(ls -d "$tmp"/root/1-*)
ok $([ "$(jstate 1 's["state"], len(t)')" = "COMPLETED 10" ] && echo 0 || echo 1) "  10 trials COMPLETED"
ok $([ ! -e "$pwn" ] && echo 0 || echo 1) "  nothing in a value, a name or the entrypoint ran as a command"
ok $([ "$(ls -A "$tmp" | tr '\n' ' ')" = "hostile.yaml hostile.yaml.vals my dir root " ] && echo 0 || echo 1) "  the experiment lives under the root"
"$PY" "$top_srcdir/tests/data/hostile/check-seen.py" "$d" "$tmp/hostile.yaml.vals" "$pwn"
ok $? "  each value reached its trial byte for byte (HPS_HPARAMS, HP_CMD, argv)"
sbatch --test-only "$d/arrays/1.sbatch" >/dev/null 2>&1
ok $? "  arrays/1.sbatch is valid input to sbatch by hand"
ok $(! grep -qF -e '$(' -e '`' -e 'x|y' "$d/arrays/1.sbatch" && echo 0 || echo 1) "  and holds no hyperparameter value (they travel in the tasks map)"
done_testing
