#!/usr/bin/env python3
"""Real tier for kmapdump's object commands: vmalloc, modules, map, ptov,
read and fixmap, on the cached Debian cloud-kernel dumps, against crash.

usage: objects_check.py [--configs C...] [--formats F...] [--jobs N]

Needs the dumps and the vtop sample that tests/real/run.sh leaves in
$KMAPDUMP_CACHE/dumps/CONFIG/ (vmcore.FORMAT, vmcoreinfo.txt,
addresses.txt; crash-FORMAT.jsonl is used too when it is there).  crash is
run here, on every CONFIG/FORMAT (mod, kmem -v, rd of linux_banner, and on
kdump-d31 rd of a few pages kmapdump calls excluded) and on the ELF dump
once more for the struct fields (list -s of the modules, struct vm_struct
of every vmap area, sym of every caller).  Its raw output is cached in
$CACHE/dumps/CONFIG/objects-crash/ and rerun only when the dump or the
commands change.

Prints "PASS: real-objects ..." / "FAIL: real-objects ..." per check and
"real-objects: N passed, N failed"; exits 1 on any failure.
"""
import argparse
import bisect
import collections
import concurrent.futures
import glob
import hashlib
import json
import os
import random
import re
import struct
import subprocess
import sys
import time

CACHE = os.environ.get("KMAPDUMP_CACHE", os.path.expanduser("~/.cache/kmapdump"))
HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = 4096

npass = nfail = 0


def PASS(msg):
    global npass
    npass += 1
    print("PASS: real-objects " + msg, flush=True)


def FAIL(msg, details=()):
    global nfail
    nfail += 1
    print("FAIL: real-objects " + msg, flush=True)
    for d in list(details)[:20]:
        print("  " + d, flush=True)
    if len(details) > 20:
        print("  ... %d more" % (len(details) - 20), flush=True)


def check(ok, msg, details=()):
    (PASS if ok else (lambda m: FAIL(m, details)))(msg)
    return ok


def h(x):
    return int(x, 16) if isinstance(x, str) else x


# ---------------------------------------------------------------- kmapdump

