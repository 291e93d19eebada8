#!/usr/bin/env bash
# End-to-end checks of `quasar sweep`: CSV and JSON outputs, identical bytes on 1 and 2 threads,
# --resume after an interruption (only the missing rows evaluated), constraints and the front
# table, the example sweep files, and bad input (exit 2, naming the file, key and value).
# Usage: cli_sweep_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

# A LeNet-5 sweep of 2 precisions x 2 x 3 x 2 = 24 configurations.
cat > "$tmp/s.yaml" <<'YAML'
version: 1
base: edge_32x32_os
networks: [lenet5]
precisions: [w8a8, w4a4]
sweep:
  array.rows: [4, 16]
  array.cols: {from: 4, to: 16, factor: 2}
  array.dataflow: [os, ws]
YAML

expect 0 "Pareto front of lenet5" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/a.csv" \
  --out "$tmp/a.json" --jobs 2
# Two precisions without fidelity: a note that SQNR is not an objective.
expect 0 "SQNR is not an objective" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/n.csv"
expect 0 "" -- test ! -e "$tmp/n.csv.partial"
expect 0 "" -- test "$(wc -l < "$tmp/a.csv")" -eq 25
expect 0 "config,network,precision,array.rows,array.cols,array.dataflow,status" -- head -1 "$tmp/a.csv"
expect 0 "within_constraints,pareto,context" -- head -1 "$tmp/a.csv"
expect 0 "0,lenet5,w8a8,4,4,os,feasible," -- sed -n 2p "$tmp/a.csv"
# Same bytes on one thread; --format names the format of a file without the extension.
"$q" sweep "$tmp/s.yaml" --out "$tmp/b.csv" --jobs 1 > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/a.csv" "$tmp/b.csv"
"$q" sweep --out "$tmp/b.data" --format json -j 1 "$tmp/s.yaml" > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/a.json" "$tmp/b.data"

# The JSON holds the CSV's rows and marks; the front has no dominated row.
expect 0 "" -- python3 -c '
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(d["rows"]) == len(rows) == 24, len(rows)
assert d["columns"] == list(rows[0].keys()), d["columns"]
for j, c in zip(d["rows"], rows):
    assert j["config"] == int(c["config"]) and j["array.rows"] == int(c["array.rows"])
    assert j["pareto"] == (c["pareto"] == "true") and j["cycles"] == int(c["cycles"])
    assert abs(j["energy_pj"] - float(c["energy_pj"])) <= 1e-9 * j["energy_pj"]
front = [r for r in d["rows"] if r["pareto"]]
assert front, "empty front"
key = lambda r: (r["latency_s"], r["energy_pj"], r["area_mm2"])
for f in front:
    for r in d["rows"]:
        a, b = key(r), key(f)
        assert not (all(x <= y for x, y in zip(a, b)) and a != b), (r["config"], f["config"])
' "$tmp/a.json" "$tmp/a.csv"

# Resume: an interrupted file (header, 9 rows without marks, half a row) is completed by
# evaluating only the 15 missing configurations, giving the same file.
head -10 "$tmp/a.csv" | sed 's/,\(true\|false\),\(true\|false\),\(arch=[^,]*\)$/,,,\3/' > "$tmp/c.csv"
sed -n 11p "$tmp/a.csv" | cut -c1-20 | tr -d '\n' >> "$tmp/c.csv"
expect 0 "15 to evaluate on 2 threads (9 resumed from" -- "$q" sweep "$tmp/s.yaml" \
  --out "$tmp/c.csv" --resume -j 2
expect 0 "" -- cmp "$tmp/a.csv" "$tmp/c.csv"
expect 0 "(0 evaluated, 24 resumed" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/c.csv" --resume
expect 0 "does not exist yet" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/new.csv" --resume
expect 0 "" -- cmp "$tmp/a.csv" "$tmp/new.csv"

# An interrupted --resume keeps every row: the CSV is replaced only when complete, and the rows
# known so far (kept and new) are in <out>.partial, which the next --resume reads too. Here the
# kept lenet5 rows come last, after three slower networks.
cat > "$tmp/g.yaml" <<'YAML'
version: 1
base: edge_32x32_os
networks: [lenet5]
precisions: [w8a8, w4a4]
sweep:
  array.rows: [8, 16, 32]
  array.cols: [8, 16, 32]
  array.dataflow: [os, ws, is]
