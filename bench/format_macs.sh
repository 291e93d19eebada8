#!/usr/bin/env bash
# The cost of each MAC Quasar prices, from runs: one fully connected layer (K 256, N 64, two MX
# blocks and two 128-groups per column) on a 16 x 16 ws array with that MAC, priced on
# horowitz45. Prints, per precision, the MAC energy per product (the run's MAC energy over its
# products) and the PE area, both also against the 8 x 8 integer MAC. docs/formats.md, "MAC
# cost".
# Usage: bench/format_macs.sh [quasar binary]
set -euo pipefail
q=${1:-build/cli/quasar}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/fc.yaml" <<'YAML'
version: 1
name: one_fc
inputs:
  - {name: x, shape: [1, 256]}
layers:
  - {name: fc, op: fully_connected, input: x, out_features: 64}
YAML
# precision, MAC (the mac map of the accelerator)
cases=(
  "w8a8|{}"
  "w4a4|{weight_bits: 4, activation_bits: 4}"
  "w4a8g128|{weight_bits: 4, activation_bits: 8}"
  "w4a16g128|{weight_bits: 4, activation_bits: 16}"
  "w16a16|{weight_bits: 16, activation_bits: 16}"
  "fp8_e4m3|{format: fp8_e4m3}"
  "fp8_e5m2|{format: fp8_e5m2}"
  "mxint8|{format: mxint8}"
  "mxfp8_e4m3|{format: mxfp8_e4m3}"
  "mxfp6_e2m3|{format: mxfp6_e2m3, weight_bits: 6, activation_bits: 6}"
  "mxfp4_e2m1|{format: mxfp4_e2m1, weight_bits: 4, activation_bits: 4}"
)
for c in "${cases[@]}"; do
  p=${c%%|*} mac=${c#*|}
  printf 'version: 1\nname: %s\narray: {rows: 16, cols: 16, dataflow: ws}\nmac: %s\n' "$p" "$mac" \
    > "$tmp/$p.arch.yaml"
  "$q" run --arch "$tmp/$p.arch.yaml" --net "$tmp/fc.yaml" --bits "$p" --format json \
    > "$tmp/$p.json"
done
python3 - "$tmp" "${cases[@]}" <<'PY'
import json, sys
tmp, cases = sys.argv[1], [c.split("|")[0] for c in sys.argv[2:]]
rows = {}
for p in cases:
    d = json.load(open(f"{tmp}/{p}.json"))
    assert d["status"] == "ok", (p, d["reason"])
    l = d["layers"][0]
    rows[p] = (l["energy_pj"]["mac"] / l["events"]["macs"], d["area_um2"]["pe"])
e8, a8 = rows["w8a8"]
print(f"{'precision':<12}{'pJ/product':>12}{'x int8':>9}{'PE um2':>10}{'x int8':>9}")
for p in cases:
    e, a = rows[p]
    print(f"{p:<12}{e:>12.4f}{e / e8:>9.3f}{a:>10.1f}{a / a8:>9.3f}")
PY
