#!/usr/bin/env bash
# Real tier on a newer kernel than kmapdump was developed on: Debian
# bookworm-backports' linux-image-6.12.*-cloud-amd64 (setup.sh bpo), booted
# under QEMU with KASLR (mkdump.sh bpo), checked against the guest kernel's
# own view (guestview.py: /proc/kcore's layout, /proc/vmallocinfo,
# /proc/modules, /sys/module/*/sections), libkdumpfile (kdf_vtop.c via
# ref_vtop.py) and, as far as it can read the dump, crash.
#
# usage: run_bpo.sh
#
# Environment:
#   KMAPDUMP            kmapdump binary (default ../../src/kmapdump, else
#                       ../../build/src/kmapdump)
#   KMAPDUMP_CACHE      cache dir (default ~/.cache/kmapdump; this tier's
#                       data lives in its bpo/ subdirectory)
#   KMAPDUMP_RESULTS    results (default $CACHE/bpo/results)
#   KMAPDUMP_BPO_MATCH, KMAPDUMP_MIRROR   see setup.sh
#   KMAPDUMP_FORCE=1    re-dump
#
# Prints "PASS: real-bpo ..." / "FAIL: real-bpo ..." per check, "NOTE: ..."
# for what cannot be checked here (not failures), and
# "real-bpo: N passed, N failed"; exits 1 if any check failed.
set -u

TAG=real-bpo
. "$(dirname "$0")/common.sh"
C=$CACHE/bpo
RESULTS=${KMAPDUMP_RESULTS:-$C/results}

note() { echo "NOTE: real-bpo $*"; }
T_ALL=$(date +%s)
CRASH_V=$(crash --version 2>/dev/null | awk '/^crash / {print $2; exit}')
finish() {
    echo "real-bpo tier: $(( $(date +%s) - T_ALL ))s"
    echo "real-bpo: $npass passed, $nfail failed"
    [ "$nfail" = 0 ]
    exit $?
}

mkdir -p "$RESULTS"
if ! KVER=$("$HERE/setup.sh" bpo 2> "$RESULTS/setup.log"); then
    fail "setup (see $RESULTS/setup.log)"
    tail -n 20 "$RESULTS/setup.log" | sed 's/^/  /'
    finish
fi
VMLINUX=$C/kernel/$KVER/vmlinux
pass "setup ($KVER)"

if [ ! -x "$KMAPDUMP" ]; then
    fail "no kmapdump binary at $KMAPDUMP"
    finish
fi

out=$RESULTS
t0=$(date +%s)
if ! dir=$("$HERE/mkdump.sh" bpo 2> "$out/mkdump.log"); then
    fail "dump (see $out/mkdump.log)"
    tail -n 20 "$out/mkdump.log" | sed 's/^/  /'
    finish
fi
l5=$(sed -n 's/^NUMBER(pgtable_l5_enabled)=//p' "$dir/vmcoreinfo.txt")
levels=4; [ "$l5" = 1 ] && levels=5
koff=$(sed -n 's/^KERNELOFFSET=//p' "$dir/vmcoreinfo.txt")
accel=$(sed -n 's/.*booting (-accel \([a-z]*\) -cpu \([^ ]*\), .*/\1 -cpu \2/p' "$out/mkdump.log" | tail -n1)
pass "dump ($(cat "$dir/guest-uname.txt"), ${levels}-level, KERNELOFFSET=${koff:-?}, ${accel:-cached}, $(( $(date +%s) - t0 ))s)"
FORMATS="elf kdump-zlib"
if [ -s "$dir/makedumpfile.note" ]; then
    note "kdump-d31 not checked: $(cat "$dir/makedumpfile.note")"
elif [ -s "$dir/vmcore.kdump-d31" ]; then
    FORMATS="$FORMATS kdump-d31"
    if grep -q 'not supported' "$dir/makedumpfile-kdump-d31.log" 2>/dev/null; then
        note "makedumpfile $(makedumpfile -v 2>&1 | head -n1 | awk '{print $3}'): \"The kernel version is not supported\" for $KVER; it completed, and kdump-d31 is checked (which pages it filtered out is makedumpfile's business)"
    fi
fi

# ---- the guest's own view
python3 "$HERE/guestview.py" --label real-bpo "$KMAPDUMP" "$dir" "$dir/vmcore.elf" "$VMLINUX" "$out" \
    > "$out/guestview.log" 2>&1
gv=$?
while IFS= read -r line; do
    case "$line" in
        PASS:\ real-bpo\ *) pass "${line#PASS: real-bpo }" ;;
        FAIL:\ real-bpo\ *) fail "${line#FAIL: real-bpo }" ;;
        *) echo "  $line" ;;
    esac
done < "$out/guestview.log"
[ "$gv" = 0 ] || grep -q '^FAIL' "$out/guestview.log" || fail "guestview.py exited $gv (see $out/guestview.log)"

