#!/usr/bin/env bash
# End-to-end checks of `quasar run` and `quasar compile`: the table, JSON and CSV reports, the
# schedule round trip, infeasible configurations (exit 3) and bad input (exit 2).
# Usage: cli_run_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

# A zoo network on a preset: the table names every layer and ends with the totals.
"$q" run --arch edge_32x32_os --net resnet18 --bits w4a4 > "$tmp/table.txt" 2>&1
rc=$?
expect 0 "" -- test "$rc" -eq 0
for text in "layer1.0.conv1" "layer4.1.add" "fc" "TOTAL" "latency" "inferences/s" "TOPS/W" \
  "peak TOPS" "weight SRAM (64 KiB)" "leakage" "dataflow    os" "technology  horowitz45"; do
  expect 0 "$text" -- cat "$tmp/table.txt"
done
# A preset given as a path works the same; an unknown preset lists the presets.
expect 0 "TOTAL" -- "$q" run --arch "$src/workloads/accelerators/tpu_like_128x128_ws.yaml" \
  --net lenet5
expect 2 "is neither a file nor an accelerator preset" -- "$q" run --arch edge_33 --net lenet5
expect 2 "tpu_like_128x128_ws" -- "$q" run --arch edge_33 --net lenet5

# JSON parses, and the total cycles are the sum of the layers'.
"$q" run --arch edge_32x32_os --net resnet18 --format json > "$tmp/r.json"
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "ok", d["status"]
assert d["totals"]["cycles"] == sum(l["cycles"] for l in d["layers"]), "cycles"
assert d["totals"]["macs"] == 1814073344, d["totals"]["macs"]
assert abs(d["energy_pj"]["total"] - sum(l["energy_pj"]["total"] for l in d["layers"])) \
    <= 1e-6 * d["energy_pj"]["total"], "energy"
assert d["layers"][0]["name"] == "conv1" and d["layers"][0]["tiling"]["order"]
' "$tmp/r.json"

# CSV: a header, one row per layer, a TOTAL row; --out writes it to a file.
"$q" run --arch edge_32x32_os --net resnet18 --format csv --out "$tmp/r.csv" 2>/dev/null
layers=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))' < "$tmp/r.json")
expect 0 "" -- test "$(wc -l < "$tmp/r.csv")" -eq $((layers + 2))
expect 0 "energy_mac_pj" -- head -1 "$tmp/r.csv"
expect 0 "TOTAL," -- tail -1 "$tmp/r.csv"

# compile -> run --schedule gives the same report as compiling on the fly.
expect 0 "schedule written to" -- "$q" compile --arch edge_32x32_os --net resnet18 \
  --objective edp --out "$tmp/s.json"
expect 0 "searched" -- "$q" compile --arch edge_32x32_os --net resnet18 --objective edp \
  --out "$tmp/s.json"
"$q" run --arch edge_32x32_os --net resnet18 --objective edp --format json > "$tmp/a.json"
"$q" run --arch edge_32x32_os --net resnet18 --schedule "$tmp/s.json" --format json \
  > "$tmp/b.json"
expect 0 "" -- cmp "$tmp/a.json" "$tmp/b.json"
expect 0 '"objective": "edp"' -- cat "$tmp/b.json"

# A schedule for another network, or for other widths, is refused naming the first layer.
expect 2 "layer 0 'conv1' (conv2d) is 'c1' (conv2d) in network lenet5" -- \
  "$q" run --arch edge_32x32_os --net lenet5 --schedule "$tmp/s.json"
expect 2 "layer 0 'conv1': was compiled for a8 w8 out8 acc32 pack 1, but this network on" -- \
  "$q" run --arch edge_32x32_os --net resnet18 --bits w4a4 --schedule "$tmp/s.json"
expect 2 "malformed JSON" -- "$q" run --arch edge_32x32_os --net resnet18 --schedule "$tmp/r.csv"

