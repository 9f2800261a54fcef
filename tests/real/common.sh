# tests/real/common.sh - sourced by the real-tier scripts (run.sh,
# run_i386.sh, run_bpo.sh, run_objects.sh): where they are, the dump cache,
# the kmapdump binary, and the PASS/FAIL counters.
#   TAG    set before sourcing: the prefix of each check line ("" none)
# shellcheck shell=bash
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
export KMAPDUMP_CACHE=$CACHE
if [ -z "${KMAPDUMP:-}" ]; then
    KMAPDUMP=$HERE/../../src/kmapdump
    # out-of-tree build (mkdir build && cd build && ../configure && make)
    [ -x "$KMAPDUMP" ] || [ ! -x "$HERE/../../build/src/kmapdump" ] \
        || KMAPDUMP=$HERE/../../build/src/kmapdump
fi
npass=0; nfail=0
pass() { echo "PASS: ${TAG:+$TAG }$*"; npass=$((npass + 1)); }
fail() { echo "FAIL: ${TAG:+$TAG }$*"; nfail=$((nfail + 1)); }
