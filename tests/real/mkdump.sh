#!/usr/bin/env bash
# Boot the cached Debian cloud kernel in QEMU with a busybox initramfs and
# take guest-memory dumps over QMP.
#
# usage: mkdump.sh NAME        (NAME: nokaslr | kaslr5 | kaslr4 | bpo)
#
#   nokaslr  "nokaslr" on the command line, -cpu qemu64 (4-level paging, no
#            1 GiB pages), KVM if usable
#   kaslr5   KASLR on, -cpu max with la57 (5-level paging); TCG unless the
#            host CPU has la57 and KVM is usable
#   kaslr4   KASLR on, 4-level paging, 4 GiB RAM (split around the PCI hole,
#            1 GiB direct-map pages), -cpu host under KVM, -cpu max,la57=off
#            under TCG
#   bpo      the newer kernel of `setup.sh bpo` (bookworm-backports, 6.12):
#            as kaslr4 but with 2 GiB, the loop module, and the guest's own
#            view printed last, from a quiescent guest (below)
#
# Output: $CACHE/dumps/NAME/{vmcore.elf,vmcore.kdump-zlib,vmcore.kdump-d31,
#         console.log,vmcoreinfo.txt,qemu.log,inputs}  ($CACHE/bpo/dumps/bpo
#         for bpo)
# vmcore.kdump-d31 is made from vmcore.elf by makedumpfile -c -d 31 (zero,
# cache, user and free pages excluded), so kmapdump meets "excluded" pages.
# For bpo a makedumpfile failure (it may not know the newer kernel) is not
# fatal: its reason goes to makedumpfile.note instead.
#
# bpo's guest also prints, after all its work and just before the dump,
# "KMD-WHAT: line" lines that are filed as guest-what.txt: uname (uname -r),
# iomem, meminfo, kcore (hex bytes of /proc/kcore's ELF headers: the
# kernel's own direct-map/vmalloc/vmemmap/text/modules layout), modules
# (/proc/modules), sections ("MODULE SECTION ADDR" from
# /sys/module/*/sections/{.text,.rodata,.data}) and vmallocinfo, the last
# of them (modules, vmallocinfo) with shell builtins only, so no process is
# forked or exits (and no kernel stack is vmalloc'ed or freed) between them
# and the dump.
# Prints the output directory on stdout.  Skips the boot if the dumps exist
# and the inputs (kernel, modules, init script, QEMU command) are unchanged;
# KMAPDUMP_FORCE=1 forces a rebuild.
set -euo pipefail

NAME=${1:?usage: mkdump.sh NAME}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
log() { echo "mkdump[$NAME]: $*" >&2; }

APPEND="console=ttyS0 panic=-1 loglevel=6"
# kaslr4 gets 4 GiB: RAM then covers whole aligned gigabytes (1 GiB direct
# map pages) and the PC machine splits it around the 3-4 GiB PCI hole.
SET=
case "$NAME" in
    nokaslr) APPEND="$APPEND nokaslr"; WANT_LA57=0; MEM=${KMAPDUMP_MEM:-2048} ;;
    kaslr5)  WANT_LA57=1; MEM=${KMAPDUMP_MEM:-2048} ;;
    kaslr4)  WANT_LA57=0; MEM=${KMAPDUMP_MEM:-4096} ;;
    bpo)     SET=bpo; WANT_LA57=0; MEM=${KMAPDUMP_MEM:-2048} ;;
    *) log "unknown configuration '$NAME'"; exit 2 ;;
esac

KVER=$("$HERE/setup.sh" $SET)
if [ -n "$SET" ]; then
    KDIR=$CACHE/$SET/kernel/$KVER
    OUT=$CACHE/$SET/dumps/$NAME
else
    KDIR=$CACHE/kernel/$KVER
    OUT=$CACHE/dumps/$NAME
fi
mkdir -p "$OUT"

# KVM inside some (nested) hosts boots this kernel badly (emulation failures,
# silent hangs); a failed KVM boot is remembered in $CACHE/kvm-broken (keyed
# by host kernel and CPU) and TCG is used from then on.
HOSTKEY=$( { uname -r; grep -m1 -E '^(model name|flags)' /proc/cpuinfo; } | sha256sum | cut -c1-16)
kvm_ok() {
    [ "${KMAPDUMP_NO_KVM:-0}" != 1 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] \
        && ! grep -qx "$HOSTKEY" "$CACHE/kvm-broken" 2>/dev/null
}
host_la57() { grep -qw la57 /proc/cpuinfo; }

