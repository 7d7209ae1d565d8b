#!/usr/bin/env python3
"""Disassemble with bpfsynth, reassemble with LLVM, compare the bytes.

For every program of every object: the text `bpfsynth dump --json` prints is
written to a .s file (one function per program, in its own section) and
assembled with `clang -target bpf -c`; the instruction bytes of the result must
equal the original's (taken from `llvm-objdump -d` of the original object).

Two things the text cannot carry, by design of the syntax, are masked and
counted: the src_reg of BPF-to-BPF and kfunc calls (`call -1` prints the same
for a helper) and of LD_IMM64 pseudo forms (`r1 = 0 ll` for a map fd).

Lines LLVM 14's assembler cannot read are replaced by `.byte` lines of the
original bytes, so that the rest of the program is still compared; each such
line must be one of the forms in NOT_EXPRESSIBLE (LLVM 14 gaps, see
../../shared/CORPUS-NOTES.md) and they are counted per form.  A line of any
other form that clang refuses is a failure.

Usage: check_roundtrip.py BPFSYNTH OBJ_ROOT [--limit N] [--sources A,B]
Ends with "check_roundtrip: N passed, N failed, N skipped" (one unit per object).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter

import objdump_parse

CLANG = os.environ.get("CLANG", "clang")

NOT_EXPRESSIBLE = [
    ("atomic fetch/xchg/cmpxchg", re.compile(r"= (atomic_fetch_\w+|xchg\w*|cmpxchg\w*)\(")),
    ("ST immediate", re.compile(r"^\*\((u8|u16|u32|u64) \*\)\(r\d+ [+-] \d+\) = -?\d+$")),
    ("mod", re.compile(r"^[rw]\d+ %= ")),
    ("LD_IND", re.compile(r"^r0 = \*\((u8|u16|u32) \*\)skb\[r\d+")),
    ("sign-extending load/move (cpu v4)", re.compile(r"\((s8|s16|s32)( \*)?\)")),
    ("signed div/mod (cpu v4)", re.compile(r" s[/%]= ")),
    ("bswap (cpu v4)", re.compile(r"= bswap\d+ ")),
    ("gotol (cpu v4)", re.compile(r"^gotol ")),
    ("may_goto", re.compile(r"^may_goto ")),
]

ERR_RE = re.compile(r"^[^:]+\.s:(\d+):\d+: error:")


def raw_functions(path):
    """{(section, function): {index_in_function: bytes}}"""
    return objdump_parse.functions(path, raw=True)[0] or {}


def form_of(text):
    for name, rx in NOT_EXPRESSIBLE:
        if rx.search(text):
            return name
    return None


def masked(b):
    """The bytes the text can carry: src_reg dropped for pseudo calls/ld_imm64."""
    code, regs = b[0], b[1]
    if code == 0x85 or code == 0x18:
        return bytes([code, regs & 0x0f]) + b[2:], (regs >> 4) != 0
    return b, False


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_source(progs, orig, replace):
    """.s text; replace: {(prog, idx)} lines emitted as .byte.  Returns text, line map."""
    lines, where = [], {}
    for n, prog in enumerate(progs):
        name, sect = prog["name"], prog["section"]
        lines += [f"\t.section\t{quote(sect)},\"ax\",@progbits", f"\t.globl\t{name}",
                  f"\t.type\t{name},@function", f"{name}:"]
        for insn in prog["text"]:
            key = (name, insn["idx"])
            if key in replace:
                b = orig[(sect, name)][insn["idx"]]
                lines.append("\t.byte\t" + ", ".join(str(x) for x in b))
            else:
                lines.append("\t" + insn["asm"])
            where[len(lines)] = key
        lines += [f".Lend{n}:", f"\t.size\t{name}, .Lend{n}-{name}"]
    return "\n".join(lines) + "\n", where


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    tool, root = sys.argv[1], sys.argv[2]
    objs = objdump_parse.corpus_objects(root, sys.argv)

    passed = failed = skipped = 0
    forms, pseudo = Counter(), 0
    ncompared = 0
    tmp = tempfile.mkdtemp(prefix="bpfsynth-rt-")
    for obj in objs:
        rel = os.path.relpath(obj, root)
        r = subprocess.run([tool, "dump", "--json", obj], capture_output=True, text=True)
        if r.returncode != 0:
            skipped += 1  # libbpf refuses it; check_objdump.py checks the error is clean
            continue
        progs = json.loads(r.stdout)["programs"]
        if not progs:
            skipped += 1
            continue
        orig = raw_functions(obj)
        replace = set()
        bad = []
        src = os.path.join(tmp, "rt.s")
        out = os.path.join(tmp, "rt.o")
        for _ in range(4):
            text, where = build_source(progs, orig, replace)
            with open(src, "w") as f:
                f.write(text)
            a = subprocess.run([CLANG, "-target", "bpf", "-c", src, "-o", out],
                               capture_output=True, text=True)
            if a.returncode == 0:
                break
            errs = [int(m.group(1)) for m in map(ERR_RE.match, a.stderr.splitlines()) if m]
            if not errs:
                bad.append("clang failed: " + a.stderr.strip().splitlines()[0])
                break
            for ln in errs:
                key = where.get(ln)
                asm = text.splitlines()[ln - 1].strip()
                form = form_of(asm)
                if key is None or form is None:
                    bad.append(f"clang cannot read '{asm}' ({key})")
                    continue
                replace.add(key)
            if bad:
                break
        else:
            bad.append("still not assembling after 4 rounds")
        if not bad:
            for prog in progs:
                for insn in prog["text"]:
                    key = (prog["name"], insn["idx"])
                    if key in replace:
                        forms[form_of(insn["asm"])] += 1
            back = raw_functions(out)
            for prog in progs:
                key = (prog["section"], prog["name"])
                a, b = orig.get(key, {}), back.get(key, {})
                if set(a) != set(b):
                    bad.append(f"{prog['name']}: instruction indices differ")
                    continue
                for idx in sorted(a):
                    if (prog["name"], idx) in replace:
                        continue  # .byte of the original: nothing to compare
                    if len(a[idx]) not in (8, 16) or len(b[idx]) != len(a[idx]):
                        bad.append(f"{prog['name']} insn {idx}: odd instruction length "
                                   f"{len(a[idx])} / {len(b[idx])}")
                        continue
                    ma, pa = masked(a[idx])
                    mb, _ = masked(b[idx])
                    ncompared += 1
                    pseudo += pa
                    if ma != mb:
                        asm = next(i["asm"] for i in prog["text"] if i["idx"] == idx)
                        bad.append(f"{prog['name']} insn {idx} '{asm}': "
                                   f"{a[idx].hex()} became {b[idx].hex()}")
        if bad:
            failed += 1
            print(f"FAIL {rel}")
            for x in bad[:10]:
                print(f"    {x}")
        else:
            passed += 1
    print(f"{ncompared} instructions compared byte for byte; "
          f"{pseudo} with src_reg masked (pseudo call / pseudo ld_imm64)")
    for name, n in forms.most_common():
        print(f"not expressible in LLVM 14's assembler, kept as .byte: {name}: {n}")
    print(f"check_roundtrip: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
