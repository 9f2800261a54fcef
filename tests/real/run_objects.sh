#!/usr/bin/env bash
# Real tier for the object commands (vmalloc, modules, map, ptov, read,
# fixmap) on the dumps tests/real/run.sh caches; see objects_check.py.
#
# usage: run_objects.sh [CONFIG...]     (default: nokaslr kaslr5 kaslr4)
#
# Environment:
#   KMAPDUMP                kmapdump binary (default ../../src/kmapdump,
#                           else ../../build/src/kmapdump)
#   KMAPDUMP_CACHE          cache dir (default ~/.cache/kmapdump)
#   KMAPDUMP_OBJECT_FORMATS formats (default: elf kdump-zlib kdump-d31;
#                           elf is always checked first)
#   KMAPDUMP_JOBS           crash sessions in parallel (default: CPUs)
#
# Prints "PASS: real-objects ..." / "FAIL: real-objects ..." per check and
# "real-objects: N passed, N failed"; exits 1 if any check failed.  crash's
# output is cached in $CACHE/dumps/CONFIG/objects-crash/ (cold: about two
# minutes of crash per configuration on 2 CPUs; warm: seconds).
set -u
TAG=
. "$(dirname "$0")/common.sh"
export KMAPDUMP
if [ $# -gt 0 ]; then
    exec python3 "$HERE/objects_check.py" --configs "$@"
fi
exec python3 "$HERE/objects_check.py"
