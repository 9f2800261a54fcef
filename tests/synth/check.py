#!/usr/bin/env python3
"""Compare kmapdump output for one synthetic case with mkvmcore's expectations.

usage: check.py NAME WORKDIR KMAPDUMP

WORKDIR holds what mkvmcore wrote (vmcore, symbols, probes.txt, expect.jsonl)
and what run.sh captured: TAG.out / TAG.err / TAG.rc for TAG in
vtop (addresses as arguments), stdin (addresses on stdin), regions, and for
force-ok cases vtopf / regionsf (the same with --force).

Prints exactly one 'PASS: synth NAME WHAT' or 'FAIL: synth NAME WHAT: WHY'
line per check; exit status 1 if anything failed.
"""
import json
import os
import signal
import sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)

name, wd, kmapdump = sys.argv[1], sys.argv[2], sys.argv[3]
failed = False


def report(what, why):
    global failed
    if why is None:
        print(f"PASS: synth {name} {what}")
    else:
        failed = True
        why = " ".join(str(why).split())
        if len(why) > 400:
            why = why[:400] + "..."
        print(f"FAIL: synth {name} {what}: {why}")


def load_run(tag):
    """(stdout, stderr, rc) of a captured kmapdump run, or None."""
    p = os.path.join(wd, tag)
    if not os.path.exists(p + ".rc"):
        return None
    with open(p + ".out", errors="replace") as f:
        out = f.read()
    with open(p + ".err", errors="replace") as f:
        err = f.read()
    with open(p + ".rc") as f:
        rc = int(f.read().strip() or "-1")
    return out, err, rc


meta, probes, regions, verify = None, [], None, None
with open(os.path.join(wd, "expect.jsonl")) as f:
    for line in f:
        o = json.loads(line)
        if o["kind"] == "meta":
            meta = o
        elif o["kind"] == "probe":
            probes.append(o)
        elif o["kind"] == "regions":
            regions = o["expect"]
        elif o["kind"] == "verify":
            verify = o

vmcore = os.path.join(wd, "vmcore")
symbols = os.path.join(wd, "symbols")
# the dump file(s) given to kmapdump (several for a split kdump dump)
dumps = [vmcore]
if os.path.exists(os.path.join(wd, "dumpfiles.txt")):
    with open(os.path.join(wd, "dumpfiles.txt")) as f:
        dumps = [ln.rstrip("\n") for ln in f if ln.strip()]
    vmcore = dumps[0]
kmd_codecs = set(os.environ.get("KMD_CODECS", "zlib lzo zstd snappy").split())
have_tool = os.path.isfile(kmapdump) and os.access(kmapdump, os.X_OK)


def run_problem(r):
    if not have_tool:
        return f"kmapdump not found at {kmapdump}"
    if r is None:
        return "command was not run"
    out, err, rc = r
    if rc == 124:
        return "timed out (possible endless page-table walk)"
    if rc >= 128:
        return f"killed by signal {rc - 128}; stderr: {err.strip()[:200]}"
    return None


def hexnorm(v):
    """Normalise '0x..' strings (accept two's complement or '-0x' forms)."""
    if isinstance(v, str):
        s = v.strip().lower()
        try:
            if s.startswith("-0x"):
                return (-int(s[3:], 16)) & (2**64 - 1)
            if s.startswith("0x"):
                return int(s, 16)
        except ValueError:
            pass
    return v


def compare_probe(exp, got):
    """None if got (parsed JSON) satisfies exp, else a reason."""
    if not isinstance(got, dict):
        return f"not a JSON object: {got!r}"
    probs = []
    for k, ev in exp.items():
        if k not in got:
            probs.append(f"missing key {k!r}")
            continue
        gv = got[k]
        if k in ("va", "pa") and isinstance(ev, str):
            if not isinstance(gv, str) or gv != gv.lower() or not gv.startswith("0x"):
                probs.append(f"{k}={gv!r} is not a lowercase 0x-hex string")
                continue
            if hexnorm(gv) != hexnorm(ev):
                probs.append(f"{k}={gv} expected {ev}")
            continue
        if k == "file" and isinstance(ev, dict):
            # every expected key must match ("path" is relative to the work
            # directory); "path" must be absent unless expected
            ev2 = dict(ev)
            if "path" in ev2:
                ev2["path"] = os.path.join(wd, ev2["path"])
            bad = not isinstance(gv, dict) or any(gv.get(kk, "<missing>") != vv for kk, vv in ev2.items())
            if not bad and "path" in gv and "path" not in ev2:
                bad = True
            if bad:
                probs.append(f"file={json.dumps(gv)} expected {json.dumps(ev2)}")
            continue
        if gv != ev:
            probs.append(f"{k}={json.dumps(gv)} expected {json.dumps(ev)}")
    if exp.get("status") == "unmapped" and not isinstance(got.get("reason"), str):
        probs.append("unmapped without a 'reason' string")
    return "; ".join(probs) if probs else None


