#!/usr/bin/env bash
# i386 real-tier tests: kmapdump vs libkdumpfile/libaddrxlat, vs crash:i386
# (nokaslr dumps) and vs the guest kernel's own view, on QEMU dumps of
# Debian's 686 and 686-pae kernels.
#
# usage: run_i386.sh [CONFIG...]
#        (default: 686 686-pae 686-pae-6g 686-kaslr 686-pae-kaslr)
#
# Environment:
#   KMAPDUMP                kmapdump binary (default ../../src/kmapdump, else
#                           ../../build/src/kmapdump)
#   KMAPDUMP_CACHE          cache dir (default ~/.cache/kmapdump; i386 data
#                           lives in its i386/ subdirectory)
#   KMAPDUMP_I386_FORMATS   formats (default "elf kdump-zlib")
#   KMAPDUMP_I386_CONFIGS   configurations when none are given
#   KMAPDUMP_RESULTS        results (default $CACHE/i386/results)
#
# Prints "PASS: real-i386 ..." / "FAIL: real-i386 ..." per check and
# "real-i386: N passed, N failed"; exits 1 if any check failed.
set -u

TAG=real-i386
. "$(dirname "$0")/common.sh"
C=$CACHE/i386
FORMATS=${KMAPDUMP_I386_FORMATS:-elf kdump-zlib}
RESULTS=${KMAPDUMP_RESULTS:-$C/results}
if [ $# -gt 0 ]; then CONFIGS="$*"; else CONFIGS=${KMAPDUMP_I386_CONFIGS:-686 686-pae 686-pae-6g 686-kaslr 686-pae-kaslr}; fi

T_ALL=$(date +%s)
finish() {
    echo "real-i386 tier: $(( $(date +%s) - T_ALL ))s"
    echo "real-i386: $npass passed, $nfail failed"
    [ "$nfail" = 0 ]
    exit $?
}

mkdir -p "$RESULTS"
flavours=$(for cfg in $CONFIGS; do case $cfg in *pae*) echo 686-pae;; *) echo 686;; esac; done | sort -u)
if ! kvers=$("$HERE/setup_i386.sh" $flavours 2> "$RESULTS/setup.log"); then
    fail "setup (see $RESULTS/setup.log)"
    tail -n 20 "$RESULTS/setup.log" | sed 's/^/  /'
    finish
fi
pass "setup ($(echo "$kvers" | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//'))"

# the reference translator (libkdumpfile/libaddrxlat)
KDF=$C/tools/kdf_vtop
if [ ! -x "$KDF" ] || [ "$KDF" -ot "$HERE/kdf_vtop.c" ]; then
    if ! cc -O2 -Wall -o "$KDF" "$HERE/kdf_vtop.c" -lkdumpfile -laddrxlat > "$RESULTS/kdf_vtop-build.log" 2>&1; then
        fail "kdf_vtop build (see $RESULTS/kdf_vtop-build.log)"
        sed 's/^/  /' "$RESULTS/kdf_vtop-build.log" | head
        finish
    fi
fi
if [ ! -x "$KMAPDUMP" ]; then
    fail "no kmapdump binary at $KMAPDUMP"
    finish
fi

