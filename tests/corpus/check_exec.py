#!/usr/bin/env python3
"""`bpfsynth exec` agrees with `bpftool prog run` on the corpus.

For every object of the manifest whose programs all load and are of a type
BPF_PROG_TEST_RUN runs and core/interp models (XDP, tc, socket filter,
cgroup_skb), and for each of a fixed set of packets: `bpftool prog loadall`
into a private bpffs (a fresh load per packet, so map state cannot carry
over), `bpftool prog run ... data_in P data_out K`, and `bpfsynth exec --prog
NAME --data-in P --data-out E`: the return values and the packets out must be
equal.  Programs that exec refuses (a helper or map type the interpreter does
not model yet) are counted by reason, not compared; so are XDP programs for
devmap/cpumap entries, which the kernel's test run refuses.  bpftool runs
pinned to CPU 0, the CPU exec models (per-CPU maps, bpf_get_smp_processor_id).
Must run as root.

Usage: check_exec.py BPFSYNTH CORPUS_DIR [--sources A,B] [--limit N]
Ends with "check_exec: N passed, N failed, N skipped" (one unit per program).
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
from collections import Counter

# helpers whose results the kernel draws from the clock or at random
NONDET = {5, 7, 118, 125, 160, 208}  # ktime_get_ns, prandom, jiffies64, boot, coarse, tai
DEVMAP_SECS = ("xdp/devmap", "xdp/cpumap", "xdp_devmap", "xdp_cpumap")
TYPES = {"xdp": "xdp", "sched_cls": "classifier", "sched_act": "action",
         "socket_filter": "socket", "cgroup_skb": "cgroup/skb"}


def packets():
    eth = bytes.fromhex("00112233445566778899aabb")
    ip4 = lambda proto, plen: struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + plen, 1, 0x4000, 64,
                                           proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    udp = struct.pack(">HHHH", 1234, 53, 16, 0) + b"payload!"
    tcp = struct.pack(">HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)
    ip6 = struct.pack(">IHBB16s16s", 0x60000000, len(udp), 17, 64, bytes(15) + b"\x01",
                      bytes(15) + b"\x02")
    return {
        "ipv4-udp": eth + b"\x08\x00" + ip4(17, len(udp)) + udp,
        "ipv4-tcp-syn": eth + b"\x08\x00" + ip4(6, len(tcp)) + tcp,
        "ipv6-udp": eth + b"\x86\xdd" + ip6 + udp,
        "vlan-ipv4-udp": eth + b"\x81\x00\x00\x64\x08\x00" + ip4(17, len(udp)) + udp,
        "arp": eth + b"\x08\x06" + bytes(28),
        "truncated-ipv4": eth + b"\x08\x00" + ip4(6, len(tcp))[:10],
        "udp-port-9": eth + b"\x08\x00" + ip4(17, 8) + struct.pack(">HHHH", 1, 9, 8, 0),
    }


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    tool, corpus = os.path.abspath(sys.argv[1]), sys.argv[2]
    keep = sys.argv[sys.argv.index("--sources") + 1].split(",") if "--sources" in sys.argv else None
    limit = int(sys.argv[sys.argv.index("--limit") + 1]) if "--limit" in sys.argv else 0
    if os.geteuid() != 0:
        print("check_exec: 0 passed, 0 failed, 1 skipped (needs root for bpftool prog load)")
        return 0
    objs = {}
    with open(os.path.join(corpus, "manifest.tsv")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            objs.setdefault(c[0], []).append(c)
    pk = packets()
    tmp = tempfile.mkdtemp(prefix="bpfsynth-exec-")
    for name, data in pk.items():
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(data)
    passed = failed = skipped = uninit = 0
    notrun = Counter()
    for obj, rows in sorted(objs.items()):
        if keep and obj.split("/")[0] not in keep:
            continue
        if any(r[5] != "yes" for r in rows) or any(r[3] not in TYPES for r in rows):
            continue
        if len({r[3] for r in rows}) != 1:
            continue  # loadall takes one type for the whole object
        path = os.path.join(corpus, "objs", obj)
        btype = TYPES[rows[0][3]]
        secs = {r[2] for r in rows}
        if len(secs) == 1 and next(iter(secs)) in ("cgroup_skb/egress", "cgroup_skb/ingress"):
            btype = next(iter(secs))  # the attach type decides the allowed return values
        for r in rows:
            if limit and passed + failed >= limit:
                break
            prog = r[1]
            bad = []
            if any(x[2].startswith(DEVMAP_SECS) for x in rows):
                # the kernel does not test-run those, and loadall cannot give
                # them their attach type: the object does not load as a whole
                notrun["object with an XDP program for a devmap/cpumap entry"] += 1
                skipped += 1
                continue
            for pname in pk:
                pin = os.path.join(tmp, pname)
                e = subprocess.run([tool, "exec", path, "--prog", prog, "--type", btype,
                                    "--data-in", pin, "--data-out", pin + ".exec", "-j"],
                                   capture_output=True, text=True)
                try:
                    ej = json.loads(e.stdout)
                except ValueError:
                    ej = {"error": e.stderr.strip() or "no output"}
                err = ej.get("error", "")
                refused = e.returncode != 0 and "does not fit the test run" in err
                if e.returncode != 0 and not refused:
                    why = err.strip().split(": ")[-1]
                    why = re.sub(r"^insn \d+: ", "", why)
                    bad = None
                    notrun[why] += 1
                    break
                if not refused and any(c["helper"] in NONDET for c in ej["helper_calls"]):
                    bad = None
                    notrun["calls a helper the kernel answers from the clock or at random"] += 1
                    break
                if not refused and ej.get("uninit_stack"):
                    uninit += 1
                    continue  # the kernel's stack bytes are garbage: not comparable
                # bpftool in a private mount namespace with its own bpffs (also
                # at /sys/fs/bpf, for maps pinned by name)
                script = ('d=$(mktemp -d) && mount -t bpf bpf "$d" && '
                          'mount -t bpf bpf /sys/fs/bpf && '
                          'bpftool prog loadall "$1" "$d/p" type "$2" >/dev/null 2>&1 && '
                          'taskset -c 0 bpftool prog run pinned "$d/p/$3" data_in "$4" data_out "$5"')
                k = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", path, btype,
                                    prog, pin, pin + ".kern"], capture_output=True, text=True)
                m = re.search(r"Return value: (\d+)", k.stdout + k.stderr)
                if refused:  # exec refused the input: the kernel must too
                    if m:
                        bad.append(f"{pname}: exec refused the input, bpftool ran it")
                    continue
                if k.returncode != 0 or not m:
                    bad.append(f"{pname}: bpftool failed: {(k.stdout + k.stderr).strip()[:200]}")
                    continue
                got = str(ej["retval"])
                kout = open(pin + ".kern", "rb").read()
                eout = open(pin + ".exec", "rb").read()
                if got != m.group(1) or kout != eout:
                    bad.append(f"{pname}: exec retval {got}, {len(eout)} bytes out; "
                               f"bpftool retval {m.group(1)}, {len(kout)} bytes out")
            if bad is None:
                skipped += 1
            elif bad:
                failed += 1
                print(f"FAIL {obj} {prog}")
                for b in bad[:4]:
                    print(f"    {b}")
            else:
                passed += 1
    for why, n in notrun.most_common():
        print(f"not run by exec ({n} programs): {why}")
    print(f"programs compared on {len(pk)} packets each: {passed + failed} "
          f"({uninit} runs not compared: they read uninitialized stack)")
    print(f"check_exec: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
