#!/usr/bin/env bash
# Boot one of Debian's i386 kernels under QEMU with a busybox:i386
# initramfs and take guest-memory dumps over QMP.
#
# usage: mkdump_i386.sh NAME
#
#   686          linux-image-686 (2-level paging, 4 MiB PSE lowmem pages),
#                qemu-system-i386 -cpu qemu32, 2 GiB (highmem), nokaslr
#   686-pae      linux-image-686-pae (3-level PAE, NX), qemu-system-i386
#                -cpu max, 2 GiB, nokaslr
#   686-pae-6g   686-pae with 6 GiB (3 GiB of it above 4 GiB) under
#                qemu-system-x86_64 -cpu max (qemu-system-i386 hangs with
#                more than 4 GiB), nokaslr
#   686-kaslr, 686-pae-kaslr   as 686 / 686-pae with KASLR
#
# The init script loads qemu_fw_cfg (VMCOREINFO via -device vmcoreinfo) and
# a few modules (vmalloc space), fills tmpfs with a few hundred MB (highmem
# page cache, read back through kmap_local), mounts a minix loop file system (
# minix directory pages are kmap()ed: pkmap slots stay mapped until the
# pkmap window wraps), then prints the kernel's own view (/proc/vmallocinfo,
# /proc/meminfo, /proc/iomem, the boot zone ranges).
#
# Output in $C/dumps/NAME/ (C = ${KMAPDUMP_CACHE:-~/.cache/kmapdump}/i386):
#   vmcore.elf, vmcore.kdump-zlib   QEMU dump-guest-memory (ELF64, EM_386)
#   vmcoreinfo.txt, console.log, qemu.log, inputs, flavour
#   guest-vmallocinfo.txt, guest-meminfo.txt, guest-iomem.txt,
#   guest-dmesg.txt                  the guest's view before the dump
# Prints the output directory on stdout.  Skipped when the dumps exist and
# the inputs are unchanged; KMAPDUMP_FORCE=1 rebuilds.
set -euo pipefail

NAME=${1:?usage: mkdump_i386.sh NAME}
HERE=$(cd "$(dirname "$0")" && pwd)
C=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}/i386
log() { echo "mkdump_i386[$NAME]: $*" >&2; }

APPEND="console=ttyS0 panic=-1 loglevel=6"
FILL_MB=300
case "$NAME" in
    686)           FL=686;     QEMU=qemu-system-i386;   CPU=qemu32; MEM=2048; APPEND="$APPEND nokaslr" ;;
    686-pae)       FL=686-pae; QEMU=qemu-system-i386;   CPU=max;    MEM=2048; APPEND="$APPEND nokaslr" ;;
    686-pae-6g)    FL=686-pae; QEMU=qemu-system-x86_64; CPU=max;    MEM=6144; APPEND="$APPEND nokaslr"; FILL_MB=1200 ;;
    686-kaslr)     FL=686;     QEMU=qemu-system-i386;   CPU=qemu32; MEM=2048 ;;
    686-pae-kaslr) FL=686-pae; QEMU=qemu-system-i386;   CPU=max;    MEM=2048 ;;
    *) log "unknown configuration '$NAME'"; exit 2 ;;
esac
MEM=${KMAPDUMP_MEM:-$MEM}

"$HERE/setup_i386.sh" "$FL" > /dev/null
KDIR=$C/kernel/$FL
KVER=$(cat "$KDIR/kver")
BUSYBOX=$C/tools/busybox
OUT=$C/dumps/$NAME
mkdir -p "$OUT"

# ------------------------------------------------------------- initramfs
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
echo 1 > /proc/sys/kernel/kptr_restrict   # real addresses for root (%pK)
FILL_MB=$(cat /fill_mb)
# Page cache in tmpfs (highmem pages), read back (kmap_local in the copy).
mount -t tmpfs -o size=$((FILL_MB + 64))m tmpfs /mnt
dd if=/dev/urandom of=/mnt/random bs=1M count=16 2>/dev/null
i=0; while [ $i -lt $((FILL_MB / 50)) ]; do
    dd if=/dev/zero of=/mnt/zero$i bs=1M count=50 2>/dev/null
    i=$((i + 1))
