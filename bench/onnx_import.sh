#!/usr/bin/env bash
# ONNX import on torchvision's classification models (random weights, exported by
# workloads/onnx/export_torchvision.py into DIR when absent; needs Debian's python3-torch and
# python3-torchvision): per model, the file size, whether every node imports, the import's wall
# time and peak memory (`quasar import-onnx --check`, /usr/bin/time), the peak memory over the
# file size, and the imported MACs and parameters against PyTorch's own counts. Then an imported
# network's evaluation against the zoo's ResNet-50 (same graph), alternately (bench/ab.sh).
# Usage: bench/onnx_import.sh QUASAR_BINARY [DIR] [RUNS]    Results: docs/benchmarks.md.
set -euo pipefail
q=$(realpath "$1")
dir=${2:-build/onnx-models}
runs=${3:-9}
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$dir/pytorch_counts.json" ] ||
  /usr/bin/python3 "$here/../workloads/onnx/export_torchvision.py" "$dir" >&2
printf '%-20s %9s %8s %8s %9s %7s  %-26s %s\n' model MB imports "time s" "peak MB" "peak/file" \
  "MACs (PyTorch)" "params (PyTorch)"
for f in "$dir"/*.onnx; do
  m=$(basename "$f" .onnx)
  bytes=$(stat -c %s "$f")
  set +e
  /usr/bin/time -f "%e %M" -o "$dir/$m.time" "$q" import-onnx --check "$f" > "$dir/$m.check" 2>&1
  rc=$?
  set -e
  read -r secs kb < <(tail -1 "$dir/$m.time")  # after "Command exited with non-zero status"
  imports=$([ "$rc" -eq 0 ] && echo yes || echo "no ($(head -1 "$dir/$m.check" | grep -o '[0-9]* node' | cut -d' ' -f1))")
  want=$(/usr/bin/python3 -c "import json,sys; c=json.load(open('$dir/pytorch_counts.json'))['$m']; print(c['macs'], c['params'])")
  got="- -"
  if [ "$rc" -eq 0 ]; then
    got=$("$q" networks --net "$f" --format json |
      /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print(j['macs'], j['params'])")
  fi
  read -r wm wp <<< "$want"
  read -r gm gp <<< "$got"
  printf '%-20s %9.1f %8s %8s %9.1f %7.2f  %-26s %s\n' "$m" "$(echo "$bytes / 1048576" | bc -l)" \
    "$imports" "$secs" "$(echo "$kb / 1024" | bc -l)" "$(echo "$kb * 1024 / $bytes" | bc -l)" \
    "$([ "$gm" = "$wm" ] && echo "$gm (=)" || echo "$gm ($wm)")" \
    "$([ "$gp" = "$wp" ] && echo "$gp (=)" || echo "$gp ($wp)")"
done
echo
"$q" import-onnx "$dir/resnet50.onnx" -o "$dir/resnet50" > /dev/null
echo "evaluation: A = zoo resnet50, B = imported resnet50 (YAML + .npy), quasar run --arch edge_32x32_os"
bash "$here/ab.sh" "$runs" "'$q' run --net resnet50 --arch edge_32x32_os" \
  "'$q' run --net '$dir/resnet50/resnet50.yaml' --arch edge_32x32_os"
echo "A = zoo resnet50, B = imported resnet50 (.onnx, import included), same command"
bash "$here/ab.sh" "$runs" "'$q' run --net resnet50 --arch edge_32x32_os" \
  "'$q' run --net '$dir/resnet50.onnx' --arch edge_32x32_os"