def parse_lines(out):
    res = []
    for ln in out.splitlines():
        if not ln.strip():
            continue
        try:
            res.append(json.loads(ln))
        except ValueError:
            res.append(("unparsable", ln))
    return res


def check_vtop(tag, prefix):
    """One check per ungrouped probe, one per probe group, plus vtop-exit."""
    r = load_run(tag)
    prob = run_problem(r)
    groups = {}  # name -> [count, [problems]]
    results = []  # (what, why) for ungrouped probes, in order
    if prob:
        out, err, rc, got = "", "", None, []
    else:
        out, err, rc = r
        got = parse_lines(out)
    for i, p in enumerate(probes):
        if prob:
            why = prob
        elif i >= len(got):
            why = (f"no output line (got {len(got)} lines for {len(probes)} addresses; "
                   f"rc={rc}; stderr: {err.strip()[:200]})")
        elif isinstance(got[i], tuple):
            why = f"output line is not JSON: {got[i][1][:200]}"
        else:
            why = compare_probe(p["expect"], got[i])
        g = p.get("group")
        if g is None:
            results.append((f"{prefix}vtop {p['input']}", why))
        else:
            ent = groups.setdefault(g, [0, []])
            ent[0] += 1
            if why:
                ent[1].append(f"{p['input']}: {why}")
    for what, why in results:
        report(what, why)
    for g, (n, probs) in groups.items():
        report(f"{prefix}vtop group {g} ({n} addresses)",
               None if not probs else f"{len(probs)} wrong, first: " + "; ".join(probs[:2]))
    if prob:
        report(f"{prefix}vtop-exit", prob)
        return
    why = []
    if rc != meta["vtop_exit"]:
        why.append(f"exit status {rc}, expected {meta['vtop_exit']}")
    if len(got) != len(probes):
        why.append(f"{len(got)} output lines for {len(probes)} addresses")
    report(f"{prefix}vtop-exit", "; ".join(why) or None)


def check_stdin(tag, prefix, what="vtop-stdin"):
    r = load_run(tag)
    prob = run_problem(r)
    if prob:
        report(f"{prefix}{what}", prob)
        return
    out, err, rc = r
    got = parse_lines(out)
    why = []
    if len(got) != len(probes):
        why.append(f"{len(got)} output lines for {len(probes)} addresses")
    for p, g in zip(probes, got):
        if isinstance(g, tuple):
            why.append(f"{p['input']}: not JSON")
            continue
        c = compare_probe(p["expect"], g)
        if c:
            why.append(f"{p['input']}: {c}")
    if rc != meta["vtop_exit"]:
        why.append(f"exit status {rc}, expected {meta['vtop_exit']}")
    report(f"{prefix}{what}", "; ".join(why[:4]) + (f" (+{len(why) - 4} more)" if len(why) > 4 else "") if why else None)


