#!/usr/bin/env bash
# Optional (label `torchvision`; skipped, exit 77, where python3-torch or python3-torchvision is
# missing, as on a machine set up by scripts/install-deps.sh alone): exports torchvision's
# classifiers with random weights (workloads/onnx/export_torchvision.py, into the build tree,
# once) and checks that every one, ViT-B/16 included, imports with PyTorch's own MAC and
# parameter counts, and that Quasar's float reference gives PyTorch's output on each
# (test_onnx_torchvision.cc, run by the ONNX import test binary).
# Usage: torchvision_test.sh <quasar binary> <source dir> <work dir> <onnx import test binary>
set -u
q=$1
src=$2
dir=$3
tests=$4
/usr/bin/python3 -c "import torch, torchvision, onnx" 2>/dev/null || {
  echo "python3-torch, python3-torchvision or python3-onnx missing: skipped"
  exit 77
}
# shellcheck source=../cli/expect.sh
source "$src/tests/cli/expect.sh"
if [ ! -f "$dir/pytorch_counts.json" ] || [ ! -f "$dir/vit_b_16.output.npy" ]; then
  /usr/bin/python3 "$src/workloads/onnx/export_torchvision.py" "$dir" > "$dir.log" 2>&1 || {
    echo "export failed:"
    tail -20 "$dir.log"
    exit 1
  }
fi
for m in resnet18 resnet50 mobilenet_v2 mobilenet_v3_small efficientnet_b0 squeezenet1_1 \
  shufflenet_v2_x1_0 regnet_y_400mf vit_b_16; do
  want=$(/usr/bin/python3 -c "import json; c = json.load(open('$dir/pytorch_counts.json'))['$m']; print(c['macs'], c['params'])")
  got=$("$q" networks --net "$dir/$m.onnx" --format json |
    /usr/bin/python3 -c "import json, sys; j = json.load(sys.stdin); print(j['macs'], j['params'])")
  expect 0 "" -- test "$got" = "$want"
  [ "$got" = "$want" ] || echo "  $m: quasar $got, pytorch $want"
done
expect 0 "every node imports" -- "$q" import-onnx --check "$dir/vit_b_16.onnx"
export QUASAR_TORCHVISION_DIR=$dir
expect 0 "All tests passed" -- "$tests" "[torchvision]"
finish
