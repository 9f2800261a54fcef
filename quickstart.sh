#!/bin/bash
# quickstart.sh - set up a fresh Debian machine, build, and either run
# kmapdump on a real dump (demo) or run the whole test suite (test).
#
#   ./quickstart.sh demo   install, build, boot Debian's kernel under QEMU,
#                          dump it, and show its kernel address space
#   ./quickstart.sh test   install, build (plain and with ASan/UBSan), run
#                          the synthetic, broken-dump and real tiers; the
#                          last line says "N passed, N failed"
set -euo pipefail
cd "$(dirname "$0")"
top=$PWD
mode=${1:-test}

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_deps() {
	local pkgs="build-essential autoconf automake libtool pkg-config
		libelf-dev libdw-dev zlib1g-dev liblzo2-dev libzstd-dev
		libsnappy-dev python3 valgrind clang libclang-rt-14-dev"
	# shellcheck disable=SC2086
	if ! dpkg-query -W $pkgs >/dev/null 2>&1; then
		sudo_ apt-get update -qq
		# shellcheck disable=SC2086
		sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
	fi
}

# build DIR [configure args...]
build() {
	local dir=$1; shift
	[ -x configure ] || autoreconf -fi >/dev/null 2>&1
	mkdir -p "$dir"
	(cd "$dir" && { [ -f Makefile ] || "$top/configure" -q "$@"; } &&
	 make -s -j"$(nproc)" >/dev/null && make -s -j"$(nproc)" tests/mkvmcore >/dev/null)
}

case $mode in
demo)
	install_deps
	build build
	tests/real/setup.sh
	tests/real/mkdump.sh nokaslr
	cache=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
	vmlinux=$(cat "$cache/kernel/current")/vmlinux
	[ -f "$vmlinux" ] || vmlinux=$cache/kernel/$(cat "$cache/kernel/current")/vmlinux
	dump=$cache/dumps/nokaslr/vmcore.elf
	build/src/kmapdump "$dump" "$vmlinux"
	echo
	build/src/kmapdump vtop --walk "$dump" "$vmlinux" init_task jiffies 0xffffffffff600000
	;;
test)
	install_deps
	build build
	build build-san --enable-sanitizers
	log=$(mktemp)
	set +e
	{
		echo "== synthetic tier (plain build)"
		KMAPDUMP=$top/build/src/kmapdump MKVMCORE=$top/build/tests/mkvmcore \
			tests/synth/run.sh
		echo "== synthetic tier (ASan+UBSan build)"
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		KMAPDUMP=$top/build-san/src/kmapdump MKVMCORE=$top/build/tests/mkvmcore \
			SYNTH_TAG=asan tests/synth/run.sh
		echo "== broken-dump tier (plain build)"
		KMAPDUMP=$top/build/src/kmapdump tests/broken/run.sh
		echo "== broken-dump tier (ASan+UBSan build)"
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		KMAPDUMP=$top/build-san/src/kmapdump tests/broken/run.sh
		echo "== synthetic tier (valgrind memcheck)"
		VG_BUILD=$top/build tests/synth/run_valgrind.sh
		echo "== fuzz targets (a short run each; corpora kept in build-fuzz/)"
		MKVMCORE=$top/build/tests/mkvmcore tests/fuzz/run.sh "${FUZZ_SECONDS:-20}"
		echo "== real tier (x86_64)"
		KMAPDUMP=$top/build/src/kmapdump tests/real/run.sh
		echo "== real tier (x86_64 objects: vmalloc, modules, map, ptov, read)"
		KMAPDUMP=$top/build/src/kmapdump tests/real/run_objects.sh
		echo "== real tier (i386)"
		KMAPDUMP=$top/build/src/kmapdump tests/real/run_i386.sh
		echo "== real tier (x86_64, bookworm-backports' newer kernel)"
		KMAPDUMP=$top/build/src/kmapdump tests/real/run_bpo.sh
	} 2>&1 | tee "$log"
	set -e
	pass=$(grep -c '^PASS' "$log" || true)
	fail=$(grep -c '^FAIL' "$log" || true)
	rm -f "$log"
	if [ "$pass" = 0 ] && [ "$fail" = 0 ]; then fail=1; fi
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	;;
*)
	echo "usage: $0 demo|test" >&2
	exit 2
	;;
esac
