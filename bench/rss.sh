#!/bin/bash
# bench/rss.sh - peak resident memory of kmapdump on the real dumps of the
# test tiers, small and large machines side by side: memory must follow
# what a command touches, not the size of the dump.  Prints one line per
# dump, format and command (peak RSS from /usr/bin/time, wall time), then
# for each format and command the largest/smallest-machine RSS ratio.
# Run tests/real/run.sh and tests/real/run_i386.sh first (they build the
# dumps); missing dumps are skipped with a NOTE.
# env: KMAPDUMP (default build/src/kmapdump), KMAPDUMP_CACHE
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kmd=${KMAPDUMP:-$top/build/src/kmapdump}
cache=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
[ -x /usr/bin/time ] || { echo "NOTE: needs /usr/bin/time (apt-get install time)"; exit 0; }
x86_vmlinux=$cache/kernel/$(cat "$cache/kernel/current" 2>/dev/null)/vmlinux
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# machine RAM, dump directory, vmlinux
cases=(
	"x86_64 2G $cache/dumps/nokaslr $x86_vmlinux"
	"x86_64 4G $cache/dumps/kaslr4 $x86_vmlinux"
	"i386 2G $cache/i386/dumps/686-pae $cache/i386/kernel/686-pae/vmlinux"
	"i386 6G $cache/i386/dumps/686-pae-6g $cache/i386/kernel/686-pae/vmlinux"
)
formats="vmcore.elf vmcore.kdump-zlib vmcore.elf-d31 vmcore.kdump-d31"
commands="regions vtop verify map vmalloc"

run() { # label cmd...
	/usr/bin/time -f "%M %e" -o "$tmp" "$@" >/dev/null 2>&1 < "${stdin:-/dev/null}"
	local rc=$?
	read -r rss wall < <(tail -n 1 "$tmp") # after "Command exited with ..."
	echo "$rss $wall $rc"
}

printf '%-7s %-4s %-18s %-8s %10s %8s %s\n' ARCH RAM FORMAT COMMAND PEAK_RSS WALL EXIT
declare -A rss_of
for c in "${cases[@]}"; do
	set -- $c
	arch=$1 ram=$2 dir=$3 vml=$4
	if [ ! -d "$dir" ] || [ ! -f "$vml" ]; then
		echo "NOTE: no $arch $ram dump in $dir"
		continue
	fi
	for f in $formats; do
		[ -f "$dir/$f" ] || continue
		for cmd in $commands; do
			stdin=
			case $cmd in
			vtop) stdin=$dir/addresses.txt; args=(vtop "$dir/$f" "$vml" -) ;;
			verify) args=(verify "$dir/$f") ;;
			*) args=("$cmd" "$dir/$f" "$vml") ;;
			esac
			read -r rss wall rc < <(run "$kmd" "${args[@]}")
			printf '%-7s %-4s %-18s %-8s %7.1f MiB %7.2fs %s\n' "$arch" "$ram" "$f" "$cmd" \
				"$(awk "BEGIN{print $rss/1024}")" "$wall" "$rc"
			rss_of["$arch $f $cmd $ram"]=$rss
		done
	done
done
echo
echo "Peak RSS, large machine / small machine (1.00 = flat):"
for pair in "x86_64 2G 4G" "i386 2G 6G"; do
	set -- $pair
	for f in $formats; do
		for cmd in $commands; do
			a=${rss_of["$1 $f $cmd $2"]:-} b=${rss_of["$1 $f $cmd $3"]:-}
			[ -n "$a" ] && [ -n "$b" ] || continue
			printf '  %-7s %s->%s %-18s %-8s %.2f (%d -> %d KiB)\n' "$1" "$2" "$3" "$f" "$cmd" \
				"$(awk "BEGIN{print $b/$a}")" "$a" "$b"
		done
	done
done
