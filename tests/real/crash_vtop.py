#!/usr/bin/env python3
"""Reference translations from the `crash` utility.

usage: crash_vtop.py [options] VMCORE... VMLINUX OUT.jsonl

VMCORE...: one dump file, or all parts of a makedumpfile --split set.

1. Runs crash once to learn the layout of the dumped kernel (help -m,
   page_offset_base/vmalloc_base/vmemmap_base, max_pfn, the e820 table,
   kmem -v, mod / sym -M, sym -l).
2. Samples kernel virtual addresses over every region (deterministic,
   seeded RNG), plus unmapped holes.
3. Runs crash again with one `vtop -k ADDR` per address and parses the
   page-table walk of each answer.
4. Writes JSON Lines: {"va","status","pa","source","page_size"}.

With --like REF.jsonl, steps 1 and 2 are skipped: the addresses (and their
sample classes) are those of REF.jsonl, an earlier output for another
format of the same dump.

crash's vtop prints a "VIRTUAL PHYSICAL" headline first.  Outside vmalloc-like
ranges that headline is plain arithmetic (va - PAGE_OFFSET or va -
__START_KERNEL_map + phys_base) and is printed even when nothing maps the
address, so it is ignored; only the walk below it counts: the final
"  PAGE: <hex>[  (2MB|1GB)]" line gives the physical page, its absence (or
"(not mapped)" / "(not a kernel virtual address)") means unmapped.

crash's `echo` output is not ordered with the output of other commands when
stdout is a file, so answers are matched by the address each vtop prints
itself, not by markers.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

HEX = re.compile(r"^[0-9a-f]+$")
PAGE = 4096


def run_crash(vmcores, vmlinux, commands, logpath=None, timeout=1800):
    with tempfile.NamedTemporaryFile("w", suffix=".crash", delete=False) as f:
        f.write("set scroll off\n")
        for c in commands:
            f.write(c + "\n")
        f.write("quit\n")
        cmdfile = f.name
    try:
        t0 = time.time()
        p = subprocess.run(
            ["crash", "-s", "--no_scroll", vmlinux] + list(vmcores) + ["-i", cmdfile],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        if logpath:
            with open(logpath, "w") as g:
                g.write(out)
        if p.returncode != 0 and "VIRTUAL" not in out and "$1" not in out:
            sys.exit("crash failed (exit %d):\n%s" % (p.returncode, out[-3000:]))
        print("crash_vtop: crash ran %d commands in %.1fs" %
              (len(commands), time.time() - t0), file=sys.stderr)
        return out
    finally:
        os.unlink(cmdfile)


# ---------------------------------------------------------------- layout

def get_layout(vmcores, vmlinux, logdir):
    cmds = [
        "help -m",
        "p/x page_offset_base",
        "p/x vmalloc_base",
        "p/x vmemmap_base",
        "p/x max_pfn",
        "p/x e820_table->entries[0]@e820_table->nr_entries",
        "kmem -v",
        "sym -M",
        "sym -l",
    ]
    out = run_crash(vmcores, vmlinux, cmds,
                    logdir and os.path.join(logdir, "crash-layout.log"))
    lay = {}
    for key in ("page_offset", "vmalloc_start_addr", "vmalloc_end",
                "modules_vaddr", "modules_end", "vmemmap_vaddr", "vmemmap_end",
                "cpu_entry_area_start", "cpu_entry_area_end", "userspace_top",
                "phys_base", "pgdir_shift"):
        m = re.search(r"^\s*%s: ([0-9a-f]+)\s*$" % key, out, re.M)
        if m:
            lay[key] = int(m.group(1), 16)
    vals = [int(v, 16) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+)\s*$", out, re.M)]
    if len(vals) < 4:
        sys.exit("crash_vtop: could not read kernel variables:\n" + out[-3000:])
    (lay["page_offset_base"], lay["vmalloc_base"], lay["vmemmap_base"],
     lay["max_pfn"]) = vals[:4]
    m = re.search(r"^\s*flags: .*\((.*)\)\s*$", out, re.M)
    lay["l5"] = 1 if m and "VM_5LEVEL" in m.group(1).split("|") else 0
    lay["ram"], lay["e820_other"] = [], []
    for a, s, t in re.findall(r"addr = (0x[0-9a-f]+),\s+size = (0x[0-9a-f]+),\s+"
                              r"type = (0x[0-9a-f]+)", out):
        a, s, t = int(a, 16), int(s, 16), int(t, 16)
        (lay["ram"] if t == 1 else lay["e820_other"]).append((a, a + s))
    if not lay["ram"]:
        sys.exit("crash_vtop: no RAM ranges found in e820_table")
    lay["vmap"] = [(int(a, 16), int(b, 16)) for a, b in re.findall(
        r"^[0-9a-f]{16}\s+[0-9a-f]{16}\s+([0-9a-f]{16}) - ([0-9a-f]{16})\s+\d+\s*$",
        out, re.M)]
    starts = dict((n, int(a, 16)) for a, n in
                  re.findall(r"^([0-9a-f]+) MODULE START: (\S+)", out, re.M))
    mods = set()
    for a, n in re.findall(r"^([0-9a-f]+) MODULE END: (\S+)", out, re.M):
        if n in starts:
            mods.add((n, starts[n], int(a, 16)))
    lay["modules"] = sorted(mods)
    syms = {}
    ksyms, msyms = set(), set()
    mod_lo = lay.get("modules_vaddr", 0xffffffffa0000000)
    mod_hi = lay.get("modules_end", 0xffffffffff000000)
    for a, t, n in re.findall(r"^([0-9a-f]+) \((.)\) (\S+)\s*$", out, re.M):
        a = int(a, 16)
        if mod_lo <= a < mod_hi:
            msyms.add((a, t, n))
        elif a >= 0xffffffff80000000:
            ksyms.add((a, t, n))
            syms.setdefault(n, a)
    lay["ksyms"], lay["msyms"] = sorted(ksyms), sorted(msyms)
    lay["syms"] = syms
    for need in ("_text", "_end"):
        if need not in syms:
            sys.exit("crash_vtop: symbol %s not found in sym -l output" % need)
    return lay


# -------------------------------------------------------------- sampling

def sample(lay, seed, scale=1.0):
    rng = random.Random(seed)
    out = {}  # va -> source (first one wins)

    def add(va, src):
        va &= 0xffffffffffffffff
        if va not in out:
            out[va] = src

    def n(k):
        return max(1, int(k * scale))

    syms = lay["syms"]
    l5 = lay["l5"] == 1
    ktext = [s for s in lay["ksyms"]
             if s[1] in "Tt" and syms.get("_stext", syms["_text"]) <= s[0] < syms.get("_etext", syms["_end"])]
    kdata = [s for s in lay["ksyms"]
             if s[1] in "DdRrBb" and syms.get("_etext", syms["_text"]) <= s[0] < syms["_end"]]

    # kernel text / data symbols, some with an offset into the object
    for a, _, _ in rng.sample(ktext, min(len(ktext), n(300))):
        add(a + rng.choice([0, 0, rng.randrange(0, 256)]), "kernel-text")
    for a, _, _ in rng.sample(kdata, min(len(kdata), n(300))):
        add(a + rng.choice([0, 0, rng.randrange(0, 64)]), "kernel-data")
    for name in ("_text", "_stext", "_etext", "__start_rodata", "_sdata",
                 "__bss_start", "__bss_stop", "_end", "init_top_pgt",
                 "swapper_pg_dir", "__init_begin", "__init_end", "_brk_end"):
        if name in syms:
            add(syms[name], "kernel-data" if name not in ("_text", "_stext") else "kernel-text")
    # the kernel image mapping past _end (partly 2M-rounded, then unmapped)
    end = syms["_end"]
    for k in range(n(40)):
        add(((end + PAGE - 1) & ~(PAGE - 1)) + rng.randrange(0, 8 << 20), "kernel-image-end")
    add(0xffffffff80000000, "kernel-image-end")
    add(0xffffffff80000000 + (1 << 30) - PAGE, "kernel-image-end")

    # direct map over RAM
    pob = lay["page_offset_base"]
    ram = lay["ram"]
    total = sum(b - a for a, b in ram)
    for k in range(n(450)):
        r = rng.randrange(total)
        for a, b in ram:
            if r < b - a:
                add(pob + a + r, "directmap")
                break
            r -= b - a
    for a, b in ram:
        add(pob + a, "directmap")
        add(pob + b - 1, "directmap")
    # direct map of e820 non-RAM ranges and beyond the end of RAM
    for a, b in lay["e820_other"]:
        for k in range(n(5)):
            add(pob + a + rng.randrange(0, min(b - a, 1 << 32)), "directmap-nonram")
    maxpa = max(b for a, b in ram)
    maxpa = max(maxpa, lay["max_pfn"] * PAGE)
    for k in range(n(40)):
        add(pob + maxpa + rng.randrange(0, 1 << 36), "directmap-nonram")
    add(pob + maxpa, "directmap-nonram")

    # vmalloc areas (kmem -v), their last page (guard page) and the gaps
    vmap = sorted(v for v in lay["vmap"]
                  if not (lay.get("modules_vaddr", 1 << 64) <= v[0] < lay.get("modules_end", 0)))
    if vmap:
        for k in range(n(450)):
            a, b = rng.choice(vmap)
            add(a + rng.randrange(0, b - a), "vmalloc")
        for a, b in rng.sample(vmap, min(len(vmap), n(60))):
            add(b - PAGE + rng.randrange(0, PAGE), "vmalloc")  # guard page
            add(a, "vmalloc")
        gaps = [(b, c) for (a, b), (c, d) in zip(vmap, vmap[1:]) if c > b]
        for b, c in rng.sample(gaps, min(len(gaps), n(40))):
            add(b + rng.randrange(0, c - b), "vmalloc-gap")
        last = vmap[-1][1]
        vend = lay.get("vmalloc_end", last + (1 << 40))
        for k in range(n(30)):
            add(last + rng.randrange(0, max(PAGE, vend - last)), "vmalloc-gap")
        add(lay["vmalloc_base"] - PAGE, "hole")

    # modules: symbols, random offsets in each module, past the end
    msyms = lay["msyms"]
    for a, _, _ in rng.sample(msyms, min(len(msyms), n(200))):
        add(a + rng.choice([0, 0, rng.randrange(0, 64)]), "module")
    for name, a, b in lay["modules"]:
        for k in range(n(3)):
            add(a + rng.randrange(0, b - a), "module")
        add(b + rng.randrange(0, PAGE), "module")  # just past the module
    if lay["modules"]:
        mend = max(b for _, _, b in lay["modules"])
        mlim = lay.get("modules_end", 0xffffffffff000000)
        for k in range(n(20)):
            add(mend + rng.randrange(0, mlim - mend), "module-gap")

    # vmemmap: struct pages of RAM, and past the end
    vmb = lay["vmemmap_base"]
    for k in range(n(250)):
        a, b = rng.choice(ram)
        pfn = rng.randrange(a // PAGE, max(a // PAGE + 1, b // PAGE))
        add(vmb + pfn * 64 + rng.randrange(0, 64), "vmemmap")
    for k in range(n(30)):
        add(vmb + lay["max_pfn"] * 64 + (2 << 20) + rng.randrange(0, 1 << 34), "vmemmap-gap")

    # fixmap, vsyscall and the top of the address space
    add(0xffffffffff600000, "fixmap")
    for k in range(32):  # APIC / IO-APIC slots live just below 0xffffffffff600000
        add(0xffffffffff5e0000 + k * PAGE + rng.randrange(0, PAGE), "fixmap")
    for k in range(n(64)):  # the permanent fixmap slots, top down
        add(0xffffffffff7ff000 - k * PAGE + rng.randrange(0, PAGE), "fixmap")
    for k in range(n(100)):
        add(0xffffffffff400000 + rng.randrange(0, 0x400000), "fixmap")
    for k in range(n(10)):
        add(0xffffffffff800000 + rng.randrange(0, 0x800000), "fixmap")
    add(0xfffffffffffff000, "fixmap")

    # cpu_entry_area
    cea = lay.get("cpu_entry_area_start", 0xfffffe0000000000)
    add(cea, "cpu-entry-area")
    for k in range(n(120)):
        add(cea + rng.randrange(0, 0x100000), "cpu-entry-area")
    for k in range(n(10)):
        add(cea + rng.randrange(0x1000000, 1 << 39), "cpu-entry-area")

    # espfix area and EFI runtime area (unmapped without EFI)
    for k in range(n(10)):
        add(0xffffff0000000000 + k * PAGE, "espfix")
        add(0xffffff0000000000 + rng.randrange(0, 1 << 39), "espfix")
    for k in range(n(5)):
        add(0xffffffef00000000 + rng.randrange(0, 1 << 32), "hole")

    # holes: guard hole / LDT remap / below page_offset_base, between regions
    kvstart = 0xff00000000000000 if l5 else 0xffff800000000000
    for k in range(n(40)):
        add(kvstart + rng.randrange(0, pob - kvstart), "hole")
    add(kvstart, "hole")
    add(pob - PAGE, "hole")
    for lo, hi in ((pob + maxpa + (1 << 36), lay["vmalloc_base"]),
                   (lay.get("vmalloc_end", lay["vmalloc_base"]) + 1, vmb),
                   (vmb + (1 << 40), cea)):
        if hi > lo:
            for k in range(n(15)):
                add(lo + rng.randrange(0, hi - lo), "hole")
    # user addresses (never mapped in the kernel page table of a dump)
    utop = lay.get("userspace_top", (1 << 56) if l5 else (1 << 47))
    for va in (0, 0x1000, 0x400000):
        add(va, "user")
    for k in range(n(20)):
        add(rng.randrange(0, utop), "user")
    return out


# --------------------------------------------------------------- vtop run

BLOCK = re.compile(r"^VIRTUAL\s+PHYSICAL\s*$", re.M)
PAGE_LINE = re.compile(r"^\s+PAGE: ([0-9a-f]+)(?:\s+\((2MB|1GB)\))?\s*(\[machine\])?\s*$", re.M)
SIZES = {None: 4096, "2MB": 2 << 20, "1GB": 1 << 30}


def parse_vtop(out):
    """Return {va: (status, pa, page_size, note)}."""
    res = {}
    parts = BLOCK.split(out)
    for part in parts[1:]:
        lines = part.lstrip("\n").split("\n")
        head = lines[0].split()
        if not head or not HEX.match(head[0]):
            continue
        va = int(head[0], 16)
        text = "\n".join(lines[1:])
        # the block ends where the next command's output starts; vtop's own
        # output never contains an error line, so cut at the first one
        err = re.search(r"^vtop: .*$", part, re.M)
        if "(not a kernel virtual address)" in lines[0]:
            res[va] = ("unmapped", None, None, "not a kernel virtual address")
            continue
        m = PAGE_LINE.search(text)
        if m:
            size = SIZES[m.group(2)]
            base = int(m.group(1), 16) & ~(size - 1)
            res[va] = ("mapped", base | (va & (size - 1)), size, None)
        elif err:
            res[va] = ("error", None, None, err.group(0))
        else:
            res[va] = ("unmapped", None, None, None)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+", metavar="VMCORE... VMLINUX OUT.jsonl")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply the per-class sample counts")
    ap.add_argument("--addresses", help="also write the sampled addresses here")
    ap.add_argument("--logdir", help="keep crash's raw output in this directory")
    ap.add_argument("--like", metavar="REF.jsonl",
                    help="translate the addresses of this earlier output")
    args = ap.parse_args()
    if len(args.files) < 3:
        ap.error("need VMCORE... VMLINUX OUT.jsonl")
    args.vmcores, args.vmlinux, args.out = args.files[:-2], args.files[-2], args.files[-1]
    if args.logdir:
        os.makedirs(args.logdir, exist_ok=True)

    if args.like:
        samples = {}
        with open(args.like) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    samples[int(r["va"], 16)] = r.get("source", "?")
        print("crash_vtop: %d addresses from %s" % (len(samples), args.like),
              file=sys.stderr)
    else:
        lay = get_layout(args.vmcores, args.vmlinux, args.logdir)
        print("crash_vtop: page_offset_base=%#x vmalloc_base=%#x vmemmap_base=%#x "
              "max_pfn=%#x l5=%d vmap_areas=%d modules=%d ksyms=%d msyms=%d" %
              (lay["page_offset_base"], lay["vmalloc_base"], lay["vmemmap_base"],
               lay["max_pfn"], lay["l5"], len(lay["vmap"]), len(lay["modules"]),
               len(lay["ksyms"]), len(lay["msyms"])), file=sys.stderr)
        samples = sample(lay, args.seed, args.scale)
    vas = sorted(samples)
    if args.addresses:
        with open(args.addresses, "w") as f:
            for va in vas:
                f.write("%#x\n" % va)

    out = run_crash(args.vmcores, args.vmlinux, ["vtop -k %x" % va for va in vas],
                    args.logdir and os.path.join(args.logdir, "crash-vtop.log"))
    res = parse_vtop(out)
    counts = {}
    missing = 0
    with open(args.out + ".tmp", "w") as f:
        for va in vas:
            src = samples[va]
            if va not in res:
                missing += 1
                st, pa, size, note = "error", None, None, "no vtop answer from crash"
            else:
                st, pa, size, note = res[va]
            rec = {"va": "%#x" % va, "status": st,
                   "pa": None if pa is None else "%#x" % pa, "source": src}
            if size:
                rec["page_size"] = size
            if note:
                rec["note"] = note
            f.write(json.dumps(rec) + "\n")
            c = counts.setdefault(src, {})
            c[st] = c.get(st, 0) + 1
    os.rename(args.out + ".tmp", args.out)
    for src in sorted(counts):
        print("crash_vtop: %-18s %s" % (src, " ".join(
            "%s=%d" % kv for kv in sorted(counts[src].items()))), file=sys.stderr)
    print("crash_vtop: %d addresses -> %s%s" % (
        len(vas), args.out, " (%d without answer)" % missing if missing else ""),
        file=sys.stderr)


if __name__ == "__main__":
    main()
