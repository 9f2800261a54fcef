#!/usr/bin/env python3
"""Seed inputs for fuzz_walk and fuzz_codec (tests/fuzz/run.sh).

fuzz_walk: byte 0 picks 4/5-level paging, the rest is physical memory from
PA 0 with init_top_pgt at PA 0 and the KASLR base variables at PA 0x1000
(see fuzz_walk.c): a sound 4-level layout with a 2 MiB kernel-text page
and a 1 GiB direct-map page.  fuzz_codec: byte 0 picks the codec and page
size; a zlib-compressed 4 KiB page."""
import os
import struct
import sys
import zlib

out = sys.argv[1]
walk, codec = os.path.join(out, "corpus-walk"), os.path.join(out, "corpus-codec")
os.makedirs(walk, exist_ok=True)
os.makedirs(codec, exist_ok=True)
mem = bytearray(0x6000)


def put(off, v):
    mem[off:off + 8] = struct.pack("<Q", v)


put(511 * 8, 0x2000 | 0x63)           # pgd[511] -> pud (kernel text)
put(273 * 8, 0x4000 | 0x63)           # pgd[273] -> pud (direct map)
put(0x2000 + 510 * 8, 0x3000 | 0x63)  # pud[510] -> pmd
put(0x3000 + 8 * 8, 0x0 | 0xe3)       # pmd[8]: 2 MiB page at PA 0
put(0x4000, 0x0 | 0xe3)               # pud[0]: 1 GiB page at PA 0
put(0x1000, 0xffff888000000000)       # page_offset_base
put(0x1008, 0xffffc90000000000)       # vmalloc_base
put(0x1010, 0xffffea0000000000)       # vmemmap_base
for level, name in ((0, "seed-4level"), (1, "seed-5level")):
    with open(os.path.join(walk, name), "wb") as f:
        f.write(bytes([level]) + bytes(mem))
page = bytes((i * 37 + (i >> 7)) & 0xff for i in range(4096))
with open(os.path.join(codec, "seed-zlib"), "wb") as f:
    f.write(b"\0" + zlib.compress(page))
