#!/bin/bash
# bench/formats.sh - read every page of real kdump-compressed dumps once
# with `kmapdump verify`, and compare with makedumpfile's own conversion of
# the same file (re-filtering it with -d 31 reads and decompresses every
# stored page, then compresses it again), measured side by side.
#
# Prints, per dump: stored bytes, seconds and MB/s for each tool, and the
# ratio kmapdump/makedumpfile in throughput (higher is better for kmapdump).
# Needs the real-tier dumps (tests/real/setup.sh, tests/real/mkdump.sh); it
# builds them if missing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
kmapdump=${KMAPDUMP:-$top/build/src/kmapdump}
runs=${BENCH_RUNS:-3}
config=${1:-nokaslr}

command -v bc >/dev/null || apt-get install -y -qq bc >/dev/null
"$top/tests/real/setup.sh" >/dev/null
"$top/tests/real/mkdump.sh" "$config" >/dev/null
kdir=$(cat "$cache/kernel/current")
[ -d "$kdir" ] || kdir=$cache/kernel/$kdir
vmlinux=$kdir/vmlinux
dd=$cache/dumps/$config
work=$cache/bench/$config
mkdir -p "$work"

if [ ! -s "$work/vmcore.fixed" ]; then
	python3 "$top/tests/real/elf_fixup.py" "$dd/vmcore.elf" "$work/vmcore.fixed"
fi
for c in c l; do
	[ -s "$work/dump.$c" ] ||
		makedumpfile -$c -d 31 -x "$vmlinux" "$work/vmcore.fixed" "$work/dump.$c" >/dev/null 2>&1
done

now() { date +%s.%N; }
# best_of N CMD...: fastest wall time of N runs, in seconds
best_of() {
	local n=$1 best= t0 t1 t; shift
	for ((i = 0; i < n; i++)); do
		t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	echo "$best"
}

printf '%-26s %12s %10s %10s %14s %10s %8s\n' DUMP STORED_MB KMD_S KMD_MB/S MAKEDUMPFILE_S MDF_MB/S RATIO
for f in "$dd/vmcore.kdump-zlib" "$work/dump.c" "$work/dump.l"; do
	bytes=$("$kmapdump" verify --json "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_read"])')
	tk=$(best_of "$runs" "$kmapdump" verify "$f")
	# makedumpfile reads kdump-compressed input only when it is not
	# flattened; QEMU's kdump-zlib is flattened, so reassemble it first
	# (not timed) for makedumpfile.
	in=$f
	if head -c 12 "$f" | grep -q makedumpfile; then
		in=$work/$(basename "$f").reassembled
		[ -s "$in" ] || makedumpfile -R "$in" < "$f" >/dev/null 2>&1
	fi
	rm -f "$work/out"
	tm=$(best_of 1 makedumpfile -l -d 31 -x "$vmlinux" "$in" "$work/out")
	rm -f "$work/out"
	mb=$(echo "$bytes / 1048576" | bc -l)
	printf '%-26s %12.1f %10.3f %10.1f %14.3f %10.1f %7.1fx\n' "$(basename "$f")" "$mb" \
		"$tk" "$(echo "$mb / $tk" | bc -l)" "$tm" "$(echo "$mb / $tm" | bc -l)" \
		"$(echo "$tm / $tk" | bc -l)"
done