# ---- vtop against libkdumpfile (and crash)
# Sample: ref_vtop.py's, from the guest's view, plus the mapped runs of the
# (per-CPU randomized, 6.2+) cpu_entry_area and of the fixmap as kmapdump
# lists them: first page, a random byte, the byte past the run.  Only the
# choice of addresses comes from kmapdump; the answers are libkdumpfile's.
"$KMAPDUMP" map --json "$dir/vmcore.elf" "$VMLINUX" > "$out/map.jsonl" 2> "$out/map.err"
python3 -c 'import json, random, sys
rng = random.Random(7)
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("region") not in ("cpu-entry-area", "fixmap"):
        continue
    a, b = int(r["va"], 16), int(r["va_end"], 16)
    for va in (a, a + rng.randrange(0, b - a), b - 1, b):
        print("%#x %s-run" % (va, r["region"]))' "$out/map.jsonl" > "$out/extra-addresses.txt"
ref=$dir/ref-elf.jsonl
addrs=$dir/addresses.txt
# (ref_vtop.py builds the reference translator, kdf_vtop.c, when needed)
if ! python3 "$HERE/ref_vtop.py" kdf --kdf "$C/tools/kdf_vtop" --addresses "$addrs" --extra "$out/extra-addresses.txt" \
        "$dir" "$VMLINUX" "$dir/vmcore.elf" "$ref" > "$out/ref-elf.log" 2>&1; then
    fail "libkdumpfile reference (see $out/ref-elf.log)"
    tail -n 20 "$out/ref-elf.log" | sed 's/^/  /'
    finish
fi
n=$(wc -l < "$addrs")
nx=$(grep -c 'run"' "$ref")

# crash 8.0.2 opens 6.12 dumps only with --no_modules and an explicit
# --kaslr (see the NOTE); it then still translates.  Its answers are cached
# (crash-elf.jsonl) for this dump and address list.
cref=$dir/crash-elf.jsonl
ckey=$( { sha256sum < "$addrs"; stat -c '%s %Y' "$dir/vmcore.elf"; sha256sum < "$HERE/ref_vtop.py"; sha256sum < "$HERE/crash_vtop.py"; echo "$CRASH_V"; } | sha256sum | cut -c1-16)
t0=$(date +%s)
if [ ! -s "$cref" ] || [ "$(cat "$cref.key" 2>/dev/null)" != "$ckey" ]; then
    rm -f "$cref" "$cref.key" "$dir/crash-plain.log" "$dir/crash-kaslr.log"
    # how plain crash fares, and with only the KASLR offset given (for the NOTE)
    printf 'sys\nquit\n' > "$out/crash-plain.cmds"
    timeout 600 crash -s --no_scroll "$VMLINUX" "$dir/vmcore.elf" -i "$out/crash-plain.cmds" \
        < /dev/null > "$dir/crash-plain.log" 2>&1
    echo "exit $?" >> "$dir/crash-plain.log"
    if grep -q 'do not match' "$dir/crash-plain.log"; then
        timeout 600 crash -s --no_scroll "--kaslr=0x${koff:-0}" "$VMLINUX" "$dir/vmcore.elf" \
            -i "$out/crash-plain.cmds" < /dev/null > "$dir/crash-kaslr.log" 2>&1
        echo "exit $?" >> "$dir/crash-kaslr.log"
    fi
    if timeout 1800 python3 "$HERE/ref_vtop.py" crash --like "$ref" --crash-arg=--no_modules \
            --crash-arg="--kaslr=0x${koff:-0}" --log "$dir/crash-elf.log" \
            "$dir/vmcore.elf" "$VMLINUX" "$cref" > "$out/crash-elf.log" 2>&1; then
        echo "$ckey" > "$cref.key"
    fi
fi
tc=$(( $(date +%s) - t0 ))
crash_says() {  # LOG: crash's first complaint in LOG
    grep -m1 -E 'crash: |do not match|invalid structure' "$1" 2>/dev/null \
        | sed 's/^ *//; s|crash: .* do not match!|crash: VMLINUX and VMCORE do not match!|'
}
plain=$(crash_says "$dir/crash-plain.log")
if grep -q '^exit 0$' "$dir/crash-plain.log" 2>/dev/null && [ -z "$plain" ]; then plain="opened it"; fi
[ ! -s "$dir/crash-kaslr.log" ] || plain="$plain; with --kaslr=0x$koff: $(crash_says "$dir/crash-kaslr.log")"
if [ -s "$cref" ]; then
    note "crash ${CRASH_V:-?} on $KVER: plain 'crash VMLINUX VMCORE': ${plain:-?}; used as a second reference with --no_modules --kaslr=0x$koff (vtop only)"
    if python3 "$HERE/compare.py" --label bpo/crash-vs-libkdumpfile "$cref" "$ref" \
            > "$out/compare-crash-libkdumpfile.log" 2>&1; then
        pass "crash agrees with libkdumpfile ($n addresses; crash ${tc}s)"
    else
        fail "crash disagrees with libkdumpfile (see $out/compare-crash-libkdumpfile.log)"
        grep -m 10 'MISMATCH\|only' "$out/compare-crash-libkdumpfile.log" | sed 's/^/  /'
    fi
