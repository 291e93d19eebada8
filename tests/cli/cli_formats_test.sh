#!/usr/bin/env bash
# End-to-end checks of the number formats as a precision (docs/formats.md): the ArchSpec's
# mac.format and its errors, which MAC runs which precision, the bytes of MX block scales moved
# by a layer, the format MAC's energy per product, `quasar compare` with formats, `quasar infer`'s
# golden format run, the SystemC cycle model on FP8, MX and W4A8 networks, and the golden integer
# path's refusal (exit 2, naming the layer).
# Usage: cli_formats_test.sh <quasar binary> <source dir>
set -u
q=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

arch() {  # arch NAME MAC-MAP [ARRAY-MAP]: $tmp/NAME.yaml, on a 16 x 16 ws array by default
  local array='{rows: 16, cols: 16, dataflow: ws}'
  [ -z "${3:-}" ] || array=$3
  printf 'version: 1\nname: %s\narray: %s\nmac: %s\n' "$1" "$array" "$2" > "$tmp/$1.yaml"
}
arch int8 '{}'
arch fp8 '{format: fp8_e4m3}'
arch mxint8 '{format: mxint8}'
arch bad_widths '{format: mxfp4_e2m1}'
arch bad_name '{format: fp16}'
cat > "$tmp/fc.yaml" <<'YAML'
version: 1
name: one_fc
inputs:
  - {name: x, shape: [1, 256]}
layers:
  - {name: fc, op: fully_connected, input: x, out_features: 64}
YAML

# The ArchSpec's checks, naming the file and key.
expect 2 "bad_widths.yaml: mac.weight_bits: mac.format mxfp4_e2m1 multiplies 4-bit elements" -- \
  "$q" run --arch "$tmp/bad_widths.yaml" --net lenet5 --bits mxfp4
expect 2 "bad_name.yaml: mac.format: must be int, fp8_e4m3" -- \
  "$q" run --arch "$tmp/bad_name.yaml" --net lenet5
# A format runs on its own MAC only (exit 3, the layer named), and runs there.
expect 3 "layer c1: the 8-bit x 8-bit integer MAC cannot run fp8_e4m3 activations x fp8_e4m3" -- \
  "$q" run --arch "$tmp/int8.yaml" --net lenet5 --bits fp8
expect 3 "the fp8_e4m3 MAC cannot run int8" -- "$q" run --arch "$tmp/fp8.yaml" --net lenet5
expect 3 "the fp8_e4m3 MAC cannot run mxfp8_e4m3" -- \
  "$q" run --arch "$tmp/fp8.yaml" --net lenet5 --bits mxfp8
expect 0 "" -- "$q" run --arch "$tmp/fp8.yaml" --net lenet5 --bits fp8
# infer runs the golden format run (docs/verify.md, "Number formats"): every GEMM by its format
# kernel, the SQNR per layer and at the output, in a range FP8 gives; the JSON names each
# layer's kernel. The backends' integer check refuses, naming the layer.
"$q" infer --net lenet5 --bits fp8 --format json > "$tmp/inf.json" 2> /dev/null
expect 0 "" -- python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["run"] == "golden format run", j["run"]
kernels = {l["name"]: l["kernel"] for l in j["layers"]}
assert [n for n, k in kernels.items() if k == "small_float"] == ["c1", "c3", "c5", "f6", "output"]
assert kernels["s2"] == "float", kernels
assert 15 < j["output_sqnr_db"] < 40, j["output_sqnr_db"]
' "$tmp/inf.json"
expect 2 "--save-outputs: network lenet5 is in a number format" -- \
  "$q" infer --net lenet5 --bits fp8 --save-outputs "$tmp/o"
expect 0 '"fp8_accumulator_bits": 40' -- "$q" infer --net lenet5 --bits fp8 --acc-bits 40 \
  --format json
expect 2 "--acc-bits: network lenet5 has no small-float (FP8, FP6, FP4) layer" -- \
  "$q" infer --net lenet5 --bits mxint8 --acc-bits 40
