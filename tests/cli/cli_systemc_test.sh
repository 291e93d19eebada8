#!/usr/bin/env bash
# End-to-end checks of `quasar run --backend systemc`: the bit-exact check table and its JSON
# form (one row per layer, no mismatches, cycles equal to the analytical model's), the VCD trace
# and the saved layer outputs, and the options that need the SystemC backend (exit 2).
# Usage: cli_systemc_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
lenet_layers="c1 s2 c3 s4 c5 flatten f6 output"

# The table report ends with the bit-exact check: one row per layer, then the verdict.
"$q" run --arch edge_32x32_os --net lenet5 --backend systemc > "$tmp/table.txt" 2> "$tmp/err.txt"
rc=$?
expect 0 "" -- test "$rc" -eq 0
expect 0 "BIT-EXACT" -- cat "$tmp/table.txt"
expect 0 "Bit-exact check: SystemC cycle model vs golden reference" -- cat "$tmp/table.txt"
expect 0 "[backend systemc]" -- cat "$tmp/table.txt"
expect 0 "" -- python3 -c '
import sys
lines = open(sys.argv[1]).read().splitlines()
start = next(i for i, l in enumerate(lines) if l.startswith("Bit-exact check"))
assert lines[start + 1].split()[:7] == ["layer", "compared", "mismatch", "overflows",
                                        "golden", "ovf", "cycles"], lines[start + 1]
rows = []
for l in lines[start + 2:]:
    if "elements compared" in l:
        break
    rows.append(l.split())
names = [r[0] for r in rows]
assert names == sys.argv[2].split(), names
for r in rows:
    name, compared, mism, ovf, golden_ovf, cycles, analytical = r[:7]
    assert int(compared) > 0 and mism == "0" and ovf == golden_ovf == "0", r
    assert cycles == analytical, r
assert "0 mismatches: BIT-EXACT" in lines[start + 2 + len(rows)], lines[start + 2 + len(rows)]
' "$tmp/table.txt" "$lenet_layers"

# JSON: the backend, and one check per layer with no mismatch and the analytical cycles.
"$q" run --arch edge_32x32_os --net lenet5 --backend systemc --format json > "$tmp/r.json" \
  2> /dev/null
rc=$?
expect 0 "" -- test "$rc" -eq 0
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["backend"] == "systemc", d["backend"]
c = d["check"]
assert c["bit_exact"] is True, c["bit_exact"]
names = [l["name"] for l in c["layers"]]
assert names == sys.argv[2].split(), names
assert names == [l["name"] for l in d["layers"]], "check rows differ from report rows"
for l, r in zip(c["layers"], d["layers"]):
    assert l["compared"] > 0 and l["mismatches"] == 0 and l["first_mismatch"] is None, l
    assert l["cycles"] == l["analytical_cycles"] == r["cycles"], (l, r["cycles"])
    assert l["overflow_events"] == l["golden_overflow_events"] == 0, l
assert c["simulated_macs"] == d["totals"]["macs"], (c["simulated_macs"], d["totals"]["macs"])
' "$tmp/r.json" "$lenet_layers"

# --trace and --save-outputs: a VCD of every PE (an 8x8 variant of the preset keeps the file
# small) and one .npy per layer (the tensors the run's bit-exact check compared; here their
# files, dtype header and shape are checked).
sed -E 's/rows: 32, cols: 32/rows: 8, cols: 8/' "$src/workloads/accelerators/edge_32x32_os.yaml" \
  > "$tmp/edge8.yaml"
expect 0 "BIT-EXACT" -- "$q" run --arch "$tmp/edge8.yaml" --net lenet5 --backend systemc \
  --trace "$tmp/t.vcd" --save-outputs "$tmp/out"
expect 0 "" -- test -s "$tmp/t.vcd"
for sig in pe_0_0 pe_7_7 step dma_busy input_sram_fill_bytes; do
  expect 0 "" -- grep -q " $sig " "$tmp/t.vcd"
done
expect 0 "" -- test "$(sed -n '/\$enddefinitions/,$p' "$tmp/t.vcd" | wc -l)" -gt 100
for layer in $lenet_layers; do
  expect 0 "" -- test -s "$tmp/out/$layer.npy"
done
expect 0 "" -- test "$(find "$tmp/out" -name '*.npy' | wc -l)" -eq 8
expect 0 "" -- python3 -c '
import sys
with open(sys.argv[1], "rb") as f:
    head = f.read(128)
assert head[:6] == b"\x93NUMPY", head[:6]
assert b"(1, 10)" in head, head
' "$tmp/out/output.npy"
# The full-size preset has exactly the 1024 PEs a trace may record.
expect 0 "VCD trace written to" -- "$q" run --arch edge_32x32_os --net lenet5 --backend systemc \
  --trace "$tmp/t32.vcd"
expect 0 "" -- grep -q " pe_31_31 " "$tmp/t32.vcd"

# Options that need a backend that moves values, and unknown backends: exit 2.
expect 2 "--trace needs a backend that moves values (this build has: systemc" -- "$q" run --arch edge_32x32_os --net lenet5 \
  --trace "$tmp/x.vcd"
expect 2 "--save-outputs needs a backend that moves values (this build has: systemc" -- "$q" run --arch edge_32x32_os --net lenet5 \
  --save-outputs "$tmp/x"
expect 2 "--backend" -- "$q" run --arch edge_32x32_os --net lenet5 --backend verilog
# A trace must be a writable .vcd: refused before any work, nothing left behind.
expect 2 "must end in .vcd" -- "$q" run --arch "$tmp/edge8.yaml" --net lenet5 --backend systemc \
  --trace "$tmp/t.txt"
expect 2 "--trace: cannot create $tmp/no/such/dir/t.vcd" -- "$q" run --arch "$tmp/edge8.yaml" \
  --net lenet5 --backend systemc --trace "$tmp/no/such/dir/t.vcd"
expect 0 "" -- test ! -e "$tmp/t.txt"
expect 2 "at most 1024 PEs" -- "$q" run --arch tpu_like_128x128_ws --net lenet5 \
  --backend systemc --trace "$tmp/big.vcd"
expect 0 "" -- test ! -e "$tmp/big.vcd"
expect 0 "" -- test ! -e "$tmp/x.vcd"

# A decoder block's ops (rms_norm, rotary_embedding, silu, gelu): the cycle model's post unit
# gives the golden reference's integers on every element.
expect 0 "BIT-EXACT" -- "$q" run --arch edge_32x32_os \
  --net "$src/tests/data/decoder/tiny_decoder.yaml" --backend systemc

finish
