#!/usr/bin/env bash
# Real-tier test setup: host tools + a Debian cloud kernel (not installed on
# the host, only extracted into a cache directory).
#
# usage: setup.sh [SET]
#
#   (no SET)  bookworm's linux-image-cloud-amd64 (apt-get download),
#             kernels in KROOT=$CACHE/kernel
#   bpo       the newest linux-image-6.12.*-cloud-amd64 in bookworm-backports
#             for which the -dbg package exists too (the index is read from
#             the mirror's Packages.xz, the .debs are fetched with curl and
#             checked against its SHA256; the host's apt sources need not
#             list backports); KROOT=$CACHE/bpo/kernel, also installs
#             libkdumpfile-dev and gcc for kdf_vtop.c
#
# Idempotent: a second run with a filled cache does no downloads.
#
# Result (printed as the last line, and written to $KROOT/current):
#   $KROOT/$KVER/vmlinuz        bootable kernel image
#   $KROOT/$KVER/vmlinux        debug vmlinux (from the -dbg package)
#   $KROOT/$KVER/System.map
#   $KROOT/$KVER/modules/*.ko   uncompressed modules for the initramfs
#   $KROOT/$KVER/modules.order  insmod order (dependencies first)
#
# Environment:
#   KMAPDUMP_CACHE      cache dir (default ~/.cache/kmapdump)
#   KMAPDUMP_KPKG       kernel metapackage (default linux-image-cloud-amd64)
#   KMAPDUMP_BPO_MATCH  bpo: kernel version prefix (default "6.12."; if no
#                       version with that prefix has a -dbg package, the
#                       newest cloud-amd64 kernel that has one is taken)
#   KMAPDUMP_MIRROR     bpo: Debian mirror (default http://deb.debian.org/debian)
#   KMAPDUMP_KEEP_DEBS  if 1, keep the downloaded .deb files
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
KPKG=${KMAPDUMP_KPKG:-linux-image-cloud-amd64}
SET=${1:-}
case "$SET" in
    "")  KROOT=$CACHE/kernel; DEBS=$CACHE/debs ;;
    bpo) KROOT=$CACHE/bpo/kernel; DEBS=$CACHE/bpo/debs
         SUITE=bookworm-backports; MIRROR=${KMAPDUMP_MIRROR:-http://deb.debian.org/debian}
         MATCH=${KMAPDUMP_BPO_MATCH:-6.12.} ;;
    *) echo "usage: setup.sh [bpo]" >&2; exit 2 ;;
esac
mkdir -p "$KROOT"

log() { echo "setup: $*" >&2; }

# Modules we would like in the guest (by base name). Their dependencies are
# added automatically from modules.dep; names that are built in or missing
# are skipped.
WANT_MODULES=(
    qemu_fw_cfg
    ext4 xfs btrfs isofs fat vfat udf squashfs nls_utf8 nls_cp437
    dummy bridge vxlan veth
    sha3_generic twofish_generic serpent_generic camellia_generic
    crc_itu_t cast5_generic
)
# bpo: loop too (a module in both kernels; the 6.1 guests run without it)
[ "$SET" != bpo ] || WANT_MODULES+=(loop)

# ---------------------------------------------------------------- host tools
need_pkgs=()
EXTRA_PKGS=
[ "$SET" != bpo ] || EXTRA_PKGS="curl libkdumpfile-dev gcc libc6-dev"
for p in qemu-system-x86 busybox-static makedumpfile crash python3 cpio \
         zstd xz-utils binutils gzip $EXTRA_PKGS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || need_pkgs+=("$p")
done

APT_UPDATED=0
apt_update() {
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        apt-get update -qq >&2
        APT_UPDATED=1
    fi
}