YAML
"$q" sweep "$tmp/g.yaml" --out "$tmp/g.csv" -j 1 > /dev/null 2>&1
cp "$tmp/g.csv" "$tmp/g0.csv"
sed -i 's/\[lenet5\]/[resnet50, resnet18, mobilenetv2, lenet5]/' "$tmp/g.yaml"
timeout -s INT 0.25 "$q" sweep "$tmp/g.yaml" --out "$tmp/g.csv" --resume -j 1 > /dev/null 2>&1
if [ -e "$tmp/g.csv.partial" ]; then  # interrupted (not finished within 0.25 s)
  expect 0 "" -- cmp "$tmp/g0.csv" "$tmp/g.csv"
  expect 0 "" -- test "$(grep -c ',lenet5,' "$tmp/g.csv.partial")" -eq 54
fi
expect 0 "" -- test "$(grep -c ',lenet5,' "$tmp/g.csv")" -eq 54
expect 0 "csv written to" -- "$q" sweep "$tmp/g.yaml" --out "$tmp/g.csv" --resume -j 2
expect 0 "" -- test ! -e "$tmp/g.csv.partial"
"$q" sweep "$tmp/g.yaml" --out "$tmp/g1.csv" -j 2 > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/g1.csv" "$tmp/g.csv"
# Rows computed with another objective (same columns and keys) are refused, the file untouched.
sed 's/^base:.*/&\nobjective: energy/' "$tmp/g.yaml" > "$tmp/g2.yaml"
expect 2 "context: cannot resume: its rows differ from this sweep in the objective (file: cycles" -- \
  "$q" sweep "$tmp/g2.yaml" --out "$tmp/g.csv" --resume
expect 0 "" -- cmp "$tmp/g1.csv" "$tmp/g.csv"

# Shards: --shard I/N evaluates configurations I, I+N, ... into a part file; sweep-merge joins
# the parts (in any order) into the single-process file, marks recomputed over all rows.
for i in 0 1 2; do
  expect 0 "(shard $i/3: 8), 8 to evaluate" -- "$q" sweep "$tmp/s.yaml" --shard "$i/3" \
    --out "$tmp/p$i.csv" -j 1
done
expect 0 "# quasar sweep shard 1/3 of 24 configurations, sweep " -- head -1 "$tmp/p1.csv"
expect 0 "" -- test "$(tail -n +3 "$tmp/p1.csv" | cut -d, -f1 | tr '\n' ' ')" = \
  "1 4 7 10 13 16 19 22 "
expect 0 "" -- test "$(grep -c ',true,,arch=\|,false,,arch=' "$tmp/p1.csv")" -eq 8  # no front yet
expect 0 "24 configurations from 3 part files" -- "$q" sweep-merge --out "$tmp/m.csv" \
  "$tmp/p2.csv" "$tmp/p0.csv" "$tmp/p1.csv"
expect 0 "" -- cmp "$tmp/a.csv" "$tmp/m.csv"
# The JSON of a merged sweep: --resume keeps every row of the merged CSV and writes both.
expect 0 "(0 evaluated, 24 resumed" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/m.csv" \
  --out "$tmp/m.json" --resume
expect 0 "" -- cmp "$tmp/a.json" "$tmp/m.json"
expect 0 "" -- cmp "$tmp/a.csv" "$tmp/m.csv"
# A finished part resumes to itself; more shards than configurations leave empty parts.
expect 0 "0 to evaluate" -- "$q" sweep "$tmp/s.yaml" --shard 1/3 --out "$tmp/p1.csv" --resume
expect 0 "" -- test "$(wc -l < "$tmp/p1.csv")" -eq 10
for i in $(seq 0 24); do
  "$q" sweep "$tmp/s.yaml" --shard "$i/25" --out "$tmp/w$i.csv" -j 1 > /dev/null 2>&1
done
expect 0 "" -- test "$(wc -l < "$tmp/w24.csv")" -eq 2
"$q" sweep-merge --out "$tmp/m25.csv" "$tmp"/w*.csv > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/a.csv" "$tmp/m25.csv"
# Bad --shard values and outputs.
for bad in 3/3 1/0 x 1/ /2 "1/2/3" "0 /2"; do
  expect 2 "--shard must be I/N with N >= 1 and 0 <= I < N (e.g. 0/4), got '$bad'" -- \
    "$q" sweep "$tmp/s.yaml" --shard "$bad" --out "$tmp/x.csv"
