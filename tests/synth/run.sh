#!/usr/bin/env bash
# Synthetic test tier: generate small ELF vmcores with hand-built x86_64 or
# i386 (2-level / PAE) page tables (tests/mkvmcore), run kmapdump on them and
# compare with the generator's own expectations (tests/synth/check.py).
#
# usage: tests/synth/run.sh [SPEC...]      (default: tests/synth/*.spec)
# env:   KMAPDUMP  kmapdump binary   (default: <repo>/src/kmapdump)
#        MKVMCORE  generator binary  (default: <repo>/tests/mkvmcore; built
#                                     with gcc from mkvmcore.c if missing or
#                                     older than mkvmcore.c)
#        SYNTH_KEEP=1  keep the work directory (path printed on stderr)
#        SYNTH_TIMEOUT seconds per kmapdump run (default 30)
#
#        KMD_CODECS    codecs of the kmapdump build (default: zlib lzo, plus
#                      zstd/snappy per <KMAPDUMP dir>/../config.h)
#
# A spec with a 'format kdump ...' line makes a kdump-compressed dump (maybe
# flattened or split into several files, listed in dumpfiles.txt); such
# cases are also checked with 'kmapdump verify'.  'cmd' lines (object
# commands: vmalloc, modules, map, ptov, read) are run by check.py itself.
#
# Output: one 'PASS: synth NAME WHAT' / 'FAIL: synth NAME WHAT: WHY' line per
# check ('SKIP: synth NAME: WHY' when the generator lacks a codec).  Exit
# status 1 if any check failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
KMAPDUMP=${KMAPDUMP:-$here/../../src/kmapdump}
if [ -n "${MKVMCORE:-}" ]; then
    user_gen=1
else
    user_gen=0
    MKVMCORE=$here/../mkvmcore
fi
TMO=${SYNTH_TIMEOUT:-30}
PY=${PYTHON:-python3}

fail=0
# (Re)build the default generator when missing or older than its source.
# zlib and lzo2 are required (kdump-compressed output); zstd and snappy are
# compiled in when their development files are there.
if [ ! -x "$MKVMCORE" ] || { [ $user_gen = 0 ] && [ "$here/../mkvmcore.c" -nt "$MKVMCORE" ]; }; then
    gen_flags=() gen_libs=(-lz -llzo2)
    if pkg-config --exists libzstd 2>/dev/null || [ -e /usr/include/zstd.h ]; then
        gen_flags+=(-DHAVE_ZSTD); gen_libs+=(-lzstd)
    fi
    if pkg-config --exists snappy 2>/dev/null || [ -e /usr/include/snappy-c.h ]; then
        gen_flags+=(-DHAVE_SNAPPY); gen_libs+=(-lsnappy)
    fi
    if ! gcc -std=gnu11 -O2 -Wall -Wextra "${gen_flags[@]}" -o "$MKVMCORE" "$here/../mkvmcore.c" "${gen_libs[@]}"; then
        echo "FAIL: synth mkvmcore build: gcc failed"
        exit 1
    fi
