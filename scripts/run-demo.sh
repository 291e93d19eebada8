#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the main job on the bundled default:
# `quasar compare` of LeNet-5 trained on Fashion-MNIST (workloads/models/) at 8, 4 and 2 bits,
# ternary and binary on the Bit Fusion preset (bitfusion_16x32: 16x32 precision-scalable MACs):
# the top-1 on the 10,000 test images after post-training quantization (PTQ) and of the model
# trained with quantization at that precision (QAT), both run by the golden integer reference,
# beside latency, energy with its breakdown, TOPS/W, area and DRAM traffic. Then the costs of
# ResNet-18 (synthetic weights) at the same precisions on the same array and on iso-area arrays.
# The JSON reports and the plots go to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
out=out/demo
mkdir -p "$out"
q=build/cli/quasar
m=workloads/models/lenet5_fmnist
start=$(date +%s)
$q compare --net ${m}_float.onnx --data fashion-mnist --arch bitfusion_16x32 --first-last-bits 8 \
  --precisions w8a8,w4a4,w2a2,wta4,w1a1 --view same-array \
  --qat w8a8=${m}_w8a8.onnx,w4a4=${m}_w4a4.onnx,w2a2=${m}_w2a2.onnx,wta4=${m}_ternary.onnx,w1a1=${m}_binary.onnx \
  --json "$out/lenet5_fmnist.json" --plots "$out"
echo
echo "== The cost side on a larger network: ResNet-18 (synthetic weights, so no accuracy)"
$q compare --net resnet18 --arch bitfusion_16x32 --precisions w8a8,w4a4,w2a2,w1a1 --no-fidelity \
  --json "$out/resnet18.json" --plots "$out"
echo
echo "JSON reports: $out/lenet5_fmnist.json, $out/resnet18.json"
echo "Plots: $out/compare-*-accuracy.svg (top-1 vs energy), $out/compare-*-energy.svg (energy"
echo "breakdown), $out/compare-*-latency-energy.svg"
echo "($(($(date +%s) - start)) s after the build.) Next: docs/accuracy.md (the measured accuracy"
echo "table and its commands), docs/tutorial.md (explore, compare and verify on a real question)."
