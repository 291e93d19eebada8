#!/usr/bin/env bash
# End-to-end checks of accuracy runs on labelled data: `infer --data` on the digits CNN, its
# JSON, determinism across thread counts, agreement with PyTorch's predictions, and bad data.
# Usage: cli_data_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
net=$src/tests/data/digits/digits_cnn.yaml

expect 0 "360 images of" -- "$q" infer --net "$net" --data digits --bits w8a8
expect 0 "top-5" -- "$q" infer --net "$net" --data digits --bits w8a8
expect 0 '"integer_top1"' -- "$q" infer --net "$net" --data digits --format json
expect 0 '"images": 40' -- "$q" infer --net "$net" --data digits --images 40 --format json
# PyTorch's float predictions: the float reference agrees on all of them, the 8-bit run on most.
expect 0 "integer top-1 = $src/tests/data/digits/torch_top1.npy" -- \
  "$q" infer --net "$net" --data digits --bits w8a8 --expect-top1 "$src/tests/data/digits/torch_top1.npy"
# The same report for 1 and 2 threads (the time aside).
"$q" infer --net "$net" --data digits --bits w4a4 --threads 1 --format json 2>/dev/null |
  grep -v -e seconds -e '"threads"' > "$tmp/t1.json"
"$q" infer --net "$net" --data digits --bits w4a4 --threads 2 --format json 2>/dev/null |
  grep -v -e seconds -e '"threads"' > "$tmp/t2.json"
expect 0 "" -- cmp "$tmp/t1.json" "$tmp/t2.json"
expect 0 "360 images" -- "$q" infer --net "$net" --data digits --json "$tmp/r.json"
expect 0 '"integer_predictions"' -- cat "$tmp/r.json"

# Bad data: named file, exit 2.
expect 2 "samples are [1, 8, 8], the network input 'image' is [1, 1, 32, 32]" -- \
  "$q" infer --net lenet5 --data digits
# A network of another class count or channel count than the data.
cat > "$tmp/five.yaml" <<'YAML'
version: 1
name: five
inputs: [{name: image, shape: [1, 1, 8, 8]}]
layers:
  - {name: flatten, op: flatten}
  - {name: fc, op: fully_connected, out_features: 5}
YAML
expect 2 "10 classes, the network output 'fc' has 5 values [1, 5]" -- \
  "$q" infer --net "$tmp/five.yaml" --data digits
sed 's/\[1, 1, 8, 8\]/[1, 3, 8, 8]/; s/out_features: 5/out_features: 10/' "$tmp/five.yaml" > "$tmp/rgb.yaml"
expect 2 "samples are [1, 8, 8], the network input 'image' is [1, 3, 8, 8] (image size or channel count differ)" -- \
  "$q" infer --net "$tmp/rgb.yaml" --data digits
# A label count that does not match the images, and a corrupt IDX file, by path.
printf '\0\0\x08\x03\0\0\0\x02\0\0\0\x08\0\0\0\x08' > "$tmp/t-images-idx3-ubyte"
head -c 128 /dev/zero >> "$tmp/t-images-idx3-ubyte"
printf '\0\0\x08\x01\0\0\0\x03\x01\x02\x03' > "$tmp/t-labels-idx1-ubyte"
expect 2 "t-labels-idx1-ubyte: 3 labels for the 2 images" -- \
  "$q" infer --net "$net" --data "$tmp/t-images-idx3-ubyte" --calib-samples 1
head -c 40 "$tmp/t-images-idx3-ubyte" > "$tmp/u-images-idx3-ubyte"
cp "$tmp/t-labels-idx1-ubyte" "$tmp/u-labels-idx1-ubyte"
expect 2 "u-images-idx3-ubyte: ends inside the data" -- \
  "$q" infer --net "$net" --data "$tmp/u-images-idx3-ubyte" --calib-samples 1
expect 2 "not a dataset name (digits, fashion-mnist)" -- "$q" infer --net "$net" --data nosuch
printf '1,2,3,0\n4,5,6,1\n' > "$tmp/tiny.csv"
expect 2 "tiny.csv: samples are [3]" -- "$q" infer --net "$net" --data "$tmp/tiny.csv" --calib-samples 1
mkdir -p "$tmp/png"
printf 'file,label\na.png,1\n' > "$tmp/png/labels.csv"
printf 'not a png' > "$tmp/png/a.png"
expect 2 "a.png: not a readable PNG file" -- "$q" infer --net "$net" --data "$tmp/png"
expect 2 "--images and --expect-top1 need --data" -- "$q" infer --net "$net" --images 3
printf 'x' > "$tmp/bad.npy"
expect 2 "bad.npy" -- "$q" infer --net "$net" --data digits --expect-top1 "$tmp/bad.npy"

# The QAT models trained in PyTorch (workloads/models): Quasar's integer run of the QONNX file
# predicts what PyTorch's fake-quantized forward pass predicted, on every one of 1,000 images.
for p in w4a4 w2a2 ternary; do
  m=$src/workloads/models/lenet5_fmnist_$p
  expect 0 "integer top-1 = $m.torch_top1.npy: 100.00 %" -- \
    "$q" infer --net "$m.onnx" --data fashion-mnist --images 1000 --expect-top1 "$m.torch_top1.npy"
done

# infer --data on a number format: the golden format run over the test split, the same report on
# one thread and on two (the format kernels run per image, in parallel).
expect 0 "top-1 agreement (format = float)" -- "$q" infer --net "$net" --data digits --bits fp8
for t in 1 2; do
  "$q" infer --net "$net" --data digits --bits mxfp4 --threads "$t" --format json \
    > "$tmp/fmt$t.json" 2> /dev/null
done
expect 0 "" -- python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert a["threads"] == 1 and b["threads"] == 2, (a["threads"], b["threads"])
del a["threads"], b["threads"]
assert a == b, "one thread and two differ"
assert a["accuracy"]["images"] > 0
' "$tmp/fmt1.json" "$tmp/fmt2.json"

# compare --data --golden-formats: a format's accuracy on its golden format run, said so.
expect 0 "accuracy: mxfp4: the golden format run" -- "$q" compare --net "$net" --data digits \
  --precisions mxfp4 --view same-array --golden-formats

# compare --data: accuracy rows per precision; --qat needs a precision of the list and --data.
expect 0 "top-1 PTQ (%)" -- "$q" compare --net "$net" --data digits --precisions w8a8,w4a4 \
  --view same-array
expect 0 '"ptq_top1_pct"' -- "$q" compare --net "$net" --data digits --precisions w8a8 \
  --format json
# Any network may stand as a QAT model; here the float network itself at its file's policy.
expect 0 "top-1 QAT (%)" -- "$q" compare --net "$net" --data digits --precisions w8a8 \
  --view same-array --qat "w8a8=$net"
expect 2 "'w4a4' is not one of --precisions" -- \
  "$q" compare --net "$net" --data digits --precisions w8a8 --qat "w4a4=$net"
expect 2 "--qat and --images need --data" -- "$q" compare --net "$net" --qat "w8a8=$net"
expect 2 "--data measures accuracy; --no-fidelity skips it" -- \
  "$q" compare --net "$net" --data digits --no-fidelity
finish
