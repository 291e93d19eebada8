#!/usr/bin/env bash
# End-to-end checks of `quasar verify` on networks in a number format (docs/verify.md, "Number
# formats"): each layer's GEMMs on the Verilated array, the C++ array and the RTL MAC grid against
# their golden kernels; an injected fault found (exit 4, the first element named); what cannot
# run refused by name (exit 2); and `run` on the RTL backends with W4A8 inside the SystemC
# accelerator. SystemC elaborates once per process: one command per process.
# Usage: cli_verify_formats_test.sh <quasar binary> <source dir>
set -u
q=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

block=(--net llama_block --phase decode --context 64 --dims hidden=64,heads=2,kv_heads=1,ffn=128)

# Every MX GEMM of a decoder block, the attention's matmuls included, on the RTL array.
expect 0 "result: BIT-EXACT, 770 elements in 11 layers" -- \
  "$q" verify --arch rtl_4x4_ws "${block[@]}" --bits mxfp4
# LeNet-5's convolutions and fully connected layers, each kernel, on the three arrays.
expect 0 "result: BIT-EXACT, 6518 elements in 5 layers" -- \
  "$q" verify --arch rtl_4x4_is --net lenet5 --bits w4a8g32
expect 0 "result: BIT-EXACT, 6518 elements in 5 layers" -- \
  "$q" verify --arch rtl_4x4_ws --rtl mac --net lenet5 --bits mxfp8
expect 0 "w_group_a16" -- "$q" verify --arch rtl_4x4_ws --backend systemc --net lenet5 \
  --bits w4a16g128
# FP8 through a 32-bit FP8 register wraps, in the golden kernel as on the array: bit-exact, and
# said.
expect 0 "note: the FP8 register (reg bits) wrapped" -- \
  "$q" verify --arch rtl_4x4_ws --backend systemc --net lenet5 --bits fp8
# FP8 E4M3 on RTL: the 48-bit array, and its MAC bank under an array of another size.
expect 0 "result: BIT-EXACT, 6518 elements in 5 layers" -- \
  "$q" verify --arch rtl_4x4_ws_acc48 --net lenet5 --bits fp8
printf 'version: 1\nname: fp8-16x8\narray: {rows: 16, cols: 8, dataflow: ws}\nmac: {weight_bits: 8, %s\n' \
  'activation_bits: 8, accumulator: {bits: 48}, precision_scaling: bit_fusion, binary_lanes: 16}' \
  > "$tmp/a16x8.yaml"
expect 0 "result: BIT-EXACT, 6518 elements in 5 layers" -- \
  "$q" verify --arch "$tmp/a16x8.yaml" --rtl mac --net lenet5 --bits fp8
# The attention's matmuls of two activations, checked on the RTL: W4A8's two int8 ones (the
# second as one group), W4A16's two fp16 ones (binary16 codes in pieces of 8 bits, exact sums).
expect 0 "result: BIT-EXACT" -- "$q" verify --arch rtl_4x4_ws "${block[@]}" --bits w4a8g128
expect 0 "result: BIT-EXACT" -- "$q" verify --arch rtl_4x4_ws "${block[@]}" --bits w4a16g128

# A stuck partial-sum bit is found, and the JSON says where.
"$q" verify --arch rtl_4x4_ws --net lenet5 --bits mxint8 --stuck-at 5:3 --format json \
  > "$tmp/stuck.json" 2> "$tmp/stuck.err"
expect 0 "" -- test $? -eq 4
expect 0 "elements differ from the golden kernels; the first: layer c1" -- cat "$tmp/stuck.err"
expect 0 "" -- python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
c = j["check"]
assert j["rtl"]["stuck_at"]["changed_output"] is True, j["rtl"]
assert c["kind"] == "number_formats" and c["result"] == "mismatch", c["result"]
assert c["mismatches"] > 0 and c["first_mismatch"]["layer"] == "c1", c["first_mismatch"]
assert c["elements"] == sum(l["elements"] for l in c["layers"]) == 6518
assert [l["layer"] for l in c["layers"]] == ["c1", "c3", "c5", "f6", "output"]
assert c["first_mismatch"]["golden"] != c["first_mismatch"]["array"]
' "$tmp/stuck.json"

# Refusals, each naming what does not fit.
expect 2 "rtl_4x4_ws.yaml: layer 'self_attn.q_proj': fp8_e4m3 elements run on the array in pieces" \
  -- "$q" verify --arch rtl_4x4_ws "${block[@]}" --bits fp8
expect 2 "K = 64 products: 43 bits, the register has 32 (the register is mac.accumulator's bits)" \
  -- "$q" verify --arch rtl_4x4_ws "${block[@]}" --bits fp8
