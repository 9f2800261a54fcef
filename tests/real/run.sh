#!/usr/bin/env bash
# Real-tier tests: kmapdump vs crash on QEMU dumps of a Debian cloud kernel.
#
# usage: run.sh [CONFIG...]        (default: nokaslr kaslr5 kaslr4)
#
# Environment:
#   KMAPDUMP          kmapdump binary (default: ../../src/kmapdump, else
#                     ../../build/src/kmapdump)
#   KMAPDUMP_CACHE    cache dir (default ~/.cache/kmapdump)
#   KMAPDUMP_FORMATS  dump formats to check (default: kdump-zlib and every
#                     makedumpfile variant of the ELF dump that mkvariants.sh
#                     makes: kdump-d31 kdump-lzo-d31 kdump-snappy-d31
#                     kdump-zstd-d31 kdump-flat-d31 kdump-split-d31
#                     kdump-split16m-d31 elf-d31);
#                     elf is always checked, first: the others compare with it
#   KMAPDUMP_RESULTS  where kmapdump's outputs go (default $CACHE/results)
#   KMAPDUMP_CONFIGS  configurations when none are given on the command line
#
# Prints one line per check, "PASS: ..." or "FAIL: ...", then a summary
# line "N passed, N failed"; exits 1 if any check failed.  "NOTE: ..." lines
# name checks that cannot run here (e.g. makedumpfile built without zstd).
set -u

TAG=
. "$(dirname "$0")/common.sh"
FORMATS="elf $(for f in ${KMAPDUMP_FORMATS:-kdump-zlib kdump-d31 kdump-lzo-d31 \
    kdump-snappy-d31 kdump-zstd-d31 kdump-flat-d31 kdump-split-d31 kdump-split16m-d31 \
    elf-d31}; do
    [ "$f" = elf ] || printf '%s ' "$f"; done)"