def check_regions(tag, prefix):
    r = load_run(tag)
    prob = run_problem(r)
    names = [x["name"] for x in regions["regions"]]
    if prob:
        report(f"{prefix}regions-header", prob)
        for n in names:
            report(f"{prefix}regions {n}", prob)
        return
    out, err, rc = r
    try:
        got = json.loads(out)
        if not isinstance(got, dict):
            raise ValueError("not an object")
    except ValueError as e:
        report(f"{prefix}regions-header", f"output is not one JSON object ({e}); rc={rc}; stderr: {err.strip()[:200]}")
        for n in names:
            report(f"{prefix}regions {n}", "no JSON output")
        return
    why = []
    if rc != 0:
        why.append(f"exit status {rc}")
    for k, ev in regions.items():
        if k == "regions":
            continue
        if k not in got:
            why.append(f"missing {k!r}")
        elif k in ("kaslr_offset", "phys_base"):
            gv = got[k]
            if not isinstance(gv, str) or hexnorm(gv) != hexnorm(ev):
                why.append(f"{k}={json.dumps(gv)} expected {json.dumps(ev)}"
                           + (" (or its negative form)" if k == "phys_base" else ""))
        elif got[k] != ev:
            why.append(f"{k}={json.dumps(got[k])} expected {json.dumps(ev)}")
    greg = got.get("regions")
    if not isinstance(greg, list):
        why.append("no 'regions' list")
        greg = []
    gnames = [x.get("name") for x in greg if isinstance(x, dict)]
    if gnames != names:
        why.append(f"region names/order {gnames} expected {names}")
    report(f"{prefix}regions-header", "; ".join(why) or None)
    byname = {x.get("name"): x for x in greg if isinstance(x, dict)}
    for er in regions["regions"]:
        n = er["name"]
        g = byname.get(n)
        if g is None:
            report(f"{prefix}regions {n}", "region missing")
            continue
        w = []
        for k in ("start", "end"):
            if not isinstance(g.get(k), str) or hexnorm(g.get(k)) != hexnorm(er[k]):
                w.append(f"{k}={json.dumps(g.get(k))} expected {er[k]}")
        for k in ("size", "mapped_bytes", "present_bytes"):
            if g.get(k) != er[k]:
                w.append(f"{k}={json.dumps(g.get(k))} expected {er[k]}")
        # nested regions (i386: the kernel image inside lowmem) name their
        # parent; a top-level region has no "parent" key (or null)
        if "parent" in er and g.get("parent") != er["parent"]:
            w.append(f"parent={json.dumps(g.get('parent'))} expected {json.dumps(er['parent'])}")
        report(f"{prefix}regions {n}", "; ".join(w) or None)


def check_error(tag, what, word):
    r = load_run(tag)
    prob = run_problem(r)
    if prob:
        report(what, prob)
        return
    out, err, rc = r
    why = []
    rcs = meta.get("error_rc") or [3]
    if rc not in rcs:
        why.append(f"exit status {rc}, expected {' or '.join(map(str, rcs))}")
    lines = [ln for ln in err.split("\n") if ln != ""]
    if len(lines) != 1:
        why.append(f"{len(lines)} stderr lines, expected exactly 1: {err.strip()[:200]!r}")
    text = " ".join(lines)
    files = list(dumps) if word != "mismatch" else dumps + [symbols]
    if lines and not any(fn in text for fn in files):
        why.append(f"stderr does not name {' or '.join(files)}: {text[:200]!r}")
    if word and word.lower() not in text.lower():
        why.append(f"stderr does not mention {word!r}: {text[:200]!r}")
    if rc in rcs and out.strip():
        why.append(f"unexpected stdout: {out.strip()[:100]!r}")
    report(what, "; ".join(why) or None)


def check_verify(tag="verify"):
    """kmapdump verify --json against the generator's page counts."""
    if verify is None:
        return
    r = load_run(tag)
    prob = run_problem(r)
    if prob:
        report("verify", prob)
        return
    out, err, rc = r
    why = []
    lines = [ln for ln in err.split("\n") if ln != ""]
    if verify.get("error"):
        # the dump cannot be opened: exit 2 or 3, one line naming a file
        if rc not in (2, 3):
            why.append(f"exit status {rc}, expected 2 or 3")
        if len(lines) != 1:
            why.append(f"{len(lines)} stderr lines, expected exactly 1: {err.strip()[:200]!r}")
        elif not any(fn in lines[0] for fn in dumps):
            why.append(f"stderr does not name the dump: {lines[0][:200]!r}")
        report("verify", "; ".join(why) or None)
        return
    exp = dict(verify["expect"])
    exp["dump"] = os.path.join(wd, exp["dump"])
    try:
        got = json.loads(out)
        if not isinstance(got, dict):
            raise ValueError("not an object")
    except ValueError as e:
        report("verify", f"output is not one JSON object ({e}); rc={rc}; stderr: {err.strip()[:200]}")
        return
    for k, ev in exp.items():
        if got.get(k, "<missing>") != ev:
            why.append(f"{k}={json.dumps(got.get(k))} expected {json.dumps(ev)}")
    want_rc = 0 if exp["bad_pages"] == 0 else 1
    if rc != want_rc:
        why.append(f"exit status {rc}, expected {want_rc}")
    fe = got.get("first_error", "<missing>")
    if exp["bad_pages"] == 0 and fe is not None:
        why.append(f"first_error={json.dumps(fe)} expected null")
    if exp["bad_pages"] and not isinstance(fe, str):
        why.append(f"first_error={json.dumps(fe)} expected a message")
    report("verify", "; ".join(why) or None)


