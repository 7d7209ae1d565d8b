#!/usr/bin/env python3
"""Compare `bpfsynth dump --json` with `llvm-objdump -d` on every corpus object.

For every program libbpf finds in an object, the instructions bpfsynth prints
must be the ones llvm-objdump prints for the function of the same name in the
same section: same indices, same text once whitespace is folded and objdump's
label hints (`goto +3 <LBB0_2>`) are dropped.

Where the two differ on purpose, the difference is allowed only in the forms
listed in INTENDED (objdump 14 prints `<unknown>` for encodings LLVM 14 does not
know; we print what LLVM 17+ prints) and counted per form in the summary.

Objects libbpf itself refuses to open (e.g. legacy SEC("maps") definitions)
must make `bpfsynth dump` fail cleanly: one error line, a non-zero exit, no
crash; they are counted, not compared.

Usage: check_objdump.py BPFSYNTH OBJ_ROOT [--limit N] [--sources A,B]
Ends with a line "check_objdump: N passed, N failed, N skipped" (one unit per
object).
"""
import json
import os
import re
import subprocess
import sys
from collections import Counter

import objdump_parse

# objdump's text for an instruction LLVM 14 cannot name -> why ours differs.
INTENDED = {
    "<unknown>": "LLVM 14 has no name for it (ALU32 mod, jset, cpu v4); we print LLVM 17+'s syntax",
}
# 32-bit atomics (code 0xc3): objdump 14 without --mattr=+alu32 reads only the low
# byte of imm and prints fetch forms as plain `lock ... +=` or nothing at all; we
# print what it prints with +alu32 (which cannot be used for the whole object: it
# also renames the registers of ordinary 32-bit loads and stores).
ATOMIC32 = 0xc3
ATOMIC32_WHY = "objdump 14 misreads 32-bit atomics without --mattr=+alu32; we match +alu32"

LABEL_HINT_RE = re.compile(r"\s*<[^<>]*>$")


def norm(text):
    text = LABEL_HINT_RE.sub("", text.strip())
    return " ".join(text.split())


def objdump_functions(path, extra=()):
    """{(section, function): {index_in_function: normalized text}}, error"""
    funcs, err = objdump_parse.functions(path, extra=extra)
    if funcs is None:
        return None, err
    return {k: {i: norm(t) for i, t in v.items()} for k, v in funcs.items()}, None


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    tool, root = sys.argv[1], sys.argv[2]

    objs = objdump_parse.corpus_objects(root, sys.argv)
    passed = failed = skipped = 0
    refused = []
    nprogs = ninsns = 0
    intended = Counter()
    for obj in objs:
        rel = os.path.relpath(obj, root)
        r = subprocess.run([tool, "dump", "--json", obj], capture_output=True, text=True)
        if r.returncode < 0:
            print(f"FAIL {rel}: bpfsynth dump crashed (status {r.returncode})")
            failed += 1
            continue
        if r.returncode != 0:
            errlines = [l for l in r.stderr.splitlines() if l.strip()]
            try:  # in JSON mode the error is also on stdout, as bpftool does
                jerr = "error" in json.loads(r.stdout) if r.stdout.strip() else True
            except ValueError:
                jerr = False
            if len(errlines) != 1 or not jerr:
                print(f"FAIL {rel}: refused without one clean error line: {r.stderr!r}")
                failed += 1
            else:
                refused.append((rel, errlines[0]))
                skipped += 1
            continue
        try:
            doc = json.loads(r.stdout)
        except ValueError as e:
            print(f"FAIL {rel}: --json output does not parse: {e}")
            failed += 1
            continue
        funcs, err = objdump_functions(obj)
        alu32 = None
        if funcs is None:
            print(f"FAIL {rel}: llvm-objdump failed: {err}")
            failed += 1
            continue
        bad = []
        for prog in doc["programs"]:
            key = (prog["section"], prog["name"])
            if key not in funcs:
                bad.append(f"{prog['name']}: no function {key} in objdump output")
                continue
            want = funcs[key]
            got = {i["idx"]: norm(i["asm"]) for i in prog["text"]}
            codes = {i["idx"]: int(str(i["code"]), 0) for i in prog["text"]}
            nprogs += 1
            ninsns += prog["insns"]
            if max(want, default=-1) >= prog["insns"]:
                bad.append(f"{prog['name']}: objdump shows {max(want) + 1}+ slots, "
                           f"libbpf {prog['insns']}")
            if set(got) != set(want):
                diff = sorted(set(got) ^ set(want))[:5]
                bad.append(f"{prog['name']}: instruction indices differ at {diff}")
            for idx in sorted(set(got) & set(want)):
                if got[idx] == want[idx]:
                    continue
                if codes[idx] == ATOMIC32:
                    if alu32 is None:
                        alu32, _ = objdump_functions(obj, ("--mattr=+alu32",))
                    if alu32.get(key, {}).get(idx) == got[idx]:
                        intended[("32-bit atomic", got[idx].split("(")[0])] += 1
                        continue
                if want[idx] in INTENDED:
                    intended[(want[idx], got[idx].split()[1] if " " in got[idx] else got[idx])] += 1
                    continue
                bad.append(f"{prog['name']} insn {idx}: bpfsynth '{got[idx]}' "
                           f"objdump '{want[idx]}'")
        if bad:
            failed += 1
            print(f"FAIL {rel}")
            for b in bad[:10]:
                print(f"    {b}")
        else:
            passed += 1

    print(f"{len(objs)} objects, {nprogs} programs, {ninsns} instruction slots compared")
    for (theirs, ours), n in sorted(intended.items()):
        why = ATOMIC32_WHY if theirs == "32-bit atomic" else INTENDED[theirs]
        print(f"intended difference: objdump '{theirs}' vs bpfsynth '{ours}...': {n} ({why})")
    for rel, line in refused:
        print(f"refused by libbpf (clean error): {rel}: {line}")
    print(f"check_objdump: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