RESULTS=${KMAPDUMP_RESULTS:-$CACHE/results}
if [ $# -gt 0 ]; then CONFIGS="$*"; else CONFIGS=${KMAPDUMP_CONFIGS:-nokaslr kaslr5 kaslr4}; fi

note() { echo "  $*"; }
skipnote() { echo "NOTE: $*"; }
declare -A vst
T_ALL=$(date +%s)

# vs_elf LABEL LOG OPT VARIANT_JSONL FILE...: pagestate.py check of kmapdump's
# answers on the variant FILE... against its answers on the ELF dump ($ELFANS);
# OPT: --allow-dropped, --want-missing or -
vs_elf() {
    local label=$1 log=$2 opt=$3 opts=()
    shift 3
    [ "$opt" = - ] || opts=("$opt")
    if python3 "$HERE/pagestate.py" check "${opts[@]}" --label "$label" "$ELFANS" "$@" \
            > "$log" 2>&1; then
        pass "$label vs elf ($(tail -n 1 "$log" | sed 's/^pagestate: .*: \([0-9]* addresses\), 0 mismatches;/\1:/'))"
    else
        fail "$label vs elf (see $log)"
        grep -m 20 MISMATCH "$log" | sed 's/^/  /'
        tail -n 1 "$log" | sed 's/^/  /'
        return 1
    fi
}

# verify_check LABEL OUTBASE FILE...: `kmapdump verify --json FILE...`
# checked by pagestate.py against the file headers (bad_pages 0, present
# and excluded counts, "incomplete"); sets VCOUNTS ("present=N excluded=N
# pages=N incomplete=B"); prints a FAIL line and returns 1 on a problem.
verify_check() {
    local label=$1 ob=$2 rc
    shift 2
    VCOUNTS=
    "$KMAPDUMP" verify --json "$@" > "$ob.json" 2> "$ob.err"
    rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
        fail "$label verify: kmapdump exited $rc (see $ob.err)"
        head -n 5 "$ob.err" | sed 's/^/  /'
        return 1
    fi
    if ! VCOUNTS=$(python3 "$HERE/pagestate.py" verify "$ob.json" "$@" 2>&1); then
        fail "$label verify ($VCOUNTS)"
        return 1
    fi
}

# split_incomplete LABEL OUTDIR BASE: leave one part of the split set
# BASE.{1,2,3} out; kmapdump must still open the rest, say "incomplete":
# true and answer not-in-dump exactly for the left-out part's PFN range.
split_incomplete() {
    local label=$1 out=$2 base=$3 i lo hi klo khi best=0 bsize=0 given=() names='' miss l2 rc o
    # The kernel image (PFNs of the kernel-text answers on the ELF dump, and
    # the top-level page table) must stay: kmapdump reads init_top_pgt and
    # the layout variables from it when it opens the dump.  Leave out the
    # part with the largest PFN range that does not overlap it.
    read -r klo khi < <(python3 -c 'import json, sys
p = set()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("region") == "kernel-text" and r.get("pa"):
        p.add(int(r["pa"], 16) >> 12)
    for s in (r.get("walk") or [])[:1]:
        p.add(int(s["table"], 16) >> 12)
print(min(p), max(p)) if p else print(0, 1 << 40)' "$ELFANS")
    for i in 1 2 3; do
        read -r lo hi < <(python3 "$HERE/pagestate.py" ranges "$base.$i" | awk '$1 == "part" { print $(NF-1), $NF }')
        if [ -n "$hi" ] && [ -n "$khi" ] && { [ "$hi" -le "$klo" ] || [ "$lo" -gt "$khi" ]; } \
            && [ $((hi - lo)) -gt "$bsize" ]; then
            best=$i; bsize=$((hi - lo))
        fi
    done
    if [ "$best" = 0 ]; then
        skipnote "$label: every part with pages holds some of the kernel image (PFN $(printf '%#x-%#x' "${klo:-0}" "${khi:-0}")); no 2-of-3 check"
        return
    fi
    for i in 3 2 1; do [ "$i" = "$best" ] || given+=("$base.$i"); done
    for i in 1 2 3; do [ "$i" = "$best" ] || names="$names${names:+,}$i"; done
    l2="$label parts $names of 3"
    o=$out/$(basename "$base" | sed 's/^vmcore\.//')-2of3
    miss=$(python3 "$HERE/pagestate.py" ranges "${given[@]}" \
        | awk '$1 == "uncovered" { printf "%s%#x-%#x", s, $2, $3; s = "," }')
    if "$KMAPDUMP" regions --json "${given[@]}" "$VMLINUX" > "$o.regions.json" \
            2> "$o.regions.err" \
        && python3 -c 'import json, sys; sys.exit(json.load(sys.stdin).get("incomplete") is not True)' \
            < "$o.regions.json"; then
        pass "$l2 regions (\"incomplete\": true; PFN $miss not in the set)"
    else
        fail "$l2 regions: not \"incomplete\": true (see $o.regions.json, .err)"
    fi
    "$KMAPDUMP" vtop --json "${given[@]}" "$VMLINUX" - < "$addrs" \
        > "$o.jsonl" 2> "$o.err"
    rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
        fail "$l2 vtop: kmapdump exited $rc (see $o.err)"
        head -n 5 "$o.err" | sed 's/^/  /'
    else
        vs_elf "$l2" "$o.pagestate.log" --want-missing \
            "$o.jsonl" "${given[@]}"
    fi
    verify_check "$l2" "$o.verify" "${given[@]}" && pass "$l2 verify ($VCOUNTS)"
}

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
    ELFANS=$out/kmapdump-elf.jsonl
    rm -f "$ELFANS"
    pass "real $cfg dump (${levels}-level, KERNELOFFSET=${koff:-?}, ${accel:-cached}, $(( $(date +%s) - t0 ))s)"

    # makedumpfile's variants of the ELF dump (mkvariants.sh: cached, rebuilt
    # when vmcore.elf changes)
    vst=()
    vres=$("$HERE/mkvariants.sh" "$dir" "$VMLINUX" $FORMATS 2> "$out/mkvariants.log")
    if [ $? != 0 ] && ! grep -q '^[^ ]* failed' <<< "$vres"; then
        fail "real $cfg makedumpfile variants (see $out/mkvariants.log)"
        tail -n 5 "$out/mkvariants.log" | sed 's/^/  /'
    fi
    while read -r vfmt vstatus vrest; do
        [ -n "$vfmt" ] || continue
        vst[$vfmt]=$vstatus
        case "$vstatus" in
            ok) pass "real $cfg $vfmt made ($vrest)" ;;
            unsupported) skipnote "real $cfg $vfmt: $vrest" ;;
            *) fail "real $cfg $vfmt made: $vrest" ;;
        esac
    done <<< "$vres"
    vref=; vref_counts=

    for fmt in $FORMATS; do
        label="real $cfg $fmt"
        case "${vst[$fmt]:-}" in unsupported|failed) continue ;; esac
        # a split set is given in shuffled order
        if [[ $fmt = kdump-split* ]]; then
            files=("$dir/vmcore.$fmt.3" "$dir/vmcore.$fmt.1" "$dir/vmcore.$fmt.2")
        else
            files=("$dir/vmcore.$fmt")
        fi
        nofile=
        for f in "${files[@]}"; do [ -s "$f" ] || nofile="$nofile $f"; done
        if [ -n "$nofile" ]; then
            fail "$label: no$nofile"
            continue
        fi
        newest=$(ls -t "${files[@]}" | head -n 1)
        # crash's answers depend only on the dump and the sampler: cache them
        # next to the dump.  Formats other than elf translate elf's addresses.
        ref=$dir/crash-$fmt.jsonl
        addrs=$dir/addresses.txt
        like=()
        if [ "$fmt" != elf ]; then
            if [ ! -s "$dir/crash-elf.jsonl" ] || [ ! -s "$addrs" ]; then
                fail "$label: no crash reference for elf to compare with"
                continue
            fi
            like=(--like "$dir/crash-elf.jsonl")
        fi
        t0=$(date +%s)
        if [ ! -s "$ref" ] || [ "$ref" -ot "$newest" ] || [ "$ref" -ot "$HERE/crash_vtop.py" ] \
            || [ ! -s "$addrs" ] || { [ "$fmt" != elf ] && [ "$ref" -ot "$dir/crash-elf.jsonl" ]; }; then
            if ! python3 "$HERE/crash_vtop.py" --logdir "$dir/crash-$fmt" "${like[@]}" \
                    --addresses "$addrs.tmp" "${files[@]}" "$VMLINUX" "$ref" \
                    > "$out/crash-$fmt.log" 2>&1; then
                fail "$label crash reference (see $out/crash-$fmt.log)"
                tail -n 20 "$out/crash-$fmt.log" | sed 's/^/  /'
                continue
            fi
            if [ "$fmt" = elf ]; then mv "$addrs.tmp" "$addrs"; else rm -f "$addrs.tmp"; fi
        fi
        n=$(wc -l < "$addrs")
        tc=$(( $(date +%s) - t0 ))

        # crash itself must agree between the formats of one dump
        if [ "$fmt" != elf ]; then
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
        # elf: with the page-table walks (pagestate.py needs the tables);
        # split: the vmlinux among the parts (files are the leading paths)
        kargs=("${files[@]}" "$VMLINUX")
        [ "$fmt" = elf ] && kargs=(--walk "${kargs[@]}")
        [[ $fmt = kdump-split* ]] && kargs=("${files[0]}" "${files[1]}" "$VMLINUX" "${files[2]}")
        t0=$(date +%s)
        "$KMAPDUMP" vtop --json "${kargs[@]}" - < "$addrs" \
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
            if "$KMAPDUMP" regions --json "${files[0]}" "$VMLINUX" > "$out/regions.jsonl" 2> "$out/regions.err" \
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
            continue
        fi

        # every address answers as on the unfiltered ELF dump, except that a
        # page the variant left out is excluded (or not-in-dump)
        drop=-; [ "$fmt" = elf-d31 ] && drop=--allow-dropped
        vs_elf "$label" "$out/pagestate-$fmt.log" "$drop" "$out/kmapdump-$fmt.jsonl" "${files[@]}"

        # makedumpfile's variants: kmapdump verify reads every page
        [ -n "${vst[$fmt]:-}" ] || continue
        verify_check "$label" "$out/verify-$fmt" "${files[@]}" || continue
        counts=$VCOUNTS
        if [ "$fmt" = elf-d31 ]; then
            # -E also excludes zero pages, the kdump formats keep them
            pass "$label verify ($counts)"
        elif [ -z "$vref" ]; then
            vref=$fmt; vref_counts=$(cut -d' ' -f1,2 <<< "$counts")
            pass "$label verify ($counts)"
        elif [ "$(cut -d' ' -f1,2 <<< "$counts")" = "$vref_counts" ]; then
            pass "$label verify ($counts; as $vref)"
        else
            fail "$label verify ($counts; $vref has $vref_counts)"
        fi

        [[ $fmt = kdump-split* ]] || continue
        # each part alone: the counts add up to the set's
        sp=0; se=0; sums=; ok=1
        for i in 1 2 3; do
            if ! verify_check "$label part $i" "$out/verify-$fmt.$i" "$dir/vmcore.$fmt.$i"; then
                ok=0; break
            fi
            p=$(sed -n 's/.*present=\([0-9]*\).*/\1/p' <<< "$VCOUNTS")
            e=$(sed -n 's/.*excluded=\([0-9]*\).*/\1/p' <<< "$VCOUNTS")
            sp=$((sp + p)); se=$((se + e)); sums="$sums${sums:+ + }$p/$e"
        done
        if [ "$ok" = 1 ]; then
            if [ "present=$sp excluded=$se" = "$(cut -d' ' -f1,2 <<< "$counts")" ]; then
                pass "$label verify each part (present/excluded $sums = the set's $sp/$se)"
            else
                fail "$label verify each part (present/excluded $sums = $sp/$se; the set: $counts)"
            fi
        fi
        split_incomplete "$label" "$out" "$dir/vmcore.$fmt"
    done
done
finish