def check_codec_missing(missing):
    """The kmapdump build lacks a codec the dump uses: pages in it cannot be
    read.  verify counts them as bad (exit 1, first_error names the codec);
    vtop must fail cleanly (exit 3, one stderr line) when the page tables
    need that codec, and stay sane otherwise."""
    r = load_run("verify")
    prob = run_problem(r)
    what = f"codec-missing ({' '.join(sorted(missing))}) verify"
    if prob:
        report(what, prob)
    else:
        out, err, rc = r
        why = []
        nbad = sum(n for c, n in meta.get("codec_pages", {}).items() if c in missing)
        try:
            got = json.loads(out)
        except ValueError:
            got = {}
            why.append(f"output is not JSON; rc={rc}; stderr: {err.strip()[:200]}")
        if rc != 1:
            why.append(f"exit status {rc}, expected 1")
        if got and got.get("bad_pages") != nbad:
            why.append(f"bad_pages={got.get('bad_pages')} expected {nbad}")
        fe = got.get("first_error") if got else None
        if got and not (isinstance(fe, str) and any(c in fe for c in missing)):
            why.append(f"first_error={json.dumps(fe)} does not name the codec")
        report(what, "; ".join(why) or None)
    r = load_run("vtop")
    prob = run_problem(r)
    what = f"codec-missing ({' '.join(sorted(missing))}) vtop"
    if prob:
        report(what, prob)
        return
    out, err, rc = r
    why = []
    lines = [ln for ln in err.split("\n") if ln != ""]
    if meta.get("pgd_codec") in missing:
        if rc != 3:
            why.append(f"exit status {rc}, expected 3 (the page tables use a codec the build lacks)")
        if len(lines) != 1:
            why.append(f"{len(lines)} stderr lines, expected exactly 1: {err.strip()[:200]!r}")
        elif meta["pgd_codec"] not in lines[0]:
            why.append(f"stderr does not name the codec: {lines[0][:200]!r}")
    elif rc not in (0, 1, 3):
        why.append(f"exit status {rc}, expected 0, 1 or 3")
    report(what, "; ".join(why) or None)


def check_sane(tag, what):
    r = load_run(tag)
    prob = run_problem(r)
    if prob:
        report(what, prob)
        return
    out, err, rc = r
    why = []
    if rc not in (0, 1, 3):
        why.append(f"exit status {rc}, expected 0, 1 or 3")
    if rc == 3:
        lines = [ln for ln in err.split("\n") if ln != ""]
        if len(lines) != 1:
            why.append(f"{len(lines)} stderr lines with exit 3: {err.strip()[:200]!r}")
        elif not any(fn in lines[0] for fn in dumps):
            why.append(f"stderr does not name {vmcore}: {lines[0][:200]!r}")
    else:
        for ln in out.splitlines():
            try:
                json.loads(ln) if tag != "regions" else None
            except ValueError:
                why.append(f"stdout line is not JSON: {ln[:100]!r}")
                break
        if tag == "regions":
            try:
                json.loads(out)
            except ValueError:
                why.append("stdout is not one JSON object")
    report(what, "; ".join(why) or None)


err = meta.get("error")
missing = set(meta.get("codecs", [])) - kmd_codecs
if missing and not meta.get("sane") and err is None:
    check_codec_missing(missing)
elif meta.get("sane"):
    check_sane("regions", "sane regions")
    check_sane("vtop", "sane vtop")
    if verify is not None:
        check_sane("verify", "sane verify")
elif err is not None:
    word = err.get("word") or ""
    check_error("regions", "error regions", word)
    check_error("vtop", "error vtop", word)
    if meta.get("force_ok"):
        check_vtop("vtopf", "force ")
        check_regions("regionsf", "force ")
else:
    check_vtop("vtop", "")
    check_stdin("stdin", "")
    # the CLI accepts VMCORE and symbols file in either order
    check_stdin("swapped", "", "vtop-swapped-args")
    check_regions("regions", "")
if not missing and not meta.get("sane"):
    check_verify()

sys.exit(1 if failed else 0)