def kmapdump(args, stdin=None, ok=(0,)):
    p = subprocess.run([KMAPDUMP] + args, input=stdin, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def km_json(args, what):
    rc, out, err = kmapdump(args)
    if rc != 0:
        raise RuntimeError("kmapdump %s exited %d: %s" % (what, rc, err.strip()[:300]))
    return json.loads(out)


def km_jsonl(args, what, stdin=None, rcs=(0,)):
    rc, out, err = kmapdump(args, stdin=stdin)
    if rc not in rcs:
        raise RuntimeError("kmapdump %s exited %d: %s" % (what, rc, err.strip()[:300]))
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


# ---------------------------------------------------------------- vmlinux

def elf_symbol_bytes(path, name):
    """(address, bytes) of a symbol's object in vmlinux, from its ELF
    section headers and symbol table (no external tools)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x7fELF" and data[4] == 2
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    secs = []
    for i in range(shnum):
        (nm, typ, flags, addr, off, size, link, info, align, entsz) = \
            struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
        secs.append((nm, typ, addr, off, size, link, entsz))
    for nm, typ, addr, off, size, link, entsz in secs:
        if typ != 2:  # SHT_SYMTAB
            continue
        stroff = secs[link][3]
        for j in range(size // entsz):
            st_name, st_info, st_other, st_shndx, st_value, st_size = \
                struct.unpack_from("<IBBHQQ", data, off + j * entsz)
            end = data.index(b"\0", stroff + st_name)
            if data[stroff + st_name:end] != name.encode():
                continue
            s = secs[st_shndx]
            fo = s[3] + (st_value - s[2])
            return st_value, data[fo:fo + st_size]
    raise KeyError(name)


# ---------------------------------------------------------------- crash

def run_crash(files, vmlinux, cmds, log, stamp_extra=""):
    """Run crash with CMDS unless LOG is up to date; return its output."""
    key = hashlib.sha256(("\n".join(cmds) + "\n" + stamp_extra + "\n" + "\n".join(
        "%s %d %d" % (f, os.stat(f).st_size, int(os.stat(f).st_mtime))
        for f in list(files) + [vmlinux])).encode()).hexdigest()
    stamp = log + ".stamp"
    if os.path.exists(log) and os.path.exists(stamp) and open(stamp).read().strip() == key:
        return open(log, errors="replace").read(), True
    cmdfile = log + ".cmds"
    with open(cmdfile, "w") as f:
        f.write("set scroll off\n" + "\n".join(cmds) + "\nquit\n")
    p = subprocess.run(["crash", "-s", "--no_scroll", vmlinux] + list(files) + ["-i", cmdfile],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=1800)
    out = p.stdout.decode("utf-8", "replace")
    with open(log, "w") as f:
        f.write(out)
    with open(stamp, "w") as f:
        f.write(key + "\n")
    return out, False


MARK = "p/x 0xfeed%04x"
MARK_RE = re.compile(r"^\$\d+ = 0xfeed([0-9a-f]{4})$", re.M)


def sections(out):
    """Split crash output at the p/x 0xfeedNNNN markers: {N: text before}."""
    res, last = {}, 0
    for m in MARK_RE.finditer(out):
        res[int(m.group(1), 16)] = out[last:m.start()]
        last = m.end()
    return res


MOD_RE = re.compile(r"^([0-9a-f]{16})\s+(\S+)\s+([0-9a-f]{16})\s+(\d+)\s+\(", re.M)
VMA_RE = re.compile(r"^([0-9a-f]{16})\s+([0-9a-f]{16})\s+([0-9a-f]{16}) - ([0-9a-f]{16})\s+(\d+)\s*$", re.M)
RD8_RE = re.compile(r"^([0-9a-f]{16}):  ((?:[0-9a-f]{2} ){1,16})", re.M)


def parse_rd8(text):
    b = bytearray()
    for m in RD8_RE.finditer(text):
        b += bytes(int(x, 16) for x in m.group(2).split())
    return bytes(b)


def parse_modlist(text):
    """list -H modules -o module.list -s module.name,core_layout,init_layout"""
    mods, cur, sub = [], None, None
    for line in text.splitlines():
        if re.match(r"^[0-9a-f]{16}$", line):
            cur = {"module": int(line, 16)}
            mods.append(cur)
            sub = None
            continue
        if cur is None:
            continue
        m = re.match(r'^  name = "([^"\\]*)', line)
        if m:
            cur["name"] = m.group(1)
        m = re.match(r"^  (core_layout|init_layout) = \{", line)
        if m:
            sub = cur.setdefault(m.group(1), {})
        m = re.match(r"^    (base|size|text_size|ro_size|ro_after_init_size) = (0x[0-9a-f]+|\d+)", line)
        if m and sub is not None:
            sub[m.group(1)] = int(m.group(2), 0)
    return mods


def parse_vmstruct(text):
    d = {}
    for m in re.finditer(r"^  (addr|size|flags|nr_pages|phys_addr|caller|pages) = (0x[0-9a-f]+)", text, re.M):
        d[m.group(1)] = int(m.group(2), 16)
    return d


# ---------------------------------------------------------------- helpers

class Runs:
    def __init__(self, runs):
        self.runs = sorted(runs, key=lambda r: h(r["va"]))
        self.starts = [h(r["va"]) for r in self.runs]

    def containing(self, va):
        """every run containing VA (more than one is an error)"""
        i = bisect.bisect_right(self.starts, va) - 1
        res = []
        # runs are checked to be disjoint separately; look a few back anyway
        for j in range(max(0, i - 2), min(len(self.runs), i + 3)):
            r = self.runs[j]
            if h(r["va"]) <= va < h(r["va_end"]):
                res.append(r)
        return res

    def overlap(self, lo, hi):
        i = max(0, bisect.bisect_right(self.starts, lo) - 1)
        res = []
        while i < len(self.runs) and h(self.runs[i]["va"]) < hi:
            r = self.runs[i]
            a, b = max(lo, h(r["va"])), min(hi, h(r["va_end"]))
            if a < b:
                res.append((r, a, b))
            i += 1
        return res


def load_jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


# ---------------------------------------------------------------- per dump

def dump_files(d, fmt):
    if fmt.startswith("kdump-split"):
        return [os.path.join(d, "vmcore.%s.%d" % (fmt, i)) for i in (1, 2, 3)]
    return [os.path.join(d, "vmcore." + fmt)]


def crash_cmds_a(fmt, banner_len, excluded_vas, present_vas):
    cmds = ["mod", MARK % 1, "kmem -v", MARK % 2,
            "rd -8 linux_banner %d" % banner_len, MARK % 3]
    for i, va in enumerate(excluded_vas + present_vas):
        cmds += ["rd -64 %x 2" % va, MARK % (0x100 + i)]
    return cmds


def crash_cmds_b(vmstructs, callers):
    cmds = ["list -H modules -o module.list -s module.name,core_layout,init_layout", MARK % 1]
    for i, vm in enumerate(vmstructs):
        cmds += ["struct vm_struct.addr,size,flags,nr_pages,phys_addr,caller,pages -x %x" % vm,
                 MARK % (0x1000 + i)]
    for i, c in enumerate(callers):
        cmds += ["sym %x" % c, MARK % (0x8000 + i)]
    return cmds


FLAG_NAMES = [(0x1, "ioremap"), (0x2, "vmalloc"), (0x4, "vmap"), (0x8, "user"),
              (0x10, "dma-coherent")]


def module_ranges(core, init):
    """the ranges struct module's core/init layout describe (text | rodata
    | ro_after_init | data, cumulative sizes; init separately)"""
    b, t, ro, ra, s = (core["base"], core["text_size"], core["ro_size"],
                       core["ro_after_init_size"], core["size"])
    r = []
    for kind, lo, hi in (("text", 0, t), ("rodata", t, ro), ("ro_after_init", ro, ra),
                         ("data", ra, s)):
        if hi > lo:
            r.append((kind, b + lo, b + hi))
    if init.get("base") and init.get("size"):
        r.append(("init", init["base"], init["base"] + init["size"]))
    return r


def check_config(cfg, formats, jobs):
    d = os.path.join(CACHE, "dumps", cfg)
    vmci = {}
    try:
        for line in open(os.path.join(d, "vmcoreinfo.txt")):
            k, _, v = line.strip().partition("=")
            vmci[k] = v
    except OSError as e:
        FAIL("%s: no dump (%s); run tests/real/run.sh %s first" % (cfg, e, cfg))
        return
    rel = vmci.get("OSRELEASE", "")
    vmlinux = os.path.join(CACHE, "kernel", rel, "vmlinux")
    koff = int(vmci.get("KERNELOFFSET", "0"), 16)
    addrs_path = os.path.join(d, "addresses.txt")
    if not os.path.exists(vmlinux) or not os.path.exists(addrs_path):
        FAIL("%s: no %s or %s; run tests/real/run.sh %s first" % (cfg, vmlinux, addrs_path, cfg))
        return
    addrs = open(addrs_path).read()
    banner_addr, banner = elf_symbol_bytes(vmlinux, "linux_banner")
    banner_addr += koff
    logdir = os.path.join(d, "objects-crash")
    os.makedirs(logdir, exist_ok=True)

    fmts = [f for f in formats if all(os.path.exists(p) for p in dump_files(d, f))]
    for f in formats:
        if f not in fmts:
            FAIL("%s %s: dump files missing (%s)" % (cfg, f, " ".join(dump_files(d, f))))

    # kmapdump's vtop answers for the sample, per format (fast; needed to
    # pick the excluded pages crash is asked about)
    vt = {}
    for f in fmts:
        try:
            vt[f] = km_jsonl(["vtop", "--json"] + dump_files(d, f) + [vmlinux, "-"], "vtop",
                             stdin=addrs.encode(), rcs=(0, 1))
        except RuntimeError as e:
            FAIL("%s %s vtop: %s" % (cfg, f, e))
    picks = {}
    for f in fmts:
        exc = sorted(h(a["va"]) & ~(PAGE - 1) for a in vt.get(f, [])
                     if a["status"] == "excluded" and a["pa"] is not None
                     and a.get("region") == "direct-map")
        pres = sorted(h(a["va"]) & ~(PAGE - 1) for a in vt.get(f, [])
                      if a["status"] == "mapped" and a.get("region") == "direct-map")
        rnd = random.Random(0x0b1ec75)
        picks[f] = (rnd.sample(exc, min(3, len(exc))) if f.endswith("-d31") else [],
                    rnd.sample(pres, min(1, len(pres))))

    # crash, phase A on every format (in parallel)
    t0 = time.time()
    crash_a, cached = {}, []

    def job_a(f):
        return run_crash(dump_files(d, f), vmlinux,
                         crash_cmds_a(f, len(banner), *picks[f]),
                         os.path.join(logdir, "crash-%s.log" % f))
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        futs = {f: ex.submit(job_a, f) for f in fmts}
        for f, fu in futs.items():
            try:
                crash_a[f], c = fu.result()
                cached.append(c)
            except Exception as e:  # noqa
                FAIL("%s %s crash: %s" % (cfg, f, e))
    # phase B on the ELF dump: struct fields
    crash_b = None
    ref = "elf" if "elf" in crash_a else None
    if ref:
        vms = [int(m.group(2), 16) for m in VMA_RE.finditer(sections(crash_a[ref]).get(2, ""))]
        vms = [v for v in vms if v]
        km_ref = km_json(["vmalloc", "--json"] + dump_files(d, ref) + [vmlinux], "vmalloc")
        # the callers crash is asked to name: those in crash's own vm_structs
        # would need a third session; kmapdump's list is only used to pick
        # which addresses crash symbolizes, crash's answers are checked
        # against crash's vm_struct.caller below
        callers = sorted({h(a["caller"]) for a in km_ref["areas"] if a["caller"]})
        try:
            crash_b, c = run_crash(dump_files(d, ref), vmlinux, crash_cmds_b(vms, callers),
                                   os.path.join(logdir, "crash-%s-fields.log" % ref))
            cached.append(c)
        except Exception as e:  # noqa
            FAIL("%s %s crash fields: %s" % (cfg, ref, e))
    tc = time.time() - t0
    print("  %s: crash %.0fs (%s)" % (cfg, tc, "cached" if all(cached) else "ran"), flush=True)

    km_vmalloc = {}
    for f in fmts:
        if f not in crash_a:
            continue
        t1 = time.time()
        try:
            check_format(cfg, f, d, vmlinux, koff, crash_a[f], crash_b if f == ref else None,
                         vt.get(f), picks[f], banner_addr, banner, km_vmalloc)
        except Exception as e:  # noqa
            import traceback
            FAIL("%s %s: %s" % (cfg, f, e), traceback.format_exc().splitlines()[-6:])
        print("  %s %s: kmapdump checks %.1fs" % (cfg, f, time.time() - t1), flush=True)


def check_format(cfg, fmt, d, vmlinux, koff, out_a, out_b, vt, picks, banner_addr, banner,
                 km_vmalloc):
    L = "%s %s" % (cfg, fmt)
    files = dump_files(d, fmt)
    # a split set goes in shuffled, with the vmlinux among the parts
    args = [files[2], files[0], vmlinux, files[1]] if len(files) == 3 else files + [vmlinux]
    sec = sections(out_a)
    regions = km_json(["regions", "--json"] + args, "regions")["regions"]
    rbyname = {r["name"]: r for r in regions}
    page_offset = h(rbyname["direct-map"]["start"])

    # ---- map
    runs = km_jsonl(["map", "--json"] + args, "map")
    R = Runs(runs)
    bad = []
    prev_end = None
    for r in R.runs:
        va, ve, pa, pe = h(r["va"]), h(r["va_end"]), h(r["pa"]), h(r["pa_end"])
        ps = r["page_size"]
        if not (ve - va == r["size"] == pe - pa > 0):
            bad.append("size mismatch %s" % r)
        if ps not in (4096, 2 << 20, 1 << 30) or va % PAGE or pa % PAGE or r["size"] % PAGE:
            bad.append("page size/alignment %s" % r)
        if va % ps != pa % ps:
            bad.append("va and pa not congruent modulo the page size %s" % r)
        if not 0 <= r["present_bytes"] <= r["size"]:
            bad.append("present_bytes %s" % r)
        if prev_end is not None and va < prev_end:
            bad.append("overlaps the previous run: %s" % r)
        prev_end = ve
    check(not bad, "%s map runs well-formed (%d runs, %d MiB)" % (
        L, len(runs), sum(r["size"] for r in runs) >> 20), bad)

    # every mapped sample address in exactly one run with its PA and page
    # size; no unmapped one in any run.  Sources: kmapdump's vtop and, if
    # the main tier left it, crash's vtop on the same file.
    sources = [("kmapdump vtop", vt)]
    cj = os.path.join(d, "crash-%s.jsonl" % fmt)
    if os.path.exists(cj) and all(os.stat(cj).st_mtime >= os.stat(f).st_mtime for f in files):
        sources.append(("crash vtop", load_jsonl(cj)))
    for sname, answers in sources:
        bad, nm, nu, nskip = [], 0, 0, 0
        for a in answers or []:
            va = h(a["va"])
            inr = R.containing(va)
            if a["pa"] is not None and a["status"] in ("mapped", "excluded", "not-in-dump"):
                nm += 1
                pa = h(a["pa"])
                if len(inr) != 1:
                    bad.append("%s %s pa %s: in %d runs" % (a["va"], a["status"], a["pa"], len(inr)))
                    continue
                r = inr[0]
                if h(r["pa"]) + va - h(r["va"]) != pa:
                    bad.append("%s: vtop pa %s, run %s-%s -> %s" % (
                        a["va"], a["pa"], r["va"], r["pa"], hex(h(r["pa"]) + va - h(r["va"]))))
                elif a.get("page_size") and a["page_size"] != r["page_size"]:
                    bad.append("%s: vtop page size %s, run %s" % (a["va"], a["page_size"], r["page_size"]))
                elif a.get("region") and r["region"] != a["region"]:
                    bad.append("%s: vtop region %s, run %s region %s" % (
                        a["va"], a["region"], r["va"], r["region"]))
            elif a["status"] == "unmapped":
                nu += 1
                if inr:
                    bad.append("%s unmapped by %s but in run %s-%s" % (
                        a["va"], sname, inr[0]["va"], inr[0]["va_end"]))
            else:
                # no PA: the walk needed a page the dump lacks; map cannot
                # see there either
                nskip += 1
                if inr:
                    bad.append("%s %s (no PA) but in run %s" % (a["va"], a["status"], inr[0]["va"]))
        check(not bad and nm > 500, "%s map covers %s's answers (%d mapped, %d unmapped%s)" % (
            L, sname, nm, nu, ", %d without PA" % nskip if nskip else ""), bad)

    # --region NAME: the full map clipped to the region (ELF only: ~0.2s each)
    if fmt == "elf":
        bad = []
        for r in regions:
            lo, hi = h(r["start"]), h(r["end"]) or 1 << 64
            sub = km_jsonl(["map", "--json", "--region", r["name"]] + args, "map --region")
            want = [(max(lo, h(x["va"])), min(hi, h(x["va_end"]))) for x, a, b in R.overlap(lo, hi)]
            got = [(h(x["va"]), h(x["va_end"])) for x in sub]
            if want != got:
                bad.append("region %s: %d runs, full map clipped gives %d (first differing: %s)" % (
                    r["name"], len(got), len(want),
                    next(((hex(g[0]), hex(w[0])) for g, w in zip(got, want) if g != w), "-")))
        check(not bad, "%s map --region equals the full map clipped (%d regions)" % (L, len(regions)), bad)

    # ---- vmalloc vs crash kmem -v
    km = km_json(["vmalloc", "--json"] + args, "vmalloc")["areas"]
    cr = [tuple(int(x, 16) if i < 4 else int(x) for i, x in enumerate(m.groups()))
          for m in VMA_RE.finditer(sec.get(2, ""))]
    kk = [(h(a["vmap_area"]), h(a["vm_struct"] or 0), h(a["start"]), h(a["end"]), a["size"])
          for a in km]
    bad = []
    if not cr:
        bad.append("no kmem -v areas parsed from crash (see %s)" % os.path.join(d, "objects-crash"))
    for i, (c, k) in enumerate(zip(cr, kk)):
        if c != k:
            bad.append("#%d crash %s kmapdump %s" % (i, " ".join(hex(x) for x in c),
                                                    " ".join(hex(x) for x in k)))
    if len(cr) != len(kk):
        bad.append("crash lists %d areas, kmapdump %d; only crash: %s; only kmapdump: %s" % (
            len(cr), len(kk), [hex(x[2]) for x in sorted(set(cr) - set(kk))][:10],
            [hex(x[2]) for x in sorted(set(kk) - set(cr))][:10]))
    check(not bad, "%s vmalloc = crash kmem -v (%d areas: vmap_area, vm_struct, start, end, size, in order)" % (
        L, len(cr)), bad)

    # area coverage vs map: mapped_bytes is what the runs hold inside the area
    bad = []
    for a in km:
        lo, hi = h(a["start"]), h(a["end"])
        ov = R.overlap(lo, hi)
        mb = sum(b - x for r, x, b in ov)
        if mb != a["mapped_bytes"]:
            bad.append("%s-%s: mapped_bytes %d, map runs %d" % (a["start"], a["end"], a["mapped_bytes"], mb))
        whole = all(h(r["va"]) >= lo and h(r["va_end"]) <= hi for r, x, b in ov)
        if whole and sum(r["present_bytes"] for r, x, b in ov) != a["present_bytes"]:
            bad.append("%s-%s: present_bytes %d, map runs %d" % (
                a["start"], a["end"], a["present_bytes"], sum(r["present_bytes"] for r, x, b in ov)))
        # pages=N: vmalloc() backed the area with N pages, all mapped (percpu
        # chunks, VM_ALLOC without vm->pages, map their own: pages=0)
        if a["pages"] and a["pages"] * PAGE != a["mapped_bytes"]:
            bad.append("%s-%s %s: pages=%d but %d bytes mapped" % (
                a["start"], a["end"], a["flags"], a["pages"], a["mapped_bytes"]))
        if "ioremap" in a["flags"].split() and a["phys"]:
            for r, x, b in ov:
                if h(r["pa"]) + x - h(r["va"]) != h(a["phys"]) + x - lo:
                    bad.append("%s ioremap phys %s but mapped to %s" % (
                        hex(x), a["phys"], hex(h(r["pa"]) + x - h(r["va"]))))
                    break
    check(not bad, "%s vmalloc mapped/present bytes, pages=, phys= agree with map" % L, bad)

    # the same areas on every format (present_bytes may differ)
    strip = [{k: v for k, v in a.items() if k != "present_bytes"} for a in km]
    if "elf" in km_vmalloc and fmt != "elf":
        diff = [("%s: elf %s, %s %s" % (a["start"], a, fmt, b)) for a, b in zip(km_vmalloc["elf"], strip) if a != b]
        if len(strip) != len(km_vmalloc["elf"]):
            diff.append("%d areas here, %d on elf" % (len(strip), len(km_vmalloc["elf"])))
        check(not diff, "%s vmalloc --json equals elf's (but present_bytes)" % L, diff)
    km_vmalloc[fmt] = strip

    # fields vs crash's struct vm_struct (ELF dump)
    if out_b is not None:
        sb = sections(out_b)
        bad, nchk = [], 0
        badsym, nsym = {False: [], True: []}, {False: 0, True: 0}
        byvm = {h(a["vm_struct"]): a for a in km if a["vm_struct"]}
        vms = [c[1] for c in cr if c[1]]
        syms = {}
        for i in range(len(sb)):
            t = sb.get(0x8000 + i)
            if t is None:
                break
            m = re.search(r"^([0-9a-f]{16}) \(\w\) (\S+?)(?:\+(\d+))?(?: |$)", t, re.M)
            if m:
                syms[int(m.group(1), 16)] = (m.group(2), int(m.group(3) or 0))
        for i, vm in enumerate(vms):
            s = parse_vmstruct(sb.get(0x1000 + i, ""))
            a = byvm.get(vm)
            if a is None or not s:
                bad.append("vm_struct %x: %s" % (vm, "not in kmapdump" if a is None else "crash printed nothing"))
                continue
            nchk += 1
            want_flags = [n for b, n in FLAG_NAMES if s["flags"] & b]
            if s["pages"] and h(rbyname["vmalloc"]["start"]) <= s["pages"] < h(rbyname["vmalloc"]["end"]):
                want_flags.append("vpages")
            got = dict(start=h(a["start"]), end=h(a["end"]), flags=a["flags"].split(),
                       pages=a["pages"], phys=h(a["phys"] or 0), caller=h(a["caller"] or 0))
            want = dict(start=s["addr"], end=s["addr"] + s["size"], flags=want_flags,
                        pages=s["nr_pages"], phys=s["phys_addr"], caller=s["caller"])
            for k in want:
                if got[k] != want[k]:
                    bad.append("vm_struct %x %s: crash %s kmapdump %s" % (vm, k, want[k], got[k]))
            cs = syms.get(s["caller"])
            inmod = h(rbyname["modules"]["start"]) <= s["caller"] < h(rbyname["modules"]["end"])
            if s["caller"] and cs:
                km_sym = a["caller_symbol"]
                # kmapdump names module symbols as the kernel's %pS does
                # ("fat_cache_add.part.0+0x63/0x1d0 [fat]"); crash strips
                # GCC's clone suffixes (.part.N, .isra.N, .constprop.N).
                m = re.match(r"^(.*)\+0x([0-9a-f]+)/0x([0-9a-f]+)( \[[^]]+\])?$", km_sym or "")
                name = m and (re.sub(r"(\.(part|isra|constprop|cold)(\.\d+)?)+$", "", m.group(1))
                              if inmod else m.group(1))
                if not m or (name, int(m.group(2), 16)) != cs:
                    badsym[inmod].append("vm_struct %x caller %x: crash %s+0x%x, kmapdump %s" % (
                        vm, s["caller"], cs[0], cs[1], km_sym))
                else:
                    nsym[inmod] += 1
            elif s["caller"]:
                badsym[inmod].append("vm_struct %x caller %x: crash sym gave nothing" % (vm, s["caller"]))
        check(not bad and nchk, "%s vmalloc fields = crash struct vm_struct (%d areas: "
              "addr/size, flags, nr_pages, phys_addr, caller address)" % (L, nchk), bad)
        check(not badsym[False], "%s vmalloc caller symbols in the kernel image = crash sym "
              "(%d, symbol+offset)" % (L, nsym[False] + len(badsym[False])), badsym[False])
        if nsym[True] or badsym[True]:
            check(not badsym[True], "%s vmalloc caller symbols in modules = crash sym (%d)" % (
                L, nsym[True] + len(badsym[True])), badsym[True])

    # ---- modules vs crash mod
    mods = km_json(["modules", "--json"] + args, "modules")["modules"]
    crm = {(m.group(2), int(m.group(1), 16)): (int(m.group(3), 16), int(m.group(4)))
           for m in MOD_RE.finditer(sec.get(1, ""))}
    bad = []
    kmm = {}
    for m in mods:
        core = [r for r in m["ranges"] if r["kind"] != "init"]
        base = min((h(r["start"]) for r in core), default=0)
        size = sum(h(r["end"]) - h(r["start"]) for r in core)
        kmm[(m["name"], h(m["module"]))] = (base, size)
    for k in sorted(set(crm) | set(kmm)):
        if k not in kmm:
            bad.append("only crash: %s %x" % k)
        elif k not in crm:
            bad.append("only kmapdump: %s %x" % k)
        elif crm[k] != kmm[k]:
            bad.append("%s: crash base %x size %d, kmapdump core ranges from %x, %d bytes" % (
                k[0], crm[k][0], crm[k][1], kmm[k][0], kmm[k][1]))
    check(not bad and crm, "%s modules = crash mod (%d modules: name, struct module, base, size)" % (
        L, len(crm)), bad)
    bad = []
    for m in mods:
        mb = sum(sum(b - x for r, x, b in R.overlap(h(g["start"]), h(g["end"]))) for g in m["ranges"])
        if mb != m["mapped_bytes"] or m["present_bytes"] > m["mapped_bytes"]:
            bad.append("%s: mapped_bytes %d present %d, map runs %d" % (
                m["name"], m["mapped_bytes"], m["present_bytes"], mb))
        if m["size"] != sum(h(g["end"]) - h(g["start"]) for g in m["ranges"]):
            bad.append("%s: size %d is not the sum of its ranges" % (m["name"], m["size"]))
    check(not bad, "%s modules mapped bytes agree with map" % L, bad)
    if out_b is not None:
        cl = parse_modlist(sections(out_b).get(1, ""))
        bad = []
        if [c.get("module") for c in cl] != [h(m["module"]) for m in mods]:
            bad.append("list order: crash %s, kmapdump %s" % (
                [c.get("name") for c in cl], [m["name"] for m in mods]))
        for c, m in zip(cl, mods):
            try:
                want = module_ranges(c["core_layout"], c["init_layout"])
            except KeyError as e:
                bad.append("%s: crash did not print %s" % (c.get("name"), e))
                continue
            got = [(g["kind"], h(g["start"]), h(g["end"])) for g in m["ranges"]]
            if c.get("name") != m["name"] or want != got:
                bad.append("%s: crash layout %s, kmapdump %s" % (
                    c.get("name"), [(k, hex(a), hex(b)) for k, a, b in want],
                    [(k, hex(a), hex(b)) for k, a, b in got]))
        check(not bad and cl, "%s modules ranges = crash core_layout/init_layout (%d modules, list order)" % (
            L, len(cl)), bad)

    # ---- ptov
    rnd = random.Random("ptov-" + cfg)
    mapped = [a for a in vt if a["pa"] is not None and a["status"] in ("mapped", "excluded", "not-in-dump")]
    byreg = collections.defaultdict(list)
    for a in mapped:
        byreg[a.get("region")].append(a)
    sample = []
    for reg in sorted(byreg, key=str):  # every region, then fill up to 300
        sample += rnd.sample(byreg[reg], min(15, len(byreg[reg])))
    rest = [a for a in mapped if a not in sample]
    sample += rnd.sample(rest, min(max(0, 300 - len(sample)), len(rest)))
    pas = [h(a["pa"]) for a in sample]
    rc, out, err = kmapdump(["ptov", "--json"] + args + ["%x" % p for p in pas])
    ans = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
    bad = []
    if rc != 0 or len(ans) != len(pas):
        bad.append("kmapdump ptov exited %d with %d answers for %d PAs: %s" % (rc, len(ans), len(pas), err[:200]))
    allva = set()
    for a, p in zip(sample, ans):
        pa = h(a["pa"])
        vas = [h(v["va"]) for v in p["va"]]
        allva.update(vas)
        if h(p["pa"]) != pa:
            bad.append("answer for %x is for %s" % (pa, p["pa"]))
            continue
        if h(a["va"]) not in vas:
            bad.append("pa %x: sampled va %s (%s) not among %s" % (pa, a["va"], a.get("region"), [hex(v) for v in vas]))
        # exactly the VAs the map runs give
        want = sorted(h(r["va"]) + pa - h(r["pa"]) for r in runs if h(r["pa"]) <= pa < h(r["pa_end"]))
        if sorted(vas) != want:
            bad.append("pa %x: ptov %s, map runs give %s" % (pa, [hex(v) for v in vas], [hex(v) for v in want]))
        dm = page_offset + pa
        if dm in vas and vas[0] != dm:
            bad.append("pa %x: direct-map alias %x is not first: %s" % (pa, dm, [hex(v) for v in vas]))
        if len(set(vas)) != len(vas):
            bad.append("pa %x: duplicates in %s" % (pa, [hex(v) for v in vas]))
    # every VA ptov gives translates back to its PA (kmapdump vtop)
    back = km_jsonl(["vtop", "--json"] + args + ["-"], "vtop",
                    stdin="".join("%x\n" % v for v in sorted(allva)).encode(), rcs=(0, 1))
    bva = {h(b["va"]): b for b in back}
    for a, p in zip(sample, ans):
        for v in p["va"]:
            b = bva.get(h(v["va"]))
            if not b or b["pa"] is None or h(b["pa"]) != h(p["pa"]):
                bad.append("ptov %s -> %s but vtop says %s" % (p["pa"], v["va"], b and b["pa"]))
            elif b.get("region") != v["region"]:
                bad.append("ptov %s -> %s region %s, vtop region %s" % (p["pa"], v["va"], v["region"], b.get("region")))
    ndm = sum(1 for a in sample if page_offset + h(a["pa"]) in allva)
    check(not bad, "%s ptov (%d PAs from %d regions; sampled VA present, = map runs, direct-map first "
          "for %d, all VAs translate back)" % (L, len(pas), len(byreg), ndm), bad)

    # ---- read
    bad = []
    rc, raw, err = kmapdump(["read", "--raw"] + args + ["linux_banner", str(len(banner))])
    crash_banner = parse_rd8(sec.get(3, ""))
    if rc != 0:
        bad.append("read --raw linux_banner exited %d: %s" % (rc, err.strip()))
    if raw != banner:
        bad.append("read --raw linux_banner %r != vmlinux .data %r" % (raw[:80], banner[:80]))
    if crash_banner != banner:
        bad.append("crash rd -8 linux_banner %r != vmlinux %r" % (crash_banner[:80], banner[:80]))
    if not banner.startswith(b"Linux version "):
        bad.append("vmlinux linux_banner %r" % banner[:40])
    # the hexdump says the same, at the right addresses
    rc, hx, err = kmapdump(["read"] + args + ["linux_banner+0x3", str(len(banner) - 3)])
    hb, addr0 = bytearray(), None
    for line in hx.decode().splitlines():
        m = re.match(r"^([0-9a-f]{16}) ((?: {1,2}[0-9a-f]{2}| {3,4})+)  \|(.*)\|$", line)
        if m:
            if addr0 is None:
                addr0 = int(m.group(1), 16)
            if int(m.group(1), 16) != addr0 + len(hb):
                bad.append("hexdump line address %s, expected %x" % (m.group(1), addr0 + len(hb)))
            lb = bytes(int(x, 16) for x in m.group(2).split())
            asc = "".join(chr(c) if 0x20 <= c < 0x7f else "." for c in lb)
            if m.group(3) != asc:
                bad.append("hexdump ASCII column %r for %r" % (m.group(3), lb))
            hb += lb
        else:
            bad.append("hexdump line not understood: %r" % line)
    if rc != 0 or bytes(hb) != banner[3:] or addr0 != banner_addr + 3:
        bad.append("read linux_banner+0x3 (hexdump) rc %d start %s: %r" % (rc, addr0 and hex(addr0), bytes(hb[:40])))
    check(not bad, "%s read linux_banner (%d bytes at %x, across a page boundary: %s) = vmlinux = crash rd" % (
        L, len(banner), banner_addr, "yes" if banner_addr // PAGE != (banner_addr + len(banner) - 1) // PAGE else "no"), bad)

    # pages crash reads: same bytes; excluded pages (d31): marked, exit 1
    exc, pres = picks
    for i, va in enumerate(exc + pres):
        ctext = sec.get(0x100 + i, "")
        cexcluded = "page excluded" in ctext
        cwords = [int(x, 16) for m in re.finditer(r"^[0-9a-f]{16}:  ([0-9a-f]{16}) ([0-9a-f]{16})", ctext, re.M)
                  for x in m.groups()]
        rc, hx, err = kmapdump(["read"] + args + ["%x" % (va - 16), "48"])
        text = hx.decode()
        if va in exc:
            bad = []
            if not cexcluded:
                bad.append("crash rd -64 %x: %r (expected 'page excluded')" % (va, ctext.strip()[:200]))
            marks = re.findall(r"^([0-9a-f]{16})  <(\d+) bytes (\S+): (.*)>$", text, re.M)
            if rc != 1:
                bad.append("read exited %d, want 1" % rc)
            if not any(int(a, 16) == va and int(n) == 32 and s == "excluded" for a, n, s, _ in marks):
                bad.append("no '<32 bytes excluded: ...>' at %x in:\n%s" % (va, text))
            if re.search(r"^%016x  [0-9a-f]{2} " % va, text, re.M) or \
                    re.search(r"^%016x  [0-9a-f]{2} " % (va + 16), text, re.M):
                bad.append("bytes of the excluded page shown")
            # --raw stops there; --zero-excluded gives zeros
            rc2, raw2, err2 = kmapdump(["read", "--raw"] + args + ["%x" % va, "16"])
            if rc2 != 1 or raw2 or "excluded" not in err2:
                bad.append("read --raw of the excluded page: exit %d, %d bytes, %r" % (rc2, len(raw2), err2.strip()))
            rc3, hx3, _ = kmapdump(["read", "--zero-excluded"] + args + ["%x" % va, "32"])
            if b" 00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00" not in hx3 or b"excluded" in hx3:
                bad.append("read --zero-excluded (exit %d): %r" % (rc3, hx3.decode()[:300]))
            mark = next((m for m in marks if int(m[0], 16) == va), None)
            check(not bad, "%s read excluded page %x (crash: page excluded; kmapdump: %s, exit %d)" % (
                L, va, "<%s bytes %s: %s>" % mark[1:] if mark else "?", rc), bad)
        else:
            bad = []
            rc2, raw2, err2 = kmapdump(["read", "--raw"] + args + ["%x" % va, "16"])
            kw = list(struct.unpack("<2Q", raw2)) if len(raw2) == 16 else None
            if rc2 != 0 or kw != cwords:
                bad.append("read --raw %x: exit %d %s, crash rd -64 %s (%r)" % (
                    va, rc2, kw and [hex(x) for x in kw], [hex(x) for x in cwords], ctext.strip()[:200]))
            check(not bad, "%s read %x = crash rd -64" % (L, va), bad)
    # unmapped address: marked, exit 1
    um = next((h(a["va"]) for a in vt if a["status"] == "unmapped" and a.get("region") == "vmalloc"), None)
    if um is not None:
        rc, hx, err = kmapdump(["read"] + args + ["%x" % (um & ~(PAGE - 1)), "64"])
        check(rc == 1 and re.search(r"^%016x  <64 bytes unmapped: " % (um & ~(PAGE - 1)), hx.decode(), re.M),
              "%s read unmapped vmalloc page %x (marked, exit %d)" % (L, um & ~(PAGE - 1), rc),
              [hx.decode()[:300], err[:200]])

    # ---- fixmap: every slot shown maps what vtop says
    fx = km_json(["fixmap", "--json"] + args, "fixmap")["slots"]
    back = {h(b["va"]): b for b in km_jsonl(["vtop", "--json"] + args + ["-"], "vtop",
                                            stdin="".join("%s\n" % s["va"] for s in fx).encode(), rcs=(0, 1))}
    bad = []
    for s in fx:
        b = back.get(h(s["va"]))
        if s["pa"] is None or b is None or b["pa"] is None or h(b["pa"]) != h(s["pa"]) or b["status"] != s["status"]:
            bad.append("slot %s %s %s: status %s pa %s, vtop %s %s" % (
                s["index"], s["name"], s["va"], s["status"], s["pa"], b and b["status"], b and b["pa"]))
        if s["pa"] is not None and h(s["pfn"]) != h(s["pa"]) >> 12:
            bad.append("slot %s pfn %s pa %s" % (s["index"], s["pfn"], s["pa"]))
    check(not bad and fx, "%s fixmap (%d slots in use, = vtop)" % (L, len(fx)), bad)


def main():
    global KMAPDUMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", nargs="+", default=(os.environ.get("KMAPDUMP_CONFIGS") or "nokaslr kaslr5 kaslr4").split())
    ap.add_argument("--formats", nargs="+", default=(os.environ.get("KMAPDUMP_OBJECT_FORMATS") or "elf kdump-zlib kdump-d31").split())
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("KMAPDUMP_JOBS") or os.cpu_count() or 2))
    ap.add_argument("--kmapdump", default=os.environ.get("KMAPDUMP"))
    a = ap.parse_args()
    KMAPDUMP = a.kmapdump or next((p for p in (os.path.join(HERE, "../../src/kmapdump"),
                                               os.path.join(HERE, "../../build/src/kmapdump"))
                                   if os.access(p, os.X_OK)), None)
    if KMAPDUMP:
        KMAPDUMP = os.path.abspath(KMAPDUMP)
    if not KMAPDUMP:
        FAIL("no kmapdump binary (set KMAPDUMP)")
    else:
        fmts = ["elf"] + [f for f in a.formats if f != "elf"]  # elf first: the others compare with it
        t0 = time.time()
        for cfg in a.configs:
            check_config(cfg, fmts, a.jobs)
        print("real-objects tier: %.0fs" % (time.time() - t0))
    print("real-objects: %d passed, %d failed" % (npass, nfail))
    sys.exit(1 if nfail else 0)


if __name__ == "__main__":
    main()
