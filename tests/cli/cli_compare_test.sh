#!/usr/bin/env bash
# End-to-end checks of `quasar compare`: the side-by-side table of both views, the JSON and CSV
# forms (one entry per view and precision, the metrics the docs list), what must hold between
# precisions (on a Bit Fusion array a 4-bit network runs faster and on less energy than the
# 8-bit one, and loses fidelity), iso-area arrays of more PEs for narrower MACs, the plots, and
# the errors (exit 2) with messages naming the bad value.
# Usage: cli_compare_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

"$q" compare --net lenet5 --precisions w8a8,w4a4,w2a2 --json "$tmp/c.json" --plots "$tmp/plots" \
  > "$tmp/table.txt" 2> "$tmp/err.txt"
rc=$?
expect 0 "" -- test "$rc" -eq 0
expect 0 "Same array, each precision (with Bit Fusion precision scaling)" -- cat "$tmp/table.txt"
expect 0 "Iso-area: a plain MAC of each precision's widest operands" -- cat "$tmp/table.txt"
expect 0 "output SQNR vs float, mean (dB)" -- cat "$tmp/table.txt"
expect 0 "  5th percentile (dB)" -- cat "$tmp/table.txt"
expect 0 "over 32 held-out synthetic inputs; the weights are synthetic (seed 1)" -- \
  cat "$tmp/table.txt"
expect 0 "energy/inference (uJ)" -- cat "$tmp/table.txt"
expect 0 "" -- python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["network"] == "lenet5" and j["arch"] == "bitfusion-16x32", (j["network"], j["arch"])
keys = ["pes", "latency_ms", "inferences_per_s", "effective_tops", "utilization_pct",
        "energy_uj", "energy_mac_uj", "energy_dram_uj", "tops_per_watt", "area_mm2",
        "dram_mb", "accumulator_bits_needed", "output_sqnr_db", "output_sqnr_p5_db"]
for view in ("same_array", "iso_area"):
    cols = j[view]
    assert [c["precision"] for c in cols] == ["w8a8", "w4a4", "w2a2"], view
    for c in cols:
        assert c["status"] == "", c["status"]
        for k in keys:
            assert c["metrics"][k] is not None, (view, c["precision"], k)
        m = c["metrics"]
        parts = sum(v for k, v in m.items() if k.startswith("energy_") and k != "energy_uj")
        assert abs(parts - m["energy_uj"]) < 1e-6 * m["energy_uj"], (parts, m["energy_uj"])
same = {c["precision"]: c["metrics"] for c in j["same_array"]}
iso = {c["precision"]: c for c in j["iso_area"]}
# Same array with precision scaling: fewer bits, more products per cycle, less energy.
assert same["w4a4"]["latency_ms"] < same["w8a8"]["latency_ms"], same
assert same["w4a4"]["energy_uj"] < same["w8a8"]["energy_uj"], same
assert all(same[p]["pes"] == 512 for p in same)
assert all(same[p]["area_mm2"] == same["w8a8"]["area_mm2"] for p in same)
# Fidelity falls with the bits, and the accumulator needs fewer bits.
assert same["w8a8"]["output_sqnr_db"] > same["w4a4"]["output_sqnr_db"] > same["w2a2"]["output_sqnr_db"]
assert same["w8a8"]["accumulator_bits_needed"] > same["w2a2"]["accumulator_bits_needed"]
assert all(same[p]["output_sqnr_p5_db"] <= same[p]["output_sqnr_db"] for p in same)
# Iso-area: a plain MAC of the precision, more PEs as the MAC narrows, in the same PE-array area.
assert iso["w4a4"]["arch"]["weight_bits"] == 4 and iso["w4a4"]["arch"]["precision_scaling"] == "none"
assert iso["w8a8"]["metrics"]["pes"] < iso["w4a4"]["metrics"]["pes"] < iso["w2a2"]["metrics"]["pes"]
for c in iso.values():
    assert c["metrics"]["pe_array_area_mm2"] <= j["same_array"][0]["metrics"]["pe_array_area_mm2"] * (1 + 1e-9)
' "$tmp/c.json"
stem="$tmp/plots/compare-lenet5-bitfusion-16x32"
expect 0 "compare-lenet5-bitfusion-16x32-energy.svg" -- cat "$tmp/err.txt"
expect 0 "" -- grep -q "<svg" "$stem-energy.svg"
expect 0 "" -- grep -q "<svg" "$stem-latency-energy.svg"
expect 0 "" -- grep -q "w4a4" "$stem-scatter.dat"
# Titles name the network, the accelerator and the view.
expect 0 "lenet5 on bitfusion-16x32, same array and iso-area arrays" -- cat "$stem-energy.gp"
# Another network's plots land beside these, not over them; an iso-area-only run titles its one
# series "iso-area" (it was labelled "same array").
"$q" compare --net alexnet --precisions w8a8 --view iso-area --no-fidelity --plots "$tmp/plots" \
  > /dev/null 2>&1
