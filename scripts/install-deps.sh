#!/usr/bin/env bash
# Installs Quasar's build and test dependencies from Debian 12 packages.
# Idempotent: packages already present are skipped by apt-get itself.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config      # compiler and build system
  catch2                                # unit tests (v2, single header)
  libcli11-dev                          # command-line parsing
  libfmt-dev                            # formatting of tables and messages
  libyaml-cpp-dev                       # YAML specs (layer, network, architecture)
  nlohmann-json3-dev                    # JSON reports and schedules
  libonnx-dev libprotobuf-dev           # ONNX import (onnx.proto classes) and the conformance tests
  libonnx-testdata                      # ONNX's backend node tests (tests/onnx_import)
  libsystemc-dev verilator              # cycle model and RTL (later layers)
  yosys                                 # synthesis of the MAC RTL for its cell counts (rtl/synth)
  gnuplot-nox                           # plots of `quasar compare` (SVG)
  zlib1g-dev libpng-dev                 # datasets: gzip-compressed IDX/CSV files, PNG folders
  dataset-fashion-mnist                 # Fashion-MNIST (workloads/datasets/fashion-mnist.yaml)
  python3-sklearn                       # its digits.csv.gz (workloads/datasets/digits.yaml)
  libopenmpi-dev openmpi-bin            # the MPI mode of `quasar sweep` (mpirun; docs/sweep.md)
  clang-14 libclang-rt-14-dev           # the sanitizer pass and the libFuzzer builds (fuzz.sh)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: need root to install: ${missing[*]}" >&2
    echo "install-deps: run as root, or: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