# A schedule whose tiling does not fit this accelerator's buffers runs as an infeasible
# configuration: exit 3 with the whole report and the reason (docs/run-output.md).
sed -E 's/kib: [0-9]+/kib: 1/' "$src/workloads/accelerators/edge_32x32_os.yaml" > "$tmp/tiny.yaml"
"$q" compile --arch edge_32x32_os --net lenet5 --out "$tmp/l.json" > /dev/null
expect 3 "tiling does not fit" -- "$q" run --arch "$tmp/tiny.yaml" --net lenet5 \
  --schedule "$tmp/l.json"
"$q" run --arch "$tmp/tiny.yaml" --net lenet5 --schedule "$tmp/l.json" --format json \
  > "$tmp/l_run.json" 2>/dev/null
expect 0 "" -- python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["layers"]) == 8 and d["status"] == "infeasible", d' "$tmp/l_run.json"

# Bad options: exit 2 naming the value.
expect 2 "--objective must be one of cycles, energy, edp, got 'latency'" -- \
  "$q" run --arch edge_32x32_os --net lenet5 --objective latency
expect 2 "got 'fast'" -- "$q" compile --arch edge_32x32_os --net lenet5 --objective fast \
  --out "$tmp/x.json"

# The smallest buffers the format allows (1 KiB) still run: the mapper goes down to small tiles.
sed -E 's/kib: [0-9]+/kib: 1/' "$src/workloads/accelerators/edge_32x32_os.yaml" > "$tmp/tiny.yaml"
expect 0 "latency" -- "$q" run --arch "$tmp/tiny.yaml" --net lenet5

# A 16-bit accumulator is flagged on every weighted layer of LeNet-5, in both commands.
sed -E 's/bits: 32/bits: 16/' "$src/workloads/accelerators/edge_32x32_os.yaml" > "$tmp/acc16.yaml"
expect 0 "ACC!" -- "$q" run --arch "$tmp/acc16.yaml" --net lenet5
expect 0 "c5: accumulator of 16 bits is narrower than the 25 bits" -- \
  "$q" run --arch "$tmp/acc16.yaml" --net lenet5
expect 0 "warning (below)" -- "$q" compile --arch "$tmp/acc16.yaml" --net lenet5 \
  --out "$tmp/acc16.json"
expect 0 "c1: accumulator of 16 bits" -- "$q" compile --arch "$tmp/acc16.yaml" --net lenet5 \
  --out "$tmp/acc16.json"

# Infeasible configurations are reported, not crashes: exit 3 with the reason, and the JSON and
# CSV are still written with their status. An 8-bit MAC cannot run 16-bit operands.
expect 3 "INFEASIBLE: " -- "$q" run --arch edge_32x32_os --net lenet5 --bits w16a16
expect 3 "cannot run 16-bit activations x 16-bit weights" -- \
  "$q" run --arch edge_32x32_os --net lenet5 --bits w16a16
expect 3 "infeasible: layer c1" -- \
  "$q" compile --arch edge_32x32_os --net lenet5 --bits w16a16 --out "$tmp/w.json"
"$q" run --arch edge_32x32_os --net lenet5 --bits w16a16 --format json > "$tmp/w.json" 2>/dev/null
rc=$?
expect 0 "" -- test "$rc" -eq 3
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "infeasible" and "c1" in d["reason"], d["reason"]
' "$tmp/w.json"
expect 3 "TOTAL,,,infeasible," -- "$q" run --arch edge_32x32_os --net lenet5 --bits w16a16 \
  --format csv

