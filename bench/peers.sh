#!/bin/bash
# bench/peers.sh - kmapdump side by side with crash, drgn and libkdumpfile
# on the real-tier dumps of Debian's 6.1 cloud kernel, in one run; prints
# tables with ratios and which goals hold (see bench/RESULTS.md).
#
# usage: bench/peers.sh [CONFIG]         (default nokaslr; kaslr4, kaslr5)
# env:   KMAPDUMP_BUILD  build directory holding src/kmapdump and .libs
#                        (default: build-perf, else build, else the tree)
#        KMAPDUMP_CACHE  cache dir (default ~/.cache/kmapdump)
#        BENCH_RUNS      repetitions, medians reported (default 5)
#        CRASH_RUNS      crash start-ups (default 1: each takes seconds)
#        BENCH_SECONDS   seconds per library throughput run (default 1)
#        BENCH_N         addresses in the throughput sample (default 1000000)
#
# Peers missing here are installed with apt-get (crash, libkdumpfile-dev,
# python3-drgn); a peer that cannot be installed, or cannot read a dump,
# is skipped with a NOTE line.  The dumps come from tests/real (setup.sh,
# mkdump.sh, mkvariants.sh): made if missing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
config=${1:-nokaslr}
runs=${BENCH_RUNS:-5}
nbig=${BENCH_N:-1000000}
if [ -z "${KMAPDUMP_BUILD:-}" ]; then
	for b in "$top/build-perf" "$top/build" "$top"; do
		if [ -x "$b/src/kmapdump" ]; then KMAPDUMP_BUILD=$b; break; fi
	done
fi
b=${KMAPDUMP_BUILD:?no kmapdump build found: set KMAPDUMP_BUILD}
py=/usr/bin/python3

need() { # need CMD-OR-FILE PACKAGE...: install if missing, 0 if usable
	local what=$1; shift
	if [ -e "$what" ] || command -v "$what" >/dev/null 2>&1; then return 0; fi
	if [ "$(id -u)" = 0 ] && timeout 600 apt-get install -y -qq "$@" >/dev/null 2>&1; then
		return 0
	fi
	echo "NOTE: $* not installed and cannot be installed here: skipped"
	return 1
}
have_crash=0; have_kdf=0; have_drgn=0
need crash crash && have_crash=1
need /usr/include/libkdumpfile/kdumpfile.h libkdumpfile-dev && have_kdf=1
if $py -c 'import drgn' 2>/dev/null || { need /usr/lib/python3/dist-packages/drgn python3-drgn &&
	$py -c 'import drgn' 2>/dev/null; }; then have_drgn=1; fi

"$top/tests/real/setup.sh" >/dev/null
"$top/tests/real/mkdump.sh" "$config" >/dev/null
[ -s "$cache/dumps/$config/vmcore.kdump-d31" ] || "$top/tests/real/mkvariants.sh" "$config" >/dev/null
kdir=$(cat "$cache/kernel/current")
[ -d "$kdir" ] || kdir=$cache/kernel/$kdir
vmlinux=$kdir/vmlinux
dd=$cache/dumps/$config
work=$cache/bench/$config
mkdir -p "$work"
# An unfiltered makedumpfile -c file: QEMU's flattened kdump-zlib,
# reassembled (libkdumpfile 0.5.1 reads no flattened files).
if [ ! -s "$work/vmcore.kdump-zlib.reassembled" ]; then
	makedumpfile -R "$work/vmcore.kdump-zlib.reassembled" < "$dd/vmcore.kdump-zlib" >/dev/null 2>&1
fi

bin=$work/bin
mkdir -p "$bin"
cc -O2 -Wall -I"$top/include" -o "$bin/kmd_bench" "$top/bench/kmd_bench.c" \
	-L"$b/.libs" -lkmapdump -Wl,-rpath,"$b/.libs"
[ $have_kdf = 1 ] && cc -O2 -Wall -o "$bin/kdf_bench" "$top/bench/kdf_bench.c" \
	-lkdumpfile -laddrxlat

# The address samples: random kernel addresses over all regions (see
# kmd_bench.c); crash and drgn get the first 2000.
if [ ! -s "$work/addrs-$nbig.txt" ]; then
	"$bin/kmd_bench" sample "$nbig" 1 "$dd/vmcore.elf" "$vmlinux" > "$work/addrs-$nbig.txt.tmp"
	mv "$work/addrs-$nbig.txt.tmp" "$work/addrs-$nbig.txt"
fi
head -n 2000 "$work/addrs-$nbig.txt" > "$work/addrs-2000.txt"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(free -g | awk '/Mem:/ {print $2}') GiB; kernel $(uname -r)"
echo "peers: crash $(dpkg-query -W -f '${Version}' crash 2>/dev/null || echo -)," \
	"drgn $($py -c 'import drgn; print(drgn.__version__)' 2>/dev/null || echo -)," \
	"libkdumpfile $(dpkg-query -W -f '${Version}' libkdumpfile-dev 2>/dev/null || echo -);" \
	"kmapdump $("$b/src/kmapdump" --version | awk '{print $2}') ($b)"
echo "dumps: $dd (config $config); vmlinux $vmlinux ($(($(stat -c %s "$vmlinux") >> 20)) MB)"

# The binary itself, not libtool's wrapper script in an uninstalled build
# (the wrapper's shell would be timed as start-up).
kmapdump=$b/src/kmapdump
if [ -x "$b/src/.libs/kmapdump" ]; then
	kmapdump=$b/src/.libs/kmapdump
	export LD_LIBRARY_PATH=$b/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
args=(--build "$b" --bindir "$bin" --kmapdump "$kmapdump" --vmlinux "$vmlinux" --drgn-script "$top/bench/drgn_bench.py"
	--runs "$runs" --crash-runs "${CRASH_RUNS:-1}" --seconds "${BENCH_SECONDS:-1}"
	--big "$work/addrs-$nbig.txt" --small "$work/addrs-2000.txt"
	--dump "elf=$dd/vmcore.elf" --dump "kdump-d31=$dd/vmcore.kdump-d31"
	--readall "kdump-d31=$dd/vmcore.kdump-d31"
	--readall "kdump-lzo-d31=$dd/vmcore.kdump-lzo-d31"
	--readall "kdump-zlib(unfiltered)=$work/vmcore.kdump-zlib.reassembled")
[ $have_kdf = 1 ] && args+=(--kdf)
[ $have_drgn = 1 ] && args+=(--drgn)
[ $have_crash = 1 ] && args+=(--crash)
exec $py "$top/bench/peers.py" "${args[@]}"
