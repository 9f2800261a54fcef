#!/usr/bin/env python3
"""make.py - regenerate the broken-dump corpus in this directory.

usage: testdata/broken/make.py [--mkvmcore PATH] [--out DIR]

Builds small valid base dumps with the project's generator (tests/mkvmcore:
an ELF64 vmcore, kdump-compressed ones with every codec, a flattened one and
a split pair, all of the same tiny x86_64 kernel), then damages copies of
them one defect at a time: header fields out of range, truncation points,
corrupt compressed pages, bitmaps that disagree, flattened-stream garbage,
inconsistent split sets, a vmlinux that does not belong to the dump.  Writes
every input file and the manifest CASES into OUT (default: this directory).

Deterministic: no clocks, no randomness except fixed-seed byte patterns, so
the same generator gives byte-identical files.  The test (tests/broken/run.sh)
needs only the files written here, not this script or the generator.

CASES: '#' comments, then one line per case, fields separated by ' | ':
    NAME | EXIT | ARGS | STDOUT | STDERR
  NAME    the case
  EXIT    the exit status kmapdump must give
  ARGS    the kmapdump arguments; words naming a file or directory in this
          directory are the inputs (run with this directory as the working
          directory, so messages name them exactly as written)
  STDOUT  '-': nothing may be printed on stdout; '~TEXT': stdout must
          contain TEXT (and, for an exit status of 0 or 1, nothing else is
          checked)
  STDERR  the exact single line kmapdump must print on stderr (without the
          newline), or empty: nothing on stderr
A STDERR field starting with 'KNOWN-BUG(ID)' marks a bug of kmapdump that
is not fixed yet (listed at the top of CASES): EXIT, STDOUT and the rest of
STDERR are then what kmapdump does now, which is wrong; that is never a
PASS.  The runner prints 'KNOWN-BUG: ...' while the bug reproduces exactly
so, and FAIL once the answer changes: then review the new answer and make
it the case's expectation (drop the marker, and the bug from BUGS below).
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import textwrap
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))

# ---------------------------------------------------------------------------
# Base dumps: one tiny x86_64 kernel.  The kernel variables and _stext share
# the first page of the image, init_top_pgt is the next one, and the page
# tables follow it, so that the whole kernel is 6 pages (one PT_LOAD); a
# second PT_LOAD holds one page of low memory (pseudo-random bytes: stored
# raw in kdump files) that nothing needs.  ELF data is 512-byte aligned.

BASE_SPEC = """\
levels 4
fixmap_enum 1024
align 512
sym phys_base 0xffffffff81000100 D
sym vmemmap_base 0xffffffff81000108 D
sym vmalloc_base 0xffffffff81000110 D
sym page_offset_base 0xffffffff81000118 D
sym jiffies 0xffffffff81000120 D
sym init_top_pgt 0xffffffff81001000 D
ptarea pa:init_top_pgt+0x1000 4
load pa:_text 0x6000
load 0x1000 0x1000
map @pob 0x0 1G 1G nx
fill @pob+0x1000 0x1000
probe _stext
"""

SYMS = "x86_64.syms"

# Bugs the corpus shows that are not fixed yet: ID -> (file, what is wrong).
BUGS = {}


def gen(mkvmcore, tmp, name, fmt_line):
    """Run the generator on BASE_SPEC (+ a 'format' line); return the
    directory it wrote."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    spec = os.path.join(tmp, name + ".spec")
    with open(spec, "w") as f:
        if fmt_line:
            f.write(fmt_line + "\n")
        f.write(BASE_SPEC)
    r = subprocess.run([mkvmcore, "-d", d, spec], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        sys.exit("make.py: %s: mkvmcore failed (%d): %s" %
                 (name, r.returncode, r.stderr.decode(errors="replace")))
    return d


def rd(path):
    with open(path, "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------
# Little helpers on bytes

def u16(b, o): return struct.unpack_from("<H", b, o)[0]
def u32(b, o): return struct.unpack_from("<I", b, o)[0]
def u64(b, o): return struct.unpack_from("<Q", b, o)[0]
def be64(b, o): return struct.unpack_from(">Q", b, o)[0]


def put(b, fmt, o, v):
    b = bytearray(b)
    struct.pack_into(fmt, b, o, v)
    return bytes(b)


def patch(b, o, data):
    b = bytearray(b)
    b[o:o + len(data)] = data
    return bytes(b)


def pattern(n, seed):
    """N deterministic pseudo-random bytes (xorshift64, fixed seed)."""
    x = seed & 0xffffffffffffffff or 1
    out = bytearray()
    while len(out) < n:
        x ^= (x << 13) & 0xffffffffffffffff
        x ^= x >> 7
        x ^= (x << 17) & 0xffffffffffffffff
        out += struct.pack("<Q", x)
    return bytes(out[:n])


class Elf:
    """An ELF64 core: header fields, program headers, notes."""

    def __init__(self, b):
        self.b = b
        self.phoff = u64(b, 32)
        self.phnum = u16(b, 56)
        self.ph = []
        for i in range(self.phnum):
            pos = self.phoff + i * 56
            t, _, off, va, pa, fsz, msz = struct.unpack_from("<IIQQQQQ", b, pos)
            self.ph.append(dict(pos=pos, type=t, offset=off, vaddr=va,
                                paddr=pa, filesz=fsz, memsz=msz))
        self.loads = [p for p in self.ph if p["type"] == 1]
        self.note = [p for p in self.ph if p["type"] == 4][0]
        self.notes = []
        pos, end = self.note["offset"], self.note["offset"] + self.note["filesz"]
        while pos + 12 <= end:
            nsz, dsz, typ = struct.unpack_from("<III", b, pos)
            if nsz == 0:
                break
            name = b[pos + 12:pos + 12 + nsz].rstrip(b"\0").decode()
            desc = pos + 12 + (nsz + 3) // 4 * 4
            self.notes.append(dict(pos=pos, namesz=nsz, descsz=dsz, type=typ,
                                   name=name, desc=desc))
            pos = desc + (dsz + 3) // 4 * 4
        self.vmcoreinfo = [n for n in self.notes if n["name"] == "VMCOREINFO"][0]


KH = 424  # 64-bit makedumpfile: status, block_size, sub_hdr_size, ...


class Kdump:
    """A kdump-compressed file (64-bit header layout), not flattened."""

    def __init__(self, b):
        self.b = b
        assert b[:8] == b"KDUMP   "
        self.version = u32(b, 8)
        self.bs = u32(b, KH + 4)
        self.sub_blocks = u32(b, KH + 8)
        self.bitmap_blocks = u32(b, KH + 12)
        self.max_mapnr = u32(b, KH + 16)
        self.sub = self.bs
        s = self.sub
        self.split = u32(b, s + 12)
        self.start_pfn, self.end_pfn = u64(b, s + 80), u64(b, s + 88)
        self.off_vmcoreinfo, self.size_vmcoreinfo = u64(b, s + 32), u64(b, s + 40)
        self.max_mapnr_64 = u64(b, s + 96)
        self.bm_off = (1 + self.sub_blocks) * self.bs
        self.bm_half = self.bitmap_blocks * self.bs // 2
        self.bm1 = self.bm_off
        self.bm2 = self.bm_off + self.bm_half
        self.desc_off = self.bm_off + self.bitmap_blocks * self.bs
        lo, hi = (self.start_pfn, self.end_pfn) if self.split else (0, self.max_mapnr_64)
        self.desc = {}  # pfn -> (pos, offset, size, flags)
        i = 0
        for pfn in range(lo, hi):
            if b[self.bm2 + pfn // 8] >> (pfn % 8) & 1:
                pos = self.desc_off + 24 * i
                off, size, flags = struct.unpack_from("<QII", b, pos)
                self.desc[pfn] = (pos, off, size, flags)
                i += 1
        self.ndesc = i
        self.data_end = max(o + s for _, o, s, _ in self.desc.values())

    def bit(self, which, pfn):
        base = self.bm1 if which == 1 else self.bm2
        return self.b[base + pfn // 8] >> (pfn % 8) & 1

    def set_bit(self, b, which, pfn, on=True):
        base = self.bm1 if which == 1 else self.bm2
        v = b[base + pfn // 8]
        v = v | (1 << pfn % 8) if on else v & ~(1 << pfn % 8)
        return patch(b, base + pfn // 8, bytes([v]))


class Flat:
    """A flattened stream: 4 KiB header, then (be64 off, be64 len, data)."""

    def __init__(self, b):
        self.b = b
        self.rec = []
        pos = 4096
        while pos + 16 <= len(b):
            off, ln = be64(b, pos), be64(b, pos + 8)
            if off == 0xffffffffffffffff:
                self.end = pos
                break
            self.rec.append(dict(pos=pos, off=off, len=ln))
            pos += 16 + ln


# ---------------------------------------------------------------------------
# A tiny vmlinux: ELF64 ET_EXEC with a symbol table (the symbols of the
# base dump's symbol file), linux_banner in .rodata and a GNU build ID.

def make_vmlinux(syms_text, release, build_id):
    syms = []
    for line in syms_text.splitlines():
        w = line.split()
        if len(w) == 3:      # not the KEY=VALUE constants
            syms.append((int(w[0], 16), w[1], w[2]))
    rodata_va = 0xffffffff81e00000
    syms.append((rodata_va, "D", "linux_banner"))
    banner = ("Linux version %s (kmapdump@test) (gcc) #1 SMP\n" % release).encode() + b"\0"
    rodata = banner + b"\0" * (-len(banner) % 16)
    note = b""
    if build_id:
        note = struct.pack("<III", 4, len(build_id), 3) + b"GNU\0" + build_id
    strtab = b"\0"
    symtab = b"\0" * 24
    for a, t, n in syms:
        name_off = len(strtab)
        strtab += n.encode() + b"\0"
        if t == "A":
            info, shndx = 0x10, 0xfff1                 # GLOBAL NOTYPE, SHN_ABS
        elif t in "Tt":
            info, shndx = (0x12 if t == "T" else 0x02), 1  # FUNC in .text
        else:
            info, shndx = (0x11 if t.isupper() else 0x01), 2  # OBJECT
        symtab += struct.pack("<IBBHQQ", name_off, info, 0, shndx, a, 0)
    shstr = b"\0.text\0.rodata\0.notes\0.symtab\0.strtab\0.shstrtab\0"
    def sh_name(s): return shstr.index(s.encode() + b"\0")
    # layout: ehdr, 2 phdrs, .rodata, .notes, .symtab, .strtab, .shstrtab, shdrs
    off = 64 + 2 * 56
    body = b""
    def add(data, align):
        nonlocal off, body
        pad = -off % align
        body += b"\0" * pad
        off += pad
        pos = off
        body += data
        off += len(data)
        return pos
    ro_pos = add(rodata, 16)
    nt_pos = add(note, 4)
    st_pos = add(symtab, 8)
    str_pos = add(strtab, 1)
    shs_pos = add(shstr, 1)
    pad = -off % 8
    body += b"\0" * pad
    off += pad
    shoff = off
    text_va = 0xffffffff81000000
    # name, type, flags, addr, offset, size, link, info, align, entsize
    secs = [
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (sh_name(".text"), 8, 6, text_va, ro_pos, 0x600000, 0, 0, 16, 0),  # NOBITS
        (sh_name(".rodata"), 1, 2, rodata_va, ro_pos, len(rodata), 0, 0, 16, 0),
        (sh_name(".notes"), 7, 2, rodata_va + 0x1000, nt_pos, len(note), 0, 0, 4, 0),
        (sh_name(".symtab"), 2, 0, 0, st_pos, len(symtab), 5, 1, 8, 24),
        (sh_name(".strtab"), 3, 0, 0, str_pos, len(strtab), 0, 0, 1, 0),
        (sh_name(".shstrtab"), 3, 0, 0, shs_pos, len(shstr), 0, 0, 1, 0),
    ]
    shdrs = b"".join(struct.pack("<IIQQQQIIQQ", *s) for s in secs)
    ehdr = (b"\x7fELF\x02\x01\x01\x00" + b"\0" * 8 +
            struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, text_va, 64, shoff, 0,
                        64, 56, 2, 64, len(secs), 6))
    phdrs = struct.pack("<IIQQQQQQ", 1, 5, ro_pos, rodata_va, rodata_va - 0xffffffff80000000,
                        len(rodata), len(rodata), 0x200000)
    phdrs += struct.pack("<IIQQQQQQ", 4, 4, nt_pos, rodata_va + 0x1000, 0,
                         len(note), len(note), 4)
    return ehdr + phdrs + body + shdrs


# ---------------------------------------------------------------------------

class Corpus:
    def __init__(self):
        self.files = {}   # name -> bytes (None: a directory)
        self.cases = []   # (name, rc, args, stdout, stderr) or ("#", title)

    def file(self, name, data):
        if name in self.files and self.files[name] != data:
            sys.exit("make.py: %s written twice with different contents" % name)
        self.files[name] = data
        return name

    def group(self, title):
        self.cases.append(("#", title))

    def case(self, name, rc, args, stderr, stdout="-", bug=None):
        assert " | " not in args and "\n" not in stderr
        assert all(cs[0] != name for cs in self.cases), name
        if bug:
            assert bug in BUGS
            stderr = "KNOWN-BUG(%s) %s" % (bug, stderr)
        self.cases.append((name, rc, args, stdout, stderr))


def build(mkvmcore):
    c = Corpus()
    tmp = tempfile.mkdtemp(prefix="kmapdump-broken.")
    try:
        bases = {}
        for name, fmt in [("elf", None),
                          ("zlib", "format kdump codec=zlib"),
                          ("lzo", "format kdump codec=lzo"),
                          ("snappy", "format kdump codec=snappy"),
                          ("zstd", "format kdump codec=zstd"),
                          ("none", "format kdump codec=none"),
                          ("flat", "format kdump codec=zlib flattened"),
                          ("split", "format kdump codec=zlib split=2")]:
            bases[name] = gen(mkvmcore, tmp, name, fmt)
        syms_text = rd(os.path.join(bases["elf"], "symbols")).decode()
        for d in bases.values():
            if rd(os.path.join(d, "symbols")).decode() != syms_text:
                sys.exit("make.py: the bases' symbol files differ")
        elf = rd(os.path.join(bases["elf"], "vmcore"))
        kd = {k: rd(os.path.join(bases[k], "vmcore"))
              for k in ("zlib", "lzo", "snappy", "zstd", "none", "flat")}
        split = [rd(os.path.join(bases["split"], "vmcore")),
                 rd(os.path.join(bases["split"], "vmcore.1"))]
    finally:
        shutil.rmtree(tmp)

    define_cases(c, syms_text, elf, kd, split)
    return c


def define_cases(c, syms_text, elf, kd, split):
    S = c.file(SYMS, syms_text.encode())
    E = Elf(elf)
    K = Kdump(kd["zlib"])
    z = kd["zlib"]
    zlen = len(z)
    n = len(elf)
    kload, lowload = E.loads[0], E.loads[1]
    vi = E.vmcoreinfo
    vmci = elf[vi["desc"]:vi["desc"] + vi["descsz"]].rstrip(b"\0").decode()
    build_id = [l.split("=", 1)[1] for l in vmci.splitlines()
                if l.startswith("BUILD-ID=")][0]
    release = [l.split("=", 1)[1] for l in vmci.splitlines()
               if l.startswith("OSRELEASE=")][0]
    assert kload["paddr"] == 0x1000000 and lowload["paddr"] == 0x1000
    pgd_pfn = 0x1001            # init_top_pgt at PA 0x1001000
    low_pfn = 0x1               # a low-memory page nothing needs
    pages = K.max_mapnr_64
    present = len(K.desc)
    reading_pgd = ("reading init_top_pgt at 0xffffffff81001000 (physical 0x1001000): ")

    def simple(name, data, msg, rc=3, bug=None):
        """A damaged dump opened with the symbols: one error line."""
        f = c.file(name, data)
        c.case(name.rsplit(".", 1)[0], rc, "%s %s" % (f, S),
               "kmapdump: %s: %s" % (f, msg), bug=bug)
        return f

    # ---- controls ---------------------------------------------------
    c.group("controls: the unbroken bases (every damaged file below is one of them with one defect)")
    c.file("ok-elf.core", elf)
    c.case("ok-elf", 0, "vtop ok-elf.core %s init_top_pgt" % S, "", "~mapped")
    c.case("ok-elf-verify", 0, "verify --json ok-elf.core", "",
           '~"incomplete":false,"pages":%d,"present_pages":%d,"excluded_pages":0,"bad_pages":0' %
           (pages, present))
    for k, ext in [("zlib", "kdump"), ("lzo", "kdump"), ("snappy", "kdump"),
                   ("zstd", "kdump"), ("none", "kdump"), ("flat", "flat")]:
        f = c.file("ok-%s.%s" % (k, ext), kd[k])
        c.case("ok-%s" % k, 0, "verify --json %s" % f, "",
               '~"incomplete":false,"pages":%d,"present_pages":%d,"excluded_pages":0,"bad_pages":0' %
               (pages, present))
    c.case("ok-zlib-vtop", 0, "vtop ok-zlib.kdump %s init_top_pgt" % S, "", "~mapped")
    c.file("ok-split.1", split[0])
    c.file("ok-split.2", split[1])
    c.case("ok-split", 0, "vtop ok-split.2 ok-split.1 %s init_top_pgt" % S, "", "~mapped")

    # ---- generic ----------------------------------------------------
    c.group("generic: not a dump at all")
    c.file("empty.core", b"")
    c.case("empty", 3, "empty.core %s" % S, "kmapdump: empty.core: empty file")
    c.case("empty-verify", 3, "verify empty.core", "kmapdump: empty.core: empty file")
    c.file("hundred-bytes.bin", pattern(100, 100))
    c.case("hundred-bytes", 3, "hundred-bytes.bin %s" % S,
           "kmapdump: hundred-bytes.bin: neither a crash dump nor a vmlinux or symbol file")
    c.file("directory.core", None)
    c.case("directory", 3, "directory.core %s" % S,
           "kmapdump: directory.core: Is a directory")
    c.case("nonexistent", 3, "regions no-such-file.core %s" % S,
           "kmapdump: no-such-file.core: No such file or directory")
    c.case("nonexistent-verify", 3, "verify no-such-file.core",
           "kmapdump: no-such-file.core: No such file or directory")
    c.case("two-kernels", 2, "ok-elf.core %s %s" % (S, S),
           "kmapdump: %s: more than one kernel given" % S)

    # ---- ELF header ---------------------------------------------------
    c.group("ELF: header fields out of range")
    simple("elf-class-0.core", patch(elf, 4, b"\0"), "offset 0x4: bad ELF class 0")
    simple("elf-class-9.core", patch(elf, 4, b"\x09"), "offset 0x4: bad ELF class 9")
    # ELFCLASS32 on an ELF64 body: the 32-bit e_phentsize is a 64-bit field's zero half
    simple("elf-class-32.core", patch(elf, 4, b"\x01"), "offset 0x2a: bad e_phentsize 0")
    simple("elf-data-msb.core", patch(elf, 5, b"\x02"),
           "offset 0x5: big-endian ELF cores are not supported")
    simple("elf-data-0.core", patch(elf, 5, b"\x00"), "offset 0x5: bad ELF data encoding 0")
    simple("elf-ident-version-0.core", patch(elf, 6, b"\x00"), "offset 0x6: bad ELF version 0")
    simple("elf-version-2.core", put(elf, "<I", 20, 2), "offset 0x14: bad ELF version 2")
    simple("elf-machine-aarch64.core", put(elf, "<H", 18, 183),
           "the dump is of an aarch64 machine, but %s is an x86_64 kernel" % S)
    simple("elf-phoff-eof.core", put(elf, "<Q", 32, n + 8),
           "offset 0x%x: 3 program headers do not fit in the file (%d bytes)" % (n + 8, n))
    simple("elf-phoff-huge.core", put(elf, "<Q", 32, 0xfffffffffffffff0),
           "offset 0xfffffffffffffff0: 3 program headers do not fit in the file (%d bytes)" % n)
    simple("elf-phnum-huge.core", put(elf, "<H", 56, 0xfffe),
           "offset 0x40: 65534 program headers do not fit in the file (%d bytes)" % n)
    simple("elf-phnum-0.core", put(elf, "<H", 56, 0), "offset 0x38: no program headers")
    simple("elf-phentsize-32.core", put(elf, "<H", 54, 32), "offset 0x36: bad e_phentsize 32")
    simple("elf-pnxnum-noshdr.core", put(elf, "<H", 56, 0xffff),
           "offset 0x0: e_phnum is PN_XNUM but section header 0 is not in the file")

    # ---- ELF program headers ------------------------------------------
    c.group("ELF: program headers out of range")
    kp, lp = kload["pos"], lowload["pos"]
    # the kernel's data past the end of the file: nothing to read the page tables from
    simple("elf-load-offset-eof.core", put(elf, "<Q", kp + 8, n + 0x1000),
           reading_pgd + "physical address 0x1001000 is not in the dump (past the end of the truncated file)")
    # a segment claiming more than the file has is a file cut short: opened, marked incomplete
    b = put(put(elf, "<Q", kp + 32, 0x100000), "<Q", kp + 40, 0x100000)
    f = c.file("elf-load-filesz-eof.core", b)
    c.case("elf-load-filesz-eof", 0, "verify --json %s" % f, "", '~"incomplete":true')
    simple("elf-load-offset-wrap.core", put(elf, "<Q", lp + 8, 0xfffffffffffff000),
           "offset 0x%x: PT_LOAD data at 0xfffffffffffff000+0x%x wraps around" % (lp, lowload["filesz"]))
    # overlapping PT_LOADs, as kexec-tools writes them (the kernel image
    # once more inside System RAM, same file data): a segment nested in
    # another must not hide the rest of the outer one
    b = put(elf, "<Q", lp + 8, kload["offset"] + 0x1000)
    b = put(b, "<Q", lp + 24, kload["paddr"] + 0x1000)
    b = put(put(b, "<Q", lp + 32, 0x1000), "<Q", lp + 40, 0x1000)
    f = c.file("elf-load-nested.core", b)
    c.case("elf-load-nested", 0, "vtop %s %s init_top_pgt page_offset_base 0xffff888001002000" % (f, S),
           "", "~mapped")
    b = put(elf, "<Q", lp + 24, kload["paddr"] + 0x1000)
    b = put(put(b, "<Q", lp + 32, 0), "<Q", lp + 40, 0x1000)
    f = c.file("elf-load-nested-excluded.core", b)
    c.case("elf-load-nested-excluded", 0, "vtop %s %s init_top_pgt" % (f, S), "", "~mapped")
    b = put(put(elf, "<Q", lp + 24, 0xfffffffffffff000), "<Q", lp + 40, 0x2000)
    simple("elf-load-paddr-wrap.core", b,
           "offset 0x%x: PT_LOAD 0xfffffffffffff000+0x2000 wraps around" % lp)
    # ends exactly at 2^64: no wrap, but phys_end would be 0
    b = put(elf, "<Q", lp + 24, 0xfffffffffffff000)
    simple("elf-load-paddr-top.core", b,
           "offset 0x%x: PT_LOAD 0xfffffffffffff000+0x1000 lies beyond the 52-bit physical address space" % lp)
    b = put(elf, "<Q", lp + 24, (1 << 52) - 0x800)
    simple("elf-load-paddr-52bit.core", b,
           "offset 0x%x: PT_LOAD 0xffffffffff800+0x1000 lies beyond the 52-bit physical address space" % lp)
    simple("elf-note-offset-eof.core", put(elf, "<Q", E.note["pos"] + 8, n - 0x10),
           "offset 0x%x: PT_NOTE at 0x%x+0x%x lies past the end of the file" %
           (E.note["pos"], n - 0x10, E.note["filesz"]))

    # ---- ELF notes ----------------------------------------------------
    c.group("ELF: notes")
    simple("elf-note-namesz-huge.core", put(elf, "<I", vi["pos"], 0xffffffff),
           "offset 0x%x: ELF note runs past its segment" % vi["pos"])
    simple("elf-note-descsz-huge.core", put(elf, "<I", vi["pos"] + 4, 0xfffffffd),
           "offset 0x%x: ELF note runs past its segment" % vi["pos"])
    first = E.notes[0]
    simple("elf-note-descsz-past.core", put(elf, "<I", first["pos"] + 4, first["descsz"] + 0x1000),
           "offset 0x%x: ELF note runs past its segment" % first["pos"])
    simple("elf-vmcoreinfo-missing.core", patch(elf, vi["pos"] + 12, b"VMCOREINFX"),
           "no VMCOREINFO note (for QEMU dumps, start the guest with -device vmcoreinfo and load qemu_fw_cfg)")
    simple("elf-vmcoreinfo-empty.core", patch(elf, vi["desc"], b"\0" * vi["descsz"]),
           "no VMCOREINFO note (for QEMU dumps, start the guest with -device vmcoreinfo and load qemu_fw_cfg)")
    g = pattern(vi["descsz"], 7)
    simple("elf-vmcoreinfo-garbage.core", patch(elf, vi["desc"], g),
           "offset 0x%x: VMCOREINFO is not text (byte 0x%02x at +0x0)" % (vi["desc"], g[0]))
    t = vmci.replace("OSRELEASE=", "OSRELEASE=\x01")
    simple("elf-vmcoreinfo-control-char.core", patch(elf, vi["desc"], t.encode()[:vi["descsz"]]),
           "offset 0x%x: VMCOREINFO is not text (byte 0x01 at +0xa)" % vi["desc"])
    t = "\n".join(l for l in vmci.splitlines()
                  if not l.startswith(("NUMBER(phys_base)", "SYMBOL(init_top_pgt)")))
    simple("elf-vmcoreinfo-no-phys-base.core", patch(elf, vi["desc"], t.encode().ljust(vi["descsz"], b"\0")),
           "cannot find phys_base: VMCOREINFO has no NUMBER(phys_base) and no PT_LOAD maps the kernel image")
    t = vmci.replace("PAGESIZE=4096", "PAGESIZE=65536")
    simple("elf-vmcoreinfo-pagesize.core", patch(elf, vi["desc"], t.encode()[:vi["descsz"]]),
           "page size 65536 is not supported")
    t = vmci.replace("SYMBOL(init_top_pgt)=ffffffff81001000", "SYMBOL(init_top_pgt)=ffffffff8100100")
    simple("elf-vmcoreinfo-bad-pgd.core", patch(elf, vi["desc"], t.encode() + b"\0"),
           "init_top_pgt at 0xffffffff8100100 is outside the kernel image")

    # ---- ELF truncation ----------------------------------------------
    c.group("ELF: cut short inside every structure")
    simple("elf-cut-10.core", elf[:10], "neither a crash dump nor a vmlinux or symbol file")
    simple("elf-cut-40.core", elf[:40], "ELF header truncated (file has 40 bytes)")
    simple("elf-cut-60.core", elf[:60], "ELF64 header truncated (file has 60 bytes)")
    simple("elf-cut-phdrs.core", elf[:100],
           "offset 0x40: 3 program headers do not fit in the file (100 bytes)")
    simple("elf-cut-notes.core", elf[:vi["desc"] + 16],
           "offset 0x%x: PT_NOTE at 0x%x+0x%x lies past the end of the file" %
           (E.note["pos"], E.note["offset"], E.note["filesz"]))
    # inside the kernel's first page: init_top_pgt and the variables are gone
    simple("elf-cut-first-load.core", elf[:kload["offset"] + 0x80],
           reading_pgd + "physical address 0x1001000 is not in the dump (past the end of the truncated file)")
    # inside the page tables: opened, marked incomplete, the lost tables said so
    f = c.file("elf-cut-page-tables.core", elf[:kload["offset"] + 0x1800])
    c.case("elf-cut-page-tables", 0, "%s %s" % (f, S), "",
           "~warning:       PGD table at 0x1001000 is not in the dump")
    f = c.file("elf-cut-last-load.core", elf[:lowload["offset"] + 0x800])
    c.case("elf-cut-last-load", 0, "verify --json %s" % f, "",
           '~"incomplete":true,"pages":%d,"present_pages":%d,"excluded_pages":0,"bad_pages":0,"bytes_read":%d' %
           (pages, present, (present - 1) * 4096 + 0x800))
    c.case("elf-cut-last-load-vtop", 1, "vtop %s %s 0xffff888000001800" % (f, S), "",
           "~past the end of the truncated file")

    # ---- kdump header -------------------------------------------------
    c.group("kdump: header fields out of range")
    simple("kdump-signature.kdump", patch(z, 0, b"KDUMQ   "),
           "neither a crash dump nor a vmlinux or symbol file")
    simple("kdump-version-0.kdump", put(z, "<I", 8, 0),
           "offset 0x8: bad header version 0")
    simple("kdump-version-huge.kdump", put(z, "<I", 8, 0x7fffffff),
           "offset 0x8: bad header version 2147483647")
    for tag, v in [("0", 0), ("huge", 0x40000000), ("4000", 4000)]:
        simple("kdump-blocksize-%s.kdump" % tag, put(z, "<I", KH + 4, v),
               "offset 0x%x: kdump header has no sane block size (0x%x)" % (KH + 4, v))
    simple("kdump-blocksize-8192.kdump", put(z, "<I", KH + 4, 8192),
           "offset 0x4000: bitmaps (0x4000 bytes) lie past the end of the file (0x%x bytes)" % zlen)
    simple("kdump-subhdr-negative.kdump", put(z, "<i", KH + 8, -1),
           "offset 0x%x: bad sub-header (-1 blocks) or bitmap size (%d blocks)" % (KH + 8, K.bitmap_blocks))
    simple("kdump-subhdr-eof.kdump", put(z, "<i", KH + 8, 0x1000),
           "offset 0x1001000: bitmaps (0x2000 bytes) lie past the end of the file (0x%x bytes)" % zlen)
    simple("kdump-bitmap-blocks-0.kdump", put(z, "<I", KH + 12, 0),
           "offset 0x%x: bad sub-header (%d blocks) or bitmap size (0 blocks)" % (KH + 8, K.sub_blocks))
    simple("kdump-bitmap-blocks-odd.kdump", put(z, "<I", KH + 12, K.bitmap_blocks + 1),
           "offset 0x%x: bitmap_blocks is %d, not even: not two bitmaps of whole blocks" %
           (KH + 12, K.bitmap_blocks + 1))
    simple("kdump-bitmap-blocks-eof.kdump", put(z, "<I", KH + 12, 0x10000),
           "offset 0x%x: bitmaps (0x10000000 bytes) lie past the end of the file (0x%x bytes)" % (K.bm_off, zlen))
    simple("kdump-mapnr-huge.kdump", put(z, "<Q", K.sub + 96, 1 << 40),
           "offset 0x%x: bitmaps (%d bytes each) are too small for 1099511627776 pages" %
           (K.bm_off, K.bm_half))
    simple("kdump-mapnr-bitmaps-huge.kdump", put(put(z, "<Q", K.sub + 96, 1 << 40), "<I", KH + 12, 0x10000000),
           "offset 0x%x: bitmaps (0x10000000000 bytes) lie past the end of the file (0x%x bytes)" % (K.bm_off, zlen))
    simple("kdump-vmcoreinfo-offset-eof.kdump", put(z, "<Q", K.sub + 32, zlen + 0x100),
           "reading VMCOREINFO at 0x%x: offset 0x%x+0x%x lies past the end of the file (0x%x bytes)" %
           (zlen + 0x100, zlen + 0x100, K.size_vmcoreinfo, zlen))
    simple("kdump-vmcoreinfo-size-eof.kdump", put(z, "<Q", K.sub + 40, zlen),
           "reading VMCOREINFO at 0x%x: offset 0x%x+0x%x lies past the end of the file (0x%x bytes)" %
           (K.off_vmcoreinfo, K.off_vmcoreinfo, zlen, zlen))
    simple("kdump-vmcoreinfo-size-huge.kdump", put(z, "<Q", K.sub + 40, 0x7fffffffffffffff),
           "VMCOREINFO size 9223372036854775807 is implausible")
    # VMCOREINFO "found" in the binary header
    simple("kdump-vmcoreinfo-offset-0.kdump", put(z, "<Q", K.sub + 32, 0),
           "VMCOREINFO is not text (byte 0x%02x at +0x8)" % z[8])
    simple("kdump-machine-aarch64.kdump", patch(z, 12 + 4 * 65, b"aarch64\0"),
           "the dump is of an aarch64 machine, but %s is an x86_64 kernel" % S)

    # ---- kdump descriptors and page data ------------------------------
    c.group("kdump: page descriptors and compressed pages")
    pos, off, size, flags = K.desc[pgd_pfn]

    def pgd_error(name, data, inner, bug=None):
        f = name
        simple(name, data, reading_pgd + inner.replace("@F", f), bug=bug)

    past_end = "@F: offset 0x%x: page descriptor of PFN 0x%x points past the end of the file (record at 0x%x, %d bytes; the file has 0x%x)"
    pgd_error("kdump-desc-offset-eof.kdump", put(z, "<Q", pos, zlen + 0x10000),
              past_end % (pos, pgd_pfn, zlen + 0x10000, size, zlen))
    pgd_error("kdump-desc-size-huge.kdump", put(z, "<I", pos + 8, 0xffffffff),
              past_end % (pos, pgd_pfn, off, 0xffffffff, zlen))
    pgd_error("kdump-desc-size-0.kdump", put(z, "<I", pos + 8, 0),
              "@F: page record at 0x%x (PFN 0x%x): zlib: cannot decompress the page (data error)" % (off, pgd_pfn))
    pgd_error("kdump-desc-flags-unknown.kdump", put(z, "<I", pos + 12, 0x80),
              "@F: offset 0x%x: page descriptor of PFN 0x%x has unknown flags 0x80" % (pos, pgd_pfn))
    pgd_error("kdump-desc-flags-lzo-on-zlib.kdump", put(z, "<I", pos + 12, 0x2),
              "@F: page record at 0x%x (PFN 0x%x): lzo: cannot decompress the page (error -4)" % (off, pgd_pfn))
    codec_err = {"zlib": "zlib: cannot decompress the page (data error)",
               "lzo": "lzo: cannot decompress the page (error -6)",
               "snappy": "snappy: the page decompresses to 16 bytes, not 4096",
               "zstd": "zstd: cannot decompress the page (Unknown frame descriptor)"}
    for codec in ("zlib", "lzo", "snappy", "zstd"):
        kk = Kdump(kd[codec])
        p, o, s, fl = kk.desc[pgd_pfn]
        pgd_error("kdump-%s-garbage.kdump" % codec, patch(kd[codec], o, pattern(s, 0x5eed)),
                  "@F: page record at 0x%x (PFN 0x%x): %s" % (o, pgd_pfn, codec_err[codec]))
    # the page decompresses to 2 KiB, or to more than 4 KiB
    for tag, payload in [("short", b"\x01" * 2048), ("long", b"\x01" * 8192)]:
        rc_ = zlib.compress(payload, 9)
        b = put(put(z + rc_, "<Q", pos, zlen), "<I", pos + 8, len(rc_))
        pgd_error("kdump-zlib-%s-page.kdump" % tag, b,
                  "@F: page record at 0x%x (PFN 0x%x): zlib: %s" %
                  (zlen, pgd_pfn, "the page decompresses to 2048 bytes, not 4096" if tag == "short"
                   else "the page decompresses to more than 4096 bytes"))
    nk = Kdump(kd["none"])
    p, o, s, fl = nk.desc[pgd_pfn]
    pgd_error("kdump-raw-size.kdump", put(kd["none"], "<I", p + 8, 2048),
              "@F: offset 0x%x: uncompressed page record of PFN 0x%x has size 2048, not 4096" % (o, pgd_pfn))
    # a corrupt record of a page nothing needs at start-up: the dump opens;
    # verify counts it, read says why it cannot read it
    p, o, s, fl = K.desc[low_pfn]
    junk = pattern(64, 0xbad)
    b = put(put(put(z + junk, "<Q", p, zlen), "<I", p + 8, len(junk)), "<I", p + 12, 1)
    f = c.file("kdump-zlib-garbage-data.kdump", b)
    c.case("kdump-zlib-garbage-data-verify", 1, "verify --json %s" % f, "",
           '~"bad_pages":1,"bytes_read":%d,"first_error":"%s: page record at 0x%x (PFN 0x%x): zlib: cannot decompress the page (data error)"' %
           ((present - 1) * 4096, f, zlen, low_pfn))
    c.case("kdump-zlib-garbage-data-read", 3, "read --raw %s %s 0xffff888000001000 16" % (f, S),
           "kmapdump: 0xffff888000001000: %s: page record at 0x%x (PFN 0x%x): zlib: cannot decompress the page (data error)" %
           (f, zlen, low_pfn))

    # ---- kdump bitmaps ------------------------------------------------
    c.group("kdump: bitmaps that disagree")
    free_pfn = 0x800      # in no PT_LOAD: clear in both bitmaps, no descriptor
    assert not K.bit(1, free_pfn) and not K.bit(2, free_pfn)
    b = K.set_bit(K.set_bit(z, 2, free_pfn), 1, free_pfn)
    # one more dumped page than descriptors: the table would run into
    # the first page record
    table_end = K.desc_off + 24 * (present + 1)
    first_rec = K.desc[min(K.desc)][1]
    wrong = ("offset 0x%x: the first page record starts at 0x%x, inside the descriptor table "
             "(0x%x-0x%x, for the %d pages the 2nd bitmap marks dumped): bitmap and descriptors disagree" %
             (K.desc_off, first_rec, K.desc_off, table_end, present + 1))
    f = simple("kdump-bitmap-extra-dumpable.kdump", b, wrong)
    c.case("kdump-bitmap-extra-dumpable-verify", 3, "verify --json %s" % f,
           "kmapdump: %s: %s" % (f, wrong))
    simple("kdump-bitmap2-not-subset.kdump", K.set_bit(z, 2, free_pfn), wrong)
    # a dumped page the 1st bitmap calls a hole: the 2nd bitmap decides, as in crash
    f = c.file("kdump-bitmap1-hole-dumped.kdump", K.set_bit(z, 1, pgd_pfn, False))
    c.case("kdump-bitmap1-hole-dumped", 0, "vtop %s %s init_top_pgt" % (f, S), "", "~mapped")

    # ---- kdump truncation ---------------------------------------------
    c.group("kdump: cut short inside every structure")
    simple("kdump-cut-header.kdump", z[:300], "kdump header truncated (file has 300 bytes)")
    simple("kdump-cut-subheader.kdump", z[:K.sub + 40],
           "reading the kdump sub-header: offset 0x%x+0x68 lies past the end of the file (0x%x bytes)" %
           (K.sub, K.sub + 40))
    cut = K.off_vmcoreinfo + 100
    simple("kdump-cut-vmcoreinfo.kdump", z[:cut],
           "reading VMCOREINFO at 0x%x: offset 0x%x+0x%x lies past the end of the file (0x%x bytes)" %
           (K.off_vmcoreinfo, K.off_vmcoreinfo, K.size_vmcoreinfo, cut))
    for tag, cut in [("bitmap1", K.bm1 + 100), ("bitmap2", K.bm2 + 100)]:
        simple("kdump-cut-%s.kdump" % tag, z[:cut],
               "offset 0x%x: bitmaps (0x%x bytes) lie past the end of the file (0x%x bytes)" %
               (K.bm_off, 2 * K.bm_half, cut))
    f = simple("kdump-cut-descs.kdump", z[:K.desc_off + 24 * 3 + 5],
               reading_pgd + "physical address 0x1001000 is page not written: the dump is incomplete")
    c.case("kdump-cut-descs-verify", 0, "verify --json %s" % f, "",
           '~"incomplete":true,"pages":%d,"present_pages":0' % pages)
    lastpos, lastoff, lastsize, _ = max(K.desc.values(), key=lambda d: d[1])
    f = c.file("kdump-cut-last-page.kdump", z[:lastoff + lastsize // 2])
    c.case("kdump-cut-last-page", 0, "verify --json %s" % f, "",
           '~"incomplete":true,"pages":%d,"present_pages":%d' % (pages, present - 1))

    # ---- flattened ----------------------------------------------------
    c.group("flattened: stream garbage")
    fl = kd["flat"]
    F = Flat(fl)
    simple("flat-signature.flat", patch(fl, 0, b"makedumpfilX"),
           "neither a crash dump nor a vmlinux or symbol file")
    simple("flat-type.flat", put(fl, ">Q", 16, 2),
           "neither a crash dump nor a vmlinux or symbol file")
    r = F.rec[len(F.rec) // 2]
    simple("flat-record-negative-offset.flat", put(fl, ">q", r["pos"], -4096),
           "offset 0x%x: bad flattened record (offset 0xfffffffffffff000, size 0x%x)" % (r["pos"], r["len"]))
    simple("flat-record-negative-size.flat", put(fl, ">q", r["pos"] + 8, -16),
           "offset 0x%x: bad flattened record (offset 0x%x, size 0xfffffffffffffff0)" % (r["pos"], r["off"]))
    r1 = F.rec[1]
    simple("flat-record-size-huge.flat", put(fl, ">Q", r1["pos"] + 8, 0x7fffffffffff),
           "offset 0x%x: bad flattened record (offset 0x%x, size 0x7fffffffffff)" % (r1["pos"], r1["off"]))
    # the first record must be the kdump header, at offset 0
    simple("flat-record-offset-huge.flat", put(fl, ">Q", F.rec[0]["pos"], 0x7ffffffffffff000),
           "not a crash dump in a known format")
    simple("flat-header-only.flat", fl[:4096], "flattened file holds no data records")
    simple("flat-cut-header-record.flat", fl[:F.rec[0]["pos"] + 16 + 200],
           "kdump header truncated (file has 200 bytes)")
    f = c.file("flat-no-end-marker.flat", fl[:F.end])
    c.case("flat-no-end-marker", 0, "verify --json %s" % f, "",
           '~"incomplete":true,"pages":%d,"present_pages":%d' % (pages, present))

    # ---- split sets ---------------------------------------------------
    c.group("split: sets that do not fit together")
    s1, s2 = split
    K1, K2 = Kdump(s1), Kdump(s2)
    c.case("split-missing-part", 0, "verify --json ok-split.1", "",
           '~"incomplete":true,"pages":%d,"present_pages":%d' % (pages, len(K1.desc)))
    c.case("split-same-part-twice", 2, "ok-split.1 ok-split.1 %s" % S,
           "kmapdump: ok-split.1 and ok-split.1 overlap (PFN 0x0)")
    c.case("split-with-whole-dump", 2, "ok-split.1 ok-zlib.kdump %s" % S,
           "kmapdump: ok-zlib.kdump: several dump files given, but this one is not part of a split set")
    c.case("split-with-elf", 2, "ok-split.1 ok-elf.core %s" % S,
           "kmapdump: ok-elf.core: not a kdump-compressed file like ok-split.1")
    c.case("split-elf-first", 2, "ok-elf.core ok-split.1 %s" % S,
           "kmapdump: ok-split.1: only split kdump-compressed dumps come in several files")
    f = c.file("split-other-mapnr.2", put(s2, "<Q", K2.sub + 96, K2.max_mapnr_64 + 8))
    c.case("split-other-mapnr", 2, "ok-split.1 %s %s" % (f, S),
           "kmapdump: %s: covers 0x%x pages, ok-split.1 covers 0x%x: not parts of the same dump" %
           (f, K2.max_mapnr_64 + 8, K1.max_mapnr_64))
    f = c.file("split-overlap.2", put(s2, "<Q", K2.sub + 80, K2.start_pfn - 1))
    c.case("split-overlap", 2, "ok-split.1 %s %s" % (f, S),
           "kmapdump: ok-split.1 and %s overlap (PFN 0x%x)" % (f, K2.start_pfn - 1))
    f = c.file("split-range-outside.2", put(s2, "<Q", K2.sub + 88, K2.max_mapnr_64 + 1))
    c.case("split-range-outside", 3, "ok-split.1 %s %s" % (f, S),
           "kmapdump: %s: split part PFN range 0x%x-0x%x is outside 0..0x%x" %
           (f, K2.start_pfn, K2.max_mapnr_64 + 1, K2.max_mapnr_64))
    f = c.file("split-blocksize.2", put(s2, "<I", KH + 4, 8192))
    c.case("split-blocksize", 3, "ok-split.1 %s %s" % (f, S),
           "kmapdump: %s: block size 8192 differs from the first part's 4096" % f)

    # ---- the kernel does not belong to the dump -------------------------
    c.group("vmlinux: does not belong to the dump")
    bid = bytes.fromhex(build_id)
    other = bytes(range(20))
    v = c.file("vmlinux-ok", make_vmlinux(syms_text, release, bid))
    c.case("vmlinux-ok", 0, "vtop ok-elf.core %s init_top_pgt" % v, "", "~mapped")
    v = c.file("vmlinux-other-build-id", make_vmlinux(syms_text, release, other))
    msg = "%s: build ID %s does not match the dump's %s (use --force to go on)" % (v, other.hex(), build_id)
    c.case("vmlinux-other-build-id", 3, "ok-elf.core %s" % v, "kmapdump: " + msg)
    c.case("vmlinux-other-build-id-kdump", 3, "ok-zlib.kdump %s" % v, "kmapdump: " + msg)
    c.case("vmlinux-other-build-id-force", 0, "regions --force ok-elf.core %s" % v, "",
           "~warning:       " + msg)
    v = c.file("vmlinux-other-release", make_vmlinux(syms_text, "6.1.0-other", None))
    c.case("vmlinux-other-release", 3, "ok-zlib.kdump %s" % v,
           "kmapdump: %s: kernel release 6.1.0-other does not match the dump's %s (use --force to go on)" %
           (v, release))
    t = syms_text.replace("ffffffff81000000 T _stext", "ffffffff81200000 T _stext")
    v = c.file("other-stext.syms", t.encode())
    c.case("syms-other-stext", 3, "ok-elf.core %s" % v,
           "kmapdump: %s: _stext is 0xffffffff81200000 + KASLR offset 0x0, but the dump says 0xffffffff81000000 (use --force to go on)" % v)
    v = c.file("garbage.syms", (syms_text + "this is not a symbol line\n").encode())
    c.case("syms-garbage-line", 3, "ok-elf.core %s" % v,
           "kmapdump: %s:%d: not a symbol line" % (v, syms_text.count("\n") + 1))

    c.group("architecture: dump and kernel of different architectures")
    v = c.file("i386.syms", ("ARCH=i386\n" + syms_text).encode())
    c.case("syms-i386-for-x86_64", 3, "ok-elf.core %s" % v,
           "kmapdump: ok-elf.core: the dump is of an x86_64 machine, but %s is an i386 kernel" % v)
    simple("elf-machine-i386.core", put(elf, "<H", 18, 3),
           "the dump is of an i386 machine, but %s is an x86_64 kernel" % S)


KEEP = {"make.py", "CASES", "README"}


def write(c, out):
    os.makedirs(out, exist_ok=True)
    # files of cases that are gone
    for name in sorted(os.listdir(out)):
        p = os.path.join(out, name)
        if name not in c.files and name not in KEEP and os.path.isfile(p):
            os.unlink(p)
    for name, data in sorted(c.files.items()):
        p = os.path.join(out, name)
        if data is None:
            os.makedirs(p, exist_ok=True)
            with open(os.path.join(p, "README"), "w") as f:
                f.write("A directory given where a dump belongs (case 'directory').\n")
            continue
        with open(p, "wb") as f:
            f.write(data)
    lines = ["# Broken-dump corpus: generated by testdata/broken/make.py, run by",
             "# tests/broken/run.sh.  Do not edit: change make.py and rerun it.",
             "#",
             "# NAME | EXIT | ARGS | STDOUT | STDERR",
             "#   ARGS run with this directory as the working directory; STDOUT",
             "#   '-' nothing, '~TEXT' must contain TEXT; STDERR the exact line, or",
             "#   nothing.  'KNOWN-BUG(ID)': EXIT/STDOUT/STDERR are what kmapdump",
             "#   does now, which is wrong (see BUGS); never a PASS.",
             "#",
             "# BUGS (not fixed yet):"]
    for bid, (where, what) in BUGS.items():
        lines += textwrap.wrap("%s %s: %s" % (bid, where, what), 76,
                               initial_indent="#   ", subsequent_indent="#       ")
    for cs in c.cases:
        if cs[0] == "#":
            lines.append("")
            lines.append("# " + cs[1])
            continue
        name, rc, args, so, se = cs
        lines.append(("%s | %d | %s | %s | %s" % (name, rc, args, so, se)).rstrip())
    with open(os.path.join(out, "CASES"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mkvmcore", default=os.environ.get("MKVMCORE"),
                    help="generator binary (default: $MKVMCORE, else build/tests/mkvmcore, "
                         "build-broken/tests/mkvmcore or tests/mkvmcore)")
    ap.add_argument("--out", default=HERE)
    a = ap.parse_args()
    gen_bin = a.mkvmcore
    if not gen_bin:
        for cand in ("build/tests/mkvmcore", "build-broken/tests/mkvmcore", "tests/mkvmcore"):
            if os.access(os.path.join(TOP, cand), os.X_OK):
                gen_bin = os.path.join(TOP, cand)
                break
    if not gen_bin:
        sys.exit("make.py: no mkvmcore (build it: make tests/mkvmcore; or pass --mkvmcore)")
    c = build(gen_bin)
    write(c, a.out)
    ncases = sum(1 for cs in c.cases if cs[0] != "#")
    print("make.py: %d cases, %d files in %s" % (ncases, len(c.files), a.out))


if __name__ == "__main__":
    main()
