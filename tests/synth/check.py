#!/usr/bin/env python3
"""Compare kmapdump output for one synthetic case with mkvmcore's expectations.

usage: check.py NAME WORKDIR KMAPDUMP

WORKDIR holds what mkvmcore wrote (vmcore, symbols, probes.txt, expect.jsonl)
and what run.sh captured: TAG.out / TAG.err / TAG.rc for TAG in
vtop (addresses as arguments), stdin (addresses on stdin), regions, and for
force-ok cases vtopf / regionsf (the same with --force).

expect.jsonl's "cmd" lines (spec 'cmd ...': vmalloc, modules, map, ptov,
read) are run here, with a 10 s timeout each (a looping list must be caught
at once), and compared: one check per command, plus one per vmalloc area,
module and map run.

Prints exactly one 'PASS: synth NAME WHAT' or 'FAIL: synth NAME WHAT: WHY'
line per check; exit status 1 if anything failed.
"""
import json
import os
import signal
import subprocess
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
cmds = []  # "cmd" lines: object commands run here (vmalloc, modules, map, ptov, read)
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
        elif o["kind"] == "cmd":
            cmds.append(o)

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



# ---- object commands ('cmd' lines): run here, compared with the generator's
# model of the kernel objects, mappings and memory contents.
CMD_TIMEOUT = 10


def run_cmd(c):
    """(stdout bytes, stderr text, rc) or (None, why, None)."""
    if not have_tool:
        return None, f"kmapdump not found at {kmapdump}", None
    argv = [kmapdump] + c["argv"] + dumps + [symbols] + c["args"]
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=CMD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {CMD_TIMEOUT} s (endless list walk?)", None
    err = p.stderr.decode(errors="replace")
    if p.returncode < 0:
        return None, f"killed by signal {-p.returncode}; stderr: {err.strip()[:200]}", None
    return p.stdout, err, p.returncode


def err_lines(err):
    return [ln for ln in err.split("\n") if ln != ""]


def check_cmd_error(what, exp, out, err, rc):
    why = []
    if rc != exp["rc"]:
        why.append(f"exit status {rc}, expected {exp['rc']}")
    lines = err_lines(err)
    if len(lines) != 1:
        why.append(f"{len(lines)} stderr lines, expected exactly 1: {err.strip()[:200]!r}")
    elif exp.get("error") and exp["error"].lower() not in lines[0].lower():
        why.append(f"stderr does not mention {exp['error']!r}: {lines[0][:200]!r}")
    if out.strip():
        why.append(f"unexpected stdout: {out[:100]!r}")
    report(what, "; ".join(why) or None)


def diff_obj(exp, got):
    """Reasons why dict got does not carry exp's keys and values."""
    if not isinstance(got, dict):
        return [f"not an object: {json.dumps(got)[:100]}"]
    probs = []
    for k, ev in exp.items():
        if k not in got:
            probs.append(f"missing {k!r}")
        elif got[k] != ev:
            probs.append(f"{k}={json.dumps(got[k])} expected {json.dumps(ev)}")
    return probs


def parse_one_json(what, out, err, rc, key):
    """The single JSON object with list KEY, or None (reported)."""
    try:
        got = json.loads(out.decode(errors="replace"))
        if not isinstance(got, dict) or not isinstance(got.get(key), list):
            raise ValueError(f"no {key!r} list")
        return got
    except ValueError as e:
        report(what, f"output is not one JSON object ({e}); rc={rc}; stderr: {err.strip()[:200]}")
        return None


def check_cmd_list(c, out, err, rc, key, label, ident):
    """vmalloc areas / modules: one check for the command, one per item."""
    what = f"cmd {c['check']}"
    exp = c["expect"]
    items = exp[key]
    got = parse_one_json(what, out, err, rc, key)
    if got is None:
        for i, it in enumerate(items):
            report(f"{what} {label}[{i}] {it[ident]}", "no JSON output")
        return
    g = got[key]
    why = []
    if rc != 0:
        why.append(f"exit status {rc}, expected 0")
    if err.strip():
        why.append(f"stderr: {err.strip()[:200]!r}")
    if len(g) != len(items):
        why.append(f"{len(g)} {key}, expected {len(items)}: got "
                   + ", ".join(str(x.get(ident)) if isinstance(x, dict) else "?" for x in g[:8]))
    report(what, "; ".join(why) or None)
    for i, it in enumerate(items):
        w = f"{what} {label}[{i}] {it[ident]}"
        if i >= len(g):
            report(w, "missing from the output")
            continue
        p = diff_obj(it, g[i])
        report(w, "; ".join(p) or None)


def check_cmd_map(c, out, err, rc):
    what = f"cmd {c['check']}"
    runs = c["expect"]["runs"]
    got, bad = [], None
    for ln in out.decode(errors="replace").splitlines():
        if not ln.strip():
            continue
        try:
            got.append(json.loads(ln))
        except ValueError:
            bad = ln
    why = []
    if rc != 0:
        why.append(f"exit status {rc}, expected 0")
    if err.strip():
        why.append(f"stderr: {err.strip()[:200]!r}")
    if bad is not None:
        why.append(f"line is not JSON: {bad[:100]!r}")
    gv = [x.get("va") if isinstance(x, dict) else None for x in got]
    ev = [r["va"] for r in runs]
    if gv != ev:
        extra = [v for v in gv if v not in ev]
        miss = [v for v in ev if v not in gv]
        why.append(f"{len(got)} runs, expected {len(runs)}; unexpected starts {extra[:6]}, missing {miss[:6]}")
    report(what, "; ".join(why) or None)
    byva = {x.get("va"): x for x in got if isinstance(x, dict)}
    for r in runs:
        w = f"{what} run {r['va']}"
        if r["va"] not in byva:
            report(w, "no run starts here")
            continue
        report(w, "; ".join(diff_obj(r, byva[r["va"]])) or None)


