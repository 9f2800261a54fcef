#!/usr/bin/env python3
"""Reference translations for the i386 real tier (libkdumpfile/libaddrxlat).

usage: ref_vtop_i386.py [options] DUMPDIR VMLINUX VMCORE OUT.jsonl

1. Works out the layout *without kmapdump*: PAGE_OFFSET (0xc0000000, the
   Debian config), high_memory from the boot log's "HighMem" zone start
   (guest-dmesg.txt), VMALLOC_START = high_memory + 8 MiB, VMALLOC_END from
   /proc/meminfo's VmallocTotal, PKMAP_BASE = VMALLOC_END + 2 pages,
   LAST_PKMAP from CONFIG_X86_PAE in VMCOREINFO, the vmap areas from the
   guest's /proc/vmallocinfo, kernel symbols from `nm VMLINUX`.
2. Samples addresses (seeded, deterministic) over every region: lowmem
   (random, kernel text/data symbols, boundaries), the gap above
   high_memory, vmalloc areas (inside, first page, guard page, gaps), every
   page of the pkmap window, every page above it (LDT remap,
   cpu_entry_area; the top 4 MiB labelled fixmap, with the kmap_atomic
   slots), user addresses.
3. Runs kdf_vtop (libaddrxlat's page-table walk) on them and writes JSON
   Lines {"va","status","pa","page_size","source"} as compare.py reads
   (ref_vtop.kdf_reference, shared with the x86_64 bpo tier).

The sample depends only on DUMPDIR and VMLINUX, so every format of a dump
gets the same addresses (--addresses writes them).
"""
import argparse
import os
import random
import re
import subprocess
import sys

import ref_vtop

PAGE = 4096
PAGE_OFFSET = 0xc0000000
VMALLOC_OFFSET = 8 << 20


def read(path):
    with open(path) as f:
        return f.read()


def layout(dumpdir, vmlinux):
    lay = {}
    vmci = dict(l.split("=", 1) for l in read(os.path.join(dumpdir, "vmcoreinfo.txt")).splitlines()
                if "=" in l)
    lay["pae"] = vmci.get("CONFIG_X86_PAE") == "y"
    lay["swapper_pg_dir"] = int(vmci["SYMBOL(swapper_pg_dir)"], 16)
    dmesg = read(os.path.join(dumpdir, "guest-dmesg.txt"))
    m = re.search(r"HighMem\s+\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]", dmesg)
    if not m:
        sys.exit("ref_vtop_i386: no HighMem zone in guest-dmesg.txt")
    lay["high_memory"] = PAGE_OFFSET + int(m.group(1), 16)
    lay["highmem_end_pa"] = int(m.group(2), 16) + 1
    meminfo = read(os.path.join(dumpdir, "guest-meminfo.txt"))
    m = re.search(r"^VmallocTotal:\s+(\d+) kB", meminfo, re.M)
    lay["vmalloc_start"] = lay["high_memory"] + VMALLOC_OFFSET
    lay["vmalloc_end"] = lay["vmalloc_start"] + int(m.group(1)) * 1024
    lay["pkmap_base"] = lay["vmalloc_end"] + 2 * PAGE
    lay["last_pkmap"] = 512 if lay["pae"] else 1024
    lay["pkmap_end"] = lay["pkmap_base"] + lay["last_pkmap"] * PAGE
    lay["vmap"] = []
    for l in read(os.path.join(dumpdir, "guest-vmallocinfo.txt")).splitlines():
        m = re.match(r"0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\d+)\s+(.*)$", l)
        if m:
            lay["vmap"].append((int(m.group(1), 16), int(m.group(2), 16), m.group(4)))
    ram = []
    for l in read(os.path.join(dumpdir, "guest-iomem.txt")).splitlines():
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) : System RAM$", l)
        if m:
            ram.append((int(m.group(1), 16), int(m.group(2), 16) + 1))
    lay["ram"] = ram
    syms = {}
    ksyms = []
    out = subprocess.run(["nm", vmlinux], check=True, stdout=subprocess.PIPE).stdout.decode()
    # KASLR: i386 VMCOREINFO has no KERNELOFFSET; the offset is the
    # difference between the running and the linked _stext.
    m = re.search(r"^([0-9a-f]{8}) \S _stext$", out, re.M)
    lay["kaslr"] = int(vmci["SYMBOL(_stext)"], 16) - int(m.group(1), 16) \
        if m and "SYMBOL(_stext)" in vmci else 0
    for a, t, n in re.findall(r"^([0-9a-f]{8}) (\S) (\S+)$", out, re.M):
        a = int(a, 16)
        if PAGE_OFFSET <= a < 0xff000000:
            a += lay["kaslr"]
        syms.setdefault(n, a)
        if a >= PAGE_OFFSET:
            ksyms.append((a, t, n))
    lay["syms"], lay["ksyms"] = syms, ksyms
    return lay


