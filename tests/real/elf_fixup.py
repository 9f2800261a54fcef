#!/usr/bin/env python3
"""elf_fixup.py IN OUT: copy an ELF vmcore so that makedumpfile can read it.

QEMU's dump-guest-memory writes the section headers right after the ELF
header and the program headers after them (e_phoff = 64 + e_shnum * 64);
makedumpfile 1.7.2 assumes the program headers follow the ELF header and
fails with "Can't get the number of PT_LOAD".  The copy moves the program
header table to offset 64 and drops the section headers; notes and memory
stay at their offsets.  (kmapdump itself reads both layouts.)
"""
import shutil
import struct
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, 'rb') as f:
        eh = bytearray(f.read(64))
        if eh[:4] != b'\x7fELF' or eh[4] != 2:
            sys.exit('%s: not an ELF64 file' % src)
        phoff, shoff = struct.unpack_from('<QQ', eh, 32)
        phentsize, phnum = struct.unpack_from('<HH', eh, 54)
        if phnum == 0xffff:
            sys.exit('%s: PN_XNUM dumps are not handled here' % src)
        f.seek(phoff)
        phdrs = f.read(phentsize * phnum)
    if phoff == 64:
        shutil.copyfile(src, dst)
        return
    shutil.copyfile(src, dst)
    struct.pack_into('<QQ', eh, 32, 64, 0)          # e_phoff, e_shoff
    struct.pack_into('<HHH', eh, 58, 0, 0, 0)       # e_shentsize, e_shnum, e_shstrndx
    with open(dst, 'r+b') as f:
        f.write(eh)
        f.seek(64)
        f.write(phdrs)


if __name__ == '__main__':
    main()