def check_cmd_ptov(c, out, err, rc):
    what = f"cmd {c['check']}"
    exp = c["expect"]
    why = []
    if rc != exp["rc"]:
        why.append(f"exit status {rc}, expected {exp['rc']}")
    if err.strip():
        why.append(f"stderr: {err.strip()[:200]!r}")
    got = []
    for ln in out.decode(errors="replace").splitlines():
        if ln.strip():
            try:
                got.append(json.loads(ln))
            except ValueError:
                why.append(f"line is not JSON: {ln[:100]!r}")
    if len(got) != len(exp["results"]):
        why.append(f"{len(got)} output lines for {len(exp['results'])} addresses")
    for e, g in zip(exp["results"], got):
        if not isinstance(g, dict) or g.get("pa") != e["pa"] or not isinstance(g.get("va"), list):
            why.append(f"{e['pa']}: got {json.dumps(g)[:150]}")
            continue
        ev, gv = e["va"], g["va"]
        key = lambda x: json.dumps(x, sort_keys=True)
        if e["direct_first"] and (not gv or gv[0] != ev[0]):
            why.append(f"{e['pa']}: first VA {json.dumps(gv[:1])}, expected the direct-map alias {json.dumps(ev[0])}")
        if sorted(map(key, gv)) != sorted(map(key, ev)):
            why.append(f"{e['pa']}: VAs {json.dumps(gv)[:300]} expected (any order after the first) {json.dumps(ev)[:300]}")
    report(what, "; ".join(why[:4]) or None)


def hexdump_lines(va, data):
    res = []
    for i in range(0, len(data), 16):
        b = data[i:i + 16]
        s = f"{va + i:016x} "
        for j in range(16):
            if j == 8:
                s += " "
            s += f" {b[j]:02x}" if j < len(b) else "   "
        s += "  |" + "".join(chr(x) if 0x20 <= x < 0x7f else "." for x in b) + "|"
        res.append(s)
    return res


def check_cmd_read(c, out, err, rc):
    what = f"cmd {c['check']}"
    exp = c["expect"]
    raw = "--raw" in c["argv"]
    zero = "--zero-excluded" in c["argv"]
    why = []
    want_rc = exp["rc"]
    if raw:
        data, stop = b"", None
        for ch in exp["chunks"]:
            if ch["status"] == "mapped":
                data += bytes.fromhex(ch["hex"])
            elif zero and ch["status"] == "excluded":
                data += bytes(ch["len"])
            else:
                stop = ch
                break
        if out != data:
            n = next((i for i in range(min(len(out), len(data))) if out[i] != data[i]), min(len(out), len(data)))
            why.append(f"{len(out)} bytes on stdout, expected {len(data)}; first difference at byte {n}")
        lines = err_lines(err)
        if stop is not None:
            if len(lines) != 1:
                why.append(f"{len(lines)} stderr lines, expected 1 naming {stop['va']}: {err.strip()[:200]!r}")
            elif stop["va"] not in lines[0]:
                why.append(f"stderr does not name {stop['va']} ({stop['status']}): {lines[0][:200]!r}")
        elif lines:
            why.append(f"unexpected stderr: {err.strip()[:200]!r}")
    else:
        exp_lines = []  # (text, is_prefix)
        for ch in exp["chunks"]:
            va = int(ch["va"], 16)
            if ch["status"] == "mapped":
                exp_lines += [(x, False) for x in hexdump_lines(va, bytes.fromhex(ch["hex"]))]
            elif zero and ch["status"] == "excluded":
                exp_lines += [(x, False) for x in hexdump_lines(va, bytes(ch["len"]))]
            else:
                exp_lines.append((f"{va:016x}  <{ch['len']} bytes {ch['status']}: ", True))
        got = out.decode(errors="replace").splitlines()
        if len(got) != len(exp_lines):
            why.append(f"{len(got)} output lines, expected {len(exp_lines)}")
        for i, ((e, pre), g) in enumerate(zip(exp_lines, got)):
            if (pre and not g.startswith(e)) or (not pre and g != e):
                why.append(f"line {i + 1}: {g[:120]!r}, expected {e!r}{'...' if pre else ''}")
                break
        if err.strip():
            why.append(f"unexpected stderr: {err.strip()[:200]!r}")
    if rc != want_rc:
        why.append(f"exit status {rc}, expected {want_rc}")
    report(what, "; ".join(why) or None)


def check_cmds():
    for c in cmds:
        what = f"cmd {c['check']}"
        exp = c["expect"]
        out, err, rc = run_cmd(c)
        if out is None:
            report(what, err)
            continue
        if "error" in exp:
            check_cmd_error(what, exp, out.decode(errors="replace"), err, rc)
        elif c["argv"][0] == "vmalloc":
            check_cmd_list(c, out, err, rc, "areas", "area", "start")
        elif c["argv"][0] == "modules":
            check_cmd_list(c, out, err, rc, "modules", "module", "name")
        elif c["argv"][0] == "map":
            check_cmd_map(c, out, err, rc)
        elif c["argv"][0] == "ptov":
            check_cmd_ptov(c, out, err, rc)
        elif c["argv"][0] == "read":
            check_cmd_read(c, out, err, rc)
        else:
            report(what, f"unknown command {c['argv'][0]!r} in expect.jsonl")


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
check_cmds()

sys.exit(1 if failed else 0)