# A fault's overflows in an MX layer are not the FP8 register's: no note says they are.
"$q" verify --arch rtl_4x4_ws --net lenet5 --bits mxint8 --stuck-at 5:30 > "$tmp/ovf.txt" 2>&1
expect 0 "" -- test $? -eq 4
expect 1 "" -- grep -q "note: the FP8 register" "$tmp/ovf.txt"
expect 0 "result: MISMATCH" -- cat "$tmp/ovf.txt"
expect 2 "--save-outputs: network lenet5 is in a number format" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --bits mxfp4 --save-outputs "$tmp/out"
expect 2 "no layer of --layers (s2) runs a number format's GEMM kernel" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --bits mxfp4 --layers s2
expect 2 "--backend analytical moves no values" -- \
  "$q" verify --arch rtl_4x4_ws --backend analytical --net lenet5 --bits mxfp4

# `run` on the RTL backends: W4A8 along the schedule inside the SystemC accelerator (Bit Fusion
# packs two 4-bit weights per PE), every layer against the golden format run, cycles against the
# analytical model.
for rtl in systemc-rtl-array systemc-rtl-mac; do
  "$q" run --arch rtl_4x4_ws --net lenet5 --bits w4a8g32 --backend "$rtl" --format json \
    > "$tmp/run_$rtl.json" 2> /dev/null
  expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["check"]
assert c["bit_exact"] and len(c["layers"]) == 8, c
for l in c["layers"]:
    assert l["mismatches"] == 0 and l["cycles"] == l["analytical_cycles"], l
gemm = [l for l in d["layers"] if l["kind"] == "gemm"]
assert len(gemm) == 5 and all(l["pack"] == 2 for l in gemm), gemm
' "$tmp/run_$rtl.json"
done
# A schedule whose reduction tiles of 12 (6 packed words) put a fold across a group's bound: the
# C++ array's segmented columns sum the groups apart; the RTL array's columns cannot.
"$q" compile --arch rtl_4x4_ws --net lenet5 --bits w4a8g32 --out "$tmp/s.json" > /dev/null 2>&1
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
for l in s["layers"]:
    if l["name"] == "c3":
        l["tiling"]["k"] = 12
json.dump(s, open(sys.argv[2], "w"))
' "$tmp/s.json" "$tmp/s12.json"
expect 0 "8214 elements compared, 0 mismatches: BIT-EXACT" -- "$q" run --arch rtl_4x4_ws \
  --net lenet5 --bits w4a8g32 --schedule "$tmp/s12.json" --backend systemc
expect 2 "layer 'c3': the reduction tile over K [60, 72) has a fold across a bound of the blocks \
of 32, which the rtl_4x4_ws array's columns, one adder chain each, cannot sum apart" -- \
  "$q" run --arch rtl_4x4_ws --net lenet5 --bits w4a8g32 --schedule "$tmp/s12.json" \
  --backend systemc-rtl-array
# The RTL MACs count every wrap of their 16-bit register: groups of 4 on rtl_4x4_os's MAC bank
# put folds across the groups' bounds, whose timing run sums several groups and wraps; those
# wraps are dropped with its sums, so every layer's count is the golden kernels' (0).
"$q" run --arch rtl_4x4_os --net lenet5 --bits w4a8g4 --backend systemc-rtl-mac --format json \
  > "$tmp/os_g4.json" 2> /dev/null
expect 0 "" -- python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["check"]
assert c["bit_exact"], c
for l in c["layers"]:
    assert l["overflow_events"] == l["golden_overflow_events"] == 0, l
    assert l["cycles"] == l["analytical_cycles"], l
' "$tmp/os_g4.json"
# Elements wider than the MAC grid's 9-bit lanes run in pieces of 8 bits there: MXFP8 E4M3
# (2^17.8 units) in 3 x 3 planes, timed as whole elements.
printf 'version: 1\nname: mx44\narray: {rows: 4, cols: 4, dataflow: ws}\nmac: {format: mxfp8_e4m3}\n' \
  > "$tmp/mx44.yaml"
expect 0 "8214 elements compared, 0 mismatches: BIT-EXACT" -- \
  "$q" run --arch "$tmp/mx44.yaml" --net lenet5 --bits mxfp8 --backend systemc-rtl-mac
# The os array's built 16-bit register cannot hold a group's sums, and says which key sets it.
expect 2 "rtl_4x4_os.yaml: layer 'c1': a block's sums of 32 products need a 17-bit register; \
the array's has 16 bits (the register is mac.accumulator's bits)" -- \
  "$q" run --arch rtl_4x4_os --net lenet5 --bits w4a8g32 --backend systemc-rtl-array

finish
