#!/usr/bin/env bash
# End-to-end checks of the whole-network commands: networks, import-scalesim, quantize, infer.
# Usage: cli_net_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

# The zoo listing names every network with its totals; one network layer by layer.
expect 0 "resnet50" -- "$q" networks
expect 0 "4.09 G" -- "$q" networks
expect 0 '"macs": 1814073344' -- "$q" networks --net resnet18 --format json
expect 0 "layer1.0.add" -- "$q" networks --net resnet18
expect 0 "binary per-channel -> binary" -- "$q" networks --net bnn_cifar10
expect 2 "'resnet19' is neither a file nor a network of the zoo" -- "$q" networks --net resnet19

# A malformed network file names the file, key path and value; it never crashes.
cat > "$tmp/bad.yaml" <<'YAML'
version: 1
name: bad
inputs: [{name: x, shape: [1, 3, 8, 8]}]
layers:
  - {name: c1, op: conv2d, out_channels: 4, kernel: 3, groups: 2}
  - {name: c2, op: conv2d, out_channels: 4, kernel: 30}
YAML
# Graph errors are reported together, once the file's values are valid.
expect 2 "bad.yaml: layers[0:c1].groups: must divide the input channels (3)" -- \
  "$q" networks --net "$tmp/bad.yaml"
sed -i 's/groups: 2/groups: 1/' "$tmp/bad.yaml"
expect 2 "layers[1:c2].kernel: the 30x30 window" -- "$q" networks --net "$tmp/bad.yaml"
sed -i 's/kernel: 30}/kernel: 3, precision: {weights: {bits: 0}}}/' "$tmp/bad.yaml"
expect 2 "layers[1:c2].precision.weights.bits: must be in 1..16, got 0" -- \
  "$q" networks --net "$tmp/bad.yaml"
printf 'version: 1\nname: [unclosed\n' > "$tmp/broken.yaml"
expect 2 "malformed YAML" -- "$q" networks --net "$tmp/broken.yaml"

# SCALE-Sim import: the CSV runs directly and converts to the network format.
cat > "$tmp/topo.csv" <<'CSV'
Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
Conv1, 227, 227, 11, 11, 3, 96, 4,
Conv2, 31, 31, 5, 5, 96, 256, 1,
CSV
expect 0 "2 layers, 553312800 MACs" -- "$q" import-scalesim "$tmp/topo.csv" -o "$tmp/topo.yaml"
expect 0 "553312800 MACs" -- "$q" networks --net "$tmp/topo.yaml"
expect 0 "Conv2" -- "$q" networks --net "$tmp/topo.csv"

# The bundled SCALE-Sim topologies import (AlexNet convolutions without groups, BERT GEMMs).
expect 0 "total: 1076634144 MACs" -- "$q" networks --net "$src/workloads/scalesim/alexnet_conv.csv"
expect 0 "total: 905969664 MACs" -- "$q" networks --net "$src/workloads/scalesim/bert_base_gemm.csv"

# Quantize, save, and run the saved network: the same report as quantizing on the fly.
# The saved network remembers its seed, so --qnet compares against the same float network.
expect 0 "saved to" -- "$q" quantize --net lenet5 --bits w4a8 --calib kl --seed 7 --out "$tmp/qnet"
expect 0 "" -- test -s "$tmp/qnet/quant.yaml"
"$q" infer --qnet "$tmp/qnet" --format json > "$tmp/a.json" 2>/dev/null
"$q" infer --net lenet5 --bits w4a8 --calib kl --seed 7 --format json > "$tmp/b.json" 2>/dev/null
expect 0 "" -- cmp "$tmp/a.json" "$tmp/b.json"  # no wall-clock fields without --timing
expect 0 '"overflow_events": 0' -- cat "$tmp/a.json"
# A narrow accumulator overflows, and the report says how wide it must be.
expect 0 "accumulator needs" -- "$q" infer --net lenet5 --acc-bits 12
expect 0 "" -- bash -c "'$q' infer --net lenet5 --acc-bits 12 2>/dev/null | grep -Eq 'output output: .* [1-9][0-9]* overflow events'"
expect 2 "--bits must look like w8a8" -- "$q" infer --net lenet5 --bits w9
expect 2 "--calib must be one of minmax, percentile, mse, kl, got 'entropy'" -- \
  "$q" quantize --net lenet5 --calib entropy
expect 2 "give --net (quantize now) or --qnet" -- "$q" infer
expect 2 "--bits applies when quantizing (--net)" -- "$q" infer --qnet "$tmp/qnet" --bits w8a8

# A decoder block's ops (rms_norm, rotary_embedding, silu, gelu) end to end: listed, quantized
# and run by the golden reference beside the float network, every layer near float at 8 bits
# (16 calibration samples: with the default 4 the ranges clip the held-out sample); saved and
# run again from the saved network with the same report.
dec=$src/tests/data/decoder/tiny_decoder.yaml
expect 0 "rotary_embedding" -- "$q" networks --net "$dec"
"$q" infer --net "$dec" --calib-samples 16 --format json > "$tmp/dec.json" 2>/dev/null
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ops = {l["name"]: l["op"] for l in d["layers"]}
assert ops["norm"] == ops["out"] == "rms_norm" and ops["rope"] == "rotary_embedding", ops
assert ops["act"] == "silu" and ops["up_act"] == "gelu", ops
for l in d["layers"]:
    assert l["sqnr_db"] > 10, (l["name"], l["sqnr_db"])
' "$tmp/dec.json"
expect 0 "up_act" -- "$q" infer --net "$dec" --bits w4a4
expect 0 "saved to" -- "$q" quantize --net "$dec" --out "$tmp/dec_q"
expect 0 "approximate: tanh" -- cat "$tmp/dec_q/network.yaml"
"$q" infer --qnet "$tmp/dec_q" --format json > "$tmp/dec_a.json" 2>/dev/null
"$q" infer --net "$dec" --format json > "$tmp/dec_b.json" 2>/dev/null
expect 0 "" -- cmp "$tmp/dec_a.json" "$tmp/dec_b.json"
sed 's/position_offset: 3/position_offset: -1/' "$dec" > "$tmp/bad_dec.yaml"
expect 2 "bad_dec.yaml: layers[4:rope].position_offset: must be in 0.." -- \
  "$q" networks --net "$tmp/bad_dec.yaml"
finish
