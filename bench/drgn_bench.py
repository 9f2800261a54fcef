#!/usr/bin/python3
"""drgn side of bench/peers.sh.

usage: drgn_bench.py first VMCORE VMLINUX ADDR
       drgn_bench.py vtop ADDRFILE SECONDS VMCORE VMLINUX

first: open the dump, load the vmlinux's debug info, translate ADDR (drgn
       0.0.22 has no public vtop: reading one byte through Program.read
       walks the kernel page tables, which is what it does for every
       kernel address); print "first_ms=T rss_kb=R" with T from BENCH_T0
       (ns since the epoch) to the answer.
vtop:  the same for every address of ADDRFILE, for at least SECONDS;
       print "rate=N mapped=M n=K".
"""
import os
import resource
import sys
import time

import drgn


def since_t0_ms():
    t0 = os.environ.get("BENCH_T0")
    return (time.time_ns() - int(t0)) / 1e6 if t0 else -1


def open_prog(vmcore, vmlinux):
    prog = drgn.Program()
    prog.set_core_dump(vmcore)
    prog.load_debug_info([vmlinux])
    return prog


def translate(prog, va):
    try:
        prog.read(va, 1)
        return 1
    except drgn.FaultError:
        return 0


def main():
    if sys.argv[1] == "first":
        prog = open_prog(sys.argv[2], sys.argv[3])
        ok = translate(prog, int(sys.argv[4], 16))
        print("first_ms=%.2f rss_kb=%d fate=%s" % (
            since_t0_ms(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "mapped" if ok else "fault"))
    elif sys.argv[1] == "vtop":
        vas = [int(l, 16) for l in open(sys.argv[2]) if l.strip()]
        secs = float(sys.argv[3])
        prog = open_prog(sys.argv[4], sys.argv[5])
        done = 0
        t0 = time.monotonic()
        while True:
            mapped = 0
            for va in vas:
                mapped += translate(prog, va)
            done += len(vas)
            t = time.monotonic() - t0
            if t >= secs:
                break
        print("rate=%.0f mapped=%d n=%d rss_kb=%d" % (
            done / t, mapped, len(vas),
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
