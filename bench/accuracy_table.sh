#!/usr/bin/env bash
# The accuracy table of docs/accuracy.md: for each trained network of workloads/models/ (those
# present) and each precision, on the whole Fashion-MNIST test set:
#   PTQ    the float model quantized by Quasar (calibrated on 256 train images, first and last
#          layers at 8 bits), top-1 of the golden integer run;
#   QAT    the model trained at that precision, top-1 of the golden integer run, and how often
#          its top-1 equals PyTorch's fake-quantized forward pass (<model>.torch_top1.npy).
# Then the accumulator study on LeNet-5 QAT w8a8 and w4a4: each layer's observed, bound and
# textbook widths, and the top-1 at narrower accumulators, wrapping and saturating.
# Usage: bench/accuracy_table.sh QUASAR_BINARY [NETS] [--no-accumulators]
# NETS default: "lenet5 bnn resnet8"; NET:N evaluates the first N test images only.
# With QUASAR_JSON_DIR set, each QAT model's `infer --format json` report is also saved there as
# <model>.json (workloads/models/results.json takes its integer top-1 and agreement from them).
set -euo pipefail
q=$(realpath "$1")
nets=${2:-lenet5 bnn resnet8}
accumulators=${3:-}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
models=$here/workloads/models
# json EXPR: prints EXPR of the JSON on stdin; `j` is the document, `a` its "accuracy" object.
json() { /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); a=j['accuracy']; print($1)"; }
echo "| network | images | precision | float top-1 | PTQ top-1 | QAT top-1 | QAT = PyTorch |"
echo "|---|---|---|---|---|---|---|"
for entry in $nets; do
  n=${entry%%:*}
  images=()
  count=10000
  if [ "$entry" != "$n" ]; then
    count=${entry#*:}
    images=(--images "$count")
  fi
  f=$models/${n}_fmnist_float.onnx
  [ -f "$f" ] || continue
  "$q" infer --net "$f" --data fashion-mnist "${images[@]}" --format json \
    --expect-top1 "$models/${n}_fmnist_float.torch_top1.npy" 2>/dev/null > "$tmp/float.json"
  ftop=$(json "'%.2f' % (100*a['float_top1'])" < "$tmp/float.json")
  if [ -n "${QUASAR_JSON_DIR:-}" ]; then cp "$tmp/float.json" "$QUASAR_JSON_DIR/${n}_fmnist_float.json"; fi
  for p in w8a8:w8a8 w4a4:w4a4 w2a2:w2a2 wta4:ternary w1a1:binary; do
    bits=${p%%:*} name=${p#*:}
    ptq=$("$q" infer --net "$f" --bits "$bits" --first-last-bits 8 --data fashion-mnist "${images[@]}" \
      --format json 2>/dev/null | json "'%.2f' % (100*a['integer_top1'])")
    m=$models/${n}_fmnist_$name.onnx
    qat="-" agree="-"
    if [ -f "$m" ]; then
      "$q" infer --net "$m" --data fashion-mnist "${images[@]}" \
        --expect-top1 "$models/${n}_fmnist_$name.torch_top1.npy" --format json 2>/dev/null \
        > "$tmp/qat.json"
      read -r qat agree < <(json "'%.2f %.2f' % (100*a['integer_top1'], \
        100*j['expected_top1_agreement'])" < "$tmp/qat.json")
      if [ -n "${QUASAR_JSON_DIR:-}" ]; then cp "$tmp/qat.json" "$QUASAR_JSON_DIR/${n}_fmnist_$name.json"; fi
    fi
    echo "| $n | $count | $bits | $ftop | $ptq | $qat | $agree |"
  done
done
[ "$accumulators" = "--no-accumulators" ] && exit 0
echo
echo "Accumulators over the test set (LeNet-5 QAT; bits: observed / bound for any input / textbook):"
for name in w8a8 w4a4; do
  "$q" infer --net "$models/lenet5_fmnist_$name.onnx" --data fashion-mnist --format json \
    2>/dev/null | json "'\\n'.join('  $name %s: [%d, %d] %d / %d / %d' % (l['name'], l['accumulator_min'], l['accumulator_max'], l['observed_bits'], l['bound_bits'], l['textbook_bits']) for l in a['layers'])"
done
echo
echo "| model | accumulator bits | wrap top-1 | saturate top-1 | overflow events (wrap) |"
echo "|---|---|---|---|---|"
for name in w8a8 w4a4; do
  for bits in 24 22 20 19 18 17 16 14 12; do
    w=$("$q" infer --net "$models/lenet5_fmnist_$name.onnx" --data fashion-mnist --acc-bits "$bits" \
      --overflow wrap --format json 2>/dev/null |
      json "'%.2f %d' % (100*a['integer_top1'], a['overflow_events'])")
    s=$("$q" infer --net "$models/lenet5_fmnist_$name.onnx" --data fashion-mnist --acc-bits "$bits" \
      --overflow saturate --format json 2>/dev/null | json "'%.2f' % (100*a['integer_top1'])")
    echo "| lenet5 $name QAT | $bits | ${w% *} | $s | ${w#* } |"
  done
done