fi
case $KMAPDUMP in /*) ;; *) KMAPDUMP=$PWD/$KMAPDUMP ;; esac

# Codecs of the kmapdump build (zlib and lzo are always there): from the
# config.h of its build tree if there is one, else what this machine has.
if [ -z "${KMD_CODECS:-}" ]; then
    KMD_CODECS="zlib lzo"
    cfg=$(dirname "$KMAPDUMP")/../config.h
    if [ -f "$cfg" ]; then
        grep -q '^#define HAVE_ZSTD 1' "$cfg" && KMD_CODECS="$KMD_CODECS zstd"
        grep -q '^#define HAVE_SNAPPY 1' "$cfg" && KMD_CODECS="$KMD_CODECS snappy"
    else
        pkg-config --exists libzstd 2>/dev/null && KMD_CODECS="$KMD_CODECS zstd"
        { pkg-config --exists snappy 2>/dev/null || [ -e /usr/include/snappy-c.h ]; } &&
            KMD_CODECS="$KMD_CODECS snappy"
    fi
fi
export KMD_CODECS

work=$(mktemp -d "${TMPDIR:-/tmp}/kmapdump-synth.XXXXXX")
if [ "${SYNTH_KEEP:-0}" = 1 ]; then
    echo "synth: work directory $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi

if [ $# -gt 0 ]; then specs=("$@"); else specs=("$here"/*.spec); fi

# run TAG CMD... : capture stdout/stderr/exit status of CMD into $d/TAG.*
run() {
    local tag=$1; shift
    timeout "$TMO" "$@" >"$d/$tag.out" 2>"$d/$tag.err"
    echo $? >"$d/$tag.rc"
}

for spec in "${specs[@]}"; do
    name=$(basename "$spec" .spec)
    d=$work/$name
    mkdir -p "$d"
    "$MKVMCORE" -d "$d" "$spec" 2>"$d/gen.err"
    grc=$?
    if [ $grc = 4 ]; then
        # the generator was built without a codec this case needs
        echo "SKIP: synth $name: $(head -n1 "$d/gen.err")"
        continue
    elif [ $grc != 0 ]; then
        echo "FAIL: synth $name generate: $(head -n1 "$d/gen.err")"
        fail=1
        continue
    fi
    # the dump file(s): a kdump-compressed case may have several (split)
    if [ -f "$d/dumpfiles.txt" ]; then
        mapfile -t dumps <"$d/dumpfiles.txt"
    else
        dumps=("$d/vmcore")
    fi
    is_kdump=0
    grep -q '"kind":"meta".*"format":"kdump"' "$d/expect.jsonl" && is_kdump=1
    is_error=0; force_ok=0
    grep -q '"kind":"meta".*"error":{' "$d/expect.jsonl" && is_error=1
    grep -q '"force_ok":true' "$d/expect.jsonl" && force_ok=1
    grep -q '"sane":true' "$d/expect.jsonl" && is_error=1

    # Generator self-check (independent Python reader of the written dump).
    if [ $is_error = 0 ] || [ $force_ok = 1 ]; then
        sc=$here/selfcheck.py
        [ $is_kdump = 1 ] && sc=$here/selfcheck_kdump.py
        if msg=$("$PY" "$sc" "$d" 2>&1); then
            echo "PASS: synth $name generator-selfcheck"
        else
            echo "FAIL: synth $name generator-selfcheck: $(echo "$msg" | tail -n1)"
            fail=1
        fi
    fi

    # sha256 of the inputs, to show below that kmapdump changed none
    sha256sum "${dumps[@]}" "$d/symbols" >"$d/inputs.sha256" 2>/dev/null

    if [ -x "$KMAPDUMP" ]; then
        mapfile -t probes <"$d/probes.txt"
        run vtop "$KMAPDUMP" vtop --json "${dumps[@]}" "$d/symbols" "${probes[@]}"
        run stdin "$KMAPDUMP" vtop --json "${dumps[@]}" "$d/symbols" - <"$d/probes.txt"
        run regions "$KMAPDUMP" regions --json "${dumps[@]}" "$d/symbols"
        run swapped "$KMAPDUMP" vtop --json "$d/symbols" "${dumps[@]}" "${probes[@]}"
        if [ $force_ok = 1 ]; then
            run vtopf "$KMAPDUMP" vtop --force --json "${dumps[@]}" "$d/symbols" "${probes[@]}"
            run regionsf "$KMAPDUMP" regions --force --json "${dumps[@]}" "$d/symbols"
        fi
        if grep -q '"kind":"verify"' "$d/expect.jsonl"; then
            run verify "$KMAPDUMP" verify --json "${dumps[@]}"
        fi
    fi
    "$PY" "$here/check.py" "$name" "$d" "$KMAPDUMP" || fail=1
    # kmapdump opens dumps and kernels read-only: every command above
    # (check.py's included) left them as they were
    if [ -x "$KMAPDUMP" ] && [ -s "$d/inputs.sha256" ]; then
        if sha256sum --quiet -c "$d/inputs.sha256" >/dev/null 2>&1; then
            echo "PASS: synth $name inputs-unchanged"
        else
            echo "FAIL: synth $name inputs-unchanged: $(sha256sum --quiet -c "$d/inputs.sha256" 2>&1 | head -n 2 | tr '\n' ' ')"
            fail=1
        fi
    fi
done
exit $fail
