#!/usr/bin/env python3
"""Check kmapdump against the x86_64 guest kernel's own view (bpo tier).

usage: guestview.py [--label LABEL] KMAPDUMP DUMPDIR VMCORE VMLINUX RESULTS

DUMPDIR holds what the guest printed just before the dump (mkdump.sh bpo:
guest-uname.txt, guest-kcore.txt, guest-iomem.txt, guest-modules.txt,
guest-sections.txt, guest-vmallocinfo.txt), vmcoreinfo.txt and
modules.order; VMLINUX's kernel modules (*.ko, for module symbols) are in
VMLINUX's directory under modules/.  Prints "PASS: LABEL ..." / "FAIL:
LABEL ..." lines (run_bpo.sh counts them); kmapdump's outputs go to
RESULTS/.

  layout      `kmapdump regions --json` against /proc/kcore's program
              headers (the kernel's own kclist): page_offset_base, VMALLOC_START
              and VMALLOC_END, vmemmap_base, MODULES_VADDR/END, the KASLR
              offset (_text) and phys_base (__pa_symbol(_text)); the release
              against uname -r
  vmalloc     `kmapdump vmalloc --json` against /proc/vmallocinfo, area by
              area: start, end, size, caller (%pS text), pages=, phys=, the
              flag words, mapped_bytes (= pages=, or an ioremap area but its
              guard page); "unpurged vm_area" lines (lazily freed, no longer
              busy) must not be listed; caller addresses recomputed from
              the symbol tables: vmlinux + KASLR offset, or the module's
              .ko + the guest's section address
  vmalloc pages  every "pages=N" area has its N pages mapped, ioremap areas
              map page i to phys + i pages, the guard page is unmapped
              (kmapdump vtop)
  modules     `kmapdump modules --json` against /proc/modules (names, size,
              address = start of the text) and /sys/module/*/sections
              (.text, .rodata, .data inside the range of the same kind)

Also a library: parse_vmallocinfo, vmallocinfo_pages (shared with
guestview_i386.py), parse_kcore, kcore_layout, elf_symbols (ref_vtop.py).
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys

PAGE = 4096
START_KERNEL_MAP = 0xffffffff80000000
FLAG_WORDS = {"ioremap", "sparse", "vmalloc", "vmap", "user", "dma-coherent", "vpages",
              "vm_map_ram"}


def read(path):
    with open(path) as f:
        return f.read()


# ------------------------------------------------------------ vmallocinfo

VMI_RE = re.compile(r"0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\d+)\s+(.*)$")


def parse_vmallocinfo(text):
    """/proc/vmallocinfo lines as dicts: start, end, size, rest (the text
    after the size), kind ("busy", "unpurged" for "unpurged vm_area",
    "vm_map_ram"), caller (the %pS text or None), pages, phys (or None),
    flags (set of flag words)."""
    areas = []
    for line in text.splitlines():
        m = VMI_RE.match(line.strip())
        if not m:
            continue
        a = {"start": int(m.group(1), 16), "end": int(m.group(2), 16),
             "size": int(m.group(3)), "rest": m.group(4), "line": line.strip(),
             "caller": None, "pages": 0, "phys": None, "flags": set()}
        rest = m.group(4)
        if rest == "unpurged vm_area":
            a["kind"] = "unpurged"
        elif rest == "vm_map_ram":
            a["kind"] = "vm_map_ram"
            a["flags"] = {"vm_map_ram"}
        else:
            a["kind"] = "busy"
            toks = rest.split()
            i = 0
            if toks and not re.match(r"(pages|phys)=|N\d+=", toks[0]) and toks[0] not in FLAG_WORDS:
                a["caller"] = toks[0]
                i = 1
                if len(toks) > 1 and re.match(r"^\[\S+\]$", toks[1]):  # %pS of a module
                    a["caller"] += " " + toks[1]
                    i = 2
            for t in toks[i:]:
                if t.startswith("pages="):
                    a["pages"] = int(t[6:])
                elif t.startswith("phys="):
                    a["phys"] = int(t[5:], 16)
                elif t in FLAG_WORDS:
                    a["flags"].add(t)
        areas.append(a)
    return areas


def vmallocinfo_pages(kmapdump, vmcore, vmlinux, areas, out_jsonl):
    """kmapdump vtop on the pages /proc/vmallocinfo says are mapped:
    "pages=N" areas have their first N pages mapped, ioremap areas map page
    i to phys + i pages, and the last page (the guard page) is unmapped.
    Areas of pcpu_get_vm_areas (populated on demand) are only counted, as
    are lines without pages= or an ioremap phys=.  Returns (bad, nmapped,
    nphys, nguard, npcpu, nvas); bad lists the wrong answers."""
    expect = {}  # va -> (expected status, expected pa or None, area line)
    npcpu = 0
    for a in areas:
        if a.get("kind", "busy") != "busy":
            continue
        rest = a["rest"]
        if "pcpu_get_vm_areas" in rest:
            npcpu += 1
            continue
        if a["pages"]:
            for i in range(a["pages"]):
                expect[a["start"] + i * PAGE] = ("mapped", None, rest)
        elif a["phys"] is not None and "ioremap" in a["flags"]:
            for i in range((a["end"] - a["start"]) // PAGE - 1):
                expect[a["start"] + i * PAGE] = ("mapped", a["phys"] + i * PAGE, rest)
        else:
            continue
        expect[a["end"] - PAGE] = ("unmapped", None, rest)  # guard page
    vas = sorted(expect)
    p = subprocess.run([kmapdump, "vtop", "--json", vmcore, vmlinux, "-"],
                       input="".join("%#x\n" % va for va in vas).encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(out_jsonl, "wb") as f:
        f.write(p.stdout)
    got = {}
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        got[int(r["va"], 16)] = r
    bad = []
    nmapped = nguard = nphys = 0
    for va in vas:
        st, pa, rest = expect[va]
        r = got.get(va)
        ks = r and r.get("status")
        if st == "mapped":
            ok = ks in ("mapped", "excluded", "not-in-dump")
            nmapped += ok
            if ok and pa is not None:
                ok = int(r["pa"], 16) == pa
                nphys += ok
        else:
            ok = ks == "unmapped"
            nguard += ok
        if not ok:
            bad.append("%#x (%s, expected %s%s, kmapdump %s%s)" % (
                va, rest.split()[0], st, " pa=%#x" % pa if pa is not None else "",
                ks, " pa=" + r["pa"] if r and r.get("pa") else ""))
    if p.returncode not in (0, 1):
        bad.insert(0, "kmapdump vtop exited %d: %s" % (p.returncode, p.stderr.decode()[:300]))
    return bad, nmapped, nphys, nguard, npcpu, len(vas)


# ------------------------------------------------------------ /proc/kcore

def parse_kcore(path):
    """program headers of /proc/kcore from the guest's hex dump of its
    first bytes: [(p_vaddr, p_paddr, p_memsz)] of the PT_LOADs"""
    b = bytes(int(x, 16) for line in read(path).splitlines() for x in line.split())
    if b[:4] != b"\x7fELF" or b[4] != 2:
        raise ValueError("%s: not an ELF64 header" % path)
    phoff, = struct.unpack_from("<Q", b, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", b, 0x36)
    res = []
    for i in range(phnum):
        t, _, _, va, pa, _, ms, _ = struct.unpack_from("<IIQQQQQQ", b, phoff + i * phentsize)
        if t == 1:
            res.append((va, pa, ms))
    return res


def kcore_layout(path):
    """the kernel's layout from its kclist (fs/proc/kcore.c): KCORE_TEXT
    (_text.._end, p_paddr = __pa_symbol), KCORE_VMALLOC (VMALLOC_START,
    size VMALLOC_END - VMALLOC_START; also MODULES_VADDR..MODULES_END),
    KCORE_RAM (direct map, p_paddr = __pa), KCORE_VMEMMAP (struct pages of
    each RAM range, p_paddr -1)"""
    lay = {"ram": [], "vmemmap": []}
    for va, pa, ms in parse_kcore(path):
        nopa = pa == 0xffffffffffffffff
        if START_KERNEL_MAP <= va < 0xffffffffc0000000 and not nopa:
            lay["text"] = (va, va + ms, pa)
        elif va >= 0xffffffffc0000000 and nopa and va < 0xffffffffff000000:
            lay["modules"] = (va, va + ms)
        elif nopa and ms >= 1 << 40:
            lay["vmalloc"] = (va, va + ms + 1)  # memsz = VMALLOC_END - VMALLOC_START, END inclusive
        elif nopa:
            lay["vmemmap"].append((va, va + ms))
        else:
            lay["ram"].append((va, va + ms, pa))
    offs = {va - pa for va, _, pa in lay["ram"]}
    if len(offs) != 1:
        raise ValueError("KCORE_RAM entries disagree on page_offset_base: %s" % offs)
    lay["page_offset_base"] = offs.pop()
    # vmemmap_base: the struct page of the lowest RAM pfn, rounded down to
    # a page (kcore's get_sparsemem_vmemmap_info)
    lo = min(lay["ram"], key=lambda r: r[2])
    lay["vmemmap_base"] = min(v for v, _ in lay["vmemmap"]) - ((lo[2] // PAGE) * 64 & ~(PAGE - 1))
    return lay


# ------------------------------------------------------------ ELF symbols

def elf_symbols(path, want=None):
    """{name: [(section name, st_value, st_size)]} from an ELF file's
    symbol table (only the names in WANT, if given); reads only the
    section headers, the symbol table and its string table"""
    res = {}
    with open(path, "rb") as f:
        eh = f.read(64)
        if eh[:4] != b"\x7fELF" or eh[4] != 2:
            raise ValueError("%s: not ELF64" % path)
        shoff, = struct.unpack_from("<Q", eh, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", eh, 0x3a)
        f.seek(shoff)
        raw = f.read(shentsize * shnum)
        secs = [struct.unpack_from("<IIQQQQIIQQ", raw, i * shentsize) for i in range(shnum)]

        def blob(i):
            f.seek(secs[i][4])
            return f.read(secs[i][5])
        shstr = blob(shstrndx)

        def cstr(tab, off):
            return tab[off:tab.index(b"\0", off)].decode()
        names = [cstr(shstr, s[0]) for s in secs]
        for i, s in enumerate(secs):
            if s[1] != 2:  # SHT_SYMTAB
                continue
            data, strtab, ent = blob(i), blob(s[6]), s[9]
            for j in range(len(data) // ent):
                st_name, st_info, _, shndx, value, size = struct.unpack_from("<IBBHQQ", data, j * ent)
                n = cstr(strtab, st_name)
                if not n or (want is not None and n not in want):
                    continue
                sec = names[shndx] if 0 < shndx < len(names) else None
                res.setdefault(n, []).append((sec, value, size))
    return res


# ------------------------------------------------------------ checks

def kmapdump_json(kmapdump, cmd, vmcore, vmlinux, results, name):
    p = subprocess.run([kmapdump, cmd, "--json", vmcore, vmlinux],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(os.path.join(results, name), "wb") as f:
        f.write(p.stdout)
    if p.returncode != 0:
        return None, "kmapdump %s exited %d: %s" % (cmd, p.returncode, p.stderr.decode().strip()[:300])
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, "kmapdump %s --json: %s" % (cmd, e)


def h(x):
    return None if x is None else int(x, 16) if isinstance(x, str) else x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", default="real-bpo")
    ap.add_argument("kmapdump")
    ap.add_argument("dumpdir")
    ap.add_argument("vmcore")
    ap.add_argument("vmlinux")
    ap.add_argument("results")
    args = ap.parse_args()
    L, D = args.label, args.dumpdir
    nfail = 0

    def check(ok, what, details=()):
        nonlocal nfail
        print("%s: %s %s" % ("PASS" if ok else "FAIL", L, what))
        if not ok:
            for d in list(details)[:25]:
                print("  " + d)
            if len(details) > 25:
                print("  ... %d more" % (len(details) - 25))
        nfail += not ok

    vmci = dict(l.split("=", 1) for l in read(os.path.join(D, "vmcoreinfo.txt")).splitlines() if "=" in l)
    koff = int(vmci.get("KERNELOFFSET", "0"), 16)
    kl = kcore_layout(os.path.join(D, "guest-kcore.txt"))
    uname = read(os.path.join(D, "guest-uname.txt")).strip()

    # ---- layout
    reg, err = kmapdump_json(args.kmapdump, "regions", args.vmcore, args.vmlinux, args.results, "regions.json")
    if err:
        check(False, "regions: " + err)
        return 1
    regions = dict((r["name"], (h(r["start"]), h(r["end"]))) for r in reg["regions"] if "parent" not in r)
    vsyms = elf_symbols(args.vmlinux, {"_text", "_end"})
    text_link = vsyms["_text"][0][1]
    bad = []

    def want(name, got, exp):
        if got != exp:
            bad.append("%s: kmapdump %s, guest %s" % (
                name, got if not isinstance(got, int) else "%#x" % got,
                exp if not isinstance(exp, int) else "%#x" % exp))
    want("release", reg.get("release"), uname)
    want("direct-map start (page_offset_base)", regions.get("direct-map", (None,))[0], kl["page_offset_base"])
    want("vmalloc (VMALLOC_START-VMALLOC_END)", regions.get("vmalloc"), kl["vmalloc"])
    want("vmemmap start (vmemmap_base)", regions.get("vmemmap", (None,))[0], kl["vmemmap_base"])
    want("modules (MODULES_VADDR-MODULES_END)", regions.get("modules"), kl["modules"])
    want("kaslr_offset (_text - linked _text)", h(reg.get("kaslr_offset")), kl["text"][0] - text_link)
    want("KERNELOFFSET in VMCOREINFO", koff, kl["text"][0] - text_link)
    want("phys_base (__pa_symbol(_text) - (_text - __START_KERNEL_map))", h(reg.get("phys_base")),
         kl["text"][2] - (kl["text"][0] - START_KERNEL_MAP))
    kt = regions.get("kernel-text", (0, 0))
    if not (kt[0] <= kl["text"][0] and kl["text"][1] <= kt[1]):
        bad.append("kernel-text %#x-%#x does not hold _text.._end %#x-%#x" % (kt + kl["text"][:2]))
    ram = sum(b - a for a, b, _ in kl["ram"])
    dm = next((r for r in reg["regions"] if r["name"] == "direct-map"), {})
    if (dm.get("mapped_bytes") or 0) < ram:
        bad.append("direct-map mapped_bytes %s < the guest's RAM (KCORE_RAM) %d" % (dm.get("mapped_bytes"), ram))
    check(not bad, "layout = the guest's /proc/kcore (page_offset_base %#x, vmalloc %#x-%#x, vmemmap_base %#x, "
          "modules %#x-%#x, KASLR offset %#x, phys_base %#x, %s paging, release %s)" % (
              kl["page_offset_base"], kl["vmalloc"][0], kl["vmalloc"][1], kl["vmemmap_base"],
              kl["modules"][0], kl["modules"][1], kl["text"][0] - text_link,
              kl["text"][2] - (kl["text"][0] - START_KERNEL_MAP), reg.get("paging"), uname), bad)

    # ---- modules
    procmods = {}
    for l in read(os.path.join(D, "guest-modules.txt")).splitlines():
        t = l.split()
        if len(t) >= 6:
            procmods[t[0]] = {"size": int(t[1]), "addr": int(t[5], 16)}
    sections = {}
    for l in read(os.path.join(D, "guest-sections.txt")).splitlines():
        t = l.split()
        if len(t) == 3:
            sections.setdefault(t[0], {})[t[1]] = int(t[2], 16)
    mods, err = kmapdump_json(args.kmapdump, "modules", args.vmcore, args.vmlinux, args.results, "modules.json")
    kmods = {}
    if err:
        check(False, "modules: " + err)
    else:
        kmods = dict((m["name"], m) for m in mods["modules"])
        bad = []
        if set(kmods) != set(procmods):
            bad.append("names: only kmapdump %s; only /proc/modules %s" % (
                sorted(set(kmods) - set(procmods)), sorted(set(procmods) - set(kmods))))
        nsec = nexact = 0
        for name in sorted(set(kmods) & set(procmods)):
            k, g = kmods[name], procmods[name]
            rng = {}
            for r in k.get("ranges", []):
                rng.setdefault(r["kind"], []).append((h(r["start"]), h(r["end"])))
            if k.get("size") != g["size"]:
                bad.append("%s: size %s, /proc/modules %d" % (name, k.get("size"), g["size"]))
            text0 = min((a for a, _ in rng.get("text", [])), default=0)
            if text0 != g["addr"]:
                bad.append("%s: text starts at %#x, /proc/modules address %#x" % (name, text0, g["addr"]))
            if not any(a <= h(k["module"]) < b for a, b in rng.get("data", [])):
                bad.append("%s: struct module %s outside its data range" % (name, k["module"]))
            for sec, addr in sorted(sections.get(name, {}).items()):
                kind = sec.lstrip(".")
                nsec += 1
                inside = [(a, b) for a, b in rng.get(kind, []) if a <= addr < b]
                if not inside:
                    bad.append("%s: section %s at %#x not in kmapdump's %s ranges %s" % (
                        name, sec, addr, kind, ["%#x-%#x" % r for r in rng.get(kind, [])]))
                elif inside[0][0] == addr:
                    nexact += 1
        check(not bad, "modules = /proc/modules and /sys/module/*/sections (%d modules: names, sizes, "
              "addresses; %d .text/.rodata/.data sections inside the range of their kind, %d at its start)" % (
                  len(procmods), nsec, nexact), bad)

    # ---- vmalloc
    guest = parse_vmallocinfo(read(os.path.join(D, "guest-vmallocinfo.txt")))
    vm, err = kmapdump_json(args.kmapdump, "vmalloc", args.vmcore, args.vmlinux, args.results, "vmalloc.json")
    if err:
        check(False, "vmalloc: " + err)
    else:
        karea = {}
        dups = []
        for a in vm["areas"]:
            if h(a["start"]) in karea:
                dups.append("area %s listed twice" % a["start"])
            karea[h(a["start"])] = a
        busy = [g for g in guest if g["kind"] != "unpurged"]
        unpurged = dict((g["start"], g) for g in guest if g["kind"] == "unpurged")
        gstart = set(g["start"] for g in busy)
        # The guest lists its areas with shell builtins only, after its
        # last fork, and then idles: nothing should differ.  A kernel
        # thread started or ended by the kernel itself in the seconds
        # between the listing and the dump would add or drop a kernel
        # stack (kernel_clone, 4 pages); up to MAX_STACK_DIFF of those are
        # tolerated and reported, anything else fails.
        MAX_STACK_DIFF = 2
        bad, stack = list(dups), []

        def is_stack(caller, pages):
            return bool(caller) and caller.startswith("kernel_clone+") and pages == 4
        for g in busy:
            if g["start"] not in karea:
                (stack if is_stack(g["caller"], g["pages"]) else bad).append(
                    "missing in kmapdump: %s" % g["line"])
        for s, k in sorted(karea.items()):
            if s not in gstart:
                why = " (a lazily freed area: vmallocinfo says \"unpurged vm_area\")" if s in unpurged else ""
                (stack if not why and is_stack(k.get("caller_symbol"), k.get("pages")) else bad).append(
                    "only in kmapdump%s: %s-%s %s pages=%s %s" % (why, k["start"], k["end"], k.get("caller_symbol"),
                                                                 k.get("pages"), k.get("flags")))
        if len(stack) > MAX_STACK_DIFF:
            bad += stack
        check(not bad, "vmalloc areas = /proc/vmallocinfo (%d busy areas by start; %d \"unpurged vm_area\" "
              "not listed; kmapdump %d areas%s)" % (
                  len(busy), len(unpurged), len(karea),
                  "; tolerated, kernel stacks of threads started/ended after the listing: " + "; ".join(stack)
                  if stack and len(stack) <= MAX_STACK_DIFF else ""), bad)

        bad = []
        nf = 0
        for g in busy:
            k = karea.get(g["start"])
            if not k:
                continue
            nf += 1
            diffs = []
            if h(k["end"]) != g["end"] or k["size"] != g["size"]:
                diffs.append("end/size %s/%s" % (k["end"], k["size"]))
            if g["kind"] == "busy" and (k.get("caller_symbol") or None) != g["caller"]:
                diffs.append("caller %r" % k.get("caller_symbol"))
            if (k.get("pages") or 0) != g["pages"]:
                diffs.append("pages %s" % k.get("pages"))
            if h(k.get("phys")) != g["phys"]:
                diffs.append("phys %s" % k.get("phys"))
            kf = set((k.get("flags") or "").split())
            if kf != g["flags"]:
                diffs.append("flags %r" % k.get("flags"))
            # what kmapdump found mapped: the pages= pages (vmalloc maps
            # them all at once), an ioremap area but its guard page
            want_mapped = g["pages"] * PAGE if g["pages"] else \
                g["size"] - PAGE if g["phys"] is not None and "ioremap" in g["flags"] else None
            if "pcpu_get_vm_areas" not in g["rest"] and want_mapped is not None \
                    and k.get("mapped_bytes") != want_mapped:
                diffs.append("mapped_bytes %s (want %d)" % (k.get("mapped_bytes"), want_mapped))
            if diffs:
                bad.append("%s: kmapdump %s" % (g["line"], ", ".join(diffs)))
        check(nf and not bad, "vmalloc fields = /proc/vmallocinfo (%d areas: end, size, caller symbol, pages, "
              "phys, flags; mapped_bytes = pages, or an ioremap area's size but the guard page)" % nf, bad)

        # caller addresses, from the symbol tables
        callers = [(g, karea[g["start"]]) for g in busy if g["caller"] and g["start"] in karea]
        names = set(re.match(r"([^+ ]+)", g["caller"]).group(1) for g, _ in callers)
        ksyms = elf_symbols(args.vmlinux, names)
        kosyms = {}
        kodir = os.path.join(os.path.dirname(args.vmlinux), "modules")
        bad = []
        nk = nm = 0
        for g, k in callers:
            m = re.match(r"^([^+ ]+)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\S+)\])?$", g["caller"])
            if not m:
                bad.append("%s: caller %r not sym+off/size" % (g["line"], g["caller"]))
                continue
            # (the /0xSIZE of %pS is kallsyms' distance to the next symbol,
            # not the ELF st_size: only the name and offset are used)
            sym, off, mod = m.group(1), int(m.group(2), 16), m.group(4)
            kc = h(k.get("caller"))
            if mod is None:
                cands = [v + koff + off for sec, v, sz in ksyms.get(sym, [])]
                nk += 1
            else:
                if mod not in kosyms:
                    ko = [f for f in os.listdir(kodir) if f.endswith(".ko") and f[:-3].replace("-", "_") == mod]
                    kosyms[mod] = elf_symbols(os.path.join(kodir, ko[0])) if ko else {}
                secs = sections.get(mod, {})
                cands = [secs[sec] + v + off for sec, v, sz in kosyms[mod].get(sym, []) if sec in secs]
                nm += 1
            if kc not in cands:
                bad.append("%s: kmapdump caller %s, symbol table says %s" % (
                    g["line"], k.get("caller"), " or ".join("%#x" % c for c in cands) or "?"))
        check(callers and not bad, "vmalloc caller addresses = symbol + offset (%d in vmlinux + KASLR offset, "
              "%d in modules: .ko symbol + the guest's section address)" % (nk, nm), bad)

    bad, nmapped, nphys, nguard, npcpu, nvas = vmallocinfo_pages(
        args.kmapdump, args.vmcore, args.vmlinux, guest, os.path.join(args.results, "vmallocinfo-vtop.jsonl"))
    check(nvas and not bad, "vmallocinfo pages: %d mapped (%d with the ioremap phys), %d guard pages unmapped, "
          "%d pcpu areas not checked" % (nmapped, nphys, nguard, npcpu), bad)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