expect 0 "" -- test -f "$stem-energy.svg"
expect 0 "title 'iso-area'" -- cat "$tmp/plots/compare-alexnet-bitfusion-16x32-latency-energy.gp"
expect 1 "" -- grep -q "same array'" "$tmp/plots/compare-alexnet-bitfusion-16x32-latency-energy.gp"
# Iso-area PE counts by both area sources, and a note where wider first/last layers set the MAC.
expect 0 "PEs, sized by RTL gates" -- cat "$tmp/table.txt"
expect 0 "binary 0.210 of 8-bit" -- \
  "$q" compare --net lenet5 --precisions w8a8,w1a1 --view iso-area --no-fidelity
expect 0 "its array is sized for 8x8-bit operands, not 4x4" -- \
  "$q" compare --net lenet5 --precisions w4a4 --first-last-bits 8 --view iso-area --no-fidelity

# CSV: a header and one row per view and precision; --no-fidelity leaves SQNR empty.
"$q" compare --net lenet5 --precisions w8a8,w4a4 --format csv --no-fidelity --view same-array \
  > "$tmp/c.csv" 2> /dev/null
expect 0 "" -- test "$(wc -l < "$tmp/c.csv")" -eq 3
expect 0 "view,precision,arch,rows,cols,pes,latency_ms" -- head -1 "$tmp/c.csv"
expect 0 "" -- python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["precision"] for r in rows] == ["w8a8", "w4a4"] and rows[0]["view"] == "same-array"
assert rows[0]["output_sqnr_db"] == "" and float(rows[0]["latency_ms"]) > 0, rows[0]
assert rows[0]["accumulator_bits_needed"] == "", rows[0]  # not measured without fidelity
' "$tmp/c.csv"

# Without precision scaling the same array runs every precision one product per cycle.
"$q" compare --net lenet5 --precisions w8a8,w4a4 --scaling none --view same-array \
  --no-fidelity --format json > "$tmp/ns.json" 2> /dev/null
expect 0 "" -- python3 -c '
import json, sys
c = {x["precision"]: x["metrics"] for x in json.load(open(sys.argv[1]))["same_array"]}
assert abs(c["w4a4"]["latency_ms"] - c["w8a8"]["latency_ms"]) < 0.5 * c["w8a8"]["latency_ms"], c
' "$tmp/ns.json"

# --scaling changes the same array only: the iso-area arrays are those of the file.
"$q" compare --net lenet5 --precisions w4a4 --view iso-area --no-fidelity --format json \
  > "$tmp/iso1.json" 2> /dev/null
"$q" compare --net lenet5 --precisions w4a4 --view iso-area --no-fidelity --format json \
  --scaling none > "$tmp/iso2.json" 2> /dev/null
expect 0 "" -- cmp "$tmp/iso1.json" "$tmp/iso2.json"

# CSV quoting: an accelerator name with a comma and a quote stays one field.
sed -e 's/^name: .*/name: "edge, \\"quoted\\" 32x32"/' "$src/workloads/accelerators/edge_32x32_os.yaml" \
  > "$tmp/odd.yaml"
"$q" compare --net lenet5 --arch "$tmp/odd.yaml" --precisions w8a8 --view same-array \
  --no-fidelity --format csv > "$tmp/odd.csv" 2> /dev/null
expect 0 "" -- python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows[0]["arch"] == "edge, \"quoted\" 32x32", rows[0]["arch"]
assert float(rows[0]["latency_ms"]) > 0
' "$tmp/odd.csv"

# No precision can run: the report says why, and no plots are drawn.
expect 0 "no precision can run on the accelerator; no plots" -- \
  "$q" compare --net lenet5 --arch edge_32x32_os --precisions w16a16 --view same-array \
  --no-fidelity --plots "$tmp/none"

# Errors.
expect 2 "compare takes its precisions from --precisions, not --bits" -- \
  "$q" compare --net lenet5 --bits w4a4
expect 2 "w9q9" -- "$q" compare --net lenet5 --precisions w8a8,w9q9 --no-fidelity
expect 2 "--precisions: 'w8a8' appears twice" -- "$q" compare --net lenet5 \
  --precisions w8a8,w4a4,w8a8 --no-fidelity
expect 2 "--precisions" -- "$q" compare --net lenet5 --precisions "" --no-fidelity
expect 2 "--seed: must be a non-negative integer, got '-1'" -- "$q" compare --net lenet5 \
  --seed -1 --no-fidelity
expect 2 "--view" -- "$q" compare --net lenet5 --view sideways
finish
