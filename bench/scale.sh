#!/bin/bash
# bench/scale.sh - does opening a kdump-compressed dump cost what is in
# it, or what the machine had?  Generates (bench/mksparse.c) dumps of a
# 64 GiB and a 4 TiB machine with 1% of the pages present, and a
# flattened dump of 64 GiB with 1/8 present (two records a page: 4
# million records), then opens each with libkmapdump and libkdumpfile
# (dump only) and reads one page; prints open time and peak RSS, median
# of BENCH_RUNS (default 5).
#
# env: KMAPDUMP_BUILD, KMAPDUMP_CACHE, BENCH_RUNS as for bench/peers.sh.
# The 4 TiB file takes about 520 MB of disk.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
runs=${BENCH_RUNS:-5}
if [ -z "${KMAPDUMP_BUILD:-}" ]; then
	for b in "$top/build-perf" "$top/build" "$top"; do
		if [ -x "$b/src/kmapdump" ]; then KMAPDUMP_BUILD=$b; break; fi
	done
fi
b=${KMAPDUMP_BUILD:?no kmapdump build found: set KMAPDUMP_BUILD}
w=$cache/bench/scale
mkdir -p "$w"
cc -O2 -Wall -o "$w/mksparse" "$top/bench/mksparse.c" -lz
cc -O2 -Wall -I"$top/include" -o "$w/kmd_bench" "$top/bench/kmd_bench.c" \
	-L"$b/.libs" -lkmapdump -Wl,-rpath,"$b/.libs"
kdf=
if [ -e /usr/include/libkdumpfile/kdumpfile.h ]; then
	cc -O2 -Wall -o "$w/kdf_bench" "$top/bench/kdf_bench.c" -lkdumpfile -laddrxlat && kdf=$w/kdf_bench
else
	echo "NOTE: libkdumpfile-dev not installed: libkdumpfile skipped"
fi
[ -s "$w/s64g.kdump" ] || "$w/mksparse" "$w/s64g.kdump" 64 10
[ -s "$w/s4t.kdump" ] || "$w/mksparse" "$w/s4t.kdump" 4096 10
[ -s "$w/s64g-flat.kdump" ] || "$w/mksparse" "$w/s64g-flat.kdump" 64 125 flat

# median_of TOOL FILE: "open_ms rss_kb" medians over $runs runs
median_of() {
	local i out ms=() kb=()
	for ((i = 0; i < runs; i++)); do
		out=$("$1" open "$2" 2>&1) || { echo "- - $out"; return; }
		ms+=("$(sed 's/.*open_ms=\([^ ]*\).*/\1/' <<< "$out")")
		kb+=("$(sed 's/.*rss_kb=\([^ ]*\).*/\1/' <<< "$out")")
	done
	printf '%s %s\n' "$(printf '%s\n' "${ms[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")" \
		"$(printf '%s\n' "${kb[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")"
}

notes=()
printf '%-34s %8s %12s %12s %14s %14s\n' DUMP FILE_MB KMD_OPEN_MS KMD_RSS_MB KDF_OPEN_MS KDF_RSS_MB
for f in s64g.kdump s4t.kdump s64g-flat.kdump; do
	case $f in
	s64g.kdump) what="64 GiB, 1% present" ;;
	s4t.kdump) what="4 TiB, 1% present" ;;
	*) what="64 GiB flattened, 4.2M records" ;;
	esac
	read -r km kr kwhy <<< "$(median_of "$w/kmd_bench" "$w/$f")"
	[ -z "$kwhy" ] || notes+=("kmapdump cannot open $f: $kwhy")
	dwhy=
	if [ -n "$kdf" ]; then read -r dm dr dwhy <<< "$(median_of "$kdf" "$w/$f")"; else dm=-; dr=-; fi
	[ -z "$dwhy" ] || notes+=("libkdumpfile cannot open $f: $dwhy")
	mb() { [ "$1" = - ] && echo - || echo "scale=1; $1 / 1024" | bc; }
	printf '%-34s %8d %12s %12s %14s %14s\n' "$what" $(( $(stat -c %s "$w/$f") >> 20 )) \
		"$km" "$(mb "$kr")" "$dm" "$(mb "$dr")"
done
for n in "${notes[@]}"; do echo "NOTE: $n"; done