# compare measures a format's fidelity on the emulated quantization, and says so; it has no
# accumulator to report.
"$q" compare --arch "$tmp/fp8.yaml" --net lenet5 --precisions fp8 --view same-array \
  > "$tmp/fid.txt" 2>&1
expect 0 "fp8: quantization emulated in float32" -- cat "$tmp/fid.txt"
expect 0 "" -- python3 -c '
import sys
rows = {l[:31].strip(): l[31:].split() for l in open(sys.argv[1]) if len(l) > 31}
sqnr = float(rows["output SQNR vs float, mean (dB)"][0])
assert 15 < sqnr < 40, sqnr
assert rows["accumulator bits needed"] == ["-"], rows["accumulator bits needed"]
' "$tmp/fid.txt"
# The SystemC cycle model runs FP8 networks on the FP8 MAC's array, checked against the golden
# format run on every element, the register's overflows and the analytical model's cycles.
expect 0 "Bit-exact check: SystemC cycle model (number formats) vs golden reference" -- \
  "$q" run --arch "$tmp/fp8.yaml" --net lenet5 --bits fp8 --backend systemc
arch fp8sat '{format: fp8_e4m3, accumulator: {bits: 20, overflow: saturate}}' \
  '{rows: 8, cols: 4, dataflow: os}'
"$q" run --arch "$tmp/fp8sat.yaml" --net lenet5 --bits fp8 --backend systemc --format json \
  > "$tmp/fp8sat.json" 2> /dev/null
expect 0 "" -- python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["check"]
assert c["bit_exact"], c
gemm = [l for l in c["layers"] if l["name"] in ("c1", "c3", "c5", "f6", "output")]
assert len(gemm) == 5 and all(l["overflow_events"] > 0 for l in gemm), gemm
for l in c["layers"]:
    assert l["overflow_events"] == l["golden_overflow_events"], l
    assert l["cycles"] == l["analytical_cycles"] and l["mismatches"] == 0, l
' "$tmp/fp8sat.json"
# MX and W4A8 blocks, in ws and in os (whose tiles reduce over many blocks).
expect 0 "8214 elements compared, 0 mismatches: BIT-EXACT" -- \
  "$q" run --arch "$tmp/mxint8.yaml" --net lenet5 --bits mxint8 --backend systemc
expect 0 "8214 elements compared, 0 mismatches: BIT-EXACT" -- \
  "$q" run --arch "$tmp/int8.yaml" --net lenet5 --bits w4a8g32 --backend systemc
arch mxos '{format: mxint8}' '{rows: 16, cols: 16, dataflow: os}'
expect 0 "8214 elements compared, 0 mismatches: BIT-EXACT" -- \
  "$q" run --arch "$tmp/mxos.yaml" --net lenet5 --bits mxint8 --backend systemc
# Elements wider than the C++ array's 32-bit lanes run in pieces: MXFP8 E5M2 (2^31.8 units) and
# W4A16's fp16 activations (2^40 units).
arch mxe5 '{format: mxfp8_e5m2}' '{rows: 12, cols: 8, dataflow: ws}'
expect 0 "8214 elements compared, 0 mismatches: BIT-EXACT" -- \
  "$q" run --arch "$tmp/mxe5.yaml" --net lenet5 --bits mxfp8_e5m2 --backend systemc
arch int16x4 '{weight_bits: 4, activation_bits: 16}'
expect 0 "8214 elements compared, 0 mismatches: BIT-EXACT" -- \
  "$q" run --arch "$tmp/int16x4.yaml" --net lenet5 --bits w4a16g32 --backend systemc
# W4A8's attention: its matmuls of two int8 activations run as the W4A8 kernel, the second as
# one group of K.
expect 0 "elements compared, 0 mismatches: BIT-EXACT" -- \
  "$q" run --arch rtl_4x4_ws --net llama_block --phase decode --context 16 \
  --dims hidden=64,heads=2,kv_heads=1,ffn=128 --bits w4a8g32 --backend systemc
# W4A16's attention: its matmuls of two fp16 activations are the small-float kernel on binary16
# with exact sums, on a 16 x 16 MAC.
arch int16 '{weight_bits: 16, activation_bits: 16}'
expect 0 "elements compared, 0 mismatches: BIT-EXACT" -- \
  "$q" run --arch "$tmp/int16.yaml" --net llama_block --phase decode --context 16 \
  --dims hidden=64,heads=2,kv_heads=1,ffn=128 --bits w4a16g32 --backend systemc
