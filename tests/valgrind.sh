#!/bin/bash
# tests/valgrind.sh ARGS... - run the kmapdump of the plain build under
# valgrind memcheck, for the test tiers (KMAPDUMP=tests/valgrind.sh).
# Any memcheck report (invalid access, uninitialised value, definite or
# possible leak) makes the run exit 99, which no check expects, so the
# check fails; the report goes to $VG_LOG (default: stderr).
# env: VG_BUILD  the build directory (default <repo>/build)
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VG_BUILD:-$top/build}
log=()
[ -n "${VG_LOG:-}" ] && log=(--log-file="$VG_LOG.%p")
# The real binary, not the libtool wrapper (whose argument quoting is
# quadratic in the number of arguments).
bin=$build/src/.libs/kmapdump
[ -x "$bin" ] || bin=$build/src/kmapdump # a static build
export LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
exec valgrind -q --error-exitcode=99 \
	--leak-check=full --errors-for-leak-kinds=definite,possible \
	--show-leak-kinds=definite,possible "${log[@]}" \
	"$bin" "$@"