def sample(lay, seed):
    rng = random.Random(seed)
    out = {}

    def add(va, src):
        va &= 0xffffffff
        out.setdefault(va, src)

    syms = lay["syms"]
    lo, hi = PAGE_OFFSET, lay["high_memory"]
    text = [a for a, t, n in lay["ksyms"] if t in "Tt" and syms["_stext"] <= a < syms["_etext"]]
    data = [a for a, t, n in lay["ksyms"] if t in "DdRrBb" and syms["_etext"] <= a < syms["_end"]]
    for a in rng.sample(text, min(len(text), 300)):
        add(a + rng.choice([0, 0, rng.randrange(0, 256)]), "kernel-text")
    for a in rng.sample(data, min(len(data), 300)):
        add(a + rng.choice([0, 0, rng.randrange(0, 64)]), "kernel-data")
    for n in ("_text", "_stext", "_etext", "_sdata", "_edata", "__start_rodata",
              "__init_begin", "__init_end", "__bss_start", "__bss_stop", "_end",
              "swapper_pg_dir", "initial_page_table", "pkmap_page_table"):
        if n in syms:
            add(syms[n], "kernel-data")
    for k in range(600):
        add(rng.randrange(lo, hi), "lowmem")
    for a, b in lay["ram"]:
        if PAGE_OFFSET + a < hi:
            add(PAGE_OFFSET + a, "lowmem")
            add(min(PAGE_OFFSET + b, hi) - 1, "lowmem")
    add(lo, "lowmem")
    add(hi - 1, "lowmem")
    # the gap between high_memory and VMALLOC_START
    for k in range(20):
        add(rng.randrange(hi, lay["vmalloc_start"]), "hole")
    add(hi, "hole")
    # vmalloc: inside the areas, their first and guard pages, the gaps
    vmap = sorted(lay["vmap"])
    for k in range(500):
        a, b, _ = rng.choice(vmap)
        add(rng.randrange(a, b), "vmalloc")
    for a, b, _ in vmap:
        add(a + rng.randrange(0, PAGE), "vmalloc")
        add(b - PAGE + rng.randrange(0, PAGE), "vmalloc")  # guard page
    gaps = [(b, c) for (a, b, _), (c, d, _) in zip(vmap, vmap[1:]) if c > b]
    for b, c in gaps:
        add(rng.randrange(b, c), "vmalloc-gap")
    for k in range(150):
        add(rng.randrange(lay["vmalloc_start"], lay["vmalloc_end"]), "vmalloc-range")
    add(lay["vmalloc_start"], "vmalloc-range")
    add(lay["vmalloc_end"] - 1, "vmalloc-range")
    add(lay["vmalloc_end"], "hole")
    add(lay["vmalloc_end"] + PAGE, "hole")
    # every page of the pkmap window
    for va in range(lay["pkmap_base"], lay["pkmap_end"], PAGE):
        add(va + rng.randrange(0, PAGE), "pkmap")
    # every page above the pkmap window: LDT remap, cpu_entry_area, the
    # fixmap with the kmap_atomic slots (the top 4 MiB)
    for va in range(lay["pkmap_end"], 0x100000000, PAGE):
        add(va + rng.randrange(0, PAGE), "fixmap" if va >= 0xffc00000 else "cpu-entry-area")
    add(0xfffff000, "fixmap")
    add(0xffffffff, "fixmap")
    # user space (nothing mapped in swapper_pg_dir below PAGE_OFFSET)
    for va in (0, 0x1000, 0x8048000, PAGE_OFFSET - 1):
        add(va, "user")
    for k in range(40):
        add(rng.randrange(0, PAGE_OFFSET), "user")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dumpdir")
    ap.add_argument("vmlinux")
    ap.add_argument("vmcore")
    ap.add_argument("out")
    ap.add_argument("--kdf", required=True, help="kdf_vtop binary")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--addresses", help="also write the sampled addresses here")
    args = ap.parse_args()

    lay = layout(args.dumpdir, args.vmlinux)
    print("ref_vtop_i386: pae=%d high_memory=%#x vmalloc=%#x-%#x pkmap=%#x-%#x "
          "vmap_areas=%d ksyms=%d kaslr=%#x" % (lay["pae"], lay["high_memory"], lay["vmalloc_start"],
                                      lay["vmalloc_end"], lay["pkmap_base"], lay["pkmap_end"],
                                      len(lay["vmap"]), len(lay["ksyms"]), lay["kaslr"]), file=sys.stderr)
    samples = sample(lay, args.seed)
    vas = sorted(samples)
    if args.addresses:
        with open(args.addresses, "w") as f:
            for va in vas:
                f.write("%#x\n" % va)
    ref_vtop.kdf_reference([args.kdf, "--arch", "ia32", "--rootpgt",
                            "%#x" % (lay["swapper_pg_dir"] - PAGE_OFFSET), args.vmcore],
                           samples, args.out, "ref_vtop_i386")


if __name__ == "__main__":
    main()