# Refused by name before the golden run: a matmul of an int8 query and a 16-bit integer cache
# beside weights per group (the network's, no architecture file named), and FP8 E5M2, whose
# pieces' exact sums need a register that holds any sum of K products, past mac.accumulator's 64
# bits (the architecture's MAC, its file named).
expect 2 "error: layer 'self_attn.scores_past': its operands are two activations (int8 asym \
minmax x int16 asym minmax) that are neither both int8 nor both fp16" -- \
  "$q" run --arch "$tmp/int16.yaml" --net llama_block --phase decode --context 16 \
  --dims hidden=64,heads=2,kv_heads=1,ffn=128 --bits w4a8g32 --kv-bits 16 --backend systemc
arch e5m2 '{format: fp8_e5m2, accumulator: {bits: 64}}' '{rows: 8, cols: 8, dataflow: ws}'
expect 2 "e5m2.yaml: layer 'c1': fp8_e5m2 elements run on the array in pieces of 16 bits, whose \
exact sums the post unit adds, so the FP8 register must hold any sum of the K = 25 products: 70 \
bits, the register has 64 (the register is mac.accumulator's bits)" -- \
  "$q" run --arch "$tmp/e5m2.yaml" --net lenet5 --bits fp8_e5m2 --backend systemc
# FP8 E5M2 with a register that holds its sums (65..128 bits: an FP8 MAC's only) runs in pieces.
arch e5m2w '{format: fp8_e5m2, accumulator: {bits: 96}}' '{rows: 8, cols: 8, dataflow: ws}'
expect 0 "8214 elements compared, 0 mismatches: BIT-EXACT" -- \
  "$q" run --arch "$tmp/e5m2w.yaml" --net lenet5 --bits fp8_e5m2 --backend systemc
arch int96 '{accumulator: {bits: 96}}' '{rows: 8, cols: 8, dataflow: ws}'
expect 2 "int96.yaml: mac.accumulator.bits: must be in 8..64 (up to 128 on an FP8 MAC, mac.format \
fp8_e4m3 or fp8_e5m2), got 96" -- "$q" run --arch "$tmp/int96.yaml" --net lenet5
expect 2 "e5m2w.yaml: mac.accumulator.bits: precision w8a8 runs the integer golden path, whose \
registers are at most 64 bits, got 96" -- \
  "$q" compare --arch "$tmp/e5m2w.yaml" --net lenet5 --precisions fp8_e5m2,w8a8
# A sweep with fidelity beside such a register: the integer precision's rows (infeasible on the
# FP8 MAC) have no fidelity, the FP8 ones do.
cat > "$tmp/e5m2_sweep.yaml" <<YAML
version: 1
name: e5m2-fidelity
base: $tmp/e5m2w.yaml
networks: [lenet5]
precisions: [fp8_e5m2, w8a8]
fidelity: true
sweep:
  array.rows: [4, 8]
YAML
expect 0 "" -- "$q" sweep "$tmp/e5m2_sweep.yaml" --out "$tmp/e5m2_sweep.csv"
expect 0 "" -- python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4, rows
for r in rows:
    if r["precision"] == "fp8_e5m2":
        assert r["status"] == "feasible" and float(r["sqnr_db"]) > 10, r
    else:
        assert r["status"] == "infeasible" and r["sqnr_db"] == "", r
' "$tmp/e5m2_sweep.csv"
# compare on the cycle model: each column checked against its golden format run (the iso-area
# W4A8 array has 9 rows, whose folds cross the groups' bounds).
expect 0 "" -- "$q" compare --arch rtl_4x4_ws --net lenet5 --precisions w8a8,w4a8g32 \
  --backend systemc --no-fidelity
# sweep on the cycle model: every configuration checked, and the rows the analytical model's.
cat > "$tmp/sweep.yaml" <<'YAML'
version: 1
name: formats-on-systemc
base: rtl_4x4_ws
networks: [lenet5]
precisions: [w4a8g32, w4a8g128]
sweep:
  array.rows: [4, 6]
  array.dataflow: [os, ws]
