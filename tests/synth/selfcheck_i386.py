"""i386 part of the generator self-check (used by selfcheck.py for ELF32 /
ELF64-EM_386 cores and by selfcheck_kdump.py for kdump-compressed ones).

run(wd, info, symlines, locate, read) walks the i386 page tables (2-level
or PAE, as VMCOREINFO's CONFIG_X86_PAE says) written into the dump for
every probe and compares status/pa/page_size/file with expect.jsonl; it
also checks the kernel variables kmapdump reads (high_memory,
pkmap_page_table) against the regions expectation.  locate(pa) gives
(status, file object or None); read(pa, n) gives n bytes or raises
LookupError.  Returns a list of problems.
"""
import json
import os
import struct


def run(wd, info, symlines, locate, read):
    problems = []
    consts, syms = {}, {}
    for l in symlines:
        f = l.split()
        if len(f) == 3:
            syms[f[2]] = int(f[0], 16)
        elif len(f) == 1 and "=" in l:
            k, v = l.split("=", 1)
            consts[k] = v
    po = int(consts["NUMBER(PAGE_OFFSET)"], 0)
    pae = info.get("CONFIG_X86_PAE") == "y"
    kaslr = (int(info["SYMBOL(_stext)"], 16) - syms["_stext"]) & 0xffffffff
    pgd = int(info["SYMBOL(swapper_pg_dir)"], 16) - po
    if pgd != syms["swapper_pg_dir"] + kaslr - po:
        problems.append("SYMBOL(swapper_pg_dir) disagrees with the symbols file")

    def rd(pa, n):
        return int.from_bytes(read(pa, n), "little")

    def var(name):
        return rd(syms[name] + kaslr - po, 4)

    ADDR = 0x000ffffffffff000

    def walk(va):
        """(pa, page_size) or None if unmapped; LookupError if a table is unreadable."""
        if pae:
            e = rd(pgd + (va >> 30) * 8, 8)
            if not e & 1:
                return None
            e = rd((e & ADDR) + ((va >> 21) & 511) * 8, 8)
            if not e & 1:
                return None
            if e & 0x80:
                return (e & ADDR & ~0x1fffff) | (va & 0x1fffff), 2 << 20
            e = rd((e & ADDR) + ((va >> 12) & 511) * 8, 8)
            if not e & 1:
                return None
            return (e & ADDR) | (va & 0xfff), 4096
        e = rd(pgd + (va >> 22) * 4, 4)
        if not e & 1:
            return None
        if e & 0x80:
            return ((e & 0xffc00000) | ((e >> 13) & 0xff) << 32) | (va & 0x3fffff), 4 << 20
        e = rd((e & 0xfffff000) + ((va >> 12) & 1023) * 4, 4)
        if not e & 1:
            return None
        return (e & 0xfffff000) | (va & 0xfff), 4096

    regions = None
    for line in open(os.path.join(wd, "expect.jsonl")):
        o = json.loads(line)
        if o["kind"] == "regions":
            regions = o["expect"]
        if o["kind"] != "probe" or o["expect"]["status"] == "invalid":
            continue
        exp = o["expect"]
        va = int(exp["va"], 16)
        try:
            r = walk(va)
        except LookupError as e:
            # a table outside the dump: kmapdump reports the table's fate
            if exp.get("pa") is not None or exp["status"] not in ("not-in-dump", "excluded"):
                problems.append(f"{o['input']}: walk failed: {e}")
            continue
        if r is None:
            got = {"status": "unmapped", "pa": None}
        else:
            pa, size = r
            st, fobj = locate(pa)
            got = {"status": st, "pa": hex(pa), "page_size": size, "file": fobj}
        for k, v in got.items():
            if k in exp and exp[k] != v:
                problems.append(f"{o['input']}: {k}={v} but expectation says {exp[k]}")
    if regions is not None:
        try:
            hm = var("high_memory")
            if hm - po != regions["lowmem_bytes"] and hm > po:
                problems.append(f"high_memory {hm:#x} disagrees with lowmem_bytes")
            pk = var("pkmap_page_table")
            exp_pk = [x for x in regions["regions"] if x["name"] == "pkmap"]
            if exp_pk and pk >= po:
                base = int(exp_pk[0]["start"], 16)
                if pae:
                    e = rd(pgd + (base >> 30) * 8, 8)
                    e = rd((e & ADDR) + ((base >> 21) & 511) * 8, 8)
                    t = e & ADDR
                else:
                    t = rd(pgd + (base >> 22) * 4, 4) & 0xfffff000
                if t != pk - po:
                    problems.append(f"pkmap entry at {base:#x} does not point at pkmap_page_table")
        except LookupError as e:
            problems.append(f"kernel variables unreadable: {e}")
    return problems
