#!/usr/bin/python3
"""bench/peers.py - kmapdump against crash, drgn and libkdumpfile on the
same real dumps, measured in one run; called by bench/peers.sh, which
installs the peers and builds the drivers.

Every figure is the median of --runs repetitions (crash: --crash-runs),
peers and kmapdump interleaved within each repetition so that load from
other processes on the machine hits them alike.  Prints one table per
measurement with the ratio kmapdump : peer (> 1 means kmapdump is better),
then the goals and whether they hold.

Times: "first" is wall time from just before the process is started to
the first translation's answer (the drivers report it against BENCH_T0);
for the kmapdump CLI and crash, which do not report it, the whole
process's wall time.  Peak RSS is ru_maxrss of the process.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

CRASH_OK = re.compile(r"^\s*[0-9a-f]+\s+[0-9a-f]+\s*$", re.M)


def run(cmd, stdin=None, env=None, timeout=900):
    """(wall seconds, max RSS KB, stdout) of CMD, wall from just before
    the fork to its exit."""
    e = dict(os.environ)
    t0ns = time.time_ns()
    e["BENCH_T0"] = str(t0ns)
    if env:
        e.update(env)
    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=fin, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=e)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    t = time.perf_counter() - t0
    # rusage of the child: wait4 already happened in communicate(); use
    # RUSAGE_CHILDREN deltas instead (max over all children so far is
    # wrong), so the drivers report their own RSS; for whole commands
    # we use /usr/bin/time below.
    if fin is not subprocess.DEVNULL:
        fin.close()
    return t, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), p.returncode


def run_rss(cmd, stdin=None, timeout=900):
    """Whole-process wall seconds and peak RSS (KB) via wait4."""
    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=fin, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    t = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if fin is not subprocess.DEVNULL:
        fin.close()
    run_rss.cpu = ru.ru_utime + ru.ru_stime
    return t, ru.ru_maxrss, p.returncode


def kv(text):
    return {m.group(1): m.group(2) for m in re.finditer(r"(\w+)=(\S+)", text)}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_ms(s):
    return "-" if s is None else "%.1f ms" % (s * 1e3) if s < 10 else "%.2f s" % s


def fmt_rate(r):
    if r is None:
        return "-"
    if r >= 1e6:
        return "%.2f M/s" % (r / 1e6)
    return "%.0f k/s" % (r / 1e3)


def fmt_mb(kb):
    return "-" if kb is None else "%.1f MB" % (kb / 1024)


def ratio(a, b):
    if a is None or b is None or b == 0 or a == 0:
        return "-"
    return "%.2fx" % (a / b)


class Bench:
    def __init__(self, a):
        self.a = a
        self.notes = []
        self.goals = []
        self.b = a.build
        self.kmapdump = a.kmapdump or os.path.join(self.b, "src", "kmapdump")
        self.kmd = os.path.join(a.bindir, "kmd_bench")
        self.kdf = os.path.join(a.bindir, "kdf_bench") if a.kdf else None
        self.drgn = a.drgn
        self.crash = a.crash

    def note(self, msg):
        print("NOTE: " + msg)
        self.notes.append(msg)

    # ---- start-up ---------------------------------------------------------
    def crash_cmds(self, vas):
        f = tempfile.NamedTemporaryFile("w", suffix=".crash", delete=False)
        f.write("set scroll off\n!date +%s%N\n")
        for va in vas:
            f.write("vtop -k %x\n" % va)
        f.write("!date +%s%N\nquit\n")
        f.close()
        return f.name

    def crash_run(self, files, vas):
        """(whole wall s, peak RSS KB, seconds of the vtop commands: between
        two `!date` commands around them)."""
        cmd = self.crash_cmds(vas)
        out = tempfile.TemporaryFile()
        try:
            t0 = time.perf_counter()
            p = subprocess.Popen(["crash", "-s", "--no_scroll", self.a.vmlinux]
                                 + files + ["-i", cmd], stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=subprocess.STDOUT)
            _, status, ru = os.wait4(p.pid, 0)
            t = time.perf_counter() - t0
        finally:
            os.unlink(cmd)
        out.seek(0)
        stamps = [int(x) for x in re.findall(rb"^(\d{16,})$", out.read(), re.M)]
        tv = (stamps[-1] - stamps[0]) / 1e9 if len(stamps) >= 2 else None
        return t, ru.ru_maxrss, tv

    def startup(self, name, files, va):
        """One repetition: {tool: (seconds, rss_kb)}."""
        r = {}
        vh = "%x" % va
        t, rss, rc = run_rss([self.kmapdump, "vtop"] + files + [self.a.vmlinux, vh])
        r["kmapdump CLI"] = (t, rss) if rc in (0, 1) else None
        t, out, err, rc = run([self.kmd, "first"] + files + [self.a.vmlinux, vh])
        d = kv(out)
        r["libkmapdump"] = (float(d["first_ms"]) / 1e3, int(d["rss_kb"])) if rc == 0 else None
        if self.kdf and name not in self.kdf_skip:
            t, out, err, rc = run([self.kdf, "first"] + files + [vh])
            d = kv(out)
            if rc == 0 and d.get("fate") == "mapped":
                r["libkdumpfile"] = (float(d["first_ms"]) / 1e3, int(d["rss_kb"]))
            else:
                self.kdf_skip[name] = (err.strip() or out.strip())[-200:]
        if self.drgn and name not in self.drgn_skip and len(files) == 1:
            t, out, err, rc = run([sys.executable, self.a.drgn_script, "first",
                                   files[0], self.a.vmlinux, vh])
            d = kv(out)
            if rc == 0 and d.get("fate") == "mapped":
                r["drgn"] = (float(d["first_ms"]) / 1e3, int(d["rss_kb"]))
            else:
                self.drgn_skip[name] = (err.strip().splitlines() or [out.strip()])[-1][-200:] \
                    if rc else "cannot translate %s here (FaultError)" % vh
        return r

    # ---- throughput -------------------------------------------------------
    def throughput(self, name, files, big, small, crash_open):
        r = {}
        secs = str(self.a.seconds)
        t, out, err, rc = run([self.kmd, "vtop", big, secs] + files + [self.a.vmlinux])
        if rc == 0:
            d = kv(out)
            r["libkmapdump"] = float(d["rate"])
            self.mapped[name] = d
        # CLI end to end: text output, stdin to /dev/null-like pipe.
        n = sum(1 for _ in open(big))
        t, rss, rc = run_rss([self.kmapdump, "vtop"] + files + [self.a.vmlinux, "-"],
                             stdin=big)
        cpu = run_rss.cpu
        t0, _, rc0 = run_rss([self.kmapdump, "vtop"] + files + [self.a.vmlinux, "0"])
        if rc in (0, 1):
            r["kmapdump vtop -"] = n / t
            r["kmapdump vtop - (minus start-up)"] = n / max(t - t0, 1e-9)
            # what a core would do unshared: addresses per CPU second
            r["kmapdump vtop - (per CPU second)"] = n / max(cpu, 1e-9)
        if self.kdf and name not in self.kdf_skip:
            t, out, err, rc = run([self.kdf, "vtop", big, secs] + files)
            if rc == 0:
                d = kv(out)
                r["libkdumpfile"] = float(d["rate"])
                self.kdf_mapped[name] = d
        if self.drgn and name not in self.drgn_skip and len(files) == 1:
            t, out, err, rc = run([sys.executable, self.a.drgn_script, "vtop",
                                   small, secs, files[0], self.a.vmlinux])
            if rc == 0:
                r["drgn"] = float(kv(out)["rate"])
        if self.crash and crash_open is not None:
            vas = [int(l, 16) for l in open(small)]
            t, rss, tv = self.crash_run(files, vas)
            if tv:
                r["crash"] = len(vas) / tv
        return r

    # ---- whole dump -------------------------------------------------------
    def readall(self, name, files):
        r = {}
        t, out, err, rc = run([self.kmapdump, "verify", "--json"] + files)
        if rc == 0:
            d = json.loads(out)
            r["kmapdump verify"] = (d["bytes_read"], t)
        if self.kdf:
            t2, out, err, rc = run([self.kdf, "readall"] + files)
            if rc == 0:
                d = kv(out)
                r["libkdumpfile"] = (int(d["bytes"]), t2)
            elif name not in self.kdf_read_skip:
                self.kdf_read_skip[name] = (err.strip() or out.strip())[-200:]
        return r


def table(title, cols, rows):
    print("\n" + title)
    w = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(cols)]
    line = "  ".join("%-*s" % (w[i], c) for i, c in enumerate(cols))
    print(line)
    print("  ".join("-" * x for x in w))
    for r in rows:
        print("  ".join("%-*s" % (w[i], c) for i, c in enumerate(r)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--kmapdump", help="the kmapdump binary (default BUILD/src/kmapdump)")
    ap.add_argument("--vmlinux", required=True)
    ap.add_argument("--kdf", action="store_true")
    ap.add_argument("--drgn", action="store_true")
    ap.add_argument("--crash", action="store_true")
    ap.add_argument("--drgn-script", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--crash-runs", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--first-addr", default="init_task")
    ap.add_argument("--big", required=True, help="large address sample")
    ap.add_argument("--small", required=True, help="2000-address sample")
    ap.add_argument("--dump", action="append", default=[],
                    help="NAME=FILE[,FILE...] for start-up and vtop")
    ap.add_argument("--readall", action="append", default=[],
                    help="NAME=FILE[,FILE...] for whole-dump reads")
    a = ap.parse_args()
    B = Bench(a)
    B.kdf_skip, B.drgn_skip, B.kdf_read_skip = {}, {}, {}
    B.mapped, B.kdf_mapped = {}, {}
    dumps = [(d.split("=", 1)[0], d.split("=", 1)[1].split(",")) for d in a.dump]
    alls = [(d.split("=", 1)[0], d.split("=", 1)[1].split(",")) for d in a.readall]

    # the first address: a symbol, resolved once (the peers get hex)
    out = subprocess.run([B.kmapdump, "vtop", "--json"] + dumps[0][1] +
                         [a.vmlinux, a.first_addr], capture_output=True,
                         text=True).stdout
    va = int(json.loads(out.splitlines()[0])["va"], 16)

    # ---- start-up
    su = {n: {} for n, _ in dumps}
    for i in range(a.runs):
        for n, files in dumps:
            for tool, v in B.startup(n, files, va).items():
                su[n].setdefault(tool, []).append(v)
    crash_open = {}
    if a.crash:
        for n, files in dumps:
            ts, rs = [], []
            for i in range(a.crash_runs):
                t, rss, _ = B.crash_run(files, [va])
                ts.append(t)
                rs.append(rss)
            su[n]["crash"] = list(zip(ts, rs))
            crash_open[n] = med(ts)
    rows = []
    for n, _ in dumps:
        kt = med([v[0] for v in su[n].get("libkmapdump", []) if v])
        for tool in ("kmapdump CLI", "libkmapdump", "libkdumpfile", "drgn", "crash"):
            vs = [v for v in su[n].get(tool, []) if v]
            if not vs:
                continue
            t, rss = med([v[0] for v in vs]), med([v[1] for v in vs])
            rows.append([n, tool, fmt_ms(t), fmt_mb(rss),
                         "" if tool in ("kmapdump CLI", "libkmapdump") else ratio(t, kt)])
        for tool in ("kmapdump CLI", "libkmapdump"):
            vs = [v for v in su[n].get(tool, []) if v]
            if vs:
                t, rss = med([v[0] for v in vs]), med([v[1] for v in vs])
                B.goals.append(("start-up %s %s < 30 ms, < 32 MB" % (tool, n),
                                t < 0.030 and rss < 32 * 1024,
                                "%s, %s" % (fmt_ms(t), fmt_mb(rss))))
    table("START-UP: open dump + vmlinux (libkdumpfile: dump only), check, first vtop "
          "(median of %d; crash %d)" % (a.runs, a.crash_runs),
          ["DUMP", "TOOL", "WALL", "PEAK RSS", "PEER/libkmapdump TIME"], rows)

    # ---- throughput
    tp = {n: {} for n, _ in dumps}
    for i in range(a.runs):
        for n, files in dumps:
            for tool, v in B.throughput(n, files, a.big, a.small,
                                        crash_open.get(n) if i == 0 else None).items():
                tp[n].setdefault(tool, []).append(v)
    rows = []
    nbig = sum(1 for _ in open(a.big))
    for n, _ in dumps:
        kr = med(tp[n].get("libkmapdump", []))
        for tool in ("libkmapdump", "kmapdump vtop -", "kmapdump vtop - (minus start-up)",
                     "kmapdump vtop - (per CPU second)", "libkdumpfile", "drgn", "crash"):
            if tool not in tp[n]:
                continue
            r = med(tp[n][tool])
            rows.append([n, tool, fmt_rate(r), "" if tool.startswith(("libkmapdump", "kmapdump"))
                         else ratio(kr, r)])
        kd = med(tp[n].get("libkdumpfile", []))
        if kr and kd:
            B.goals.append(("vtop library %s >= 10x libkdumpfile" % n, kr >= 10 * kd,
                            "%.2fx" % (kr / kd)))
        cli = med(tp[n].get("kmapdump vtop -", []))
        if cli:
            B.goals.append(("vtop - %s >= 3 M/s end to end" % n, cli >= 3e6, fmt_rate(cli)))
        if n in B.mapped and n in B.kdf_mapped:
            B.note("%s: of %d sampled addresses, kmapdump translates %s (%s mapped and in the "
                   "dump), libkdumpfile %s" % (n, int(B.mapped[n]["n"]),
                                               B.mapped[n].get("translated"),
                                               B.mapped[n]["mapped"], B.kdf_mapped[n]["mapped"]))
    for n, why in B.kdf_skip.items():
        B.note("libkdumpfile cannot translate %s: %s" % (n, why))
    for n, why in B.drgn_skip.items():
        B.note("drgn cannot translate %s: %s" % (n, why))
    table("TRANSLATION THROUGHPUT: %d random kernel addresses over all regions "
          "(drgn, crash: the first 2000), median of %d" % (nbig, a.runs),
          ["DUMP", "TOOL", "RATE", "libkmapdump/PEER"], rows)

    # ---- whole dump
    ra = {n: {} for n, _ in alls}
    for i in range(a.runs):
        for n, files in alls:
            for tool, v in B.readall(n, files).items():
                ra[n].setdefault(tool, []).append(v)
    rows = []
    for n, _ in alls:
        rates = {}
        for tool in ("kmapdump verify", "libkdumpfile"):
            if tool not in ra[n]:
                continue
            by = ra[n][tool][0][0]
            t = med([v[1] for v in ra[n][tool]])
            rates[tool] = by / t
            rows.append([n, tool, "%.0f MB" % (by / 2**20), fmt_ms(t),
                         "%.0f MB/s" % (by / t / 2**20), ""])
        if len(rates) == 2 and rates["libkdumpfile"] > 0:
            rr = rates["kmapdump verify"] / rates["libkdumpfile"]
            rows[-1][-1] = "%.2fx" % rr
            B.goals.append(("read all pages %s >= 2x libkdumpfile" % n, rr >= 2, "%.2fx" % rr))
    table("WHOLE DUMP: read and decompress every present page (process wall "
          "time; median of %d)" % a.runs,
          ["DUMP", "TOOL", "DATA", "WALL", "RATE", "kmapdump/libkdumpfile"], rows)

    for n, why in B.kdf_read_skip.items():
        B.note("libkdumpfile cannot read %s: %s" % (n, why))
    print("\nGOALS")
    for g, ok, val in B.goals:
        print("%s: %s (%s)" % ("HOLDS" if ok else "MISSES", g, val))


if __name__ == "__main__":
    main()
