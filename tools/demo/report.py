#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The demo's report: summary table and plot from the recorded samples.

    tools/demo/report.py [--no-plot] SAMPLES OUTDIR

SAMPLES is what tools/demo/scenario.sh records in the emulated host: one
JSON object per line, {"t": SECONDS, "phase": ID, "stats": STATS}, where
STATS is the output of "dynmemctl -j stats" (the host and every VM with
its counters) and t the host's uptime. Lines that are not such an object
(a sample cut short when the host powered off) are skipped and counted.

Writes into OUTDIR:

  samples.tsv   one row per sample, a group of columns per VM, in MiB
  summary.txt   the summary table that is also printed on stdout
  summary.tsv   the same figures, exact, in bytes (for scripts and tests)
  plot.gp       the gnuplot script
  demo.svg      the plot, and demo.png (unless --no-plot)

"Assigned" is the memory a VM has: visible memory (MemTotal, hot-added
memory included) less what its balloon holds. "Host RSS" is the host
memory its QEMU process holds (RssShmem of the guest RAM file).
"""

import json
import subprocess
import sys
from pathlib import Path

MIB = 1 << 20

# The figures of a VM taken from each sample, in the order of samples.tsv.
FIELDS = ("assigned", "demand", "pressure", "physical", "target",
          "visible", "removed", "added")

PHASE_TITLES = {
    "boot": "guests boot",
    "grow": "1 grow",
    "reclaim": "2 reclaim",
    "compete": "3 compete",
    "end": "end",
}


def vm_figures(vm):
    """The figures of one VM in one sample: a dict, None where not known."""
    stats = vm.get("stats", {})
    fig = dict.fromkeys(FIELDS)
    if "visible" in stats:
        fig["visible"] = stats["visible"]
        fig["removed"] = stats.get("removed", 0)
        fig["assigned"] = fig["visible"] - fig["removed"]
    for key, src in (("demand", "demand"), ("pressure", "pressure_cur"),
                     ("physical", "physical"), ("added", "added")):
        if src in stats:
            fig[key] = stats[src]
    if "target" in vm:
        fig["target"] = vm["target"]
    return fig


def load(path):
    """Read SAMPLES; return (samples, skipped lines, VM names, weights).

    Each sample is a dict with t (seconds since the first sample), phase,
    pool (bytes or None) and vms (name -> figures)."""
    samples = []
    skipped = 0
    names = []
    weights = {}
    t0 = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
                t = float(rec["t"])
                stats = rec["stats"]
                vms = stats["vms"]
            except (ValueError, KeyError, TypeError):
                skipped += 1
                continue
            if t0 is None:
                t0 = t
            sample = {"t": t - t0, "phase": str(rec.get("phase", "")),
                      "pool": stats.get("host", {}).get("pool"), "vms": {}}
            for vm in vms:
                name = vm.get("name")
                if name is None:
                    continue
                if name not in names:
                    names.append(name)
                if "weight" in vm:
                    weights[name] = vm["weight"]
                sample["vms"][name] = vm_figures(vm)
            samples.append(sample)
    return samples, skipped, names, weights


def series(samples, name, key):
    """The known values of one figure of one VM, in time order."""
    out = []
    for s in samples:
        v = s["vms"].get(name, {}).get(key)
        if v is not None:
            out.append(v)
    return out


def summarise(samples, names, weights):
    """Per VM: weight, peak and final of assigned, demand, pressure and host
    RSS, final added and removed. Values are None when never known."""
    rows = []
    for name in names:
        row = {"vm": name, "weight": weights.get(name)}
        for key in ("assigned", "demand", "pressure", "physical"):
            vals = series(samples, name, key)
            row["peak_" + key] = max(vals) if vals else None
            row["final_" + key] = vals[-1] if vals else None
        for key in ("added", "removed"):
            vals = series(samples, name, key)
            row["final_" + key] = vals[-1] if vals else None
        rows.append(row)
    return rows


def phase_spans(samples):
    """[(phase, first t, last t, last sample)] in the order they came."""
    spans = []
    for s in samples:
        if spans and spans[-1][0] == s["phase"]:
            spans[-1][2] = s["t"]
            spans[-1][3] = s
        else:
            spans.append([s["phase"], s["t"], s["t"], s])
    return spans


def fmt_mib(v):
    return "-" if v is None else str((v + MIB // 2) // MIB)


def fmt_pct(v):
    return "-" if v is None else "%d%%" % v


def table(head, rows):
    """Columns right-aligned but the first, two blanks apart."""
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    lines = []
    for r in [head] + rows:
        cells = [r[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return lines


def summary_text(samples, names, weights, rows):
    head = ["VM", "WEIGHT", "ASSIGNED", "(PEAK)", "DEMAND", "(PEAK)",
            "PRESSURE", "(PEAK)", "ADDED", "REMOVED", "HOST RSS", "(PEAK)"]
    body = []
    for r in rows:
        body.append([r["vm"], "-" if r["weight"] is None else str(r["weight"]),
                     fmt_mib(r["final_assigned"]), fmt_mib(r["peak_assigned"]),
                     fmt_mib(r["final_demand"]), fmt_mib(r["peak_demand"]),
                     fmt_pct(r["final_pressure"]), fmt_pct(r["peak_pressure"]),
                     fmt_mib(r["final_added"]), fmt_mib(r["final_removed"]),
                     fmt_mib(r["final_physical"]), fmt_mib(r["peak_physical"])])
    lines = ["Summary (MiB; final value, peak in brackets; assigned = "
             "visible - removed):", ""]
    lines += table(head, body)

    # What each VM has when each phase ends: the story in numbers.
    head = ["PHASE", "END (s)"] + ["%s" % n for n in names] + ["POOL"]
    body = []
    for phase, _, t1, last in phase_spans(samples):
        cells = [PHASE_TITLES.get(phase, phase), "%d" % int(t1 + 0.5)]
        cells += [fmt_mib(last["vms"].get(n, {}).get("assigned"))
                  for n in names]
        cells.append(fmt_mib(last["pool"]))
        body.append(cells)
    lines += ["", "Assigned memory at the end of each phase (MiB):", ""]
    lines += table(head, body)
    return "\n".join(lines) + "\n"


def summary_tsv(rows):
    keys = ["vm", "weight", "final_assigned", "peak_assigned", "final_demand",
            "peak_demand", "final_pressure", "peak_pressure", "final_added",
            "final_removed", "final_physical", "peak_physical"]
    out = ["\t".join(keys)]
    for r in rows:
        out.append("\t".join("-" if r[k] is None else str(r[k]) for k in keys))
    return "\n".join(out) + "\n"


def samples_tsv(samples, names):
    """One row per sample; "?" where a figure is not known. Sizes in MiB,
    pressure in percent."""
    head = ["t", "phase", "pool"]
    for n in names:
        head += ["%s_%s" % (n, k) for k in FIELDS]
    out = ["\t".join(head)]
    for s in samples:
        cells = ["%.2f" % s["t"], s["phase"] or "?",
                 "?" if s["pool"] is None else "%.1f" % (s["pool"] / MIB)]
        for n in names:
            fig = s["vms"].get(n, {})
            for k in FIELDS:
                v = fig.get(k)
                if v is None:
                    cells.append("?")
                elif k == "pressure":
                    cells.append(str(v))
                else:
                    cells.append("%.1f" % (v / MIB))
        out.append("\t".join(cells))
    return "\n".join(out) + "\n"


def col(names, name, key):
    """The 1-based column of a VM's figure in samples.tsv."""
    return 4 + names.index(name) * len(FIELDS) + FIELDS.index(key)


