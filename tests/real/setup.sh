#!/usr/bin/env bash
# Real-tier test setup: host tools + a Debian cloud kernel (not installed on
# the host, only extracted into a cache directory).
#
# Idempotent: a second run with a filled cache does no downloads.
#
# Result (printed as the last line, and written to $CACHE/kernel/current):
#   $CACHE/kernel/$KVER/vmlinuz        bootable kernel image
#   $CACHE/kernel/$KVER/vmlinux        debug vmlinux (from the -dbg package)
#   $CACHE/kernel/$KVER/System.map
#   $CACHE/kernel/$KVER/modules/*.ko   uncompressed modules for the initramfs
#   $CACHE/kernel/$KVER/modules.order  insmod order (dependencies first)
#
# Environment:
#   KMAPDUMP_CACHE      cache dir (default ~/.cache/kmapdump)
#   KMAPDUMP_KPKG       kernel metapackage (default linux-image-cloud-amd64)
#   KMAPDUMP_KEEP_DEBS  if 1, keep the downloaded .deb files
set -euo pipefail

CACHE=${KMAPDUMP_CACHE:-$HOME/.cache/kmapdump}
KPKG=${KMAPDUMP_KPKG:-linux-image-cloud-amd64}
mkdir -p "$CACHE/kernel"

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

# ---------------------------------------------------------------- host tools
need_pkgs=()
for p in qemu-system-x86 busybox-static makedumpfile crash python3 cpio \
         zstd xz-utils binutils gzip; do
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

IMGPKG=$(resolve_kpkg || true)
if [ -z "$IMGPKG" ]; then
    apt_update || true
    IMGPKG=$(resolve_kpkg || true)
fi
if [ -z "$IMGPKG" ]; then
    # Offline with a filled cache: reuse what we have.
    if [ -s "$CACHE/kernel/current" ] && [ -f "$CACHE/kernel/$(cat "$CACHE/kernel/current")/.done" ]; then
        KVER=$(cat "$CACHE/kernel/current")
        log "cannot resolve $KPKG, reusing cached $KVER"
        echo "$KVER"
        exit 0
    fi
    log "cannot resolve $KPKG (no apt lists?)"
    exit 1
fi
KVER=${IMGPKG#linux-image-}
KDIR=$CACHE/kernel/$KVER
if [ -f "$KDIR/.done" ]; then
    log "kernel $KVER already in $KDIR"
    echo "$KVER" > "$CACHE/kernel/current"
    echo "$KVER"
    exit 0
fi

mkdir -p "$CACHE/debs" "$KDIR"
cd "$CACHE/debs"

download() {  # package -> path of .deb
    local pkg=$1 f
    f=$(ls -1 "${pkg}"_*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$f" ]; then
        log "downloading $pkg"
        apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2 || { apt_update; apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2; }
        f=$(ls -1 "${pkg}"_*.deb | head -n1)
    fi
    echo "$CACHE/debs/$f"
}

IMGDEB=$(download "$IMGPKG")
TMP=$(mktemp -d "$CACHE/tmp.XXXXXX")
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
mkdir -p "$KDIR/modules"
python3 - "$MODROOT" "$KDIR" "${WANT_MODULES[@]}" <<'EOF'
import gzip, lzma, os, re, subprocess, sys
root, kdir, want = sys.argv[1], sys.argv[2], sys.argv[3:]
paths = {}
for d, _, files in os.walk(os.path.join(root, "kernel")):
    for f in files:
        m = re.match(r"(.*)\.ko(\.(xz|zst|gz))?$", f)
        if m:
            paths[m.group(1).replace("-", "_")] = os.path.join(d, f)
def load(p):
    if p.endswith(".xz"):
        return lzma.open(p).read()
    if p.endswith(".gz"):
        return gzip.open(p).read()
    if p.endswith(".zst"):
        return subprocess.run(["zstd", "-qdc", p], check=True,
                              stdout=subprocess.PIPE).stdout
    return open(p, "rb").read()
data, out = {}, []
def visit(name):
    if name in data:
        return
    data[name] = load(paths[name])
    m = re.search(rb"\0depends=([^\0]*)\0", data[name])
    for dep in (m.group(1).decode().split(",") if m else []):
        dep = dep.strip().replace("-", "_")
        if dep:
            visit(dep)
    out.append(name)
for w in want:
    w = w.replace("-", "_")
    if w not in paths:
        print("setup: module %s not found (built in?), skipped" % w, file=sys.stderr)
        continue
    visit(w)
with open(os.path.join(kdir, "modules.order"), "w") as f:
    for name in out:
        fn = os.path.basename(re.sub(r"\.(xz|zst|gz)$", "", paths[name]))
        with open(os.path.join(kdir, "modules", fn), "wb") as g:
            g.write(data[name])
        f.write(fn + "\n")
EOF
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
echo "$KVER" > "$CACHE/kernel/current"
# Keep the cache small: drop other (older) kernels.
for d in "$CACHE"/kernel/*/; do
    d=${d%/}
    [ "$d" = "$KDIR" ] || { log "removing old kernel $(basename "$d")"; rm -rf "$d"; }
done
log "kernel $KVER ready in $KDIR ($(du -sh "$KDIR" | cut -f1))"
echo "$KVER"
