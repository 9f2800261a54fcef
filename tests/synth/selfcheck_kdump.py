#!/usr/bin/env python3
"""Generator self-check for kdump-compressed output: an independent, minimal
reader of what mkvmcore wrote for a 'format kdump' spec.

usage: selfcheck_kdump.py WORKDIR

Reads the dump files listed in dumpfiles.txt (plain or flattened, one file
or a split set), takes VMCOREINFO from the sub-header, walks the page tables
for every probe through the bitmaps and page descriptors, and compares
status, pa, page_size and the file object with expect.jsonl.  Pages
compressed with zlib are decompressed with Python's zlib; lzo, snappy and
zstd pages are decompressed only if a Python module for them is installed
(otherwise the check says so and passes).  Prints nothing and exits 0 if all
agree, otherwise prints one summary line and exits 1.
"""
import json
import os
import struct
import sys
import zlib

wd = sys.argv[1]
problems = []


class Skip(Exception):
    pass


def decompress(flags, rec, size):
    if flags & 1:
        return zlib.decompress(rec)
    try:
        if flags & 2:
            import lzo  # python-lzo
            return lzo.decompress(rec, False, size)
        if flags & 4:
            import snappy  # python-snappy
            return snappy.uncompress(rec)
        if flags & 0x20:
            import zstandard
            return zstandard.ZstdDecompressor().decompress(rec, max_output_size=size)
    except ImportError:
        raise Skip(f"no Python module for page flags {flags:#x}")
    raise ValueError(f"unknown page flags {flags:#x}")


class Part:
    def __init__(self, path):
        self.path = path
        raw = open(path, "rb").read()
        self.flat = None
        if raw[:12] == b"makedumpfile" and struct.unpack_from(">q", raw, 16)[0] == 1:
            img = bytearray()
            self.flat = []  # (off, len, pos) in stream order
            pos = 4096
            while pos + 16 <= len(raw):
                off, ln = struct.unpack_from(">qq", raw, pos)
                if off == -1:
                    break
                chunk = raw[pos + 16:pos + 16 + ln]
                if len(img) < off + len(chunk):
                    img.extend(b"\0" * (off + len(chunk) - len(img)))
                img[off:off + len(chunk)] = chunk
                self.flat.append((off, len(chunk), pos + 16))
                pos += 16 + ln
            raw = bytes(img)
        self.d = raw
        d = raw
        # 32-bit makedumpfile layout (8-byte timeval): sub_hdr_size at 420,
        # where the 64-bit layout has the high half of tv_usec (zero)
        self.h32 = struct.unpack_from("<I", d, 420)[0] != 0
        hb = 412 if self.h32 else 424
        self.block = struct.unpack_from("<i", d, hb + 4)[0]
        sub_blocks, bm_blocks, mapnr32 = struct.unpack_from("<iII", d, hb + 8)
        version = struct.unpack_from("<i", d, 8)[0]
        b = self.block
        if self.h32:
            (self.phys_base, _lvl, split, spfn, epfn, voff, vsize, _noff, _nsize, _eoff, _esize,
             spfn64, epfn64, mapnr64) = struct.unpack_from("<iiiIIQIQIQIQQQ", d, b)
        else:
            (self.phys_base, _lvl, split, spfn, epfn, voff, vsize, _noff, _nsize, _eoff, _esize,
             spfn64, epfn64, mapnr64) = struct.unpack_from("<qiiQQQQQQQQQQQ", d, b)
        self.max_mapnr = mapnr64 if version >= 6 and mapnr64 else mapnr32
        self.start, self.end = 0, self.max_mapnr
        if split:
            self.start, self.end = (spfn64, epfn64) if version >= 6 else (spfn, epfn)
        self.vmcoreinfo = d[voff:voff + vsize].decode() if version >= 3 and vsize else None
        bm_off = (1 + sub_blocks) * b
        half = bm_blocks * b // 2
        self.bm1 = d[bm_off:bm_off + half]
        self.bm2 = d[bm_off + half:bm_off + 2 * half]
        self.desc_off = bm_off + 2 * half
        # descriptor index of each dumped pfn in [start, end)
        self.index = {}
        n = 0
        for pfn in range(self.start, self.end):
            if self.bm2[pfn >> 3] >> (pfn & 7) & 1:
                self.index[pfn] = n
                n += 1

    def bit(self, bm, pfn):
        return pfn >> 3 < len(bm) and bm[pfn >> 3] >> (pfn & 7) & 1

    def desc(self, pfn):
        o = self.desc_off + 24 * self.index[pfn]
        if o + 24 > len(self.d):
            return None
        off, size, flags = struct.unpack_from("<QII", self.d, o)
        if (off == 0 and size == 0) or off + size > len(self.d):
            return None
        return off, size, flags

    def flat_pos(self, off, size):
        for o, ln, pos in reversed(self.flat):
            if o <= off and off + size <= o + ln:
                return pos + off - o
        return None


