#!/usr/bin/env bash
# i386 real-tier setup: host tools, Debian's 32-bit kernels (686 and
# 686-pae) with their -dbg vmlinux, a static i386 busybox and crash:i386.
# Nothing is installed from the i386 packages: they are `apt-get download`ed
# (multiarch, dpkg --add-architecture i386) and only the needed files are
# extracted into the cache.  The host gets qemu-system-x86, makedumpfile,
# libkdumpfile-dev and gcc (kdf_vtop.c, the reference translator) and the
# i386 shared libraries crash:i386 runs with.
#
# usage: setup_i386.sh [FLAVOUR...]     (default: 686 686-pae)
#
# Idempotent: with a filled cache nothing is downloaded.  Result:
#   $C/kernel/FLAVOUR/{vmlinuz,vmlinux,System.map,config,kver}
#   $C/kernel/FLAVOUR/vmlinux.crash  vmlinux with a sys_open alias, for crash
#   $C/kernel/FLAVOUR/modules/*.ko, modules.order   (for the initramfs)
#   $C/tools/busybox          static i386 busybox
#   $C/tools/crash            crash for 32-bit x86 (dynamic, i386 libs)
# where C = ${KMAPDUMP_CACHE:-~/.cache/kmapdump}/i386.  Prints one line
# "FLAVOUR KVER" per flavour on stdout.
#
# Environment: KMAPDUMP_CACHE, KMAPDUMP_KEEP_DEBS=1 (keep the .debs).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
C=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}/i386
if [ $# -gt 0 ]; then FLAVOURS="$*"; else FLAVOURS="686 686-pae"; fi
mkdir -p "$C/kernel" "$C/tools" "$C/debs"
log() { echo "setup_i386: $*" >&2; }

WANT_MODULES=(
    qemu_fw_cfg
    loop isofs fat vfat nls_utf8 nls_cp437 squashfs minix
    dummy bridge veth
    crc_itu_t cast5_generic serpent_generic
)

APT_UPDATED=0
apt_update() {
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        apt-get update -qq >&2 || true
        APT_UPDATED=1
    fi
}
as_root() { [ "$(id -u)" = 0 ] || { log "need root to $*"; exit 1; }; }

# ------------------------------------------------------------ multiarch
if ! dpkg --print-foreign-architectures | grep -qx i386; then
    as_root "add the i386 dpkg architecture"
    log "dpkg --add-architecture i386"
    dpkg --add-architecture i386
    apt_update
fi

# ------------------------------------------------------------ host tools
need_pkgs=()
for p in qemu-system-x86 makedumpfile python3 libkdumpfile-dev gcc libc6-dev binutils \
         cpio gzip xz-utils zstd util-linux libc6:i386 libgcc-s1:i386 liblzo2-2:i386 libncursesw6:i386 \
         libsnappy1v5:i386 libstdc++6:i386 libtinfo6:i386 libzstd1:i386 zlib1g:i386; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
    as_root "install ${need_pkgs[*]}"
    apt_update
    log "installing ${need_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${need_pkgs[@]}" >&2
fi

# download PKG (with :i386) -> path of the .deb in $C/debs
download() {
    local pkg=$1 base=${1%%:*} f
    f=$(ls -1 "$C/debs/${base}"_*_i386.deb 2>/dev/null | head -n1 || true)
    if [ -z "$f" ]; then
        log "downloading $pkg"
        (cd "$C/debs" && { apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2 \
            || { apt_update; apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2; }; })
        f=$(ls -1 "$C/debs/${base}"_*_i386.deb | head -n1)
    fi
    echo "$f"
}
TMP=$(mktemp -d "$C/tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ------------------------------------------------------- busybox, crash
if [ ! -x "$C/tools/busybox" ]; then
    deb=$(download busybox-static:i386)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$TMP" ./bin/busybox
    mv "$TMP/bin/busybox" "$C/tools/busybox"
    [ "${KMAPDUMP_KEEP_DEBS:-0}" = 1 ] || rm -f "$deb"
fi
file_ok=$(od -An -tx1 -j4 -N2 "$C/tools/busybox" | tr -d ' ')
[ "$file_ok" = 0101 ] || { log "tools/busybox is not a 32-bit little-endian ELF"; exit 1; }
if [ ! -x "$C/tools/crash" ]; then
    deb=$(download crash:i386)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$TMP" ./usr/bin/crash
    mv "$TMP/usr/bin/crash" "$C/tools/crash"
    [ "${KMAPDUMP_KEEP_DEBS:-0}" = 1 ] || rm -f "$deb"
fi

# ------------------------------------------------------------- kernels
for fl in $FLAVOURS; do
    KDIR=$C/kernel/$fl
    meta=linux-image-$fl:i386
    imgpkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
    if [ -z "$imgpkg" ]; then
        apt_update
        imgpkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
    fi
    imgpkg=${imgpkg%%:*}
    if [ -z "$imgpkg" ]; then
        if [ -f "$KDIR/.done" ]; then
            log "cannot resolve $meta, reusing cached $(cat "$KDIR/kver")"
            echo "$fl $(cat "$KDIR/kver")"
            continue
        fi
        log "cannot resolve $meta"; exit 1
    fi
    kver=${imgpkg#linux-image-}
    want="${WANT_MODULES[*]}"
    if [ -f "$KDIR/.done" ] && [ "$(cat "$KDIR/kver")" = "$kver" ] \
        && [ "$(cat "$KDIR/want" 2>/dev/null)" = "$want" ]; then
        log "$fl: kernel $kver already in $KDIR"
        echo "$fl $kver"
        continue
    fi
    if [ ! -f "$KDIR/.done" ] || [ "$(cat "$KDIR/kver")" != "$kver" ]; then
        rm -rf "$KDIR"
    fi
    mkdir -p "$KDIR"
    img=$(download "$imgpkg:i386")
    log "$fl: extracting kernel and modules from $(basename "$img")"
    rm -rf "$TMP/x" "$KDIR/modules"; mkdir -p "$TMP/x"
    dpkg-deb --fsys-tarfile "$img" | tar -x -C "$TMP/x" --wildcards \
        "./boot/*" "./lib/modules/$kver/kernel/*"
    cp "$TMP/x/boot/vmlinuz-$kver" "$KDIR/vmlinuz"
    cp "$TMP/x/boot/System.map-$kver" "$KDIR/System.map"
    cp "$TMP/x/boot/config-$kver" "$KDIR/config"
    python3 "$HERE/kmodules.py" "$TMP/x/lib/modules/$kver" "$KDIR" "${WANT_MODULES[@]}"
    grep -qx 'qemu_fw_cfg.ko' "$KDIR/modules.order" \
        || { log "qemu_fw_cfg.ko not found in $imgpkg"; exit 1; }
    log "$fl: modules: $(tr '\n' ' ' < "$KDIR/modules.order")"
    dbg=
    if [ ! -s "$KDIR/vmlinux" ]; then
        dbg=$(download "$imgpkg-dbg:i386")
        log "$fl: extracting debug vmlinux from $(basename "$dbg") (large, takes a while)"
        dpkg-deb --fsys-tarfile "$dbg" | tar -x -C "$TMP/x" --wildcards "./usr/lib/debug/boot/vmlinux-*"
        mv "$TMP/x/usr/lib/debug/boot/vmlinux-$kver" "$KDIR/vmlinux.part"
        mv "$KDIR/vmlinux.part" "$KDIR/vmlinux"
    fi
    rm -rf "$TMP/x"
    if [ "${KMAPDUMP_KEEP_DEBS:-0}" != 1 ]; then rm -f "$img" $dbg; fi
    echo "$want" > "$KDIR/want"
    rm -f "$KDIR/vmlinux.crash"
    echo "$kver" > "$KDIR/kver"
    touch "$KDIR/.done"
    log "$fl: kernel $kver ready in $KDIR ($(du -sh "$KDIR" | cut -f1))"
    echo "$fl $kver"
done

# crash 8.0.2 refuses kernels without a "sys_open" symbol (gone since v5.x;
# i386 has __ia32_sys_open): give it a copy of vmlinux with sys_open added
# as an alias.  Only crash uses vmlinux.crash.
for fl in $FLAVOURS; do
    KDIR=$C/kernel/$fl
    [ -f "$KDIR/.done" ] && [ ! -s "$KDIR/vmlinux.crash" ] || continue
    a=$(nm "$KDIR/vmlinux" | awk '$3 == "__ia32_sys_open" {print $1}')
    t=$(readelf -SW "$KDIR/vmlinux" | sed -n 's/.* \.text  *PROGBITS  *\([0-9a-f]*\) .*/\1/p')
    if [ -z "$a" ] || [ -z "$t" ]; then log "$fl: no __ia32_sys_open/.text for vmlinux.crash"; continue; fi
    objcopy --add-symbol "sys_open=.text:0x$(printf '%x' $((0x$a - 0x$t))),global,function" \
        "$KDIR/vmlinux" "$KDIR/vmlinux.crash.part" && mv "$KDIR/vmlinux.crash.part" "$KDIR/vmlinux.crash"
    log "$fl: made vmlinux.crash (sys_open = __ia32_sys_open)"
done
