#!/usr/bin/env python3
"""Compare kmapdump's translations with crash's.

usage: compare.py [--min N] [--paging-levels 4|5] [--label TEXT]
                  CRASH_JSONL KMAPDUMP_JSONL

CRASH_JSONL: crash_vtop.py output ({"va","status","pa","source",...}).
KMAPDUMP_JSONL: `kmapdump vtop --json` output, one object per address.

kmapdump's "mapped", "excluded" and "not-in-dump" are translations with a PA
and must match crash's "mapped" PA (and page size, when kmapdump gives one); kmapdump "unmapped" must match crash
"unmapped"; "invalid" is accepted only for non-canonical addresses that crash
calls unmapped.  crash records with status "error" are skipped (reported).

Prints each mismatch (the first 50), a summary line per sample class and a
total; exits 1 on any mismatch or if fewer than --min (default 2000)
addresses were compared, 2 on unreadable input.
"""
import argparse
import json
import sys

WITH_PA = ("mapped", "excluded", "not-in-dump")


def parse_va(v):
    if isinstance(v, int):
        return v
    return int(str(v), 16)


def load(path, what):
    recs = {}
    bad = 0
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                r = json.loads(line)
                va = parse_va(r["va"])
            except (ValueError, KeyError, TypeError) as e:
                bad += 1
                if bad <= 5:
                    print("compare: %s:%d: unparsable %s line (%s): %.200s" %
                          (path, lineno, what, e, line))
                continue
            recs.setdefault(va, r)
    return recs, bad


def canonical(va, levels):
    bits = 57 if levels == 5 else 48
    top = va >> (bits - 1)
    return top == 0 or top == (1 << (64 - bits + 1)) - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("crash")
    ap.add_argument("kmapdump")
    ap.add_argument("--min", type=int, default=2000)
    ap.add_argument("--paging-levels", type=int, default=4, choices=(4, 5))
    ap.add_argument("--label", default="")
    ap.add_argument("--max-print", type=int, default=50)
    args = ap.parse_args()

    try:
        cr, cbad = load(args.crash, "crash")
        km, kbad = load(args.kmapdump, "kmapdump")
    except OSError as e:
        print("compare: %s" % e)
        return 2
    if cbad:
        print("compare: %d unparsable lines in %s" % (cbad, args.crash))
        return 2

    stats = {}
    mismatches = []
    skipped = []
    for va in sorted(cr):
        c = cr[va]
        src = c.get("source", "?")
        st = stats.setdefault(src, {"n": 0, "ok": 0, "bad": 0, "mapped": 0,
                                    "unmapped": 0, "skipped": 0})
        if c["status"] not in ("mapped", "unmapped"):
            st["skipped"] += 1
            skipped.append((va, c))
            continue
        st["n"] += 1
        st[c["status"]] += 1
        k = km.get(va)
        cpa = parse_va(c["pa"]) if c.get("pa") is not None else None
        why = None
        if k is None:
            why = "no kmapdump answer"
        else:
            ks = k.get("status")
            kpa = k.get("pa")
            try:
                kpa = parse_va(kpa) if kpa is not None else None
            except ValueError:
                kpa = "bad:" + str(kpa)
            if ks in WITH_PA:
                if c["status"] != "mapped":
                    why = "kmapdump %s pa=%s, crash unmapped" % (
                        ks, kpa if not isinstance(kpa, int) else "%#x" % kpa)
                elif not isinstance(kpa, int):
                    why = "kmapdump %s without a valid pa (%r)" % (ks, k.get("pa"))
                elif kpa != cpa:
                    why = "pa differs: kmapdump %#x (%s), crash %#x" % (kpa, ks, cpa)
                elif (isinstance(k.get("page_size"), int) and c.get("page_size")
                      and k["page_size"] != c["page_size"]):
                    why = "page size differs: kmapdump %d, crash %d" % (
                        k["page_size"], c["page_size"])
            elif ks == "unmapped":
                if c["status"] != "unmapped":
                    why = "kmapdump unmapped, crash pa=%#x" % cpa
            elif ks == "invalid":
                if canonical(va, args.paging_levels) or c["status"] != "unmapped":
                    why = "kmapdump invalid for a canonical address (crash %s%s)" % (
                        c["status"], "" if cpa is None else " pa=%#x" % cpa)
            else:
                why = "kmapdump status %r" % ks
        if why:
            st["bad"] += 1
            mismatches.append((va, src, why, k))
        else:
            st["ok"] += 1

    label = (args.label + ": ") if args.label else ""
    for va, src, why, k in mismatches[:args.max_print]:
        extra = ""
        if k is not None and k.get("region"):
            extra = " [kmapdump region %s]" % k["region"]
        print("compare: %sMISMATCH %#018x %-16s %s%s" % (label, va, src, why, extra))
    if len(mismatches) > args.max_print:
        print("compare: %s... %d more mismatches" % (label, len(mismatches) - args.max_print))
    for va, c in skipped[:10]:
        print("compare: %sskipped %#018x (crash status %s: %s)" %
              (label, va, c["status"], c.get("note", "")))
    total = {"n": 0, "ok": 0, "bad": 0}
    for src in sorted(stats):
        st = stats[src]
        print("compare: %s%-18s compared=%-5d ok=%-5d mismatch=%-4d "
              "(crash mapped=%d unmapped=%d%s)" %
              (label, src, st["n"], st["ok"], st["bad"], st["mapped"],
               st["unmapped"], ", skipped=%d" % st["skipped"] if st["skipped"] else ""))
        for key in total:
            total[key] += st[key]
    extra = len(set(km) - set(cr))
    print("compare: %stotal compared=%d ok=%d mismatch=%d skipped=%d%s%s" %
          (label, total["n"], total["ok"], total["bad"], len(skipped),
           ", %d kmapdump lines unparsable" % kbad if kbad else "",
           ", %d extra kmapdump answers" % extra if extra else ""))
    if total["bad"] or kbad:
        return 1
    if total["n"] < args.min:
        print("compare: %sonly %d addresses compared (need %d)" %
              (label, total["n"], args.min))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