# The area report shows the synthesized RTL MAC matching the accelerator's (docs/rtl-area.md):
# 8-bit for edge_32x32_os, none for a Bit Fusion MAC (no fixed-width configuration matches).
expect 0 "MAC from RTL synthesis:" -- "$q" run --arch edge_32x32_os --net lenet5
expect 0 "cells (int8), 1.00 x the 8-bit MAC" -- "$q" run --arch edge_32x32_os --net lenet5
"$q" run --arch edge_32x32_os --net lenet5 --format json > "$tmp/rtl.json" 2>/dev/null
expect 0 "" -- python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["area_um2"]["rtl_mac"]
assert m["config"] == "int8" and m["cells"] > 0 and m["relative_to_int8"] == 1.0, m
' "$tmp/rtl.json"
"$q" run --arch bitfusion_16x32 --net lenet5 > "$tmp/bf.txt" 2>&1
expect 1 "" -- grep -q "MAC from RTL synthesis" "$tmp/bf.txt"

# --search: the dense search never gives more cycles than the refined one, the refined one more
# than the fast one, nor the fast one more than the maximal one, layer by layer; an unknown
# search exits 2.
for s in maximal fast refined dense; do
  "$q" run --arch bitfusion_16x32 --net lenet5 --search $s --format json > "$tmp/search_$s.json"
done
expect 0 "" -- python3 -c '
import json, sys
runs = [json.load(open(f)) for f in sys.argv[1:]]
for maximal, fast, refined, dense in zip(*[r["layers"] for r in runs]):
    assert dense["cycles"] <= refined["cycles"] <= fast["cycles"] <= maximal["cycles"], maximal["name"]
cycles = [r["totals"]["cycles"] for r in runs]
assert cycles[3] < cycles[0], cycles
' "$tmp/search_maximal.json" "$tmp/search_fast.json" "$tmp/search_refined.json" \
  "$tmp/search_dense.json"
expect 2 "--search: exhaustive not in {maximal,fast,refined,dense}" -- \
  "$q" compile --arch edge_32x32_os --net lenet5 --search exhaustive --out "$tmp/x.json"
# Without --search, run and compare use the refined search (decision 63).
"$q" run --arch bitfusion_16x32 --net lenet5 --format json > "$tmp/search_default.json"
expect 0 "" -- cmp "$tmp/search_default.json" "$tmp/search_refined.json"
for s in default fast refined; do
  flag="--search $s"; [ $s = default ] && flag=
  "$q" compare --arch bitfusion_16x32 --net lenet5 --precisions w8a8,w4a4 --no-fidelity \
    --format csv $flag > "$tmp/compare_$s.csv"
done
expect 0 "" -- cmp "$tmp/compare_default.csv" "$tmp/compare_refined.csv"
expect 1 "" -- cmp -s "$tmp/compare_default.csv" "$tmp/compare_fast.csv"

# A SCALE-Sim configuration and topology run as they are (docs/scalesim.md); a bad .cfg exits 2
# naming its section and key.
expect 0 "array       32 x 32 PEs" -- "$q" run --arch "$src/workloads/scalesim/os_32x32.cfg" \
  --net "$src/workloads/scalesim/alexnet_conv.csv"
sed 's/IfmapSramSzkB:  64/IfmapSramSzkB:  64kB/' "$src/workloads/scalesim/os_32x32.cfg" \
  > "$tmp/bad.cfg"
expect 2 "[architecture_presets] IfmapSramSzkB: must be an integer, got '64kB'" -- \
  "$q" run --arch "$tmp/bad.cfg" --net lenet5

# --conventions scalesim writes SCALE-Sim's reports: its COMPUTE_REPORT.csv of its own test layer
# on its example config, as scale-sim-v2 itself writes it (tests/unit/test_scalesim_model.cc).
printf '%s\n%s\n' "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, \
Num Filter, Strides," "Inc5b_3x3, 7, 7, 3, 3, 192, 384, 1," > "$tmp/test.csv"
expect 0 "SCALE-Sim reports written to $tmp/ss" -- "$q" run --conventions scalesim \
  --arch "$src/workloads/scalesim/os_32x32.cfg" --net "$tmp/test.csv" --scalesim-reports "$tmp/ss"
