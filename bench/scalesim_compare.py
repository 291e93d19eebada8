#!/usr/bin/env python3
"""Runs scale-sim-v2 and `quasar run --conventions scalesim` on the same layers and configs and
compares their per-layer reports column by column (docs/scalesim.md, "Quasar against SCALE-Sim").

Each layer of each topology runs alone (a one-row topology file), so that SCALE-Sim's time can be
bounded per layer: a layer whose demand matrices would exceed --budget elements is skipped and
counted. Needs a scale-sim-v2 checkout (github.com/scalesim-project/scale-sim-v2) and Debian's
python3-numpy, python3-pandas and python3-tqdm.

  /usr/bin/python3 bench/scalesim_compare.py --scalesim ../scale-sim-v2 --quasar build/cli/quasar \
      --arrays 8 32 128 --dataflows os ws is --topologies conv_nets/alexnet.csv GEMM_mnk/NCF.csv

CALC mode by default; --bandwidth N runs USER mode with N words per cycle per interface, where
the stall cycles come from SCALE-Sim's buffers (sim/analytical/include/quasar/sim/
scalesim_stalls.h).

Prints one line per (array, dataflow) with the layers compared, skipped, with stalls (SCALE-Sim's
Stall Cycles not 0) and equal per column, then every differing value. Exit 1 if any compared
column differs.
"""
import argparse
import concurrent.futures
import csv
import math
import os
import subprocess
import sys
import tempfile

# Columns compared: (report file, column name). DRAM counts and bandwidths are not: Quasar's are
# its own (docs/scalesim.md).
COLUMNS = [
    ("COMPUTE_REPORT.csv", "Total Cycles"),
    ("COMPUTE_REPORT.csv", "Stall Cycles"),
    ("COMPUTE_REPORT.csv", "Overall Util %"),
    ("COMPUTE_REPORT.csv", "Mapping Efficiency %"),
    ("COMPUTE_REPORT.csv", "Compute Util %"),
    ("BANDWIDTH_REPORT.csv", "Avg IFMAP SRAM BW"),
    ("BANDWIDTH_REPORT.csv", "Avg FILTER SRAM BW"),
    ("BANDWIDTH_REPORT.csv", "Avg OFMAP SRAM BW"),
    ("DETAILED_ACCESS_REPORT.csv", "SRAM IFMAP Reads"),
    ("DETAILED_ACCESS_REPORT.csv", "SRAM Filter Reads"),
    ("DETAILED_ACCESS_REPORT.csv", "SRAM OFMAP Writes"),
]

# In USER mode Quasar gives SCALE-Sim's DRAM counts too (docs/scalesim.md, "USER-mode stalls").
USER_COLUMNS = COLUMNS + [
    ("DETAILED_ACCESS_REPORT.csv", "DRAM IFMAP Reads"),
    ("DETAILED_ACCESS_REPORT.csv", "DRAM Filter Reads"),
    ("DETAILED_ACCESS_REPORT.csv", "DRAM OFMAP Writes"),
]

CONFIG = """[general]
run_name = {name}

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: {kib}
FilterSramSzkB: {kib}
OfmapSramSzkB: {kib}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth: {bandwidth}
Dataflow: {dataflow}
MemoryBanks: 1

[run_presets]
InterfaceBandwidth: {mode}
"""


def read_report(path):
    """{layer id: {column: text}} of a SCALE-Sim style report (', ' separated, trailing ',')."""
    with open(path) as f:
        rows = [[c.strip() for c in line.split(",")] for line in f if line.strip()]
    header = [c for c in rows[0] if c]
    out = {}
    for r in rows[1:]:
        out[int(r[0])] = dict(zip(header, r))
    return out


def gemm_of(row, gemm_mode):
    """(M, K, N, copies) of one topology row, as SCALE-Sim lowers it."""
    v = [int(x) for x in row[1:] if x.strip()]
    if gemm_mode:
        m, n, k = v[0], v[1], v[2]
        return m, k, n, 1
    ih, iw, fh, fw, ch, nf, sh = v[:7]
    sw = v[7] if len(v) > 7 else sh
    oh = math.ceil((ih - fh + sh) / sh)
    ow = math.ceil((iw - fw + sw) / sw)
    if "DP" in row[0]:
        return oh * ow, fh * fw, nf, ch
    return oh * ow, fh * fw * ch, nf, 1


def demand_elements(m, k, n, copies, size, dataflow):
    """The size of SCALE-Sim's demand matrices for a layer: its running time's main factor."""
    sr, sc, t = {"os": (m, n, k), "ws": (k, n, m), "is": (k, m, n)}[dataflow]
    folds = math.ceil(sr / size) * math.ceil(sc / size)
    return copies * folds * (t + 3 * size) * 3 * size


def columns_of(args):
    return USER_COLUMNS if args.bandwidth else COLUMNS


