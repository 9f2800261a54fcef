#!/usr/bin/env python3
"""Second reference for the i386 real tier: crash:i386's vtop.

usage: crash_vtop_i386.py --crash CRASH [--logdir DIR] VMCORE VMLINUX.crash
                          SAMPLE.jsonl OUT.jsonl

SAMPLE.jsonl: ref_vtop_i386.py's output (its addresses and "source"
labels are reused, so both references answer the same addresses).
VMLINUX.crash: the debug vmlinux with a sys_open alias (setup_i386.sh),
which crash 8.0.2 needs.  crash does not handle i386 KASLR: use nokaslr
dumps.  Runs one crash session with `vtop -k ADDR` per address
(like crash_vtop.py) and parses the walk: the "PAGE: <hex> [(4MB|2MB)]"
line gives the page (unless the last entry of the walk lacks
_PAGE_PRESENT: crash 8.0.2 shows a PAGE for PROT_NONE entries); no such line, "(not mapped)" or "(not a kernel
virtual address)" means unmapped (the VIRTUAL/PHYSICAL headline is plain
arithmetic for lowmem addresses and ignored, as in crash_vtop.py).
Writes {"va","status","pa","page_size","source"} lines.
"""
import argparse
import json
import os
import re
import sys

import subprocess
import tempfile
import time

HEX = re.compile(r"^[0-9a-f]+$")
BLOCK = re.compile(r"^VIRTUAL\s+PHYSICAL\s*$", re.M)
PAGE_LINE = re.compile(r"^\s+PAGE:\s+([0-9a-f]+)(?:\s+\((4MB|2MB)\))?\s*$", re.M)
SIZES = {None: 4096, "2MB": 2 << 20, "4MB": 4 << 20}


def run_crash(crash, vmcore, vmlinux, commands, logpath=None, timeout=1800):
    with tempfile.NamedTemporaryFile("w", suffix=".crash", delete=False) as f:
        f.write("set scroll off\n")
        for c in commands:
            f.write(c + "\n")
        f.write("quit\n")
        cmdfile = f.name
    try:
        t0 = time.time()
        p = subprocess.run([crash, "-s", "--no_scroll", vmlinux, vmcore, "-i", cmdfile],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        if logpath:
            with open(logpath, "w") as g:
                g.write(out)
        if p.returncode != 0 and "VIRTUAL" not in out:
            sys.exit("crash failed (exit %d):\n%s" % (p.returncode, out[-3000:]))
        print("crash_vtop_i386: crash ran %d commands in %.1fs" %
              (len(commands), time.time() - t0), file=sys.stderr)
        return out
    finally:
        os.unlink(cmdfile)


def parse_vtop(out):
    res = {}
    for part in BLOCK.split(out)[1:]:
        lines = part.lstrip("\n").split("\n")
        head = lines[0].split()
        if not head or not HEX.match(head[0]):
            continue
        va = int(head[0], 16)
        if "(not a kernel virtual address)" in lines[0]:
            res[va] = ("unmapped", None, None, "not a kernel virtual address")
            continue
        m = PAGE_LINE.search("\n".join(lines[1:]))
        err = re.search(r"^vtop: .*$", part, re.M)
        # crash 8.0.2 prints a PAGE line for a last-level entry without
        # _PAGE_PRESENT but with _PAGE_PROTNONE (bit 8, e.g. the PAGE_NONE
        # guard pages of cpu_entry_area, PTE 0x120): the CPU faults there,
        # so such an address is unmapped; the raw entry is kept in "note".
        ents = re.findall(r"^\s+(?:PGD|PMD|PTE):\s+[0-9a-f]+ => ([0-9a-f]+)\s*$",
                          "\n".join(lines[1:]), re.M)
        if m and ents and not int(ents[-1], 16) & 1:
            res[va] = ("unmapped", None, None,
                       "crash: PAGE %s from non-present entry %s" % (m.group(1), ents[-1]))
        elif m:
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
    ap.add_argument("--crash", required=True, help="crash binary for 32-bit x86")
    ap.add_argument("--logdir")
    ap.add_argument("vmcore")
    ap.add_argument("vmlinux")
    ap.add_argument("sample")
    ap.add_argument("out")
    args = ap.parse_args()
    if args.logdir:
        os.makedirs(args.logdir, exist_ok=True)
    src = {}
    with open(args.sample) as f:
        for line in f:
            r = json.loads(line)
            src[int(r["va"], 16)] = r.get("source", "?")
    vas = sorted(src)
    out = run_crash(args.crash, args.vmcore, args.vmlinux, ["vtop -k %x" % va for va in vas],
                               args.logdir and os.path.join(args.logdir, "crash-vtop.log"))
    res = parse_vtop(out)
    counts = {}
    with open(args.out + ".tmp", "w") as f:
        for va in vas:
            st, pa, size, note = res.get(va, ("error", None, None, "no vtop answer from crash"))
            rec = {"va": "%#x" % va, "status": st,
                   "pa": None if pa is None else "%#x" % pa, "source": src[va]}
            if size:
                rec["page_size"] = size
            if note:
                rec["note"] = note
            f.write(json.dumps(rec) + "\n")
            c = counts.setdefault(src[va], {})
            c[st] = c.get(st, 0) + 1
    os.rename(args.out + ".tmp", args.out)
    for s in sorted(counts):
        print("crash_vtop_i386: %-15s %s" % (s, " ".join(
            "%s=%d" % kv for kv in sorted(counts[s].items()))), file=sys.stderr)
    print("crash_vtop_i386: %d addresses -> %s" % (len(vas), args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
