#!/usr/bin/env bash
# Make makedumpfile's output variants of a real-tier ELF dump.
#
# usage: mkvariants.sh DUMPDIR VMLINUX FORMAT...
#
# For each FORMAT that is a makedumpfile variant (others, such as elf and
# kdump-zlib, are ignored), makes it from DUMPDIR/vmcore.elf:
#
#   kdump-d31         makedumpfile -c -d 31      vmcore.kdump-d31
#   kdump-lzo-d31     makedumpfile -l -d 31      vmcore.kdump-lzo-d31
#   kdump-snappy-d31  makedumpfile -p -d 31      vmcore.kdump-snappy-d31
#   kdump-zstd-d31    makedumpfile -z -d 31      vmcore.kdump-zstd-d31
#   kdump-flat-d31    makedumpfile -F -c -d 31   vmcore.kdump-flat-d31 (stdout)
#   kdump-split-d31   makedumpfile --split -c -d 31, 3 parts:
#                                                vmcore.kdump-split-d31.{1,2,3}
#   kdump-split16m-d31  the same with --splitblock-size 16384 (KiB): the
#                     default 1 GiB blocks leave parts 2 and 3 empty on these
#                     2-5 GiB guests, 16 MiB blocks give 3 parts with pages
#   elf-d31           makedumpfile -E -d 31      vmcore.elf-d31
#
# makedumpfile 1.7.2 cannot read QEMU's ELF layout, so it reads a copy made
# by elf_fixup.py (made once for all variants that need building, then
# deleted).  A variant is rebuilt only when vmcore.elf (size, mtime), the
# makedumpfile build or the variant's options change (DUMPDIR/vmcore.FORMAT.stamp).
# Builds run in parallel (KMAPDUMP_JOBS, default: number of CPUs).
#
# Prints one line per FORMAT on stdout:
#   FORMAT ok cached | FORMAT ok built Ns | FORMAT unsupported REASON |
#   FORMAT failed REASON
# (makedumpfile's output in DUMPDIR/makedumpfile-FORMAT.log); exits 1 if any
# build failed.
set -uo pipefail

DIR=${1:?usage: mkvariants.sh DUMPDIR VMLINUX FORMAT...}
VMLINUX=${2:?usage: mkvariants.sh DUMPDIR VMLINUX FORMAT...}
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
ELF=$DIR/vmcore.elf
JOBS=${KMAPDUMP_JOBS:-$(nproc 2>/dev/null || echo 2)}
SPLIT_PARTS=3

# variant_opts FORMAT: makedumpfile options; empty if not a variant
variant_opts() {
    case "$1" in
        kdump-d31) echo "-c -d 31" ;;
        kdump-lzo-d31) echo "-l -d 31" ;;
        kdump-snappy-d31) echo "-p -d 31" ;;
        kdump-zstd-d31) echo "-z -d 31" ;;
        kdump-flat-d31) echo "-F -c -d 31" ;;
        kdump-split-d31) echo "--split -c -d 31" ;;
        kdump-split16m-d31) echo "--split --splitblock-size 16384 -c -d 31" ;;
        elf-d31) echo "-E -d 31" ;;
    esac
}
# variant_needs FORMAT: the compression makedumpfile must be built with
variant_needs() {
    case "$1" in
        kdump-lzo-d31) echo lzo ;;
        kdump-snappy-d31) echo snappy ;;
        kdump-zstd-d31) echo zstd ;;
    esac
}
# variant_files FORMAT: the output files
variant_files() {
    if [[ $1 = kdump-split* ]]; then
        local i
        for ((i = 1; i <= SPLIT_PARTS; i++)); do echo "$DIR/vmcore.$1.$i"; done
    else
        echo "$DIR/vmcore.$1"
    fi
}

[ -s "$ELF" ] || { echo "mkvariants: no $ELF" >&2; exit 1; }
MDF_V=$(makedumpfile -v 2>&1) || { echo "mkvariants: makedumpfile -v failed" >&2; exit 1; }
ELF_ID=$(stat -c '%s %Y' "$ELF")