def run_one(job):
    """Runs one layer on both tools; returns (key, {column: (scalesim, quasar)}) or an error."""
    key, topo_text, gemm_mode, cfg_text, args = job
    with tempfile.TemporaryDirectory() as d:
        topo = os.path.join(d, "layer.csv")
        cfg = os.path.join(d, "arch.cfg")
        with open(topo, "w") as f:
            f.write(topo_text)
        with open(cfg, "w") as f:
            f.write(cfg_text)
        env = dict(os.environ, PYTHONPATH=args.scalesim)
        cmd = [args.python, os.path.join(args.scalesim, "scalesim", "scale.py"), "-t", topo,
               "-c", cfg, "-p", os.path.join(d, "ss"), "-i", "gemm" if gemm_mode else "conv"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            return key, "scalesim failed: " + p.stderr[-500:]
        ss_dir = os.path.join(d, "ss", "run")
        q_dir = os.path.join(d, "q")
        p = subprocess.run([args.quasar, "run", "--arch", cfg, "--net", topo, "--conventions",
                            "scalesim", "--scalesim-reports", q_dir, "--format", "csv"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            return key, "quasar failed: " + p.stderr[-500:]
        result = {}
        for report, column in columns_of(args):
            ss = read_report(os.path.join(ss_dir, report))
            q = read_report(os.path.join(q_dir, report))
            if sorted(ss) != sorted(q):
                return key, f"{report}: layer ids differ: {sorted(ss)} vs {sorted(q)}"
            for lid in ss:
                result[(column, lid)] = (ss[lid][column], q[lid][column])
        return key, result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scalesim", required=True, help="a scale-sim-v2 checkout")
    ap.add_argument("--quasar", default="build/cli/quasar")
    ap.add_argument("--python", default="/usr/bin/python3", help="the Python that runs SCALE-Sim")
    ap.add_argument("--arrays", type=int, nargs="+", default=[8, 32, 128])
    ap.add_argument("--dataflows", nargs="+", default=["os", "ws", "is"])
    ap.add_argument("--kib", type=int, default=64, help="each SRAM's size")
    ap.add_argument("--bandwidth", type=int, default=0,
                    help="USER mode with this many words per cycle per interface (default: CALC)")
    ap.add_argument("--topologies", nargs="+", required=True,
                    help="paths under the checkout's topologies/ (GEMM_mnk/ files are M, N, K)")
    ap.add_argument("--budget", type=float, default=2e7,
                    help="skip a layer whose SCALE-Sim demand matrices exceed this many elements")
    ap.add_argument("--min-elements", type=float, default=0,
                    help="also skip layers at or below this many elements (to extend a run)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    args.quasar = os.path.abspath(args.quasar)
    args.scalesim = os.path.abspath(args.scalesim)

    jobs, skipped = [], {}
    for size in args.arrays:
        for df in args.dataflows:
            cfg = CONFIG.format(name="run", rows=size, cols=size, kib=args.kib, dataflow=df,
                                bandwidth=args.bandwidth or 10,
                                mode="USER" if args.bandwidth else "CALC")
            skipped[(size, df)] = 0
            for t in args.topologies:
                path = os.path.join(args.scalesim, "topologies", t)
                gemm_mode = t.startswith("GEMM_mnk")
                with open(path) as f:
                    lines = [l for l in f.read().splitlines() if l.strip()]
                for i, line in enumerate(lines[1:]):
                    row = line.split(",")
                    m, k, n, copies = gemm_of(row, gemm_mode)
                    elements = demand_elements(m, k, n, copies, size, df)
                    if elements > args.budget or elements <= args.min_elements:
                        skipped[(size, df)] += 1
                        continue
                    text = lines[0] + "\n" + line + "\n"
                    jobs.append(((size, df, t, i, row[0].strip()), text, gemm_mode, cfg, args))

    results = {}
    done = 0
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for key, r in pool.map(run_one, jobs):
            results[key] = r
            done += 1
            print(f"\r[scalesim_compare] {done}/{len(jobs)} layers", end="", file=sys.stderr)
    print(file=sys.stderr)

    failed = False
    differences = []
    columns = columns_of(args)
    print("array  dataflow  layers  skipped  stalled  " + "  ".join(c for _, c in columns))
    for size in args.arrays:
        for df in args.dataflows:
            keys = [k for k in results if k[0] == size and k[1] == df]
            equal = {c: 0 for _, c in columns}
            errors = 0
            stalled = 0  # layers SCALE-Sim reports stall cycles for
            for k in keys:
                r = results[k]
                if isinstance(r, str):
                    errors += 1
                    differences.append(f"{k}: {r}")
                    continue
                ok = {c: True for _, c in columns}
                stalled += any(c == "Stall Cycles" and ss != "0" for (c, _), (ss, _) in r.items())
                for (column, lid), (ss, q) in r.items():
                    if ss != q:
                        ok[column] = False
                        differences.append(f"{k} layer {lid} {column}: SCALE-Sim {ss}, Quasar {q}")
                for c in ok:
                    equal[c] += ok[c]
            failed |= errors > 0 or any(v != len(keys) for v in equal.values())
            print(f"{size}x{size}  {df:8s}  {len(keys):6d}  {skipped[(size, df)]:7d}  "
                  f"{stalled:7d}  " +
                  "  ".join(f"{equal[c]}/{len(keys)}" for _, c in columns))
    for d in differences:
        print(d)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
