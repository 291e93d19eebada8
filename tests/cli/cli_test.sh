#!/usr/bin/env bash
# End-to-end checks of the quasar program as a user runs it: exit codes (0 ok, 2 bad input),
# messages naming file, key path and value, deterministic seeded inputs, and the summary.
# Usage: cli_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

expect 0 "quasar 0." -- "$q" --version
expect 0 "layer" -- "$q" --help
expect 2 "subcommand is required" -- "$q"
expect 2 "" -- "$q" layer --bogus-flag

expect 0 "wrote" -- "$q" gen-tensor --shape 1,4,8,8 --type int8 --seed 7 --out "$tmp/x.npy"
expect 0 "" -- "$q" gen-tensor --shape 1,4,8,8 --type int8 --seed 7 --out "$tmp/x2.npy"
expect 0 "" -- "$q" gen-tensor --shape 1,4,8,8 --type int8 --seed 8 --out "$tmp/x3.npy"
expect 0 "" -- cmp -s "$tmp/x.npy" "$tmp/x2.npy"   # same seed, same bytes
expect 1 "" -- cmp -s "$tmp/x.npy" "$tmp/x3.npy"   # another seed, other bytes
expect 2 "--type: must be" -- "$q" gen-tensor --shape 2 --type int99 --out "$tmp/t.npy"
expect 2 "--shape: 'x' is not" -- "$q" gen-tensor --shape 2,x --out "$tmp/t.npy"
expect 0 "" -- "$q" gen-tensor --shape 8,4,3,3 --type int8 --min -127 --seed 9 --out "$tmp/w.npy"

cat > "$tmp/conv.yaml" <<'YAML'
version: 1
op: conv2d
geometry: {stride: 1, padding: 1}
input: {type: int8, scale: 0.05, zero_point: -3}
weights: {type: int8, scale: 0.01}
output: {type: int8, scale: 0.2, zero_point: 5}
rounding: tflite
accumulator: {bits: 32, overflow: wrap}
YAML
# 8 output channels x 8 x 8 pixels x K = 4*3*3 = 36 -> 18432 MACs.
expect 0 '"macs": 18432' -- "$q" layer --spec "$tmp/conv.yaml" --input "$tmp/x.npy" \
  --weights "$tmp/w.npy" --out "$tmp/y.npy" --format json
expect 0 "" -- test -s "$tmp/y.npy"
expect 0 "overflows  0" -- "$q" layer --spec "$tmp/conv.yaml" --input "$tmp/x.npy" \
  --weights "$tmp/w.npy" --out "$tmp/y.npy"

# Bad input: every message names the file and, for specs, the key path and value.
sed 's/scale: 0.01/scale: -1/' "$tmp/conv.yaml" > "$tmp/bad.yaml"
expect 2 "bad.yaml: weights.scale: must be a normal float32 > 0 (1.17549435e-38 to 3.40282347e+38), got -1" -- "$q" layer \
  --spec "$tmp/bad.yaml" --input "$tmp/x.npy" --weights "$tmp/w.npy" --out "$tmp/y.npy"
expect 2 "--spec: cannot read $tmp/missing.yaml: No such file or directory" -- "$q" layer --spec "$tmp/missing.yaml" \
  --input "$tmp/x.npy" --weights "$tmp/w.npy" --out "$tmp/y.npy"
printf 'not a numpy file' > "$tmp/garbage.npy"
expect 2 "garbage.npy" -- "$q" layer --spec "$tmp/conv.yaml" --input "$tmp/garbage.npy" \
  --weights "$tmp/w.npy" --out "$tmp/y.npy"
sed 's/type: int8, scale: 0.05/type: int4, scale: 0.05/; s/zero_point: -3/zero_point: 0/' \
  "$tmp/conv.yaml" > "$tmp/int4.yaml"
expect 2 "x.npy: element" -- "$q" layer --spec "$tmp/int4.yaml" --input "$tmp/x.npy" \
  --weights "$tmp/w.npy" --out "$tmp/y.npy"
expect 2 "needs --weights" -- "$q" layer --spec "$tmp/conv.yaml" --input "$tmp/x.npy" \
  --out "$tmp/y.npy"
expect 2 "expects a bias" -- "$q" layer --spec "$src/workloads/layers/resnet18_conv2_3x3.yaml" \
  --input "$tmp/x.npy" --weights "$tmp/w.npy" --out "$tmp/y.npy"

# The bundled example specs parse and run.
expect 0 "" -- "$q" gen-tensor --shape 1,64,10,10 --type int8 --seed 1 --out "$tmp/rx.npy"
expect 0 "" -- "$q" gen-tensor --shape 64,64,3,3 --type int8 --min -127 --seed 2 --out "$tmp/rw.npy"
expect 0 "" -- "$q" gen-tensor --shape 64 --type int16 --seed 3 --out "$tmp/rb.npy"
expect 0 "acc width" -- "$q" layer --spec "$src/workloads/layers/resnet18_conv2_3x3.yaml" \
  --input "$tmp/rx.npy" --weights "$tmp/rw.npy" --bias "$tmp/rb.npy" --out "$tmp/ry.npy"
expect 0 "" -- "$q" gen-tensor --shape 1,16,8,8 --type binary --seed 4 --out "$tmp/bx.npy"
expect 0 "" -- "$q" gen-tensor --shape 8,16,3,3 --type binary --seed 5 --out "$tmp/bw.npy"
expect 0 "binary_conv2d" -- "$q" layer --spec "$src/workloads/layers/binary_conv3x3.yaml" \
  --input "$tmp/bx.npy" --weights "$tmp/bw.npy" --out "$tmp/by.npy"

finish
