#!/usr/bin/env bash
# Synthetic test tier: generate small ELF vmcores with hand-built x86_64 page
# tables (tests/mkvmcore), run kmapdump on them and compare with the
# generator's own expectations (tests/synth/check.py).
#
# usage: tests/synth/run.sh [SPEC...]      (default: tests/synth/*.spec)
# env:   KMAPDUMP  kmapdump binary   (default: <repo>/src/kmapdump)
#        MKVMCORE  generator binary  (default: <repo>/tests/mkvmcore; built
#                                     with gcc from mkvmcore.c if missing or
#                                     older than mkvmcore.c)
#        SYNTH_KEEP=1  keep the work directory (path printed on stderr)
#        SYNTH_TIMEOUT seconds per kmapdump run (default 30)
#
# Output: one 'PASS: synth NAME WHAT' / 'FAIL: synth NAME WHAT: WHY' line per
# check.  Exit status 1 if any check failed.
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
if [ ! -x "$MKVMCORE" ] || { [ $user_gen = 0 ] && [ "$here/../mkvmcore.c" -nt "$MKVMCORE" ]; }; then
    if ! gcc -std=gnu11 -O2 -Wall -Wextra -o "$MKVMCORE" "$here/../mkvmcore.c"; then
        echo "FAIL: synth mkvmcore build: gcc failed"
        exit 1
    fi
fi
case $KMAPDUMP in /*) ;; *) KMAPDUMP=$PWD/$KMAPDUMP ;; esac

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
    if ! "$MKVMCORE" -d "$d" "$spec" 2>"$d/gen.err"; then
        echo "FAIL: synth $name generate: $(head -n1 "$d/gen.err")"
        fail=1
        continue
    fi
    is_error=0; force_ok=0
    grep -q '"kind":"meta".*"error":{' "$d/expect.jsonl" && is_error=1
    grep -q '"force_ok":true' "$d/expect.jsonl" && force_ok=1
    grep -q '"sane":true' "$d/expect.jsonl" && is_error=1

    # Generator self-check (independent Python reader of the written dump).
    if [ $is_error = 0 ] || [ $force_ok = 1 ]; then
        if msg=$("$PY" "$here/selfcheck.py" "$d" 2>&1); then
            echo "PASS: synth $name generator-selfcheck"
        else
            echo "FAIL: synth $name generator-selfcheck: $(echo "$msg" | tail -n1)"
            fail=1
        fi
    fi

    if [ -x "$KMAPDUMP" ]; then
        mapfile -t probes <"$d/probes.txt"
        run vtop "$KMAPDUMP" vtop --json "$d/vmcore" "$d/symbols" "${probes[@]}"
        run stdin "$KMAPDUMP" vtop --json "$d/vmcore" "$d/symbols" - <"$d/probes.txt"
        run regions "$KMAPDUMP" regions --json "$d/vmcore" "$d/symbols"
        run swapped "$KMAPDUMP" vtop --json "$d/symbols" "$d/vmcore" "${probes[@]}"
        if [ $force_ok = 1 ]; then
            run vtopf "$KMAPDUMP" vtop --force --json "$d/vmcore" "$d/symbols" "${probes[@]}"
            run regionsf "$KMAPDUMP" regions --force --json "$d/vmcore" "$d/symbols"
        fi
    fi
    "$PY" "$here/check.py" "$name" "$d" "$KMAPDUMP" || fail=1
done
exit $fail
