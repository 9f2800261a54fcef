#!/usr/bin/env python3
"""Generator self-check: an independent, minimal reader of mkvmcore output.

usage: selfcheck.py WORKDIR

Parses the vmcore the way a dump reader would (ELF headers incl. PN_XNUM,
PT_NOTE/VMCOREINFO, PT_LOAD), takes the kernel's variables from the dumped
memory, walks the page tables for every probe and compares the answer with
expect.jsonl (status, pa, page_size, file offset).  This validates the
*generator*: the expectations themselves come from mkvmcore's mapping list,
this script only proves the written bytes agree with them.  Prints nothing
and exits 0 if all agree, otherwise prints one summary line and exits 1.
"""
import json
import os
import struct
import sys

wd = sys.argv[1]
data = open(os.path.join(wd, "vmcore"), "rb").read()
problems = []

elf32 = data[4] == 1  # ELFCLASS32 (i386)
if elf32:
    (e_phoff, e_shoff) = struct.unpack_from("<II", data, 28)
    e_phnum, = struct.unpack_from("<H", data, 44)
    if e_phnum == 0xFFFF:
        e_phnum, = struct.unpack_from("<I", data, e_shoff + 28)
else:
    (e_phoff, e_shoff) = struct.unpack_from("<QQ", data, 32)
    e_phnum, = struct.unpack_from("<H", data, 56)
    if e_phnum == 0xFFFF:
        e_phnum, = struct.unpack_from("<I", data, e_shoff + 44)
loads, vmci = [], None
for i in range(e_phnum):
    if elf32:
        p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, _ = \
            struct.unpack_from("<IIIIIIII", data, e_phoff + 32 * i)
    else:
        p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz = \
            struct.unpack_from("<IIQQQQQ", data, e_phoff + 56 * i)
    if p_type == 1:
        loads.append((p_paddr, p_filesz, p_memsz, p_offset))
    elif p_type == 4:
        off, end = p_offset, p_offset + p_filesz
        while off + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", data, off)
            nm = data[off + 12:off + 12 + namesz].rstrip(b"\0")
            doff = off + 12 + ((namesz + 3) & ~3)
            if nm == b"VMCOREINFO":
                vmci = data[doff:doff + descsz].decode()
            off = doff + ((descsz + 3) & ~3)
info = dict(l.split("=", 1) for l in vmci.splitlines() if "=" in l)
symlines = open(os.path.join(wd, "symbols")).read().splitlines()
if "ARCH=i386" in symlines:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import selfcheck_i386

    def locate32(pa):
        for paddr, filesz, memsz, off in loads:
            if paddr <= pa < paddr + memsz:
                if pa >= paddr + filesz:
                    return "excluded", None
                o = off + pa - paddr
                return ("mapped", {"offset": o}) if o < len(data) else ("not-in-dump", None)
        return "not-in-dump", None

    def read32(pa, n):
        st, f = locate32(pa)
        if st != "mapped" or f["offset"] + n > len(data):
            raise LookupError(f"PA {pa:#x} not readable ({st})")
        return data[f["offset"]:f["offset"] + n]

    problems = selfcheck_i386.run(wd, info, symlines, locate32, read32)
    if problems:
        print(f"{len(problems)} disagreement(s): " + "; ".join(problems[:3]))
        sys.exit(1)
    sys.exit(0)
kaslr = int(info["KERNELOFFSET"], 16)
phys_base = int(info["NUMBER(phys_base)"])
l5 = info["NUMBER(pgtable_l5_enabled)"] == "1"
sme = int(info["NUMBER(sme_mask)"])
syms = {}
for l in open(os.path.join(wd, "symbols")):
    f = l.split()
    if len(f) == 3:
        syms[f[2]] = int(f[0], 16)


def file_off(pa):
    """(status, offset) for a physical address."""
    for paddr, filesz, memsz, off in loads:
        if paddr <= pa < paddr + memsz:
            if pa >= paddr + filesz:
                return "excluded", None
            o = off + pa - paddr
            return ("mapped", o) if o < len(data) else ("not-in-dump", None)
    return "not-in-dump", None


def rd64(pa):
    st, o = file_off(pa)
    if st != "mapped" or o + 8 > len(data):
        raise LookupError(f"PA {pa:#x} not readable ({st})")
    return struct.unpack_from("<Q", data, o)[0]


def kpa(link):
    return (link + kaslr - 0xffffffff80000000 + phys_base) & (2**64 - 1)


pgd = kpa(syms["init_top_pgt"])
if int(info["SYMBOL(init_top_pgt)"], 16) != syms["init_top_pgt"] + kaslr:
    problems.append("SYMBOL(init_top_pgt) disagrees with symbols file")
if rd64(kpa(syms["phys_base"])) != phys_base & (2**64 - 1):
    problems.append("phys_base variable in memory disagrees with VMCOREINFO")
ADDR = 0x000ffffffffff000 & ~sme


def walk(va):
    shifts = [48, 39, 30, 21, 12] if l5 else [39, 30, 21, 12]
    table = pgd
    for s in shifts:
        e = rd64(table + ((va >> s) & 511) * 8)
        if not e & 1:
            return None
        if s == 12 or (s in (30, 21) and e & 0x80):
            mask = (1 << s) - 1
            base = e & ADDR & ~mask
            if s > 12 and e & (1 << 12):
                problems.append(f"{va:#x}: PAT bit set (fine) ")  # informational
                problems.pop()
            return base | (va & mask), 1 << s
        table = e & ADDR
    return None


for line in open(os.path.join(wd, "expect.jsonl")):
    o = json.loads(line)
    if o["kind"] != "probe":
        continue
    exp = o["expect"]
    if exp["status"] == "invalid":
        continue
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
        st, off = file_off(pa)
        got = {"status": st, "pa": hex(pa), "page_size": size,
               "file": {"offset": off} if off is not None else None}
    for k, v in got.items():
        if k in exp and exp[k] != v:
            problems.append(f"{o['input']}: {k}={v} but expectation says {exp[k]}")

if problems:
    print(f"{len(problems)} disagreement(s): " + "; ".join(problems[:3]))
    sys.exit(1)
