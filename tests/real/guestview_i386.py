#!/usr/bin/env python3
"""Check kmapdump's i386 layout against the guest kernel's own view.

usage: guestview_i386.py --label LABEL KMAPDUMP DUMPDIR VMCORE VMLINUX RESULTS

DUMPDIR holds what the guest printed just before the dump (mkdump_i386.sh):
guest-dmesg.txt (zone ranges), guest-meminfo.txt, guest-vmallocinfo.txt.
Prints "PASS: LABEL ..." / "FAIL: LABEL ..." lines (run_i386.sh counts
them); kmapdump's outputs go to RESULTS/.

  layout       lowmem = [PAGE_OFFSET, PAGE_OFFSET + start of the HighMem zone)
               vmalloc = [high_memory + 8 MiB, + VmallocTotal)
               pkmap = [VMALLOC_END + 2 pages, + LAST_PKMAP pages)
               highmem_bytes = HighTotal (totalhigh pages), <= the HighMem zone
               lowmem_bytes >= LowTotal (and not absurdly larger)
  vmallocinfo  every area lies inside kmapdump's vmalloc region; "pages=N"
               areas have their N pages mapped (and not the guard page);
               ioremap areas map page i to phys + i pages; areas of
               pcpu_get_vm_areas (populated on demand) are only counted
               (guestview.vmallocinfo_pages, shared with the x86_64 bpo tier).
"""
import argparse
import json
import os
import re
import subprocess
import sys

import guestview

PAGE = 4096
PAGE_OFFSET = 0xc0000000


def read(path):
    with open(path) as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", default="real-i386")
    ap.add_argument("kmapdump")
    ap.add_argument("dumpdir")
    ap.add_argument("vmcore")
    ap.add_argument("vmlinux")
    ap.add_argument("results")
    args = ap.parse_args()
    L = args.label
    nfail = 0

    def check(ok, what):
        nonlocal nfail
        print("%s: %s %s" % ("PASS" if ok else "FAIL", L, what))
        nfail += not ok

    vmci = dict(l.split("=", 1) for l in read(os.path.join(args.dumpdir, "vmcoreinfo.txt")).splitlines()
                if "=" in l)
    pae = vmci.get("CONFIG_X86_PAE") == "y"
    dmesg = read(os.path.join(args.dumpdir, "guest-dmesg.txt"))
    m = re.search(r"HighMem\s+\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]", dmesg)
    hm_start, hm_end = int(m.group(1), 16), int(m.group(2), 16) + 1
    meminfo = dict((k, int(v)) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", read(
        os.path.join(args.dumpdir, "guest-meminfo.txt")), re.M))
    high_memory = PAGE_OFFSET + hm_start
    vstart = high_memory + (8 << 20)
    vend = vstart + meminfo["VmallocTotal"] * 1024
    pkmap = (vend + 2 * PAGE, vend + 2 * PAGE + (512 if pae else 1024) * PAGE)

    p = subprocess.run([args.kmapdump, "regions", "--json", args.vmcore, args.vmlinux],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(os.path.join(args.results, "regions.json"), "wb") as f:
        f.write(p.stdout)
    if p.returncode != 0:
        check(False, "regions: kmapdump exited %d: %s" % (p.returncode, p.stderr.decode()[:300]))
        return 1
    reg = json.loads(p.stdout)
    regions = dict((r["name"], (int(r["start"], 16), int(r["end"], 16)))
                   for r in reg["regions"] if "parent" not in r)

    def cmp_region(name, want):
        got = regions.get(name)
        check(got == want, "layout %s %s (guest: %#x-%#x)" % (
            name, "%#x-%#x" % got if got else "missing", want[0], want[1]))

    cmp_region("lowmem", (PAGE_OFFSET, high_memory))
    cmp_region("vmalloc", (vstart, vend))
    cmp_region("pkmap", pkmap)
    check(reg.get("levels") == (3 if pae else 2),
          "layout paging %s (CONFIG_X86_PAE=%s)" % (reg.get("paging"), "y" if pae else "n"))
    hb = reg.get("highmem_bytes") or 0
    # kmapdump reports _totalhigh_pages, which /proc/meminfo shows as
    # HighTotal; the zone span also counts holes (the PCI hole at 6 GiB).
    check(hb == meminfo["HighTotal"] * 1024 and hb <= hm_end - hm_start,
          "layout highmem_bytes %d (HighMem zone %d, HighTotal %d)" % (
              hb, hm_end - hm_start, meminfo["HighTotal"] * 1024))
    lb = reg.get("lowmem_bytes") or 0
    low = meminfo["LowTotal"] * 1024
    check(low <= lb <= low * 1.25,
          "layout lowmem_bytes %d vs LowTotal %d (%.1f%% reserved)" % (
              lb, low, 100.0 * (lb - low) / lb if lb else 0))

    # vmallocinfo areas
    areas = guestview.parse_vmallocinfo(read(os.path.join(args.dumpdir, "guest-vmallocinfo.txt")))
    spans = [(a["start"], a["end"]) for a in areas]
    outside = [a for a in spans if not (vstart <= a[0] and a[1] <= vend)]
    km_out = [a for a in spans if not (regions["vmalloc"][0] <= a[0] and a[1] <= regions["vmalloc"][1])]
    check(areas and not km_out and not outside,
          "vmallocinfo %d areas inside kmapdump's vmalloc region%s" % (
              len(areas), "" if not km_out else "; outside: " + ", ".join(
                  "%#x-%#x" % a[:2] for a in km_out[:5])))
    bad, nmapped, nphys, nguard, npcpu, nvas = guestview.vmallocinfo_pages(
        args.kmapdump, args.vmcore, args.vmlinux, areas, os.path.join(args.results, "vmallocinfo-vtop.jsonl"))
    check(nvas and not bad,
          "vmallocinfo pages: %d mapped (%d with the ioremap phys), %d guard pages unmapped, "
          "%d pcpu areas not checked%s" % (nmapped, nphys, nguard, npcpu,
                                           "" if not bad else "; wrong: " + "; ".join(bad[:8])))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