done
expect 2 "--shard writes a CSV part file" -- "$q" sweep "$tmp/s.yaml" --shard 0/2 \
  --out "$tmp/x.json"
# Refused merges name the file and leave the output alone: a missing or repeated shard, parts of
# another split or another sweep (other constraints), a file that is no part, a part cut short.
expect 2 "shard 2/3 is missing (2 of 3 part files given)" -- "$q" sweep-merge --out "$tmp/m.csv" \
  "$tmp/p0.csv" "$tmp/p1.csv"
expect 2 "p0.csv: shard 0/3 again (also $tmp/p0.csv)" -- "$q" sweep-merge --out "$tmp/m.csv" \
  "$tmp/p0.csv" "$tmp/p1.csv" "$tmp/p2.csv" "$tmp/p0.csv"
"$q" sweep "$tmp/s.yaml" --shard 1/2 --out "$tmp/h1.csv" > /dev/null 2>&1
expect 2 "h1.csv: shard 1/2, but $tmp/p0.csv is shard 0/3" -- "$q" sweep-merge \
  --out "$tmp/m.csv" "$tmp/p0.csv" "$tmp/h1.csv" "$tmp/p2.csv"
"$q" sweep "$tmp/s.yaml" --shard 2/3 --max-area 0.5 --out "$tmp/q2.csv" > /dev/null 2>&1
expect 2 "q2.csv: comes from another sweep than $tmp/p0.csv" -- "$q" sweep-merge \
  --out "$tmp/m.csv" "$tmp/p0.csv" "$tmp/p1.csv" "$tmp/q2.csv"
expect 2 "a.csv: line 1: not a part file of a sharded sweep" -- "$q" sweep-merge \
  --out "$tmp/m.csv" "$tmp/a.csv"
head -6 "$tmp/p1.csv" > "$tmp/p1cut.csv"
expect 2 "p1cut.csv: shard 1/3 ends at line 6 before configuration 13 of 24" -- \
  "$q" sweep-merge --out "$tmp/m.csv" "$tmp/p0.csv" "$tmp/p1cut.csv" "$tmp/p2.csv"
sed '4d' "$tmp/p1.csv" > "$tmp/p1gap.csv"
expect 2 "p1gap.csv: line 4: config: shard 1/3 of 24 configurations expects configuration 4, got '7'" \
  -- "$q" sweep-merge --out "$tmp/m.csv" "$tmp/p0.csv" "$tmp/p1gap.csv" "$tmp/p2.csv"
expect 0 "" -- cmp "$tmp/a.csv" "$tmp/m.csv"
expect 0 "" -- test ! -e "$tmp/m.csv.tmp"

# Constraints: an area no design meets empties the front; the option overrides the file.
expect 0 "0 of 24 feasible configurations (0 within the constraints)" -- \
  "$q" sweep "$tmp/s.yaml" --out "$tmp/d.csv" --max-area 0.001
expect 0 "" -- test "$(grep -c ',true,arch=' "$tmp/d.csv")" -eq 0
expect 0 "(24 within the constraints)" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/d.csv" \
  --max-latency 10

# The example sweeps run.
expect 0 "Pareto front of resnet18" -- "$q" sweep array_sizes --out "$tmp/e.csv"
expect 0 "SQNR dB" -- "$q" sweep "$src/workloads/sweeps/precisions_fidelity.yaml" \
  --out "$tmp/f.json"

# Bad input: exit 2 naming the file, key path and value.
printf 'version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nsweep: {array.rowz: [4]}\n' \
  > "$tmp/bad1.yaml"
expect 2 "bad1.yaml: sweep.array.rowz: unknown field" -- "$q" sweep "$tmp/bad1.yaml" \
  --out "$tmp/x.csv"
printf 'version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nsweep: {array.rows: [4, 0]}\n' \
  > "$tmp/bad2.yaml"
expect 2 "bad2.yaml: sweep.array.rows[1]: must be in 1..4096, got 0" -- \
  "$q" sweep "$tmp/bad2.yaml" --out "$tmp/x.csv"