if [ ${#need_pkgs[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { log "need root to install: ${need_pkgs[*]}"; exit 1; }
    apt_update
    log "installing ${need_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${need_pkgs[@]}" >&2
fi

# ------------------------------------------------------------ kernel package
resolve_kpkg() {
    apt-cache depends "$KPKG" 2>/dev/null \
        | awk '/Depends: linux-image-/ {print $2; exit}'
}

# bpo: "PKG FILENAME SHA256" lines of the image and its -dbg package, for the
# newest version (dpkg order) in $SUITE whose -dbg exists with the same
# version; prefer kernel versions starting with $MATCH.
resolve_pool() {
    local idx cands best= ver rest
    idx=$(curl -sSfL --retry 3 "$MIRROR/dists/$SUITE/main/binary-amd64/Packages.xz" | xz -dc) || return 1
    cands=$(python3 -c '
import re, sys
match, pk = sys.argv[1], {}
for para in sys.stdin.read().split("\n\n"):
    f = dict(re.findall(r"^(Package|Version|Filename|SHA256): (\S+)$", para, re.M))
    if re.match(r"linux-image-\d\S*-cloud-amd64(-dbg)?$", f.get("Package", "")):
        pk[(f["Package"], f["Version"])] = (f["Filename"], f["SHA256"])
for (p, v), (fn, sha) in sorted(pk.items()):
    d = pk.get((p + "-dbg", v))
    if not p.endswith("-dbg") and d:
        pref = 1 if p.startswith("linux-image-" + match) else 0
        print(pref, v, p, fn, sha, d[0], d[1])' "$MATCH" <<< "$idx") || return 1
    if ! grep -q '^1 ' <<< "$cands"; then
        log "no $SUITE kernel $MATCH* with a -dbg package; taking the newest that has one"
    else
        cands=$(grep '^1 ' <<< "$cands")
    fi
    while read -r _ ver rest; do
        [ -n "$ver" ] || continue
        if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "${best%% *}"; then
            best="$ver $rest"
        fi
    done <<< "$cands"
    [ -n "$best" ] || return 1
    read -r ver p fn sha dfn dsha <<< "$best"
    printf '%s %s %s\n%s %s %s\n' "$p" "$fn" "$sha" "$p-dbg" "$dfn" "$dsha"
}

POOL=
if [ "$SET" = bpo ]; then
    POOL=$(resolve_pool || true)
    IMGPKG=$(awk 'NR == 1 {print $1}' <<< "$POOL")
else
    IMGPKG=$(resolve_kpkg || true)
    if [ -z "$IMGPKG" ]; then
        apt_update || true
        IMGPKG=$(resolve_kpkg || true)
    fi
fi
if [ -z "$IMGPKG" ]; then
    # Offline with a filled cache: reuse what we have.
    if [ -s "$KROOT/current" ] && [ -f "$KROOT/$(cat "$KROOT/current")/.done" ]; then
        KVER=$(cat "$KROOT/current")
        log "cannot resolve ${SET:+$SET }$KPKG, reusing cached $KVER"
        echo "$KVER"
        exit 0
    fi
    log "cannot resolve ${SET:+$SET }$KPKG (no apt lists / no network?)"
    exit 1
fi
KVER=${IMGPKG#linux-image-}
KDIR=$KROOT/$KVER
if [ -f "$KDIR/.done" ]; then
    log "kernel $KVER already in $KDIR"
    echo "$KVER" > "$KROOT/current"
    echo "$KVER"
    exit 0
fi

mkdir -p "$DEBS" "$KDIR"
cd "$DEBS"

download() {  # package -> path of .deb
    local pkg=$1 f fn sha
    f=$(ls -1 "${pkg}"_*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$f" ] && [ -n "$POOL" ]; then
        read -r fn sha < <(awk -v p="$pkg" '$1 == p {print $2, $3}' <<< "$POOL")
        f=$(basename "$fn")
        log "downloading $MIRROR/$fn"
        curl -sSfL --retry 3 -o "$f.part" "$MIRROR/$fn" >&2
        if [ "$(sha256sum < "$f.part" | cut -d' ' -f1)" != "$sha" ]; then
            rm -f "$f.part"; log "$f: SHA256 mismatch"; exit 1
        fi
        mv "$f.part" "$f"
    elif [ -z "$f" ]; then
        log "downloading $pkg"
        apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2 || { apt_update; apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2; }
        f=$(ls -1 "${pkg}"_*.deb | head -n1)
    fi
    echo "$DEBS/$f"
}

IMGDEB=$(download "$IMGPKG")
TMP=$(mktemp -d "$KROOT/../tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

log "extracting kernel and modules from $(basename "$IMGDEB")"
dpkg-deb --fsys-tarfile "$IMGDEB" \
    | tar -x -C "$TMP" --wildcards \
        "./boot/*" "./lib/modules/$KVER/kernel/*"
MODROOT=$TMP/lib/modules/$KVER
cp "$TMP/boot/vmlinuz-$KVER" "$KDIR/vmlinuz"
cp "$TMP/boot/System.map-$KVER" "$KDIR/System.map" 2>/dev/null || true
cp "$TMP/boot/config-$KVER" "$KDIR/config" 2>/dev/null || true

# Resolve module dependencies (from each module's .modinfo "depends=";
# the package ships no modules.dep), decompress, and write the insmod order.
python3 "$HERE/kmodules.py" "$MODROOT" "$KDIR" "${WANT_MODULES[@]}"
log "modules for the initramfs: $(tr '\n' ' ' < "$KDIR/modules.order")"
grep -qx 'qemu_fw_cfg.ko' "$KDIR/modules.order" \
    || { log "qemu_fw_cfg.ko not found in $IMGPKG"; exit 1; }

# ------------------------------------------------------------ debug vmlinux
DBGDEB=$(download "${IMGPKG}-dbg")
log "extracting debug vmlinux from $(basename "$DBGDEB") (large, takes a while)"
dpkg-deb --fsys-tarfile "$DBGDEB" \
    | tar -x -C "$TMP" --wildcards "./usr/lib/debug/boot/vmlinux-*"
mv "$TMP/usr/lib/debug/boot/vmlinux-$KVER" "$KDIR/vmlinux"

if [ "${KMAPDUMP_KEEP_DEBS:-0}" != 1 ]; then
    rm -f "$IMGDEB" "$DBGDEB"
fi
touch "$KDIR/.done"
echo "$KVER" > "$KROOT/current"
# Keep the cache small: drop other (older) kernels of this set.
for d in "$KROOT"/*/; do
    d=${d%/}
    [ "$d" = "$KDIR" ] || { log "removing old kernel $(basename "$d")"; rm -rf "$d"; }
done
log "kernel $KVER ready in $KDIR ($(du -sh "$KDIR" | cut -f1))"
echo "$KVER"
