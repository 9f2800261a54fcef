#!/usr/bin/env python3
"""kmodules.py MODROOT OUTDIR NAME...: pick kernel modules for an initramfs.

MODROOT is an extracted lib/modules/KVER; every wanted module (by base name,
'-' and '_' equivalent) and its dependencies (from each module's .modinfo
"depends=", the Debian packages ship no modules.dep) are decompressed into
OUTDIR/modules/, and OUTDIR/modules.order lists them in insmod order
(dependencies first).  Names that are missing (built in) are skipped with a
message on stderr.
"""
import gzip
import lzma
import os
import re
import subprocess
import sys


def load(p):
    if p.endswith(".xz"):
        return lzma.open(p).read()
    if p.endswith(".gz"):
        return gzip.open(p).read()
    if p.endswith(".zst"):
        return subprocess.run(["zstd", "-qdc", p], check=True,
                              stdout=subprocess.PIPE).stdout
    return open(p, "rb").read()


def main():
    root, outdir, want = sys.argv[1], sys.argv[2], sys.argv[3:]
    paths = {}
    for d, _, files in os.walk(os.path.join(root, "kernel")):
        for f in files:
            m = re.match(r"(.*)\.ko(\.(xz|zst|gz))?$", f)
            if m:
                paths[m.group(1).replace("-", "_")] = os.path.join(d, f)
    data, out = {}, []

    def visit(name):
        if name in data:
            return
        data[name] = load(paths[name])
        m = re.search(rb"\0depends=([^\0]*)\0", data[name])
        for dep in (m.group(1).decode().split(",") if m else []):
            dep = dep.strip().replace("-", "_")
            if dep:
                visit(dep)
        out.append(name)

    for w in want:
        w = w.replace("-", "_")
        if w not in paths:
            print("kmodules: module %s not found (built in?), skipped" % w,
                  file=sys.stderr)
            continue
        visit(w)
    os.makedirs(os.path.join(outdir, "modules"), exist_ok=True)
    with open(os.path.join(outdir, "modules.order"), "w") as f:
        for name in out:
            fn = os.path.basename(re.sub(r"\.(xz|zst|gz)$", "", paths[name]))
            with open(os.path.join(outdir, "modules", fn), "wb") as g:
                g.write(data[name])
            f.write(fn + "\n")


if __name__ == "__main__":
    main()