YAML
"$q" sweep "$tmp/sweep.yaml" --out "$tmp/sweep_an.csv" > /dev/null 2>&1
expect 0 "" -- "$q" sweep "$tmp/sweep.yaml" --backend systemc --out "$tmp/sweep_sc.csv"
expect 0 "" -- cmp "$tmp/sweep_an.csv" "$tmp/sweep_sc.csv"
expect 2 "--save-outputs writes integer layer outputs; network lenet5 is in a number format" -- \
  "$q" run --arch "$tmp/fp8.yaml" --net lenet5 --bits fp8 --backend systemc \
  --save-outputs "$tmp/outs"
# compare --golden-formats measures on the golden format run: it says so, gives FP8 the
# emulation's SQNR (each tensor on its grid in both runs) and MXINT8 another (a convolution's
# blocks along its im2col K, not its channels).
for g in emulated golden; do
  flag=""; [ "$g" = golden ] && flag=--golden-formats
  "$q" compare --arch "$tmp/int8.yaml" --net lenet5 --precisions fp8,mxint8 --view same-array \
    --format json $flag > "$tmp/cmp_$g.json" 2> /dev/null
done
expect 0 "" -- python3 -c '
import json, sys
e, g = (json.load(open(f)) for f in sys.argv[1:])
assert "the golden format run" in g["fidelity_note"], g["fidelity_note"]
assert "emulated in float32" in e["fidelity_note"], e["fidelity_note"]
sq = lambda j, i: j["same_array"][i]["metrics"]["output_sqnr_db"]
assert sq(e, 0) == sq(g, 0), (sq(e, 0), sq(g, 0))
assert sq(e, 1) != sq(g, 1) and abs(sq(e, 1) - sq(g, 1)) < 3, (sq(e, 1), sq(g, 1))
' "$tmp/cmp_emulated.json" "$tmp/cmp_golden.json"
expect 2 "--golden-formats chooses how fidelity is measured; --no-fidelity skips it" -- \
  "$q" compare --arch "$tmp/int8.yaml" --net lenet5 --precisions fp8 --golden-formats \
  --no-fidelity
expect 2 "or name a number format for both" -- "$q" run --arch "$tmp/fp8.yaml" --net lenet5 --bits fp4

# One tile holding the whole layer (the compiled schedule's tiling set to 1/256/64): MXINT8 moves
# its E8M0 scales beside the elements, one per 32 along K. Reads: x, 256 values and 8 scales;
# W, 64 rows of 256 values and 8 scales each (16384 + 512 bytes). Writes: 64 outputs and 2
# scales. The same layer in FP8 has no scales: 256 + 16384 and 64 bytes.
for f in mxint8 fp8; do
  bits=$f; [ "$f" = fp8 ] && bits=fp8_e4m3
  "$q" compile --arch "$tmp/$f.yaml" --net "$tmp/fc.yaml" --bits "$bits" --out "$tmp/$f.json" \
    > /dev/null
  python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
s["layers"][0]["tiling"].update({"m": 1, "k": 256, "n": 64})
json.dump(s, open(sys.argv[1], "w"))' "$tmp/$f.json"
  "$q" run --arch "$tmp/$f.yaml" --net "$tmp/fc.yaml" --bits "$bits" --schedule "$tmp/$f.json" \
    --format json > "$tmp/$f.run.json"
done
expect 0 "" -- python3 -c '
import json, sys
mx = json.load(open(sys.argv[1]))["totals"]
fp = json.load(open(sys.argv[2]))["totals"]
assert (mx["dram_read_bytes"], mx["dram_write_bytes"]) == (264 + 16896, 66), mx
assert (fp["dram_read_bytes"], fp["dram_write_bytes"]) == (256 + 16384, 64), fp
' "$tmp/mxint8.run.json" "$tmp/fp8.run.json"
expect 0 "" -- python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))["layers"][0]["bits"]
assert (b["a_scale_block"], b["a_scale_bits"], b["w_scale_block"]) == (32, 8, 32), b
assert "a_scale_block" not in json.load(open(sys.argv[2]))["layers"][0]["bits"]
' "$tmp/mxint8.json" "$tmp/fp8.json"

