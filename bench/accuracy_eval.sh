#!/usr/bin/env bash
# Accuracy evaluation speed: the 10,000 Fashion-MNIST test images through LeNet-5 (the trained
# models of workloads/models/), golden integer run and float reference per image, on 1 and 2
# threads, alternately RUNS times each; per run the wall time, images/s and the thread time of
# the golden and the float runs. Then the medians, and the 2-thread speed-up measured in this one
# run. Needs dataset-fashion-mnist. Usage: bench/accuracy_eval.sh QUASAR_BINARY [RUNS]
# Results: docs/benchmarks.md.
set -euo pipefail
q=$(realpath "$1")
runs=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
run() {  # model bits threads -> "wall golden float"
  local bits=()
  [ -n "$2" ] && bits=(--bits "$2")
  "$q" infer --net "$here/workloads/models/$1.onnx" "${bits[@]}" --data fashion-mnist \
    --threads "$3" --format json 2>/dev/null |
    /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["seconds"], j["golden_thread_seconds"], j["float_thread_seconds"], j["accuracy"]["integer_top1"])'
}
printf '%-34s %7s %8s %9s %10s %9s %9s\n' case threads "wall s" images/s "golden s" "float s" top-1
declare -A walls
for r in $(seq "$runs"); do
  for c in "lenet5_fmnist_w8a8::QAT w8a8" "lenet5_fmnist_float:w8a8:PTQ w8a8"; do
    model=${c%%:*}; rest=${c#*:}; bits=${rest%%:*}; label=${rest#*:}
    for t in 1 2; do
      read -r wall golden float top1 < <(run "$model" "$bits" "$t")
      printf '%-34s %7s %8.2f %9.0f %10.2f %9.2f %9.4f\n' "$label (run $r)" "$t" "$wall" \
        "$(echo "10000 / $wall" | bc -l)" "$golden" "$float" "$top1"
      walls["$label/$t"]+="$wall "
    done
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
for label in "QAT w8a8" "PTQ w8a8"; do
  m1=$(echo "${walls[$label/1]}" | median)
  m2=$(echo "${walls[$label/2]}" | median)
  printf '%-10s median wall: 1 thread %.2f s, 2 threads %.2f s, speed-up %.2fx\n' "$label" \
    "$m1" "$m2" "$(echo "$m1 / $m2" | bc -l)"
done
