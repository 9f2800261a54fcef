#!/bin/bash
# tests/synth/run_valgrind.sh - the synthetic tier with every kmapdump run
# under valgrind memcheck (tests/valgrind.sh): any report fails the check
# it happens in.  The specs are split over all cores, as memcheck is slow.
# env: VG_BUILD (default <repo>/build), MKVMCORE, SYNTH_TIMEOUT (default 600)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${VG_BUILD:-$top/build}
command -v valgrind >/dev/null || { echo "FAIL: synth valgrind: valgrind is not installed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=$(nproc)
ls "$here"/*.spec > "$tmp/specs"
split -n "l/$jobs" "$tmp/specs" "$tmp/part."
for p in "$tmp"/part.*; do
	KMAPDUMP=$top/tests/valgrind.sh VG_BUILD=$build VG_LOG=$tmp/vg \
	MKVMCORE=${MKVMCORE:-$build/tests/mkvmcore} \
	SYNTH_TIMEOUT=${SYNTH_TIMEOUT:-600} SYNTH_TAG=valgrind \
		"$here/run.sh" $(cat "$p") > "$p.out" 2>&1 &
done
wait
cat "$tmp"/part.*.out
# every memcheck report, whatever check it was in (with -q, valgrind
# writes nothing else)
reports=$(cat "$tmp"/vg.* 2>/dev/null | grep -c . || true)
if [ "$reports" = 0 ]; then
	echo "PASS: synth valgrind: no memcheck reports"
else
	echo "FAIL: synth valgrind: $reports memcheck report lines:"
	cat "$tmp"/vg.* | head -40
fi
