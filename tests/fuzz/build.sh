#!/bin/bash
# tests/fuzz/build.sh OUTDIR - build the libFuzzer targets with clang,
# ASan and UBSan, from the library sources directly (no libtool).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build-fuzz}
mkdir -p "$out"
# config.h: take the plain build's, else write a minimal one.
if [ -f "$top/build/config.h" ]; then
	cp "$top/build/config.h" "$out/config.h"
else
	printf '#define PACKAGE_VERSION "fuzz"\n' > "$out/config.h"
	pkg-config --exists libzstd && echo '#define HAVE_ZSTD 1' >> "$out/config.h"
	pkg-config --exists snappy && echo '#define HAVE_SNAPPY 1' >> "$out/config.h"
fi
libs="-lz -llzo2 -ldw -lelf -lm"
grep -q 'HAVE_ZSTD 1' "$out/config.h" && libs="$libs -lzstd"
grep -q 'HAVE_SNAPPY 1' "$out/config.h" && libs="$libs -lsnappy"
srcs=$(ls "$top"/src/*.c | grep -v -e kmapdump.c -e svg.c)
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$out -I$top/include -I$top/src $(pkg-config --cflags lzo2)"
for t in dump text walk; do
	# shellcheck disable=SC2086
	clang $flags -o "$out/fuzz_$t" "$top/tests/fuzz/fuzz_$t.c" $srcs $libs
done
# fuzz_codec includes src/kdump.c to reach its static decompress()
# shellcheck disable=SC2086
clang $flags -o "$out/fuzz_codec" "$top/tests/fuzz/fuzz_codec.c" \
	$(echo "$srcs" | grep -v '/kdump\.c$') $libs
echo "$out"