printf 'version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\ncolour: red\n' > "$tmp/bad3.yaml"
expect 2 "bad3.yaml: colour: unknown key" -- "$q" sweep "$tmp/bad3.yaml" --out "$tmp/x.csv"
printf 'version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nprecisions: [w8a8, w9z]\n' \
  > "$tmp/bad4.yaml"
expect 2 "bad4.yaml: precisions[1]:" -- "$q" sweep "$tmp/bad4.yaml" --out "$tmp/x.csv"
printf 'version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nsweep: {array.rows: {from: 0.6, to: 4, factor: 2}}\n' \
  > "$tmp/bad5.yaml"
expect 2 "bad5.yaml: sweep.array.rows.from: must be an integer for an integer field, got 0.6" -- \
  "$q" sweep "$tmp/bad5.yaml" --out "$tmp/x.csv"
expect 2 "no such sweep file" -- "$q" sweep "$tmp/nothing.yaml" --out "$tmp/x.csv"
expect 2 "--resume reads the CSV output" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/x.json" --resume
expect 2 "cannot tell the format" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/x.txt"
expect 2 "--max-area must be a finite number > 0, got -1" -- "$q" sweep "$tmp/s.yaml" \
  --out "$tmp/x.csv" --max-area -1
expect 2 "--min-sqnr needs" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/x.csv" --min-sqnr 20
printf 'version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\n' > "$tmp/one.yaml"
expect 2 "cannot resume: its header is not this sweep's columns" -- \
  "$q" sweep "$tmp/one.yaml" --out "$tmp/a.csv" --resume
expect 0 "" -- cmp "$tmp/a.csv" "$tmp/b.csv"  # the refused resume left the file alone

# Accuracy on labelled data (the digits CNN on the 8x8 digits) under swept accumulators.
cat > "$tmp/d.yaml" <<YAML
version: 1
base: edge_32x32_os
networks: [$src/tests/data/digits/digits_cnn.yaml]
precisions: [w8a8]
fidelity: true
data: digits
images: 100
sweep:
  mac.accumulator.bits: [10, 32]
YAML
expect 0 "minimizing latency, energy, area, -top-1" -- "$q" sweep "$tmp/d.yaml" \
  --out "$tmp/d.csv"
expect 0 "(1 within the constraints)" -- "$q" sweep "$tmp/d.yaml" --out "$tmp/d4.csv" \
  --min-top1 50
expect 0 "top1_pct,agreement_pct,sqnr_db,sqnr_p5_db" -- head -1 "$tmp/d.csv"
expect 0 "accumulator 10 bits wrap" -- "$q" sweep "$tmp/d.yaml" --out "$tmp/d2.csv" --jobs 1
expect 0 "lenet5 has synthetic weights (seed 1)" -- "$q" sweep \
  "$src/workloads/sweeps/precisions_fidelity.yaml" --out "$tmp/pf.csv"
expect 0 "" -- cmp "$tmp/d.csv" "$tmp/d2.csv"
# Sharded with fidelity on data: the top-1 column is the fourth objective of the merged front.
"$q" sweep "$tmp/d.yaml" --shard 1/2 --out "$tmp/dp1.csv" > /dev/null 2>&1
"$q" sweep "$tmp/d.yaml" --shard 0/2 --out "$tmp/dp0.csv" > /dev/null 2>&1
"$q" sweep-merge --out "$tmp/dm.csv" "$tmp/dp0.csv" "$tmp/dp1.csv" > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/d.csv" "$tmp/dm.csv"
expect 2 "--min-top1 needs \`data:\`" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/x.csv" --min-top1 50
sed 's/^data: digits/data: nosuch.csv/' "$tmp/d.yaml" > "$tmp/d3.yaml"
expect 2 "d3.yaml: data: " -- "$q" sweep "$tmp/d3.yaml" --out "$tmp/x.csv"

# A sampled sweep: 6 of the 75 points of three axes, at each network and precision; the same
# seed gives the same bytes, the shards merge into it, and the JSON records the sample.
cat > "$tmp/sample.yaml" <<'YAML'
version: 1
base: edge_32x32_os
networks: [lenet5]
precisions: [w8a8, w4a4]
sweep:
  array.rows: [4, 8, 16, 32, 64]
  array.cols: [4, 8, 16, 32, 64]
  array.dataflow: [os, ws, is]
