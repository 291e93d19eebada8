#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the main job on the bundled default
# workload: one ResNet-18 layer through the golden integer reference, with seeded inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
out=out/demo
mkdir -p "$out"
q=build/cli/quasar
$q gen-tensor --shape 1,64,56,56 --type int8 --seed 1 --out "$out/x.npy"
$q gen-tensor --shape 64,64,3,3 --type int8 --min -127 --seed 2 --out "$out/w.npy"
$q gen-tensor --shape 64 --type int16 --min -2000 --max 2000 --seed 3 --out "$out/b.npy"
$q layer --spec workloads/layers/resnet18_conv2_3x3.yaml \
  --input "$out/x.npy" --weights "$out/w.npy" --bias "$out/b.npy" --out "$out/y.npy"
echo "output tensor: $out/y.npy"