# pick_accel: sets ACCEL and CPU for configuration $NAME
pick_accel() {
    case "$NAME" in
        nokaslr)
            CPU="qemu64"
            if kvm_ok; then ACCEL=kvm; else ACCEL=tcg; fi ;;
        kaslr5)
            CPU="max"
            if kvm_ok && host_la57; then ACCEL=kvm; else ACCEL=tcg; fi ;;
        kaslr4)
            if kvm_ok; then ACCEL=kvm; CPU="host"; else ACCEL=tcg; CPU="max,la57=off"; fi ;;
        bpo)
            # cx16=off under TCG: QEMU 7.2's TCG can save a wrong RFLAGS when
            # an interrupt comes right after CMPXCHG16B (6.12's SLUB fast
            # path: cmpxchg16b %gs:(%rsi); jne); the guest then dies in
            # kmem_cache_alloc_noprof (double fault, #DB with TF set, list
            # corruption) in about half of the boots.  Without CX16 SLUB
            # takes its locked path.
            if kvm_ok; then ACCEL=kvm; CPU="host"; else ACCEL=tcg; CPU="max,la57=off,cx16=off"; fi ;;
    esac
}

# ------------------------------------------------------------- initramfs
BUSYBOX=/bin/busybox
INIT=$(cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /tmp /mnt /mnt2
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec >/dev/console 2>&1
echo "KMAPDUMP: init starting"
for m in $(cat /modules.order); do
    insmod /lib/modules/$m || echo "KMAPDUMP: insmod $m failed"
done
echo "KMAPDUMP: modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
if [ -e /sys/firmware/qemu_fw_cfg/by_name/etc/vmcoreinfo ]; then
    echo "KMAPDUMP: fw_cfg vmcoreinfo present"
else
    echo "KMAPDUMP: fw_cfg vmcoreinfo MISSING"
fi
if grep -qw la57 /proc/cpuinfo; then echo "KMAPDUMP: la57=1"; else echo "KMAPDUMP: la57=0"; fi
# Some work: page cache, shmem, vmalloc, network devices, a loop mount.
mount -t tmpfs -o size=256m tmpfs /mnt
dd if=/dev/urandom of=/mnt/random bs=1M count=32 2>/dev/null
i=0; while [ $i -lt 200 ]; do echo "file $i" > /tmp/f$i; i=$((i+1)); done
cat /bin/busybox > /dev/null
ip link add dummy0 type dummy && ip link set dummy0 up
ip link add br0 type bridge && ip link set br0 up
ip link add veth0 type veth peer name veth1
ip link set lo up
dd if=/dev/zero of=/mnt/fat.img bs=1M count=16 2>/dev/null
mkfs.vfat /mnt/fat.img >/dev/null 2>&1 && mount -o loop -t vfat /mnt/fat.img /mnt2 \
    && cp /mnt/random /mnt2/ 2>/dev/null
sync
echo "KMAPDUMP: vmallocinfo entries: $(wc -l < /proc/vmallocinfo)"
echo "KMAPDUMP: $(grep -E 'MemTotal|MemFree|VmallocUsed' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
EOF
)
# the guest's own view (bpo; see the top of this file)
GUESTVIEW=$(cat <<'EOF'
echo 1 > /proc/sys/kernel/kptr_restrict   # real addresses for root (%pK)
dmesg -n 1                                # no kernel messages in the lines below
mkfifo /tmp/wait
echo "KMD-UNAME: $(uname -r)"
sed 's/^/KMD-IOMEM: /' /proc/iomem
sed 's/^/KMD-MEMINFO: /' /proc/meminfo
dd if=/proc/kcore bs=8192 count=1 2>/dev/null | od -An -v -tx1 | sed 's/^ */KMD-KCORE: /'
# (section files are binary attributes that refuse reads shorter than the
# address: grep, not the shell's read)
grep -H '' /sys/module/*/sections/.text /sys/module/*/sections/.rodata \
    /sys/module/*/sections/.data 2>/dev/null \
    | sed -n 's,^/sys/module/\([^/]*\)/sections/\([^:]*\):,KMD-SECTIONS: \1 \2 ,p'
# Builtins only from here on.  First let the stacks of the processes that
# just exited be freed (after an RCU grace period).
read -t 3 x <> /tmp/wait
while IFS= read -r l; do echo "KMD-MODULES: $l"; done < /proc/modules
while IFS= read -r l; do echo "KMD-VMALLOCINFO: $l"; done < /proc/vmallocinfo
echo KMAPDUMP-READY
while :; do read x <> /tmp/wait; done
EOF
)
if [ "$SET" = bpo ]; then
    INIT="$INIT"$'\n'"$GUESTVIEW"
else
    INIT="$INIT"$'\n'"echo KMAPDUMP-READY"$'\n'"while :; do sleep 3600; done"
fi

QEMU_ARGS=(
    -m "$MEM" -smp 2
    -kernel "$KDIR/vmlinuz" -initrd "$OUT/initramfs.cpio.gz"
    -append "$APPEND"
    -display none -vga none -nic none -no-reboot
    -device vmcoreinfo
)

INPUTS=$( {
    echo "kver=$KVER"
    sha256sum "$KDIR/vmlinuz" "$KDIR/modules.order" "$BUSYBOX"
    cat "$KDIR/modules.order"
    echo "$INIT"
    echo "${QEMU_ARGS[*]} $NAME"
    sha256sum < "$HERE/qmp_dump.py"  # content only: clones live elsewhere
} | sha256sum | cut -d' ' -f1)

if [ "${KMAPDUMP_FORCE:-0}" != 1 ] && [ -s "$OUT/vmcore.elf" ] && [ -s "$OUT/vmcore.kdump-zlib" ] \
    && { [ -s "$OUT/vmcore.kdump-d31" ] || { [ "$SET" = bpo ] && [ -s "$OUT/makedumpfile.note" ]; }; } \
    && [ "$(cat "$OUT/inputs" 2>/dev/null)" = "$INPUTS" ]; then
    log "dumps up to date in $OUT"
    echo "$OUT"
    exit 0
fi
rm -f "$OUT/vmcore.elf" "$OUT/vmcore.kdump-zlib" "$OUT/vmcore.kdump-d31" "$OUT/inputs" \
    "$OUT/vmcoreinfo.txt" "$OUT"/vmcore.*.stamp "$OUT/makedumpfile.note" "$OUT"/guest-*.txt

ROOT=$(mktemp -d)
cleanup() {
    [ -n "$QPID" ] && kill "$QPID" 2>/dev/null || true
    rm -rf "$ROOT"
}
trap cleanup EXIT
mkdir -p "$ROOT/bin" "$ROOT/lib/modules"
cp "$BUSYBOX" "$ROOT/bin/busybox"
ln -s busybox "$ROOT/bin/sh"
cp "$KDIR"/modules/*.ko "$ROOT/lib/modules/"
cp "$KDIR/modules.order" "$ROOT/modules.order"
printf '%s\n' "$INIT" > "$ROOT/init"
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs.cpio.gz"

# ------------------------------------------------------------------- boot
SOCK=$OUT/qmp.sock
QPID=
# boot: start QEMU with $ACCEL/$CPU and wait for the ready marker.
# Returns 0 when ready, 1 on failure (QEMU killed), 2 if KVM looks broken.
boot() {
    rm -f "$SOCK" "$OUT/console.log"
    log "booting (-accel $ACCEL -cpu $CPU, ${MEM}M): ${APPEND}"
    T0=$(date +%s)
    qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" "${QEMU_ARGS[@]}" \
        -serial "file:$OUT/console.log" -monitor none \
        -qmp "unix:$SOCK,server=on,wait=off" > "$OUT/qemu.log" 2>&1 &
    QPID=$!
    local timeout=${KMAPDUMP_BOOT_TIMEOUT:-400} probe=${KMAPDUMP_KVM_PROBE:-60}
    while ! grep -q '^KMAPDUMP-READY' "$OUT/console.log" 2>/dev/null; do
        local el=$(( $(date +%s) - T0 )) why=
        if ! kill -0 "$QPID" 2>/dev/null; then
            why="QEMU exited"
        elif grep -q 'internal error\|emulation failure' "$OUT/qemu.log"; then
            why="KVM internal error"
        elif [ "$ACCEL" = kvm ] && [ "$el" -ge "$probe" ] \
            && ! grep -q 'KMAPDUMP: init starting' "$OUT/console.log"; then
            why="no init after ${probe}s under KVM"
        elif [ "$el" -ge "$timeout" ]; then
            why="not ready after ${timeout}s"
        fi
        if [ -n "$why" ]; then
            log "boot failed: $why; see $OUT/console.log $OUT/qemu.log"
            tail -n 15 "$OUT/console.log" "$OUT/qemu.log" >&2 || true
            kill "$QPID" 2>/dev/null || true
            wait "$QPID" 2>/dev/null || true
            QPID=
            [ "$ACCEL" = kvm ] && return 2
            return 1
        fi
        sleep 1
    done
    log "guest ready after $(( $(date +%s) - T0 ))s"
}

pick_accel
rc=0; boot || rc=$?
if [ "$rc" = 2 ]; then
    log "KVM unusable on this host; falling back to TCG (remembered in $CACHE/kvm-broken)"
    echo "$HOSTKEY" >> "$CACHE/kvm-broken"
    pick_accel
    rc=0; boot || rc=$?
fi
[ "$rc" = 0 ] || exit 1
grep '^KMAPDUMP' "$OUT/console.log" | sed "s/^/mkdump[$NAME]: guest: /" >&2
if grep -q '^KMD-' "$OUT/console.log"; then
    tr -d '\r' < "$OUT/console.log" > "$OUT/console.tmp"
    for what in $(sed -n 's/^KMD-\([A-Z]*\): .*/\1/p' "$OUT/console.tmp" | sort -u); do
        sed -n "s/^KMD-$what: //p" "$OUT/console.tmp" > "$OUT/guest-$(echo "$what" | tr A-Z a-z).txt"
    done
    rm -f "$OUT/console.tmp"
    log "guest view: $(cd "$OUT" && wc -l guest-*.txt | head -n -1 | awk '{printf "%s %s lines, ", $2, $1}')"
fi
sleep 2   # let the guest settle (idle loop)

python3 "$HERE/qmp_dump.py" "$SOCK" \
    "elf:$OUT/vmcore.elf" "kdump-zlib:$OUT/vmcore.kdump-zlib"
wait "$QPID" || true
QPID=
rm -f "$SOCK"

# ----------------------------------------------------------------- checks
python3 - "$OUT/vmcore.elf" > "$OUT/vmcoreinfo.txt" <<'EOF'
import struct, sys
f = open(sys.argv[1], "rb")
eh = f.read(64)
assert eh[:4] == b"\x7fELF" and eh[4] == 2, "not an ELF64 file"
phoff, = struct.unpack_from("<Q", eh, 0x20)
phentsize, phnum = struct.unpack_from("<HH", eh, 0x36)
for i in range(phnum):
    f.seek(phoff + i * phentsize)
    p_type, _, p_offset, _, _, p_filesz = struct.unpack("<IIQQQQ", f.read(40))
    if p_type != 4:  # PT_NOTE
        continue
    f.seek(p_offset)
    data = f.read(p_filesz)
    off = 0
    while off + 12 <= len(data):
        namesz, descsz, ntype = struct.unpack_from("<III", data, off)
        off += 12
        name = data[off:off + namesz].rstrip(b"\0")
        off += (namesz + 3) & ~3
        desc = data[off:off + descsz]
        off += (descsz + 3) & ~3
        if name == b"VMCOREINFO":
            sys.stdout.write(desc.rstrip(b"\0").decode())
            sys.exit(0)
sys.exit("no VMCOREINFO note")
EOF
grep -q '^OSRELEASE=' "$OUT/vmcoreinfo.txt" || { log "no OSRELEASE in VMCOREINFO"; exit 1; }
grep -aq 'OSRELEASE=' <(head -c 64M "$OUT/vmcore.kdump-zlib") \
    || { log "no VMCOREINFO in vmcore.kdump-zlib"; exit 1; }
L5=$(sed -n 's/^NUMBER(pgtable_l5_enabled)=//p' "$OUT/vmcoreinfo.txt")
if [ "$WANT_LA57" = 1 ] && [ "$L5" != 1 ]; then
    log "expected 5-level paging but VMCOREINFO says pgtable_l5_enabled=$L5"
    exit 1
fi
if [ "$WANT_LA57" = 0 ] && [ "$L5" = 1 ]; then
    log "expected 4-level paging but VMCOREINFO says pgtable_l5_enabled=1"
    exit 1
fi
log "$(grep -E '^(OSRELEASE|KERNELOFFSET)=' "$OUT/vmcoreinfo.txt" | tr '\n' ' ')pgtable_l5_enabled=${L5:-?}"
# ------------------------------------------------- filtered dump (makedumpfile)
# vmcore.kdump-d31: makedumpfile -c -d 31 of vmcore.elf, made by
# mkvariants.sh (which also makes the other variants run.sh checks).
T1=$(date +%s)
if ! res=$("$HERE/mkvariants.sh" "$OUT" "$KDIR/vmlinux" kdump-d31) \
        || ! grep -q '^kdump-d31 ok' <<< "$res"; then
    log "makedumpfile failed: $res"
    [ "$SET" = bpo ] || exit 1
    echo "makedumpfile $(makedumpfile -v 2>&1 | head -n1) cannot filter this kernel's dump: $res" \
        | tr -s '\n' ' ' > "$OUT/makedumpfile.note"
else
    log "makedumpfile -c -d 31: $(stat -c %s "$OUT/vmcore.kdump-d31") bytes in $(( $(date +%s) - T1 ))s"
fi

echo "$INPUTS" > "$OUT/inputs"
log "done in $(( $(date +%s) - T0 ))s"
echo "$OUT"
