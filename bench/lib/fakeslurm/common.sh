# common.sh - shared by the fake Slurm commands (bench only): state lives in
# $FAKESLURM_DIR; every call is logged in $FAKESLURM_DIR/calls.log.
: "${FAKESLURM_DIR:?FAKESLURM_DIR is not set}"
mkdir -p "$FAKESLURM_DIR"
echo "$(basename "$0") $*" >>"$FAKESLURM_DIR/calls.log"
