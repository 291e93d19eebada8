#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the main job on the bundled default:
# `quasar compare` of ResNet-18 at 8, 4, 2 bits and binary on the Bit Fusion preset
# (bitfusion_16x32: 16x32 precision-scalable MACs), on the same array and on iso-area arrays:
# latency, energy with its breakdown, TOPS/W, area, DRAM traffic, the accumulator width needed
# and the fidelity (output SQNR vs the float network) side by side. The JSON report and the
# plots go to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
out=out/demo
mkdir -p "$out"
q=build/cli/quasar
start=$(date +%s)
$q compare --net resnet18 --arch bitfusion_16x32 --precisions w8a8,w4a4,w2a2,w1a1 \
  --json "$out/compare.json" --plots "$out"
echo
echo "JSON report: $out/compare.json"
echo "Plots: $out/compare_energy.svg (energy breakdown), $out/compare_latency_energy.svg"
echo "($(($(date +%s) - start)) s after the build.) Next: docs/tutorial.md walks through"
echo "explore (quasar run, quasar sweep), compare and verify (quasar verify: the RTL vs golden)."
