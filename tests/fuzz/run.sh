#!/bin/bash
# tests/fuzz/run.sh [SECONDS] - build the fuzz targets, seed their corpora
# from the synthetic generator (dump, dump32, text) and seeds.py (walk,
# codec), and run each for SECONDS (default 60).  Corpora persist in
# build-fuzz/corpus-*, so runs add up.
# Prints PASS/FAIL per target; a crash leaves its input in build-fuzz/.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-${FUZZ_SECONDS:-60}}
out=$top/build-fuzz
"$top/tests/fuzz/build.sh" "$out" >/dev/null || { echo "FAIL: fuzz build"; exit 1; }
gen=${MKVMCORE:-$top/build/tests/mkvmcore}
mkdir -p "$out/corpus-dump" "$out/corpus-dump32" "$out/corpus-text"
python3 "$top/tests/fuzz/seeds.py" "$out"
if [ -x "$gen" ] && [ -z "$(ls -A "$out/corpus-dump")" ]; then
	tmp=$(mktemp -d)
	for spec in "$top"/tests/synth/*.spec; do
		name=$(basename "$spec" .spec)
		if "$gen" -d "$tmp/$name" "$spec" >/dev/null 2>&1; then
			for f in "$tmp/$name"/vmcore*; do
				dir=corpus-dump
				case $name in i386_*) dir=corpus-dump32 ;; esac
				[ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 4000000 ] &&
					cp "$f" "$out/$dir/$name-$(basename "$f")"
			done
			[ -f "$tmp/$name/symbols" ] && cp "$tmp/$name/symbols" "$out/corpus-text/$name.syms"
		fi
	done
	rm -rf "$tmp"
fi
rc=0
for t in ${FUZZ_TARGETS:-dump dump32 text walk codec}; do
	log=$out/fuzz_$t.log
	bin=fuzz_$t arch=x86_64
	[ $t = dump32 ] && bin=fuzz_dump arch=i386
	maxlen=4000000
	[ $t = walk ] && maxlen=1048577
	[ $t = codec ] && maxlen=70000
	if (cd "$out" && FUZZ_ARCH=$arch ./$bin -max_total_time="$secs" -rss_limit_mb=2048 \
		-timeout=20 -max_len=$maxlen -print_final_stats=1 "corpus-$t" >"$log" 2>&1); then
		echo "PASS: fuzz $t ($secs s, $(ls "$out/corpus-$t" | wc -l) corpus files, $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') runs)"
	else
		echo "FAIL: fuzz $t: see $log"; grep -m3 -E 'ERROR|SUMMARY' "$log"
		rc=1
	fi
done
exit $rc
