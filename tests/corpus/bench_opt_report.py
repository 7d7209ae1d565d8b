#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The optimizer bench's report: collect, tabulate, plot.

    bench_opt_report.py OUT [--no-plot]

OUT is what tests/corpus/bench_opt.sh wrote: run.tsv (the run's settings),
list.tsv (the programs) and progs/NNNN/ per program (meta.tsv: object,
program, type, opt's exit status and seconds, opt_compare's exit status, a
note; opt.json/opt.err/opt.o: links to groups/GGGG/, the one `bpfsynth -j
opt` of the program's object; compare.json/.err: what opt_compare printed).  Writes OUT/bench.json (everything, per program
and summed up) and OUT/bench.png (xlated reduction and latency ratio per
program; matplotlib, Agg backend), and prints the table, the summary, the
losses and the failures on stdout.  Nothing is left out: a program whose
optimization or measurement failed is a row and a line under "failed".
"""
import json
import re
import os
import statistics
import sys


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def read_json(path):
    """(parsed, raw): parsed is None when the file is missing, empty or not JSON."""
    try:
        with open(path) as f:
            raw = f.read()
    except OSError:
        return None, ""
    for line in reversed(raw.strip().splitlines()):  # the last JSON line wins
        try:
            return json.loads(line), raw
        except ValueError:
            continue
    try:
        return json.loads(raw), raw
    except ValueError:
        return None, raw


def tail(path, n=3):
    try:
        with open(path) as f:
            lines = [ln.strip() for ln in f if ln.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-n:])


def pct(before, after):
    return 100.0 * (before - after) / before if before else 0.0


def collect(out):
    run = {r[0]: r[1] for r in read_tsv(os.path.join(out, "run.tsv")) if len(r) >= 2}
    progs = []
    pdir = os.path.join(out, "progs")
    for name in sorted(os.listdir(pdir)):
        d = os.path.join(pdir, name)
        meta_path = os.path.join(d, "meta.tsv")
        if not os.path.exists(meta_path):
            continue
        m = (read_tsv(meta_path) or [[]])[0] + [""] * 7
        rec = {"object": m[0], "program": m[1], "type": m[2], "failure": None}
        opt_json, opt_raw = read_json(os.path.join(d, "opt.json"))
        rec["opt"] = {
            "exit": None if m[3] == "-" else int(m[3]),
            "seconds": None if m[4] == "-" else float(m[4]),
            "json": opt_json,
            "stderr": tail(os.path.join(d, "opt.err")),
        }
        if opt_json is None and opt_raw.strip():
            rec["opt"]["stdout"] = opt_raw.strip()[-500:]
        # `bpfsynth -j opt` prints an array of per-program records: keep ours
        if isinstance(opt_json, list):
            mine = [r for r in opt_json if isinstance(r, dict) and r.get("name") == m[1]]
            rec["opt"]["result"] = mine[0] if mine else None
            # meta's seconds are the whole object's opt (all its programs,
            # bench_opt.sh runs one opt per object): the program's own are in
            # its record; the object's stay as "object_seconds"
            own = (rec["opt"]["result"] or {}).get("seconds")
            if isinstance(own, (int, float)):
                rec["opt"]["object_seconds"] = rec["opt"]["seconds"]
                rec["opt"]["seconds"] = float(own)
        cmp_json, _ = read_json(os.path.join(d, "compare.json"))
        rec["compare"] = cmp_json
        rec["compare_exit"] = None if m[5] == "-" else int(m[5])
        rec["compare_stderr"] = tail(os.path.join(d, "compare.err"))
        if m[6]:
            rec["failure"] = m[6]
        elif rec["opt"]["exit"] != 0:
            why = rec["opt"]["stderr"] or (opt_json or {}).get("error", "")
            rec["failure"] = "opt failed (exit %s): %s" % (rec["opt"]["exit"], why)
        elif cmp_json is None or "error" in cmp_json:
            why = (cmp_json or {}).get("error") or rec["compare_stderr"]
            rec["failure"] = "measurement failed: %s" % why
        if cmp_json and "orig" in cmp_json and "opt" in cmp_json:
            o, x = cmp_json["orig"], cmp_json["opt"]
            rec["metrics"] = {
                "insns": [o["insns"], x["insns"]],
                "xlated": [o["xlated_insns"], x["xlated_insns"]],
                "xlated_reduction_pct": pct(o["xlated_insns"], x["xlated_insns"]),
                "jited": [o["jited_bytes"], x["jited_bytes"]],
                "jited_reduction_pct": pct(o["jited_bytes"], x["jited_bytes"]),
            }
        progs.append(rec)
    return run, progs


def summarize(progs):
    measured = [p for p in progs if "metrics" in p]
    red = [p["metrics"]["xlated_reduction_pct"] for p in measured]
    buckets = [("bigger", lambda r: r < 0), ("0%", lambda r: r == 0),
               ("0-5%", lambda r: 0 < r <= 5), ("5-10%", lambda r: 5 < r <= 10),
               ("10-20%", lambda r: 10 < r <= 20), ("20-50%", lambda r: 20 < r <= 50),
               (">50%", lambda r: r > 50)]
    lat = [p["compare"]["latency"] for p in measured
           if p["compare"].get("latency", {}).get("status") == "ok"]
    diffs = [p["compare"].get("diff", {}).get("status") for p in measured]
    return {
        "programs": len(progs),
        "measured": len(measured),
        "failed": sum(1 for p in progs if p["failure"]),
        "xlated_reduction_pct": {
            "mean": statistics.mean(red) if red else None,
            "median": statistics.median(red) if red else None,
            "min": min(red) if red else None,
            "max": max(red) if red else None,
            "distribution": {name: sum(1 for r in red if f(r)) for name, f in buckets},
        },
        "insns_total": [sum(p["metrics"]["insns"][0] for p in measured),
                        sum(p["metrics"]["insns"][1] for p in measured)],
        "xlated_total": [sum(p["metrics"]["xlated"][0] for p in measured),
                         sum(p["metrics"]["xlated"][1] for p in measured)],
        "latency_ratio_median": statistics.median([x["ratio_median"] for x in lat])
        if lat else None,
        "latency_measured": len(lat),
        "latency_slower": sum(1 for x in lat if verdict(x) == "slower"),
        "latency_faster": sum(1 for x in lat if verdict(x) == "faster"),
        "diff": {s: diffs.count(s) for s in sorted(set(diffs), key=str)},
        "opt_seconds_total": sum(p["opt"]["seconds"] or 0 for p in progs),
        "whole_program": whole_program(measured),
    }


def whole_program(progs):
    """Of the programs opt changed, how many the whole-program check proved
    (every change is proven window by window in any case), and why the
    others were not checked, by reason with the numbers taken out."""
    changed = [p["opt"].get("result") or {} for p in progs
               if p["metrics"]["insns"][1] < p["metrics"]["insns"][0]
               or (p["opt"].get("result") or {}).get("windows")]
    why = {}
    for r in changed:
        if r.get("whole") != "equivalent":
            msg = re.sub(r"insn [0-9]+: ", "", r.get("whole_msg") or "?")
            msg = re.sub(r"[0-9]+", "N", msg)
            why[msg] = why.get(msg, 0) + 1
    return {"changed": len(changed),
            "equivalent": sum(1 for r in changed if r.get("whole") == "equivalent"),
            "not_checked": dict(sorted(why.items(), key=lambda kv: -kv[1]))}


def losses(progs):
    """(program label, why) for each way a program came out worse."""
    out = []
    for p in progs:
        if "metrics" not in p:
            continue
        m, c, lab = p["metrics"], p["compare"], label(p)
        if m["xlated"][1] > m["xlated"][0]:
            out.append((lab, "xlated bigger: %d -> %d" % tuple(m["xlated"])))
        if m["jited"][1] > m["jited"][0]:
            out.append((lab, "jited bigger: %d -> %d bytes" % tuple(m["jited"])))
        lat = c.get("latency", {})
        if lat.get("status") == "ok" and verdict(lat) == "slower":
            out.append((lab, "slower beyond noise: ratio %.3f, noise %.3f..%.3f" %
                        ((lat["ratio_median"],) + band(lat))))
    return out


def problems(progs):
    """(label, why) for failures, differences and nondeterminism: never hidden."""
    out = []
    for p in progs:
        if p["failure"]:
            out.append((label(p), "FAILED: " + p["failure"]))
            continue
        d = p["compare"].get("diff", {})
        if d.get("status") == "different":
            fd = d.get("first_difference", {})
            out.append((label(p), "DIFFERENT: %d of %d packets; first: packet %s (%s): %s"
                        % (d["differences"], d["packets"], fd.get("packet"),
                           fd.get("kind"), fd.get("what"))))
        elif d.get("status") == "nondeterministic":
            out.append((label(p), "nondeterministic: %d packets and %d maps where two "
                        "loads of the original disagree; %d differences of opt where "
                        "they agreed" % (d["nondeterministic_packets"], d["maps_drifted"],
                                         d["differences"])))
    return out


def unchanged(progs):
    """(label, opt's reason) for programs opt gave back as they were."""
    out = []
    for p in progs:
        r = p["opt"].get("result") or {}
        m = p.get("metrics")
        if p["failure"] or not m or m["insns"][1] != m["insns"][0]:
            continue
        if r.get("reason") or r.get("kept_original"):
            out.append((label(p), "%s%s" % ("kept the original: " if r.get("kept_original")
                                            else "", r.get("reason", ""))))
    return out


def band(lat):
    """The noise band: opt_compare's, or from min/max for older outputs."""
    lo = lat.get("band_lo", min(lat["noise_min"], 1 / lat["noise_max"]))
    hi = lat.get("band_hi", max(lat["noise_max"], 1 / lat["noise_min"]))
    return lo, hi


def verdict(lat):
    lo, hi = band(lat)
    r = lat["ratio_median"]
    return "slower" if r > hi else "faster" if r < lo else "same within noise"


def label(p):
    obj = p["object"][:-2] if p["object"].endswith(".o") else p["object"]
    return "%s:%s" % (obj, p["program"])


def fmt_pair(pair, unit=""):
    return "%d->%d%s" % (pair[0], pair[1], unit)


def print_table(progs):
    hdr = ("program", "type", "insns", "xlated", "%", "jited", "latency (noise)",
           "mean (ctl)", "diff", "opt s")
    rows = []
    for p in progs:
        lab = label(p)
        if len(lab) > 44:
            lab = "..." + lab[-41:]
        if "metrics" not in p:
            rows.append((lab, p["type"], "-", "-", "-", "-", "-", "-", "FAILED",
                         "%.1f" % p["opt"]["seconds"] if p["opt"]["seconds"] else "-"))
            continue
        m, c = p["metrics"], p["compare"]
        lat = c.get("latency", {})
        if lat.get("status") == "ok":
            mark = {"slower": " SLOWER", "faster": " faster"}.get(verdict(lat), "")
            ls = "%.3f (%.2f..%.2f)%s" % ((lat["ratio_median"],) + band(lat) + (mark,))
        else:
            ls = "n/a"
        ms = ("%.3f (%.3f)" % (lat["ratio_mean"], lat["noise_mean"])
              if "ratio_mean" in lat else "-")
        d = c.get("diff", {})
        ds = d.get("status", "?")
        if ds in ("same", "different"):
            ds = "%s %d/%d" % (ds, d["differences"], d["packets"])
        rows.append((lab, c.get("type", p["type"]), fmt_pair(m["insns"]),
                     fmt_pair(m["xlated"]), "%.1f" % m["xlated_reduction_pct"],
                     fmt_pair(m["jited"]), ls, ms, ds,
                     "%.1f" % p["opt"]["seconds"] if p["opt"]["seconds"] is not None
                     else "-"))
    widths = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
    for r in [hdr] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())


def plot(progs, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no plot: python3-matplotlib is not installed (make deps)"
    measured = [p for p in progs if "metrics" in p]
    if not measured:
        return "no plot: nothing measured"
    labels = [label(p).split("/")[-1] for p in measured]
    xs = list(range(len(measured)))
    many = len(xs) > 60  # the whole corpus: narrower bars, smaller labels
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True,
                                   figsize=(max(8, (0.12 if many else 0.35) * len(xs) + 2), 8))
    red = [p["metrics"]["xlated_reduction_pct"] for p in measured]
    ax1.bar(xs, red, color=["tab:red" if r < 0 else "tab:blue" for r in red])
    ax1.axhline(0, color="black", linewidth=0.5)
    ax1.set_ylabel("xlated reduction (%)")
    ax1.set_title("bpfsynth opt: kernel-reported size and latency, per program")
    for x, p in zip(xs, measured):
        lat = p["compare"].get("latency", {})
        if lat.get("status") != "ok":
            ax2.text(x, 1.0, "n/a", ha="center", va="bottom", fontsize=6, rotation=90)
            continue
        r = lat["ratio_median"]
        color = {"slower": "tab:red", "faster": "tab:green"}.get(verdict(lat), "tab:gray")
        ax2.bar(x, r - 1.0, bottom=1.0, color=color)
        lo, hi = band(lat)
        ax2.vlines(x, lo, hi, color="black", linewidth=0.8)
        ax2.plot([x, x], [lo, hi], "_", color="black")
        if "ratio_mean" in lat:
            ax2.plot(x, lat["ratio_mean"], "o", color="tab:orange", markersize=3,
                     label="ratio of trimmed means" if not ax2.get_legend_handles_labels()[0]
                     else None)
    ax2.axhline(1.0, color="black", linewidth=0.5)
    if ax2.get_legend_handles_labels()[0]:
        ax2.legend(loc="upper right", fontsize=7)
    ax2.set_ylabel("latency opt/orig (median)\nline: orig/orig noise band")
    ax2.set_xticks(xs)
    ax2.set_xticklabels(labels, rotation=90, fontsize=4 if many else 7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return None


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 1
    out = argv[1]
    run, progs = collect(out)
    summary = summarize(progs)
    doc = {"run": run, "summary": summary, "losses": [list(x) for x in losses(progs)],
           "problems": [list(x) for x in problems(progs)],
           "unchanged": [list(x) for x in unchanged(progs)], "programs": progs}
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump(doc, f, indent=1)

    print_table(progs)
    s = summary
    r = s["xlated_reduction_pct"]
    print()
    print("programs: %d, measured: %d, failed: %d; budget %ss%s" %
          (s["programs"], s["measured"], s["failed"], run.get("budget", "?"),
           " (copy: no optimizer, self-test)" if run.get("copy") == "1" else ""))
    if r["mean"] is not None:
        print("xlated reduction: mean %.1f%%, median %.1f%%, min %.1f%%, max %.1f%%; "
              "total %d -> %d insns" % (r["mean"], r["median"], r["min"], r["max"],
                                        s["xlated_total"][0], s["xlated_total"][1]))
        print("distribution: " + ", ".join("%s: %d" % kv for kv in r["distribution"].items()))
    if s["latency_ratio_median"] is not None:
        print("latency (median of the per-round opt/orig ratios; mean: of trimmed means, "
              "with the orig/orig control beside it)")
        print("latency: %d programs timed, median ratio %.3f; slower beyond noise: %d, "
              "faster beyond noise: %d" % (s["latency_measured"], s["latency_ratio_median"],
                                           s["latency_slower"], s["latency_faster"]))
    print("differential: " + ", ".join("%s: %d" % (k, v) for k, v in s["diff"].items()))
    print("opt time: %.0f s in all" % s["opt_seconds_total"])
    w = s["whole_program"]
    print("whole-program check: %d of the %d changed programs proven equivalent whole "
          "(every change is proven window by window in any case); not checked: %s" %
          (w["equivalent"], w["changed"],
           "; ".join("%s (%d)" % kv for kv in list(w["not_checked"].items())[:6]) or "-"))
    lo = losses(progs)
    print("\nlost (bigger or slower beyond noise): %d" % len(lo))
    for lab, why in lo:
        print("  %s: %s" % (lab, why))
    pr = problems(progs)
    print("\nfailed, different or nondeterministic: %d" % len(pr))
    for lab, why in pr:
        print("  %s: %s" % (lab, why))
    un = unchanged(progs)
    if un:
        print("\nunchanged, with opt's reason: %d" % len(un))
        for lab, why in un:
            print("  %s: %s" % (lab, why))
    if "--no-plot" not in argv:
        err = plot(progs, os.path.join(out, "bench.png"))
        print("\n" + (err or "plot: %s" % os.path.join(out, "bench.png")))
    print("json: %s" % os.path.join(out, "bench.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
