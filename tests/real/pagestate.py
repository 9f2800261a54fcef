#!/usr/bin/env python3
"""What a dump file holds for each physical page, read straight from its
headers (an independent reading, for checking kmapdump's).

usage: pagestate.py counts DUMPFILE...
       pagestate.py ranges DUMPFILE...
       pagestate.py verify VERIFY_JSON DUMPFILE...
       pagestate.py check [--label TEXT] [--allow-dropped] [--want-missing]
                          ELF_JSONL VARIANT_JSONL DUMPFILE...

DUMPFILE...: one dump (ELF, kdump-compressed or flattened kdump-compressed)
or the parts of a makedumpfile --split set, in any order.  Each page is

  present     its contents are in the file
  excluded    the file describes the page but left it out (kdump: set in
              the first bitmap, clear in the second; ELF: in a PT_LOAD's
              p_filesz..p_memsz tail)
  missing     in a split set, in the PFN range of a part not given
  absent      not described at all (kdump: PFN >= max_mapnr or clear in the
              first bitmap; ELF: no PT_LOAD covers it)

counts  prints {"present": N, "excluded": N, "missing": N, "format": ...,
        "parts": [...]} (pages below max_mapnr for kdump, in PT_LOADs for ELF).
ranges  prints "part FILE START_PFN END_PFN" per file (kdump; the whole
        0..max_mapnr unless split) and "uncovered START_PFN END_PFN" for each
        PFN range below max_mapnr that no given part covers.
verify  checks `kmapdump verify --json` output (VERIFY_JSON) for these
        files: bad_pages 0, first_error null, "incomplete" true exactly when
        a range is uncovered, present_pages and excluded_pages equal to the
        counts above.  Prints "present=N excluded=N" (and the problems);
        exits 1 on a problem.
check   compares `kmapdump vtop --json` answers on a filtered variant
        (VARIANT_JSONL) with those on the unfiltered ELF dump (ELF_JSONL):
        unmapped/invalid stay so, not-in-dump stays not-in-dump with the same
        PA, and a mapped address keeps its PA and page size and becomes
        "excluded" if its page is excluded, "not-in-dump" if missing (split
        set with parts left out) or absent (only with --allow-dropped: the -E
        variant, where makedumpfile may drop a range entirely), else stays
        "mapped".  If ELF_JSONL has walks (kmapdump vtop --json --walk) and
        a page table on the walk is not present in the variant, the answer
        must be "excluded" (table excluded) or "not-in-dump" (missing,
        absent) with pa and page_size null.  Prints the first mismatches and
        a summary; exits 1 on any mismatch (with --want-missing also if no
        address falls into a missing range).
"""
import argparse
import json
import struct
import sys

PAGE = 4096
FLAT_SIG = b"makedumpfile\0\0\0\0"
FLAT_HDR = 4096


class FlatFile:
    """Random access to a flattened (makedumpfile -F) stream: a 4096-byte
    header, then records of big-endian {int64 offset, int64 size} followed
    by size bytes, until offset -1."""

    def __init__(self, f):
        self.f = f
        self.chunks = []  # (offset in the image, size, offset in the stream)
        pos = FLAT_HDR
        f.seek(0, 2)
        end = f.tell()
        while pos + 16 <= end:
            f.seek(pos)
            off, size = struct.unpack(">qq", f.read(16))
            if off < 0:
                break
            if size < 0 or pos + 16 + size > end:
                raise ValueError("flattened record at %d: bad size %d" % (pos, size))
            self.chunks.append((off, size, pos + 16))
            pos += 16 + size

    def pread(self, off, n):
        # records in stream order; a later record overwrites an earlier one
        buf = bytearray(n)
        for coff, csize, spos in self.chunks:
            lo, hi = max(off, coff), min(off + n, coff + csize)
            if lo < hi:
                self.f.seek(spos + lo - coff)
                buf[lo - off:hi - off] = self.f.read(hi - lo)
        return bytes(buf)


class PlainFile:
    def __init__(self, f):
        self.f = f

    def pread(self, off, n):
        self.f.seek(off)
        data = self.f.read(n)
        return data + bytes(n - len(data))


def open_file(path):
    f = open(path, "rb")
    head = f.read(16)
    if head == FLAT_SIG:
        return FlatFile(f), True
    return PlainFile(f), False


class KdumpPart:
    def __init__(self, path):
        self.path = path
        self.r, self.flat = open_file(path)
        h = self.r.pread(0, 464)
        if h[:8] not in (b"KDUMP   ", b"DISKDUMP"):
            raise ValueError("%s: not kdump-compressed" % path)
        self.version, = struct.unpack_from("<i", h, 8)
        (self.status, self.block_size, self.sub_hdr_size, self.bitmap_blocks,
         max_mapnr) = struct.unpack_from("<IiiII", h, 424)
        bs = self.block_size
        sub = self.r.pread(bs, 104)
        _phys_base, _level, self.split, start, end = struct.unpack_from("<QiiQQ", sub, 0)
        if self.version >= 6:
            start, end, max_mapnr = struct.unpack_from("<QQQ", sub, 80)
        self.max_mapnr = max_mapnr
        if not self.split:
            start, end = 0, max_mapnr
        self.start_pfn, self.end_pfn = start, end
        half = self.bitmap_blocks * bs // 2
        base = (1 + self.sub_hdr_size) * bs
        self.bitmap1 = self.r.pread(base, half)
        self.bitmap2 = self.r.pread(base + half, half)


