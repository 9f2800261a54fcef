#!/usr/bin/env python3
"""Reference translations for the x86_64 bpo tier, without kmapdump.

usage: ref_vtop.py kdf --kdf KDF_VTOP [--addresses OUT.txt] [--extra FILE] [--seed N]
                       DUMPDIR VMLINUX VMCORE OUT.jsonl
                       (KDF_VTOP is built from kdf_vtop.c if missing or older)
       ref_vtop.py crash --like REF.jsonl [--crash-arg ARG]... [--log LOG]
                       VMCORE VMLINUX OUT.jsonl

kdf: works out the layout from the guest's own view (DUMPDIR, written by
  mkdump.sh bpo): page_offset_base, VMALLOC_START/END, vmemmap_base and
  MODULES_VADDR/END from /proc/kcore's program headers, RAM and reserved
  ranges from /proc/iomem, vmalloc areas (busy, in the module space, and
  lazily freed "unpurged vm_area" ones) from /proc/vmallocinfo, paging
  levels from VMCOREINFO, kernel symbols from VMLINUX's symbol table
  shifted by VMCOREINFO's KERNELOFFSET (which guestview.py checks against
  kcore's _text); samples addresses over every region with crash_vtop.py's
  sampler (seeded), plus addresses in the lazily freed areas and those of
  --extra ("VA SOURCE" lines); and runs kdf_vtop (libaddrxlat's page-table
  walk) on them.  Writes JSON Lines
  {"va","status","pa","page_size","source"} as compare.py reads.

crash: the addresses of REF.jsonl through crash's `vtop -k` (crash_vtop.py's
  runner and parser), crash options from --crash-arg (crash 8.0.2 needs
  --no_modules and --kaslr=OFFSET to open a 6.12 dump at all).

Also a library: kdf_reference() (shared with ref_vtop_i386.py).
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys

import crash_vtop
import guestview

PAGE = 4096


def kdf_reference(argv, samples, out, tag):
    """Run kdf_vtop (ARGV: its command line) on the addresses of SAMPLES
    ({va: source}) and write OUT (JSON Lines, the answers with "source");
    prints counts per source on stderr; exits on a kdf_vtop failure."""
    vas = sorted(samples)
    p = subprocess.run(argv, input="".join("%x\n" % va for va in vas).encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sys.stderr.write(p.stderr.decode())
    if p.returncode != 0:
        sys.exit("%s: kdf_vtop failed (exit %d)" % (tag, p.returncode))
    res = {}
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        res[int(r["va"], 16)] = r
    counts = {}
    with open(out + ".tmp", "w") as f:
        for va in vas:
            r = res.get(va, {"va": "%#x" % va, "status": "error", "note": "no answer"})
            r["source"] = samples[va]
            f.write(json.dumps(r) + "\n")
            c = counts.setdefault(r["source"], {})
            c[r["status"]] = c.get(r["status"], 0) + 1
    os.rename(out + ".tmp", out)
    for src in sorted(counts):
        print("%s: %-18s %s" % (tag, src, " ".join("%s=%d" % kv for kv in sorted(counts[src].items()))),
              file=sys.stderr)
    print("%s: %d addresses -> %s" % (tag, len(vas), out), file=sys.stderr)


def ensure_kdf(path):
    """build kdf_vtop.c (next to this script) into PATH if PATH is missing
    or older; exits with the compiler's output on failure"""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kdf_vtop.c")
    if os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(src):
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    p = subprocess.run(["cc", "-O2", "-Wall", "-o", path, src, "-lkdumpfile", "-laddrxlat"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        sys.exit("ref_vtop: building kdf_vtop failed (needs libkdumpfile-dev):\n" + p.stdout.decode())


def layout(dumpdir, vmlinux):
    """crash_vtop.sample()'s layout dict, from the guest's view"""
    rd = lambda n: guestview.read(os.path.join(dumpdir, n))  # noqa: E731
    vmci = dict(l.split("=", 1) for l in rd("vmcoreinfo.txt").splitlines() if "=" in l)
    koff = int(vmci.get("KERNELOFFSET", "0"), 16)
    kl = guestview.kcore_layout(os.path.join(dumpdir, "guest-kcore.txt"))
    lay = {"l5": int(vmci.get("NUMBER(pgtable_l5_enabled)", "0")),
           "page_offset_base": kl["page_offset_base"],
           "vmalloc_base": kl["vmalloc"][0], "vmalloc_end": kl["vmalloc"][1] - 1,
           "vmemmap_base": kl["vmemmap_base"],
           "modules_vaddr": kl["modules"][0], "modules_end": kl["modules"][1]}
    lay["ram"], lay["e820_other"] = [], []
    for l in rd("guest-iomem.txt").splitlines():
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) : (.*)$", l)  # top level only
        if m:
            a, b = int(m.group(1), 16), int(m.group(2), 16) + 1
            (lay["ram"] if m.group(3) == "System RAM" else lay["e820_other"]).append((a, b))
    lay["max_pfn"] = max(b for a, b in lay["ram"]) // PAGE
    areas = guestview.parse_vmallocinfo(rd("guest-vmallocinfo.txt"))
    inmod = lambda a: kl["modules"][0] <= a["start"] < kl["modules"][1]  # noqa: E731
    lay["vmap"] = [(a["start"], a["end"]) for a in areas if a["kind"] != "unpurged" and not inmod(a)]
    lay["unpurged"] = [(a["start"], a["end"]) for a in areas if a["kind"] == "unpurged"]
    lay["modules"] = sorted((a["caller"] or "?", a["start"], a["end"]) for a in areas
                            if a["kind"] != "unpurged" and inmod(a))
    lay["msyms"] = []
    syms, ksyms = {}, []
    out = subprocess.run(["nm", vmlinux], check=True, stdout=subprocess.PIPE).stdout.decode()
    for a, t, n in re.findall(r"^([0-9a-f]{16}) (\S) (\S+)$", out, re.M):
        a = int(a, 16)
        if a < 0xffffffff80000000:
            continue  # per-CPU offsets, absolute values
        a += koff
        syms.setdefault(n, a)
        ksyms.append((a, t, n))
    lay["syms"], lay["ksyms"] = syms, sorted(ksyms)
    return lay


def cmd_kdf(args):
    ensure_kdf(args.kdf)
    lay = layout(args.dumpdir, args.vmlinux)
    print("ref_vtop: l5=%d page_offset_base=%#x vmalloc=%#x-%#x vmemmap_base=%#x modules=%#x-%#x "
          "vmap_areas=%d module_areas=%d unpurged=%d ksyms=%d" % (
              lay["l5"], lay["page_offset_base"], lay["vmalloc_base"], lay["vmalloc_end"],
              lay["vmemmap_base"], lay["modules_vaddr"], lay["modules_end"], len(lay["vmap"]),
              len(lay["modules"]), len(lay["unpurged"]), len(lay["ksyms"])), file=sys.stderr)
    samples = crash_vtop.sample(lay, args.seed)
    rng = random.Random(args.seed + 1)
    for a, b in lay["unpurged"]:  # lazily freed: unmapped, not yet purged
        for va in (a, a + rng.randrange(0, b - a)):
            samples.setdefault(va, "vmalloc-unpurged")
    if args.extra:
        for line in open(args.extra):
            t = line.split()
            if len(t) == 2:
                samples.setdefault(int(t[0], 16), t[1])
    if args.addresses:
        with open(args.addresses, "w") as f:
            f.writelines("%#x\n" % va for va in sorted(samples))
    kdf_reference([args.kdf, args.vmcore], samples, args.out, "ref_vtop")


def cmd_crash(args):
    samples = {}
    with open(args.like) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                samples[int(r["va"], 16)] = r.get("source", "?")
    vas = sorted(samples)
    # crash takes options anywhere on its command line: they ride along
    # with the dump file in crash_vtop.run_crash's VMCORE list
    out = crash_vtop.run_crash(list(args.crash_arg) + [args.vmcore], args.vmlinux,
                               ["vtop -k %x" % va for va in vas], args.log)
    res = crash_vtop.parse_vtop(out)
    counts, missing = {}, 0
    with open(args.out + ".tmp", "w") as f:
        for va in vas:
            st, pa, size, note = res.get(va, ("error", None, None, "no vtop answer from crash"))
            missing += va not in res
            rec = {"va": "%#x" % va, "status": st, "pa": None if pa is None else "%#x" % pa,
                   "source": samples[va]}
            if size:
                rec["page_size"] = size
            if note:
                rec["note"] = note
            f.write(json.dumps(rec) + "\n")
            counts[st] = counts.get(st, 0) + 1
    os.rename(args.out + ".tmp", args.out)
    print("ref_vtop: crash: %d addresses (%s)%s" % (len(vas), " ".join(
        "%s=%d" % kv for kv in sorted(counts.items())), ", %d without answer" % missing if missing else ""),
        file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("kdf")
    k.add_argument("--kdf", required=True, help="kdf_vtop binary")
    k.add_argument("--addresses", help="also write the sampled addresses here")
    k.add_argument("--extra", help="more addresses: VA SOURCE lines")
    k.add_argument("--seed", type=int, default=20240601)
    for a in ("dumpdir", "vmlinux", "vmcore", "out"):
        k.add_argument(a)
    c = sub.add_parser("crash")
    c.add_argument("--like", required=True)
    c.add_argument("--crash-arg", action="append", default=[])
    c.add_argument("--log")
    for a in ("vmcore", "vmlinux", "out"):
        c.add_argument(a)
    args = ap.parse_args()
    (cmd_kdf if args.cmd == "kdf" else cmd_crash)(args)


if __name__ == "__main__":
    main()
