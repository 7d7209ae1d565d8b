"""llvm-objdump -d of a BPF object, per function: what the corpus checks compare with.

objdump prints a header for every symbol it finds, local labels (LBB0_2) too;
only STT_FUNC symbols (from llvm-readelf) start a function here.  Indices are
relative to the function's first instruction, as libbpf numbers a program.
libbpf drops the '?' that marks a section not loaded by default, so we do too.
"""
import os
import re
import subprocess

OBJDUMP = os.environ.get("LLVM_OBJDUMP", "llvm-objdump")
READELF = os.environ.get("LLVM_READELF", "llvm-readelf")

FUNC_RE = re.compile(r"^[0-9a-f]+ <(.+)>:$")
SECT_RE = re.compile(r"^Disassembly of section (.+):$")
# "  12:\t18 01 00 ... 00\tr1 = 0 ll" (raw) or "  12:\tr1 = 0 ll" (--no-show-raw-insn)
RAW_RE = re.compile(r"^\s*(\d+):\t((?:[0-9a-f]{2} )*[0-9a-f]{2})(?:\t(.*))?$")
TEXT_RE = re.compile(r"^\s*(\d+):\s+(.*)$")


def corpus_objects(root, argv):
    """The .o files under @root, sorted; `--sources A,B` in @argv keeps only those subfolders,
    `--limit N` the first N."""
    objs = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
                  if f.endswith(".o"))
    if "--sources" in argv:
        keep = argv[argv.index("--sources") + 1].split(",")
        objs = [o for o in objs if os.path.relpath(o, root).split(os.sep)[0] in keep]
    if "--limit" in argv:
        objs = objs[:int(argv[argv.index("--limit") + 1])]
    return objs


def func_symbols(path):
    out = subprocess.run([READELF, "-s", "--wide", path], capture_output=True, text=True)
    return {f[7] for f in (l.split() for l in out.stdout.splitlines())
            if len(f) >= 8 and f[3] == "FUNC"}


def functions(path, raw=False, extra=()):
    """({(section, function): {index: bytes if raw else text}}, error or None)"""
    args = [OBJDUMP, "-d"] + ([] if raw else ["--no-show-raw-insn"]) + list(extra)
    out = subprocess.run(args + [path], capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip()
    wanted = func_symbols(path)
    funcs = {}
    sect = func = base = None
    for line in out.stdout.splitlines():
        m = SECT_RE.match(line)
        if m:
            sect, func = m.group(1).lstrip("?"), None
            continue
        m = FUNC_RE.match(line)
        if m:
            if m.group(1) in wanted:
                func, base = m.group(1), None
                funcs[(sect, func)] = {}
            continue
        m = (RAW_RE if raw else TEXT_RE).match(line)
        if m and func is not None:
            idx = int(m.group(1))
            base = idx if base is None else base
            val = bytes.fromhex(m.group(2).replace(" ", "")) if raw else m.group(2)
            funcs[(sect, func)][idx - base] = val
    return funcs, None