for cfg in $CONFIGS; do
    out=$RESULTS/$cfg
    mkdir -p "$out"
    t0=$(date +%s)
    if ! dir=$("$HERE/mkdump_i386.sh" "$cfg" 2> "$out/mkdump.log"); then
        fail "$cfg dump (see $out/mkdump.log)"
        tail -n 20 "$out/mkdump.log" | sed 's/^/  /'
        continue
    fi
    fl=$(cat "$dir/flavour")
    VMLINUX=$C/kernel/$fl/vmlinux
    pae=$(sed -n 's/^CONFIG_X86_PAE=//p' "$dir/vmcoreinfo.txt")
    mem=$(sed -n 's/.*booting .*, \([0-9]*M\)).*/\1/p' "$out/mkdump.log" | tail -n1)
    pass "$cfg dump ($(cat "$C/kernel/$fl/kver"), PAE=${pae:-n}, ${mem:-cached}, $(( $(date +%s) - t0 ))s)"

    addrs=$dir/addresses.txt
    for fmt in $FORMATS; do
        vmcore=$dir/vmcore.$fmt
        label="$cfg $fmt"
        if [ ! -s "$vmcore" ]; then
            fail "$label: no $vmcore"
            continue
        fi
        # libkdumpfile 0.5.1 reads neither QEMU's flattened kdump files nor
        # (without help) its headers' machine: de-flatten with
        # makedumpfile -R for the reference (kmapdump reads the original).
        refcore=$vmcore
        if [ "$fmt" != elf ]; then
            refcore=$dir/ref-$fmt.raw
            if [ ! -s "$refcore" ] || [ "$refcore" -ot "$vmcore" ]; then
                if ! makedumpfile -R "$refcore.tmp" < "$vmcore" > "$out/deflatten-$fmt.log" 2>&1; then
                    fail "$label makedumpfile -R (see $out/deflatten-$fmt.log)"
                    continue
                fi
                mv "$refcore.tmp" "$refcore"
            fi
        fi
        ref=$dir/ref-$fmt.jsonl
        t0=$(date +%s)
        if [ ! -s "$ref" ] || [ "$ref" -ot "$vmcore" ] || [ "$ref" -ot "$HERE/ref_vtop_i386.py" ] \
            || [ "$ref" -ot "$KDF" ] || [ ! -s "$addrs" ]; then
            if ! python3 "$HERE/ref_vtop_i386.py" --kdf "$KDF" --addresses "$addrs.tmp" \
                    "$dir" "$VMLINUX" "$refcore" "$ref" > "$out/ref-$fmt.log" 2>&1; then
                fail "$label reference (see $out/ref-$fmt.log)"
                tail -n 20 "$out/ref-$fmt.log" | sed 's/^/  /'
                continue
            fi
            mv "$addrs.tmp" "$addrs"
        fi
        n=$(wc -l < "$addrs")
        tr=$(( $(date +%s) - t0 ))
        if [ "$fmt" != elf ] && [ -s "$dir/ref-elf.jsonl" ]; then
            if cmp -s "$dir/ref-elf.jsonl" "$ref"; then
                pass "$label libkdumpfile agrees with libkdumpfile on elf"
            else
                fail "$label libkdumpfile disagrees with itself on elf (diff $dir/ref-elf.jsonl $ref)"
            fi
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
        python3 "$HERE/compare.py" --label "i386/$cfg/$fmt" "$ref" "$out/kmapdump-$fmt.jsonl" \
            > "$out/compare-$fmt.log" 2>&1
        if [ $? = 0 ]; then
            mapped=$(grep -c '"status": "mapped"' "$ref")
            pass "$label vtop vs libkdumpfile ($n addresses, $mapped mapped; libkdumpfile ${tr}s, kmapdump ${tk}s)"
        else
            fail "$label vtop vs libkdumpfile ($n addresses; see $out/compare-$fmt.log)"
            grep -m 20 'MISMATCH\|only\|unparsable' "$out/compare-$fmt.log" | sed 's/^/  /'
            grep 'mismatch=[1-9]' "$out/compare-$fmt.log" | sed 's/^/  /'
        fi

        # second reference: crash:i386 on the ELF dumps of nokaslr boots
        # (crash does no i386 KASLR, and reads QEMU's i386 kdump files
        # wrongly: their header has the 64-bit layout, crash:i386 expects
        # the 32-bit one and fails with "cannot malloc block_size buffer")
        case "$cfg" in *kaslr*) continue ;; esac
        [ "$fmt" = elf ] || continue
        cref=$dir/crash-$fmt.jsonl
        t0=$(date +%s)
        if [ ! -s "$cref" ] || [ "$cref" -ot "$ref" ] || [ "$cref" -ot "$HERE/crash_vtop_i386.py" ]; then
            if ! python3 "$HERE/crash_vtop_i386.py" --crash "$C/tools/crash" --logdir "$dir/crash-$fmt" \
                    "$vmcore" "$C/kernel/$fl/vmlinux.crash" "$ref" "$cref" > "$out/crash-$fmt.log" 2>&1; then
                fail "$label crash reference (see $out/crash-$fmt.log)"
                tail -n 10 "$out/crash-$fmt.log" | sed 's/^/  /'
                continue
            fi
        fi
        tc=$(( $(date +%s) - t0 ))
        python3 "$HERE/compare.py" --label "i386/$cfg/$fmt/crash-vs-libkdumpfile" "$cref" "$ref" \
            > "$out/compare-crash-libkdumpfile-$fmt.log" 2>&1
        if [ $? = 0 ]; then
            pass "$label crash agrees with libkdumpfile ($n addresses, $(grep -c 'non-present entry' "$cref") non-present PROT_NONE entries crash shows as pages counted unmapped)"
        else
            fail "$label crash disagrees with libkdumpfile (see $out/compare-crash-libkdumpfile-$fmt.log)"
            grep -m 10 'MISMATCH' "$out/compare-crash-libkdumpfile-$fmt.log" | sed 's/^/  /'
        fi
        python3 "$HERE/compare.py" --label "i386/$cfg/$fmt/crash" "$cref" "$out/kmapdump-$fmt.jsonl" \
            > "$out/compare-crash-$fmt.log" 2>&1
        if [ $? = 0 ]; then
            pass "$label vtop vs crash ($n addresses; crash ${tc}s)"
        else
            fail "$label vtop vs crash ($n addresses; see $out/compare-crash-$fmt.log)"
            grep -m 20 'MISMATCH\|only\|unparsable' "$out/compare-crash-$fmt.log" | sed 's/^/  /'
        fi
    done

    # the kernel's own view (elf dump)
    if [ -s "$dir/vmcore.elf" ]; then
        python3 "$HERE/guestview_i386.py" --label "$cfg" "$KMAPDUMP" "$dir" "$dir/vmcore.elf" \
            "$VMLINUX" "$out" > "$out/guestview.log" 2>&1
        while IFS= read -r line; do
            case "$line" in
                PASS:*) pass "${line#PASS: }" ;;
                FAIL:*) fail "${line#FAIL: }" ;;
                *) echo "  $line" ;;
            esac
        done < "$out/guestview.log"
        # human-readable outputs for the record
        "$KMAPDUMP" regions "$dir/vmcore.elf" "$VMLINUX" > "$out/regions.txt" 2>&1
        "$KMAPDUMP" vtop --walk "$dir/vmcore.elf" "$VMLINUX" _stext swapper_pg_dir \
            $(awk '/ vmalloc$/ {split($1, a, "-"); print a[1]; exit}' "$dir/guest-vmallocinfo.txt") \
            $(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["source"] == "pkmap" and r["status"] == "mapped":
        print(r["va"]); break' "$dir/ref-elf.jsonl" 2>/dev/null) \
            > "$out/walk.txt" 2>&1
    fi
done
finish