# Group-quantized int4 weights (GPTQ/AWQ, w4a16g128): a float16 scale and a 4-bit zero point per
# group of 128 along K and column, 256 x 64 codes of 4 bits and 2 x 64 of 20 bits: 8512 bytes of
# W, 512 of x at 16 bits. The MAC dequantizes each group's sum with one FP32 multiply-add,
# (3.7 + 0.9) / 128 pJ per product beside the 16 x 4 MAC's 0.002994792 * 64 + 0.001041667 * 8
# + 0.1 pJ (int16x4.yaml, above).
"$q" compile --arch "$tmp/int16x4.yaml" --net "$tmp/fc.yaml" --bits w4a16g128   --out "$tmp/g.json" > /dev/null
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
s["layers"][0]["tiling"].update({"m": 1, "k": 256, "n": 64})
json.dump(s, open(sys.argv[1], "w"))' "$tmp/g.json"
"$q" run --arch "$tmp/int16x4.yaml" --net "$tmp/fc.yaml" --bits w4a16g128   --schedule "$tmp/g.json" --format json > "$tmp/g.run.json"
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t, l = d["totals"], d["layers"][0]
assert t["dram_read_bytes"] == 512 + 8512, t
assert l["events"]["mac_w_group"] == 128, l["events"]
pj = l["energy_pj"]["mac"] / l["events"]["macs"]
want = 0.002994792 * 64 + 0.001041667 * 8 + 0.1 + 4.6 / 128
assert abs(pj - want) < 1e-6, (pj, want)
' "$tmp/g.run.json"
expect 0 "c1                       conv2d            w_group_a8" -- \
  "$q" infer --net lenet5 --bits w4a8g32
expect 2 "a group size ends linear weights" -- "$q" run --arch "$tmp/int8.yaml" --net lenet5 \
  --bits wta8g32

# The FP8 MAC's energy per product on horowitz45: a 4x4 significand multiply, a 5-bit exponent
# add and the 32-bit register add, 0.052083 + 0.01875 + 0.1 pJ (docs/formats.md, "MAC cost").
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
mac = [l for l in d["layers"] if l["name"] == "fc"][0]
pj = mac["energy_pj"]["mac"] / mac["events"]["macs"]
assert abs(pj - 0.1708333) < 1e-6, pj
' "$tmp/fp8.run.json"

# compare: each format gets a MAC of its own in the iso-area view; the given integer array
# cannot run it.
"$q" compare --arch tpu_like_128x128_ws --net llama_block --phase decode --context 64 \
  --dims hidden=64,heads=4,kv_heads=2,ffn=128 --precisions w8a8,fp8,mxfp4 --no-fidelity \
  --format json > "$tmp/compare.json"
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
iso = {c["precision"]: c for c in d["iso_area"]}
same = {c["precision"]: c for c in d["same_array"]}
assert iso["fp8"]["arch"]["mac_format"] == "fp8_e4m3", iso["fp8"]["arch"]
assert iso["fp8"]["arch"]["name"].endswith("-iso-fp8_e4m3"), iso["fp8"]["arch"]
assert iso["mxfp4"]["arch"]["mac_format"] == "mxfp4_e2m1", iso["mxfp4"]["arch"]
assert iso["mxfp4"]["arch"]["weight_bits"] == 4, iso["mxfp4"]["arch"]
assert iso["w8a8"]["arch"]["mac_format"] == "int", iso["w8a8"]["arch"]
for p in ("w8a8", "fp8", "mxfp4"):
    assert iso[p]["status"] == "", iso[p]["status"]
# Smaller MACs, more PEs in the same area.
assert iso["mxfp4"]["metrics"]["pes"] > iso["fp8"]["metrics"]["pes"] > iso["w8a8"]["metrics"]["pes"]
assert same["w8a8"]["status"] == "", same["w8a8"]
assert "cannot run" in same["fp8"]["status"], same["fp8"]
' "$tmp/compare.json"

finish