def bit(bm, pfn):
    i = pfn >> 3
    return i < len(bm) and (bm[i] >> (pfn & 7)) & 1


def popcount_range(bm, lo, hi):
    """set bits of bm in [lo, hi)"""
    if hi <= lo:
        return 0
    n = int.from_bytes(bm[lo >> 3:(hi + 7) >> 3], "little")
    n >>= lo & 7
    n &= (1 << (hi - lo)) - 1
    return bin(n).count("1")


class Kdump:
    def __init__(self, paths):
        self.parts = [KdumpPart(p) for p in paths]
        self.max_mapnr = self.parts[0].max_mapnr
        self.split = any(p.split for p in self.parts)
        self.format = "kdump-compressed" + (" (split)" if self.split else "") + \
            (" (flattened)" if any(p.flat for p in self.parts) else "")

    def part_for(self, pfn):
        for p in self.parts:
            if p.start_pfn <= pfn < p.end_pfn:
                return p
        return None

    def state(self, pa):
        pfn = pa // PAGE
        if pfn >= self.max_mapnr:
            return "absent"
        p = self.part_for(pfn)
        if p is None:
            return "missing"
        if not bit(p.bitmap1, pfn):
            return "absent"
        return "present" if bit(p.bitmap2, pfn) else "excluded"

    def uncovered(self):
        """PFN ranges below max_mapnr that no given part covers"""
        out, pfn = [], 0
        for lo, hi in sorted((p.start_pfn, p.end_pfn) for p in self.parts):
            if lo > pfn:
                out.append((pfn, lo))
            pfn = max(pfn, hi)
        if pfn < self.max_mapnr:
            out.append((pfn, self.max_mapnr))
        return out

    def counts(self):
        present = excluded = 0
        for p in self.parts:
            lo, hi = p.start_pfn, min(p.end_pfn, self.max_mapnr)
            # a page is present when set in both bitmaps
            b1 = int.from_bytes(p.bitmap1[lo >> 3:(hi + 7) >> 3], "little")
            b2 = int.from_bytes(p.bitmap2[lo >> 3:(hi + 7) >> 3], "little")
            mask = ((1 << (hi - lo)) - 1) << (lo & 7)
            b1 &= mask
            b2 &= mask
            present += bin(b1 & b2).count("1")
            excluded += bin(b1 & ~b2).count("1")
        missing = sum(hi - lo for lo, hi in self.uncovered())
        return {"format": self.format, "present": present, "excluded": excluded,
                "missing": missing,
                "parts": [{"file": p.path, "start_pfn": p.start_pfn, "end_pfn": p.end_pfn}
                          for p in self.parts]}


