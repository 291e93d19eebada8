#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the main job on the bundled default
# workload: ResNet-18 from the zoo, quantized after training at 8 and at 4 bits, run end to end
# through the golden integer kernels beside its float reference (per-layer SQNR, accumulator
# ranges, overflows and required widths). JSON reports go to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
out=out/demo
mkdir -p "$out"
q=build/cli/quasar
$q networks
echo
$q infer --net resnet18 --bits w8a8 --json "$out/resnet18_w8a8.json"
echo
echo "The same network at 4 bits (first and last layers at 8, mse calibration):"
$q infer --net resnet18 --bits w4a4 --first-last-bits 8 --calib mse \
  --json "$out/resnet18_w4a4.json" | tail -n 3
echo
echo "JSON reports: $out/resnet18_w8a8.json, $out/resnet18_w4a4.json"