else
    cref=
    note "crash ${CRASH_V:-?} cannot read $KVER's dump (plain: ${plain:-?}; with --no_modules --kaslr: see $out/crash-elf.log); libkdumpfile is the only vtop reference"
fi

ELFANS=$out/kmapdump-elf.jsonl
for fmt in $FORMATS; do
    vmcore=$dir/vmcore.$fmt
    label="$fmt"
    kargs=("$vmcore" "$VMLINUX")
    [ "$fmt" = elf ] && kargs=(--walk "${kargs[@]}")
    t0=$(date +%s)
    "$KMAPDUMP" vtop --json "${kargs[@]}" - < "$addrs" > "$out/kmapdump-$fmt.jsonl" 2> "$out/kmapdump-$fmt.err"
    rc=$?
    tk=$(( $(date +%s) - t0 ))
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
        fail "$label vtop: kmapdump exited $rc (see $out/kmapdump-$fmt.err)"
        head -n 5 "$out/kmapdump-$fmt.err" | sed 's/^/  /'
        continue
    fi
    python3 "$HERE/compare.py" --paging-levels "$levels" --label "bpo/$fmt" \
        "$ref" "$out/kmapdump-$fmt.jsonl" > "$out/compare-$fmt.log" 2>&1
    if [ $? = 0 ]; then
        pass "$label vtop vs libkdumpfile ($n addresses, $(grep -c '"status": "mapped"' "$ref") mapped, $nx around the mapped cpu_entry_area/fixmap runs; kmapdump ${tk}s)"
    else
        fail "$label vtop vs libkdumpfile ($n addresses; see $out/compare-$fmt.log)"
        grep -m 20 'MISMATCH\|only\|unparsable' "$out/compare-$fmt.log" | sed 's/^/  /'
        grep 'mismatch=[1-9]' "$out/compare-$fmt.log" | sed 's/^/  /'
    fi
    if [ -n "$cref" ]; then
        python3 "$HERE/compare.py" --paging-levels "$levels" --label "bpo/$fmt/crash" \
            "$cref" "$out/kmapdump-$fmt.jsonl" > "$out/compare-crash-$fmt.log" 2>&1
        if [ $? = 0 ]; then
            pass "$label vtop vs crash ($n addresses)"
        else
            fail "$label vtop vs crash ($n addresses; see $out/compare-crash-$fmt.log)"
            grep -m 20 'MISMATCH\|only\|unparsable' "$out/compare-crash-$fmt.log" | sed 's/^/  /'
        fi
    fi
    if [ "$fmt" != elf ]; then
        # the same answers as on the ELF dump, but excluded where the
        # variant left the page out (pagestate.py reads the file headers)
        if python3 "$HERE/pagestate.py" check --label "bpo/$fmt" "$ELFANS" "$out/kmapdump-$fmt.jsonl" \
                "$vmcore" > "$out/pagestate-$fmt.log" 2>&1; then
            pass "$label vtop vs elf ($(tail -n 1 "$out/pagestate-$fmt.log" | sed 's/^pagestate: [^:]*: //'))"
        else
            fail "$label vtop vs elf (see $out/pagestate-$fmt.log)"
            grep -m 20 MISMATCH "$out/pagestate-$fmt.log" | sed 's/^/  /'
        fi
    fi
    # every page of the file readable, counts as in its headers
    "$KMAPDUMP" verify --json "$vmcore" > "$out/verify-$fmt.json" 2> "$out/verify-$fmt.err"
    rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
        fail "$label verify: kmapdump exited $rc (see $out/verify-$fmt.err)"
    elif counts=$(python3 "$HERE/pagestate.py" verify "$out/verify-$fmt.json" "$vmcore" 2>&1); then
        pass "$label verify ($counts)"
    else
        fail "$label verify ($counts)"
    fi
done

# regions (text), for the record; must run cleanly
if "$KMAPDUMP" regions "$dir/vmcore.elf" "$VMLINUX" > "$out/regions.txt" 2> "$out/regions.err" \
    && [ ! -s "$out/regions.err" ]; then
    pass "regions ($(grep -c '^[a-z-]* *0x' "$out/regions.txt") regions, nothing on stderr)"
else
    fail "regions (see $out/regions.txt, $out/regions.err)"
    head -n 5 "$out/regions.err" | sed 's/^/  /'
fi
"$KMAPDUMP" vmalloc "$dir/vmcore.elf" "$VMLINUX" > "$out/vmalloc.txt" 2>&1
"$KMAPDUMP" modules "$dir/vmcore.elf" "$VMLINUX" > "$out/modules.txt" 2>&1
finish