printf '%s\n%s\n' "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, \
Compute Util %," "0, 21479, 0, 75.42250570324504, 78.125, 75.41899441340782," > "$tmp/want.csv"
expect 0 "" -- cmp "$tmp/want.csv" "$tmp/ss/COMPUTE_REPORT.csv"
expect 0 "SRAM IFMAP Reads" -- cat "$tmp/ss/DETAILED_ACCESS_REPORT.csv"
expect 0 "Avg IFMAP SRAM BW" -- cat "$tmp/ss/BANDWIDTH_REPORT.csv"
# The same layer and config in USER mode, 10 words per cycle: SCALE-Sim's stalls and DRAM counts,
# as scale-sim-v2 writes them (tests/unit/test_scalesim_stalls.cc), and no note that stalls are
# missing.
sed 's/InterfaceBandwidth: CALC/InterfaceBandwidth: USER/' \
  "$src/workloads/scalesim/os_32x32.cfg" > "$tmp/user.cfg"
"$q" run --conventions scalesim --arch "$tmp/user.cfg" --net "$tmp/test.csv" \
  --scalesim-reports "$tmp/ssu" > /dev/null 2> "$tmp/user.err"
printf '%s\n%s\n' "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, \
Compute Util %," "0, 65840, 44361, 24.60510328068044, 78.125, 75.41899441340782," > "$tmp/want.csv"
expect 0 "" -- cmp "$tmp/want.csv" "$tmp/ssu/COMPUTE_REPORT.csv"
expect 0 "0, 518400, 663552, 10368, 393240, 688170, 9600," -- \
  cat "$tmp/ssu/DETAILED_ACCESS_REPORT.csv"
expect 1 "" -- grep -q "not modelled" "$tmp/user.err"
# The same conventions from the accelerator file; the run's report says which it used.
"$q" arch --arch edge_32x32_os | sed 's/^conventions: quasar/conventions: scalesim/' \
  > "$tmp/ss_arch.yaml"
expect 0 "conventions scalesim" -- "$q" run --arch "$tmp/ss_arch.yaml" --net lenet5
expect 2 "--scalesim-reports needs conventions: scalesim" -- "$q" run --arch edge_32x32_os \
  --net lenet5 --scalesim-reports "$tmp/no"
expect 2 "conventions: scalesim is a mode of the analytical model" -- "$q" run \
  --arch edge_32x32_os --net lenet5 --conventions scalesim --backend systemc
expect 2 "--conventions: scale not in {quasar,scalesim}" -- "$q" run --arch edge_32x32_os \
  --net lenet5 --conventions scale

# Options that shape only computed values are refused where none are computed.
expect 2 "--calib has no effect here: the analytical backend computes no values" -- \
  "$q" run --arch edge_32x32_os --net lenet5 --calib kl
expect 2 "--rounding has no effect here" -- "$q" run --arch edge_32x32_os --net lenet5 --rounding onnx
expect 2 "--seed has no effect here: compile maps the network" -- \
  "$q" compile --arch edge_32x32_os --net lenet5 --seed 3 --out "$tmp/unused.json"
expect 2 "--calib-samples has no effect here" -- \
  "$q" compile --arch edge_32x32_os --net lenet5 --calib-samples 2 --out "$tmp/unused.json"

# A decoder block's ops (rms_norm, rotary_embedding, silu, gelu) on the post unit: each layer
# is priced, with the post-unit events its registry row states per output.
dec=$src/tests/data/decoder/tiny_decoder.yaml
expect 0 "TOTAL" -- "$q" run --arch edge_32x32_os --net "$dec"
"$q" run --arch edge_32x32_os --net "$dec" --format json > "$tmp/dec.json"
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "ok", d["status"]
names = [l["name"] for l in d["layers"]]
for n in ("norm", "rope", "act", "up_act", "out"):
    assert n in names, (n, names)
assert d["totals"]["cycles"] == sum(l["cycles"] for l in d["layers"]), "cycles"
' "$tmp/dec.json"

finish
