#!/usr/bin/env python3
"""Every corpus program, linked as libbpf would submit it, is valid to core/prog.

`bpfsynth dump --linked --json` has libbpf append the .text subprograms and
resolve calls and map references (gen_loader mode, no kernel); every program
it prints must pass prog_validate (its "valid" is true).  Objects libbpf
cannot link (struct_ops, freplace without a target, ksyms) must fail cleanly:
exit 255 and one error line, never a crash.

Usage: check_linked.py BPFSYNTH OBJ_ROOT [--sources A,B]
Ends with "check_linked: N passed, N failed, N skipped" (one unit per object).
"""
import json
import os
import subprocess
import sys
from collections import Counter

import objdump_parse


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    tool, root = sys.argv[1], sys.argv[2]
    objs = objdump_parse.corpus_objects(root, sys.argv)
    passed = failed = skipped = 0
    progs = insns = 0
    why = Counter()
    for obj in objs:
        rel = os.path.relpath(obj, root)
        r = subprocess.run([tool, "dump", "--linked", "--json", obj], capture_output=True,
                           text=True)
        if r.returncode != 0:
            errs = [l for l in r.stderr.splitlines() if l.strip()]
            if r.returncode == 255 and len(errs) == 1:
                skipped += 1
                why[errs[0].split(": ", 3)[-1].split(" (")[0]] += 1
            else:
                failed += 1
                print(f"FAIL {rel}: status {r.returncode}: {r.stderr.strip()[:300]}")
            continue
        doc = json.loads(r.stdout)
        bad = [f"{p['name']}: {p.get('error', p.get('note', '?'))}" for p in doc["programs"]
               if p["valid"] is not True and doc.get("source") != "elf"]
        progs += len(doc["programs"])
        insns += sum(p["insns"] for p in doc["programs"])
        if bad:
            failed += 1
            print(f"FAIL {rel}")
            for b in bad[:5]:
                print(f"    {b}")
        else:
            passed += 1
    print(f"{len(objs)} objects, {progs} linked programs, {insns} instruction slots validated")
    for w, n in why.most_common():
        print(f"not linked ({n}): {w}")
    print(f"check_linked: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