todo=()
rc=0
for fmt in "$@"; do
    opts=$(variant_opts "$fmt")
    [ -n "$opts" ] || continue
    need=$(variant_needs "$fmt")
    # (a here-string: with pipefail, grep -q closing a pipe early could make
    # the writer's SIGPIPE look like "not enabled")
    if [ -n "$need" ] && ! grep -Eq "^${need}[[:space:]]+enabled" <<< "$MDF_V"; then
        echo "$fmt unsupported makedumpfile built without $need"
        continue
    fi
    stamp="elf=$ELF_ID opts=$opts vmlinux=$VMLINUX makedumpfile=$(printf '%s' "$MDF_V" | tr '\n\t' '  ')"
    have=1
    for f in $(variant_files "$fmt"); do [ -s "$f" ] || have=0; done
    if [ "$have" = 1 ] && [ ! -e "$DIR/vmcore.$fmt.stamp" ]; then
        # made before stamps existed (mkdump.sh's kdump-d31): adopt it if it
        # is newer than the ELF dump
        for f in $(variant_files "$fmt"); do [ "$f" -nt "$ELF" ] || have=0; done
        [ "$have" = 1 ] && echo "$stamp" > "$DIR/vmcore.$fmt.stamp"
    fi
    if [ "$have" = 1 ] && [ "$(cat "$DIR/vmcore.$fmt.stamp" 2>/dev/null)" = "$stamp" ]; then
        echo "$fmt ok cached"
        continue
    fi
    mapfile -t old < <(variant_files "$fmt")
    rm -f "$DIR/vmcore.$fmt.stamp" "${old[@]}"
    todo+=("$fmt")
    printf '%s\n' "$stamp" > "$DIR/vmcore.$fmt.stamp.new"
done
[ ${#todo[@]} -gt 0 ] || exit 0
# the slowest builds first
mapfile -t todo < <(printf '%s\n' "${todo[@]}" \
    | awk '{ print ($0 ~ /^kdump-split/ ? 0 : $0 == "elf-d31" ? 1 : 2), NR, $0 }' \
    | sort -n -k1,1 -k2,2 | cut -d' ' -f3)

TMPELF=$DIR/vmcore.elf.mdf.tmp
trap 'rm -f "$TMPELF"' EXIT
python3 "$HERE/elf_fixup.py" "$ELF" "$TMPELF" || { echo "mkvariants: elf_fixup.py failed" >&2; exit 1; }

# build FORMAT: run makedumpfile into temporary names, rename on success
build() {
    local fmt=$1 t0 opts files tmp=() f log
    opts=$(variant_opts "$fmt")
    log=$DIR/makedumpfile-$fmt.log
    t0=$(date +%s)
    mapfile -t files < <(variant_files "$fmt")
    for f in "${files[@]}"; do tmp+=("$f.part"); done
    rm -f "${tmp[@]}"
    local ok=0
    case "$fmt" in
        kdump-flat-d31)
            # shellcheck disable=SC2086
            makedumpfile $opts -x "$VMLINUX" "$TMPELF" > "${tmp[0]}" 2> "$log" && ok=1 ;;
        *)
            # shellcheck disable=SC2086
            makedumpfile $opts -x "$VMLINUX" "$TMPELF" "${tmp[@]}" > "$log" 2>&1 && ok=1 ;;
    esac
    if [ "$ok" = 1 ]; then
        for f in "${files[@]}"; do mv "$f.part" "$f"; done
        mv "$DIR/vmcore.$fmt.stamp.new" "$DIR/vmcore.$fmt.stamp"
        echo "$fmt ok built $(( $(date +%s) - t0 ))s"
    else
        rm -f "${tmp[@]}" "$DIR/vmcore.$fmt.stamp.new"
        echo "$fmt failed makedumpfile $opts (see $log: $(tail -n 3 "$log" | tr -s '\n\r' '  '))"
        return 1
    fi
}

running=0
for fmt in "${todo[@]}"; do
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || rc=1
        running=$((running - 1))
    fi
    build "$fmt" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || rc=1
    running=$((running - 1))
done
exit $rc