class Elf:
    def __init__(self, path):
        self.path = path
        f = open(path, "rb")
        eh = f.read(64)
        if eh[:4] != b"\x7fELF" or eh[4] != 2 or eh[5] != 1:
            raise ValueError("%s: not a little-endian ELF64 file" % path)
        phoff, shoff = struct.unpack_from("<QQ", eh, 32)
        phentsize, phnum = struct.unpack_from("<HH", eh, 54)
        if phnum == 0xFFFF:  # PN_XNUM: the real count is section 0's sh_info
            f.seek(shoff + 44)
            phnum, = struct.unpack("<I", f.read(4))
        self.loads = []
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            p_type, _fl, _off, _va, paddr, filesz, memsz = struct.unpack("<IIQQQQQ", f.read(48))
            if p_type == 1:
                self.loads.append((paddr, filesz, memsz))
        self.loads.sort()
        self.format = "elf"

    def state(self, pa):
        for paddr, filesz, memsz in self.loads:
            if paddr <= pa < paddr + filesz:
                return "present"
            if paddr + filesz <= pa < paddr + memsz:
                return "excluded"
        return "absent"

    def uncovered(self):
        return []

    def counts(self):
        present = sum((filesz + PAGE - 1) // PAGE for _, filesz, _ in self.loads)
        total = sum((memsz + PAGE - 1) // PAGE for _, _, memsz in self.loads)
        return {"format": "elf", "present": present, "excluded": total - present,
                "missing": 0, "parts": [{"file": self.path}]}


def open_dump(paths):
    with open(paths[0], "rb") as f:
        head = f.read(4)
    if head == b"\x7fELF":
        if len(paths) != 1:
            raise ValueError("one ELF file expected")
        return Elf(paths[0])
    return Kdump(paths)


def load(path):
    recs = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                recs.setdefault(int(r["va"], 16), r)
    return recs


def pa_of(r):
    return None if r.get("pa") is None else int(str(r["pa"]), 16)


def check(args):
    dump = open_dump(args.files)
    elf, var = load(args.elf), load(args.variant)
    stats = {}
    bad = []
    for va in sorted(elf):
        e = elf[va]
        v = var.get(va)
        es = e["status"]
        epa = pa_of(e)
        state = None
        # a page table on the walk (from kmapdump --walk on the ELF dump)
        # that the variant lacks: the answer is unknown, pa null
        tstate = None
        for step in e.get("walk") or ():
            t = step.get("table")
            if t is not None:
                tstate = dump.state(int(str(t), 16))
                if tstate != "present":
                    break
                tstate = None
        if tstate is not None:
            state = "table-" + tstate
            want = "excluded" if tstate == "excluded" else "not-in-dump"
            if tstate == "absent" and not args.allow_dropped:
                want = "(page table absent from the dump)"
            epa = None
            e = dict(e, page_size=None)
        elif es in ("unmapped", "invalid"):
            want = es
        elif es == "not-in-dump":
            want = "not-in-dump"
            state = dump.state(epa)
        elif es == "mapped":
            state = dump.state(epa)
            want = {"present": "mapped", "excluded": "excluded",
                    "missing": "not-in-dump", "absent": "not-in-dump"}[state]
            if state == "absent" and not args.allow_dropped:
                want = "mapped (but the page is absent from the dump)"
        else:
            want = "(elf answer %s)" % es
        if state is None or state == "present" or state == "excluded":
            key = want
        elif state.startswith("table-"):
            key = "%s(page table %s)" % (want, state[6:])
        elif state == "missing":
            key = "%s(missing part)" % want
        elif es == "mapped":
            key = "%s(dropped)" % want
        else:
            key = want
        st = stats.setdefault(key, [0, 0])
        st[0] += 1
        why = None
        if v is None:
            why = "no answer"
        elif v.get("status") != want:
            why = "status %s, want %s" % (v.get("status"), want)
        elif pa_of(v) != epa:
            why = "pa %s, want %s" % (v.get("pa"), e.get("pa"))
        elif v.get("page_size") != e.get("page_size"):
            why = "page_size %s, want %s" % (v.get("page_size"), e.get("page_size"))
        if why:
            st[1] += 1
            bad.append("%#018x %s (elf: %s pa=%s; page %s in the variant; region %s)" % (
                va, why, es, e.get("pa"), state or "-", e.get("region")))
    label = (args.label + ": ") if args.label else ""
    nmissing = sum(n for k, (n, _) in stats.items() if "missing" in k)
    if args.want_missing and not nmissing:
        bad.append("no address in a missing PFN range (the check proves nothing)")
    for line in bad[:args.max_print]:
        print("pagestate: %sMISMATCH %s" % (label, line))
    if len(bad) > args.max_print:
        print("pagestate: %s... %d more mismatches" % (label, len(bad) - args.max_print))
    extra = len(set(var) - set(elf))
    print("pagestate: %s%d addresses, %d mismatches; %s%s" % (
        label, len(elf), len(bad),
        " ".join("%s=%d%s" % (k, n, "(bad %d)" % b if b else "")
                 for k, (n, b) in sorted(stats.items())),
        "; %d extra answers" % extra if extra else ""))
    return 1 if bad or extra else 0


def verify(args):
    with open(args.verify) as f:
        v = json.load(f)
    c = open_dump(args.files).counts()
    problems = []
    if v.get("bad_pages") != 0:
        problems.append("bad_pages=%s" % v.get("bad_pages"))
    if v.get("first_error") is not None:
        problems.append("first_error=%r" % v.get("first_error"))
    if bool(v.get("incomplete")) != (c["missing"] > 0):
        problems.append("incomplete=%s but %d pages uncovered" % (
            json.dumps(v.get("incomplete")), c["missing"]))
    for key in ("present", "excluded"):
        if v.get(key + "_pages") != c[key]:
            problems.append("%s_pages=%s, the file headers say %d" % (
                key, v.get(key + "_pages"), c[key]))
    print("present=%s excluded=%s pages=%s incomplete=%s%s" % (
        v.get("present_pages"), v.get("excluded_pages"), v.get("pages"),
        json.dumps(v.get("incomplete")),
        "".join("; " + p for p in problems)))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("counts")
    c.add_argument("files", nargs="+")
    r = sub.add_parser("ranges")
    r.add_argument("files", nargs="+")
    k = sub.add_parser("check")
    k.add_argument("--label", default="")
    k.add_argument("--allow-dropped", action="store_true")
    k.add_argument("--max-print", type=int, default=30)
    k.add_argument("--want-missing", action="store_true")
    v = sub.add_parser("verify")
    v.add_argument("verify")
    v.add_argument("files", nargs="+")
    k.add_argument("elf")
    k.add_argument("variant")
    k.add_argument("files", nargs="+")
    args = ap.parse_args()
    if args.cmd == "counts":
        print(json.dumps(open_dump(args.files).counts()))
        return 0
    if args.cmd == "ranges":
        d = open_dump(args.files)
        for p in d.counts()["parts"]:
            print("part %s %s %s" % (p["file"], p.get("start_pfn", "-"), p.get("end_pfn", "-")))
        for lo, hi in d.uncovered():
            print("uncovered %d %d" % (lo, hi))
        return 0
    if args.cmd == "verify":
        return verify(args)
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