def plot_script(samples, names, weights):
    """gnuplot commands, without the terminal and output lines: one panel
    per VM, the phases shaded behind."""
    tmax = samples[-1]["t"] if samples else 1
    # The guests' boot is mostly waiting: the plot starts shortly before
    # the first phase after it.
    spans = phase_spans(samples)
    tmin = 0
    if len(spans) > 1 and spans[0][0] == "boot":
        tmin = max(0, spans[1][1] - 0.1 * (tmax - spans[1][1]))
    g = []
    g.append('set datafile separator "\\t"')
    g.append('set datafile missing "?"')
    g.append("set multiplot layout %d,1 title "
             '"dynmem demo: memory of each VM over time"' % max(len(names), 1))
    g.append("set xrange [%.0f:%.0f]" % (tmin, max(tmax, tmin + 1)))
    g.append("set grid ytics")
    g.append('set ylabel "MiB"')
    g.append('set y2label "pressure %"')
    g.append("set ytics nomirror")
    g.append("set y2tics")
    g.append("set key outside right top vertical")
    g.append("set lmargin 10")
    g.append("set rmargin 28")
    # One scale for every panel, so that the VMs compare at a glance.
    top = max([v for s in samples for fig in s["vms"].values()
               for k, v in fig.items()
               if v is not None and k not in ("pressure", "added")] + [MIB])
    ptop = max([v for s in samples for fig in s["vms"].values()
                for v in [fig["pressure"]] if v is not None] + [100])
    g.append("set yrange [0:%d]" % ((top * 1.08) // MIB + 1))
    g.append("set y2range [0:%d]" % (ptop * 1.08 + 1))
    # Phases shaded, each up to where the next begins; labels for those
    # long enough to hold one.
    shade = ["#f0f0f0", "#e0e8f4"]
    for i, (phase, t0, t1, _) in enumerate(spans):
        if i + 1 < len(spans):
            t1 = spans[i + 1][1]
        g.append('set object %d rect from %.2f, graph 0 to %.2f, graph 1 '
                 'behind fillcolor rgb "%s" fillstyle solid noborder'
                 % (i + 1, t0, t1, shade[i % 2]))
        t0 = max(t0, tmin)
        if t1 - t0 >= 0.04 * max(tmax - tmin, 1):
            # Alternate heights, so that short phases keep their labels
            # apart.
            g.append('set label %d "%s" at %.2f, graph %.2f left front '
                     'font ",9"' % (i + 1, PHASE_TITLES.get(phase, phase),
                                     t0 + 0.01 * (tmax - tmin),
                                     0.93 - 0.08 * (i % 2)))
    for i, name in enumerate(names):
        last = i == len(names) - 1
        g.append('set xlabel "%s"' % ("seconds" if last else ""))
        w = weights.get(name)
        g.append('set title "%s%s" offset 0,-0.5' %
                 (name, "" if w is None else " (weight %d)" % w))
        c = {k: col(names, name, k) for k in FIELDS}
        g.append("plot 'samples.tsv' using 1:%d with lines lw 2.5 lc rgb "
                 "'#1f5fbf' title 'assigned', \\" % c["assigned"])
        g.append("     '' using 1:%d with lines lw 1.5 dt 2 lc rgb '#d62728' "
                 "title 'demand', \\" % c["demand"])
        g.append("     '' using 1:%d with lines lw 1.5 lc rgb '#2ca02c' "
                 "title 'host RSS', \\" % c["physical"])
        g.append("     '' using 1:%d with lines lw 1 dt 3 lc rgb '#555555' "
                 "title 'target', \\" % c["target"])
        g.append("     '' using 1:%d axes x1y2 with lines lw 1 lc rgb "
                 "'#ff9900' title 'pressure %%'" % c["pressure"])
        # Phase labels only in the first panel.
        if i == 0:
            g.append("unset label")
    g.append("unset multiplot")
    return "\n".join(g) + "\n"


def has_terminal(name):
    r = subprocess.run(["gnuplot", "-e", "set terminal %s" % name],
                       capture_output=True, text=True, check=False)
    return r.returncode == 0 and "unknown" not in r.stderr.lower()


def render(outdir, body, height):
    """Run gnuplot for the SVG and the PNG; return the files written."""
    png_term = "pngcairo" if has_terminal("pngcairo") else "png"
    terminals = (
        ("demo.svg", 'svg size 1200,%d dynamic font "DejaVu Sans,11" '
                     'background "#ffffff"' % height),
        ("demo.png", 'pngcairo size 1200,%d font "DejaVu Sans,10" '
                     'background "#ffffff"' % height
         if png_term == "pngcairo" else "png size 1200,%d" % height),
    )
    files = []
    for name, term in terminals:
        pre = 'set terminal %s\nset output "%s"\n' % (term, name)
        r = subprocess.run(["gnuplot"], input=pre + body, cwd=outdir,
                           capture_output=True, text=True, check=False)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            raise RuntimeError("gnuplot failed for %s" % name)
        files.append(outdir / name)
    return files


def main(argv):
    plot = True
    args = []
    for a in argv[1:]:
        if a == "--no-plot":
            plot = False
        elif a.startswith("-"):
            sys.exit(__doc__.split("\n\n")[1])
        else:
            args.append(a)
    if len(args) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    outdir = Path(args[1])
    outdir.mkdir(parents=True, exist_ok=True)

    try:
        samples, skipped, names, weights = load(args[0])
    except OSError as e:
        sys.exit("report: %s" % e)
    if not samples:
        sys.exit("report: no samples in %s" % args[0])
    if skipped:
        print("report: skipped %d line(s) that are not samples" % skipped,
              file=sys.stderr)
    rows = summarise(samples, names, weights)
    text = summary_text(samples, names, weights, rows)
    (outdir / "summary.txt").write_text(text, encoding="utf-8")
    (outdir / "summary.tsv").write_text(summary_tsv(rows), encoding="utf-8")
    (outdir / "samples.tsv").write_text(samples_tsv(samples, names),
                                        encoding="utf-8")
    body = plot_script(samples, names, weights)
    (outdir / "plot.gp").write_text(body, encoding="utf-8")
    sys.stdout.write(text)
    if plot:
        render(outdir, body, 260 + 300 * len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