sample: {method: lhs, count: 6, seed: 42}
YAML
expect 0 "" -- "$q" sweep "$tmp/sample.yaml" --out "$tmp/sa.csv" --out "$tmp/sa.json" --jobs 2
expect 0 "" -- test "$(wc -l < "$tmp/sa.csv")" -eq 13
"$q" sweep "$tmp/sample.yaml" --out "$tmp/sb.csv" --jobs 1 > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/sa.csv" "$tmp/sb.csv"
expect 0 '"sample": {"method": "lhs", "count": 6, "seed": 42, "points": 6}' -- cat "$tmp/sa.json"
"$q" sweep "$tmp/sample.yaml" --shard 0/2 --out "$tmp/sp0.csv" > /dev/null 2>&1
"$q" sweep "$tmp/sample.yaml" --shard 1/2 --out "$tmp/sp1.csv" > /dev/null 2>&1
"$q" sweep-merge --out "$tmp/sm.csv" "$tmp/sp0.csv" "$tmp/sp1.csv" > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/sa.csv" "$tmp/sm.csv"
# Another seed is another sweep: its shards do not merge with these.
sed 's/seed: 42/seed: 43/' "$tmp/sample.yaml" > "$tmp/sample43.yaml"
"$q" sweep "$tmp/sample43.yaml" --shard 1/2 --out "$tmp/sq1.csv" > /dev/null 2>&1
expect 2 "sq1.csv" -- "$q" sweep-merge --out "$tmp/sx.csv" "$tmp/sp0.csv" "$tmp/sq1.csv"
sed 's/method: lhs, count: 6/method: random, count: 76/' "$tmp/sample.yaml" > "$tmp/sample76.yaml"
expect 2 "sample76.yaml: sample.count: exceeds the 75 points" -- "$q" sweep "$tmp/sample76.yaml" \
  --out "$tmp/x.csv"

# A sampled sweep resumes too: a cut file is completed to the same bytes (the rows' keys map to
# the sample's positions; they were read as positions in the whole product, past the rows).
head -5 "$tmp/sa.csv" | sed 's/,\(true\|false\),\(true\|false\),\(arch=[^,]*\)$/,,,\3/' > "$tmp/sr.csv"
expect 0 "8 to evaluate" -- "$q" sweep "$tmp/sample.yaml" --out "$tmp/sr.csv" --resume
expect 0 "" -- cmp "$tmp/sa.csv" "$tmp/sr.csv"
# A JSON-only sweep keeps its rows file beside the JSON while it runs, and removes it.
expect 0 "json written to" -- "$q" sweep "$tmp/sample.yaml" --out "$tmp/so.json"
expect 0 "" -- test ! -e "$tmp/so.json.partial"
expect 0 "" -- cmp "$tmp/sa.json" "$tmp/so.json"

# Memory does not grow with the configurations: rows stream to the rows file, the outputs are
# written from it a row at a time, and only the fronts are held. The peak RSS of 60,832
# configurations (CSV and JSON) stays within 16 MB of that of 5,703; holding the rows, as
# sweeps did before, took about 1.2 KB per configuration (70 MB more here). Under
# AddressSanitizer freed memory waits in its quarantine (256 MB by default) before reuse, which
# would count every freed row; the quarantine is off for these two runs (no effect on other
# builds).
peak_kb() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0" \
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}
for lat in 2 31; do
  printf 'version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nsweep:\n  clock_mhz: {from: 100, to: 2000, step: 1}\n  dram.latency_cycles: {from: 0, to: %s, step: 1}\n' \
    "$lat" > "$tmp/m$lat.yaml"
done
small=$(peak_kb "$q" sweep "$tmp/m2.yaml" --out "$tmp/m2.csv" --out "$tmp/m2.json" -j 2)
large=$(peak_kb "$q" sweep "$tmp/m31.yaml" --out "$tmp/m31.csv" --out "$tmp/m31.json" -j 2)
expect 0 "" -- test "$(wc -l < "$tmp/m31.csv")" -eq 60833
echo "peak RSS: 5,703 configurations ${small} KB, 60,832 configurations ${large} KB"
expect 0 "" -- test "$((large - small))" -lt 16384

finish
