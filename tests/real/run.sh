#!/usr/bin/env bash
# Real-tier tests: kmapdump vs crash on QEMU dumps of a Debian cloud kernel.
#
# usage: run.sh [CONFIG...]        (default: nokaslr kaslr5 kaslr4)
#
# Environment:
#   KMAPDUMP          kmapdump binary (default: ../../src/kmapdump, else
#                     ../../build/src/kmapdump)
#   KMAPDUMP_CACHE    cache dir (default ~/.cache/kmapdump)
#   KMAPDUMP_FORMATS  dump formats to check (default: "elf kdump-zlib kdump-d31";
#                     kdump-d31 is makedumpfile -c -d 31 of the ELF dump)
#   KMAPDUMP_RESULTS  where kmapdump's outputs go (default $CACHE/results)
#   KMAPDUMP_CONFIGS  configurations when none are given on the command line
#
# Prints one line per check, "PASS: ..." or "FAIL: ...", then a summary
# line "N passed, N failed"; exits 1 if any check failed.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
export KMAPDUMP_CACHE=$CACHE
if [ -z "${KMAPDUMP:-}" ]; then
    KMAPDUMP=$HERE/../../src/kmapdump
    # out-of-tree build (mkdir build && cd build && ../configure && make)
    [ -x "$KMAPDUMP" ] || [ ! -x "$HERE/../../build/src/kmapdump" ] \
        || KMAPDUMP=$HERE/../../build/src/kmapdump
fi
FORMATS=${KMAPDUMP_FORMATS:-elf kdump-zlib kdump-d31}
RESULTS=${KMAPDUMP_RESULTS:-$CACHE/results}
if [ $# -gt 0 ]; then CONFIGS="$*"; else CONFIGS=${KMAPDUMP_CONFIGS:-nokaslr kaslr5 kaslr4}; fi

npass=0; nfail=0
pass() { echo "PASS: $*"; npass=$((npass + 1)); }
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
note() { echo "  $*"; }
T_ALL=$(date +%s)

finish() {
    echo "real tier: $(( $(date +%s) - T_ALL ))s"
    echo "real: $npass passed, $nfail failed"
    [ "$nfail" = 0 ]
    exit $?
}

mkdir -p "$RESULTS"
if ! KVER=$("$HERE/setup.sh" 2> "$RESULTS/setup.log"); then
    fail "real setup (see $RESULTS/setup.log)"
    tail -n 20 "$RESULTS/setup.log" | sed 's/^/  /'
    finish
fi
VMLINUX=$CACHE/kernel/$KVER/vmlinux
pass "real setup ($KVER)"

for cfg in $CONFIGS; do
    out=$RESULTS/$cfg
    mkdir -p "$out"
    t0=$(date +%s)
    if ! dir=$("$HERE/mkdump.sh" "$cfg" 2> "$out/mkdump.log"); then
        fail "real $cfg dump (see $out/mkdump.log)"
        tail -n 20 "$out/mkdump.log" | sed 's/^/  /'
        continue
    fi
    l5=$(sed -n 's/^NUMBER(pgtable_l5_enabled)=//p' "$dir/vmcoreinfo.txt")
    levels=4; [ "$l5" = 1 ] && levels=5
    koff=$(sed -n 's/^KERNELOFFSET=//p' "$dir/vmcoreinfo.txt")
    accel=$(sed -n 's/.*booting (-accel \([a-z]*\).*/\1/p' "$out/mkdump.log" | tail -n1)
    pass "real $cfg dump (${levels}-level, KERNELOFFSET=${koff:-?}, ${accel:-cached}, $(( $(date +%s) - t0 ))s)"

    for fmt in $FORMATS; do
        vmcore=$dir/vmcore.$fmt
        label="real $cfg $fmt"
        if [ ! -s "$vmcore" ]; then
            fail "$label: no $vmcore"
            continue
        fi
        # crash's answers depend only on the dump and the sampler: cache them
        # next to the dump.
        ref=$dir/crash-$fmt.jsonl
        addrs=$dir/addresses.txt
        t0=$(date +%s)
        if [ ! -s "$ref" ] || [ "$ref" -ot "$vmcore" ] || [ "$ref" -ot "$HERE/crash_vtop.py" ] \
            || [ ! -s "$addrs" ]; then
            if ! python3 "$HERE/crash_vtop.py" --logdir "$dir/crash-$fmt" \
                    --addresses "$addrs.tmp" "$vmcore" "$VMLINUX" "$ref" \
                    > "$out/crash-$fmt.log" 2>&1; then
                fail "$label crash reference (see $out/crash-$fmt.log)"
                tail -n 20 "$out/crash-$fmt.log" | sed 's/^/  /'
                continue
            fi
            mv "$addrs.tmp" "$addrs"
        fi
        n=$(wc -l < "$addrs")
        tc=$(( $(date +%s) - t0 ))

        # crash itself must agree between the two formats of one dump
        if [ "$fmt" != elf ] && [ -s "$dir/crash-elf.jsonl" ] && [ ! "$dir/crash-elf.jsonl" -ot "$dir/vmcore.elf" ]; then
            if cmp -s "$dir/crash-elf.jsonl" "$ref"; then
                pass "$label crash agrees with crash on elf"
            else
                fail "$label crash disagrees with crash on elf (diff $dir/crash-elf.jsonl $ref)"
            fi
        fi

        if [ ! -x "$KMAPDUMP" ]; then
            fail "$label vtop: no kmapdump binary at $KMAPDUMP"
            continue
        fi
        t0=$(date +%s)
        "$KMAPDUMP" vtop --json "$vmcore" "$VMLINUX" - < "$addrs" \
            > "$out/kmapdump-$fmt.jsonl" 2> "$out/kmapdump-$fmt.err"
        rc=$?
        tk=$(( $(date +%s) - t0 ))
        if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
            fail "$label vtop: kmapdump exited $rc (see $out/kmapdump-$fmt.err)"
            head -n 5 "$out/kmapdump-$fmt.err" | sed 's/^/  /'
            continue
        fi
        python3 "$HERE/compare.py" --paging-levels "$levels" --label "$cfg/$fmt" \
            "$ref" "$out/kmapdump-$fmt.jsonl" > "$out/compare-$fmt.log" 2>&1
        crc=$?
        if [ "$crc" = 0 ]; then
            pass "$label vtop ($n addresses; crash ${tc}s, kmapdump ${tk}s)"
        else
            fail "$label vtop ($n addresses; see $out/compare-$fmt.log)"
            grep -m 20 'MISMATCH\|only\|unparsable' "$out/compare-$fmt.log" | sed 's/^/  /'
            grep 'mismatch=[1-9]' "$out/compare-$fmt.log" | sed 's/^/  /'
        fi

        if [ "$fmt" = elf ]; then
            if "$KMAPDUMP" regions --json "$vmcore" "$VMLINUX" > "$out/regions.jsonl" 2> "$out/regions.err" \
                && [ -s "$out/regions.jsonl" ] \
                && nreg=$(python3 -c 'import json,sys
d=sys.stdin.read().strip()
try:
    v=json.loads(d); v=v.get("regions", v) if isinstance(v, dict) else v
    print(len(v) if isinstance(v, list) else 1)
except ValueError:
    print(len([json.loads(l) for l in d.splitlines() if l.strip()]))' < "$out/regions.jsonl"); then
                pass "$label regions ($nreg regions, valid JSON)"
            else
                fail "$label regions (see $out/regions.err)"
            fi
        fi
    done
done
finish