files = [ln.strip() for ln in open(os.path.join(wd, "dumpfiles.txt")) if ln.strip()]
parts = [Part(p) for p in files]
first = parts[0]
bs = first.block
info = dict(l.split("=", 1) for l in first.vmcoreinfo.splitlines() if "=" in l)
symlines = open(os.path.join(wd, "symbols")).read().splitlines()
I386 = "ARCH=i386" in symlines
if I386:
    kaslr, phys_base, l5, sme = 0, 0, False, 0
else:
    kaslr = int(info["KERNELOFFSET"], 16)
    phys_base = int(info["NUMBER(phys_base)"])
    l5 = info["NUMBER(pgtable_l5_enabled)"] == "1"
    sme = int(info["NUMBER(sme_mask)"])
if phys_base != first.phys_base:
    problems.append("sub-header phys_base disagrees with VMCOREINFO")
syms = {}
for l in open(os.path.join(wd, "symbols")):
    f = l.split()
    if len(f) == 3:
        syms[f[2]] = int(f[0], 16)


def locate(pa):
    """(status, part, descriptor) of a physical address."""
    pfn = pa // bs
    if pfn >= first.max_mapnr:
        return "not-in-dump", None, None
    for p in parts:
        if p.start <= pfn < p.end:
            if not p.bit(p.bm2, pfn):
                return ("excluded" if p.bit(p.bm1, pfn) else "not-in-dump"), p, None
            ds = p.desc(pfn)
            return ("mapped" if ds else "not-in-dump"), p, ds
    return "not-in-dump", None, None


def rd64(pa):
    st, p, ds = locate(pa)
    if st != "mapped":
        raise LookupError(f"PA {pa:#x} not readable ({st})")
    off, size, flags = ds
    rec = p.d[off:off + size]
    page = decompress(flags, rec, bs) if flags else rec
    return struct.unpack_from("<Q", page, pa % bs)[0]


def kpa(link):
    return (link + kaslr - 0xffffffff80000000 + phys_base) & (2**64 - 1)


ADDR = 0x000ffffffffff000 & ~sme
CODEC = {1: "zlib", 2: "lzo", 4: "snappy", 0x20: "zstd"}


def walk(va):
    table = kpa(syms["init_top_pgt"])
    for s in ([48, 39, 30, 21, 12] if l5 else [39, 30, 21, 12]):
        e = rd64(table + ((va >> s) & 511) * 8)
        if not e & 1:
            return None
        if s == 12 or (s in (30, 21) and e & 0x80):
            mask = (1 << s) - 1
            return (e & ADDR & ~mask) | (va & mask), 1 << s
        table = e & ADDR
    return None


def fileobj(pa):
    st, p, ds = locate(pa)
    fobj = None
    if st == "mapped":
        off, rsize, flags = ds
        pos = p.flat_pos(off, rsize) if p.flat is not None else off
        if flags:
            fobj = {"offset": None, "record_offset": pos, "record_size": rsize,
                    "codec": CODEC.get(flags), "page_offset": pa % bs}
        else:
            fobj = {"offset": pos + pa % bs}
        if p is not first:
            fobj["path"] = os.path.basename(p.path)
    return st, fobj


def read(pa, n):
    st, p, ds = locate(pa)
    if st != "mapped":
        raise LookupError(f"PA {pa:#x} not readable ({st})")
    off, size, flags = ds
    rec = p.d[off:off + size]
    page = decompress(flags, rec, bs) if flags else rec
    return page[pa % bs:pa % bs + n]


if I386:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import selfcheck_i386
    try:
        problems += selfcheck_i386.run(wd, info, symlines, fileobj, read)
    except Skip:
        sys.exit(0)
    if problems:
        print(f"{len(problems)} disagreement(s): " + "; ".join(problems[:3]))
        sys.exit(1)
    sys.exit(0)

try:
    for line in open(os.path.join(wd, "expect.jsonl")):
        o = json.loads(line)
        if o["kind"] != "probe" or o["expect"]["status"] == "invalid":
            continue
        exp = o["expect"]
        va = int(exp["va"], 16)
        try:
            r = walk(va)
        except LookupError as e:
            problems.append(f"{o['input']}: walk failed: {e}")
            continue
        if r is None:
            got = {"status": "unmapped", "pa": None}
        else:
            pa, size = r
            st, p, ds = locate(pa)
            fobj = None
            if st == "mapped":
                off, rsize, flags = ds
                pos = p.flat_pos(off, rsize) if p.flat is not None else off
                if flags:
                    fobj = {"offset": None, "record_offset": pos, "record_size": rsize,
                            "codec": CODEC.get(flags), "page_offset": pa % bs}
                else:
                    fobj = {"offset": pos + pa % bs}
                if p is not first:
                    fobj["path"] = os.path.basename(p.path)
            got = {"status": st, "pa": hex(pa), "page_size": size, "file": fobj}
        for k, v in got.items():
            if k in exp and exp[k] != v:
                problems.append(f"{o['input']}: {k}={v} but expectation says {exp[k]}")
except Skip as e:
    sys.exit(0)

if problems:
    print(f"{len(problems)} disagreement(s): " + "; ".join(problems[:3]))
    sys.exit(1)
