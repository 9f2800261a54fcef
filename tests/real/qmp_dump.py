#!/usr/bin/env python3
"""Minimal QMP client: stop the guest, write guest-memory dumps, quit.

usage: qmp_dump.py SOCKET FORMAT:PATH [FORMAT:PATH ...]

FORMAT is a QEMU dump-guest-memory format (elf, kdump-zlib, kdump-lzo,
kdump-snappy, win-dmp).  Every dump is taken with paging=false while the
guest is stopped, so all dumps show the same memory.  Dumps are written to
PATH.part and renamed to PATH when QEMU reports them completed.
"""
import json
import os
import socket
import sys
import time


class QMP:
    def __init__(self, path, timeout=600):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        greeting = self._read()
        if "QMP" not in greeting:
            raise RuntimeError("no QMP greeting: %r" % greeting)
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError("%s: %s" % (name, reply["error"]))
            return reply.get("return")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    qmp = QMP(sys.argv[1])
    qmp.cmd("stop")
    for spec in sys.argv[2:]:
        fmt, path = spec.split(":", 1)
        path = os.path.abspath(path)
        part = path + ".part"
        if os.path.exists(part):
            os.unlink(part)
        t0 = time.time()
        qmp.cmd("dump-guest-memory", paging=False, protocol="file:" + part,
                format=fmt, detach=True)
        while True:
            st = qmp.cmd("query-dump")
            if st["status"] == "completed":
                break
            if st["status"] == "failed":
                raise RuntimeError("dump %s failed" % spec)
            time.sleep(0.2)
        os.rename(part, path)
        print("qmp_dump: %s: %d bytes in %.1fs" %
              (path, os.path.getsize(path), time.time() - t0), file=sys.stderr)
    try:
        qmp.cmd("quit")
    except RuntimeError:
        pass  # connection closes as QEMU exits


if __name__ == "__main__":
    main()