done
cat /mnt/* > /dev/null
md5sum /mnt/random
i=0; while [ $i -lt 200 ]; do echo "file $i" > /tmp/f$i; i=$((i+1)); done
# Many execs with arguments: copy_strings kmap()s the new stack pages.
i=0; while [ $i -lt 300 ]; do /bin/true $i a b c; i=$((i+1)); done
ip link add dummy0 type dummy && ip link set dummy0 up
ip link add br0 type bridge && ip link set br0 up
ip link add veth0 type veth peer name veth1
ip link set lo up
# A minix file system on a loop device: minix reads directory pages (highmem
# page cache) through kmap(), so pkmap slots stay mapped after kunmap until
# the pkmap window wraps.  (busybox has no mkfs.minix: the empty file system
# is made on the host.)
mkdir -p /mnt3
cp /minix.img /mnt/minix.img
if mount -o loop -t minix /mnt/minix.img /mnt3; then
    i=0; while [ $i -lt 300 ]; do mkdir /mnt3/d$i && echo $i > /mnt3/d$i/f; i=$((i+1)); done
    ls -R /mnt3 > /dev/null
    echo "KMAPDUMP: minix mounted, $(ls /mnt3 | wc -l) directories"
fi
sync
# The kernel's own view, just before the dump.
sed 's/^/KMD-VMALLOCINFO: /' /proc/vmallocinfo
sed 's/^/KMD-MEMINFO: /' /proc/meminfo
sed 's/^/KMD-IOMEM: /' /proc/iomem
dmesg | sed 's/^/KMD-DMESG: /'
echo "KMAPDUMP: $(grep -E 'MemTotal|HighTotal|LowTotal|VmallocTotal|VmallocUsed' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
echo KMAPDUMP-READY
while :; do sleep 3600; done
EOF
)

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
    echo "minix-v3-8M"
    echo "$QEMU -accel tcg -cpu $CPU ${QEMU_ARGS[*]} $NAME fill=$FILL_MB"
    sha256sum < "$HERE/qmp_dump.py"  # content only: clones live elsewhere
} | sha256sum | cut -d' ' -f1)

if [ "${KMAPDUMP_FORCE:-0}" != 1 ] && [ -s "$OUT/vmcore.elf" ] && [ -s "$OUT/vmcore.kdump-zlib" ] \
    && [ "$(cat "$OUT/inputs" 2>/dev/null)" = "$INPUTS" ]; then
    log "dumps up to date in $OUT"
    echo "$OUT"
    exit 0
fi
rm -f "$OUT"/vmcore.* "$OUT/inputs" "$OUT"/vmcoreinfo.txt "$OUT"/guest-*.txt \
    "$OUT"/*.jsonl "$OUT"/addresses*.txt
rm -rf "$OUT"/ref-* "$OUT"/crash-*
echo "$FL" > "$OUT/flavour"

ROOT=$(mktemp -d)
QPID=
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
echo "$FILL_MB" > "$ROOT/fill_mb"
truncate -s 8M "$ROOT/minix.img"
mkfs.minix -3 "$ROOT/minix.img" > /dev/null
printf '%s\n' "$INIT" > "$ROOT/init"
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs.cpio.gz"

# ------------------------------------------------------------------- boot
# KVM is not tried: 32-bit guests are booted under TCG only (the host's
# KVM is unreliable for the x86_64 tier already, and TCG is deterministic).
SOCK=$OUT/qmp.sock
rm -f "$SOCK" "$OUT/console.log"
log "booting $KVER ($QEMU -accel tcg -cpu $CPU, ${MEM}M): $APPEND"
T0=$(date +%s)
"$QEMU" -accel tcg -cpu "$CPU" "${QEMU_ARGS[@]}" \
    -serial "file:$OUT/console.log" -monitor none \
    -qmp "unix:$SOCK,server=on,wait=off" > "$OUT/qemu.log" 2>&1 &
QPID=$!
TIMEOUT=${KMAPDUMP_BOOT_TIMEOUT:-600}
while ! grep -q '^KMAPDUMP-READY' "$OUT/console.log" 2>/dev/null; do
    why=
    if ! kill -0 "$QPID" 2>/dev/null; then
        why="QEMU exited"
    elif [ $(( $(date +%s) - T0 )) -ge "$TIMEOUT" ]; then
        why="not ready after ${TIMEOUT}s"
    fi
    if [ -n "$why" ]; then
        log "boot failed: $why; see $OUT/console.log $OUT/qemu.log"
        tail -n 15 "$OUT/console.log" "$OUT/qemu.log" >&2 || true
        exit 1
    fi
    sleep 1
done
log "guest ready after $(( $(date +%s) - T0 ))s"
grep '^KMAPDUMP' "$OUT/console.log" | sed "s/^/mkdump_i386[$NAME]: guest: /" >&2
tr -d '\r' < "$OUT/console.log" > "$OUT/console.tmp"
for what in VMALLOCINFO MEMINFO IOMEM DMESG; do
    sed -n "s/^KMD-$what: //p" "$OUT/console.tmp" \
        > "$OUT/guest-$(echo "$what" | tr A-Z a-z).txt"
done
rm -f "$OUT/console.tmp"
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
machine, = struct.unpack_from("<H", eh, 18)
assert machine == 3, "e_machine %d, expected EM_386" % machine
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
PAE=$(sed -n 's/^CONFIG_X86_PAE=//p' "$OUT/vmcoreinfo.txt")
case "$FL" in
    *-pae) [ "$PAE" = y ] || { log "expected CONFIG_X86_PAE=y in VMCOREINFO"; exit 1; } ;;
    *)     [ -z "$PAE" ] || { log "unexpected CONFIG_X86_PAE=$PAE in VMCOREINFO"; exit 1; } ;;
esac
log "$(grep -E '^(OSRELEASE|SYMBOL\(_stext\))=' "$OUT/vmcoreinfo.txt" | tr '\n' ' ')PAE=${PAE:-n}"
echo "$INPUTS" > "$OUT/inputs"
log "done in $(( $(date +%s) - T0 ))s"
echo "$OUT"
