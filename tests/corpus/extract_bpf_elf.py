#!/usr/bin/env python3
"""Cut the BPF ELF objects (e_machine == EM_BPF) embedded in host binaries.

usage: extract_bpf_elf.py OUTDIR PREFIX BINARY...
Writes OUTDIR/PREFIX<binary>_<n>.o (or the object's own name when one can be
derived) and prints each written path.  An embedded object ends where its
section header table ends (e_shoff + e_shnum * e_shentsize), which for the
objects clang/bpftool produce is the end of the file.
"""
import os
import struct
import sys

EM_BPF = 247


def objects(data):
    pos = 0
    while True:
        pos = data.find(b"\x7fELF", pos)
        if pos < 0:
            return
        hdr = data[pos:pos + 64]
        # 64-bit little-endian, version 1, ET_REL
        if len(hdr) == 64 and hdr[4] == 2 and hdr[5] == 1 and hdr[6] == 1:
            e_type, e_machine = struct.unpack_from("<HH", hdr, 16)
            e_shoff, = struct.unpack_from("<Q", hdr, 40)
            e_ehsize, _, _, e_shentsize, e_shnum, e_shstrndx = \
                struct.unpack_from("<HHHHHH", hdr, 52)
            end = pos + e_shoff + e_shnum * e_shentsize
            if (e_machine == EM_BPF and e_type == 1 and e_ehsize == 64 and
                    e_shentsize == 64 and 0 < e_shnum < 65280 and
                    e_shstrndx < e_shnum and end <= len(data)):
                yield pos, data[pos:end]
                pos = end
                continue
        pos += 4


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    outdir, prefix = argv[1], argv[2]
    os.makedirs(outdir, exist_ok=True)
    for path in argv[3:]:
        with open(path, "rb") as f:
            data = f.read()
        base = os.path.basename(path)
        for n, (off, obj) in enumerate(objects(data)):
            out = os.path.join(outdir, "%s%s_%d.o" % (prefix, base, n))
            tmp = out + ".tmp"
            with open(tmp, "wb") as f:
                f.write(obj)
            os.rename(tmp, out)
            print("%s\t%s\t0x%x\t%d" % (out, path, off, len(obj)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
