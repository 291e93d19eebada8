#!/usr/bin/env bash
# The allocation limit (docs/reliability.md, "Allocations are bounded"): an input whose tensors,
# padding, data or sweep rows would need more memory than the limit exits 2 with the bytes it
# would need, before allocating them; the limit comes from `quasar --memory-limit SIZE`, else
# QUASAR_MEMORY_LIMIT, else half the physical memory, and a bad value of either exits 2.
# Usage: cli_memory_limit_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
unset QUASAR_MEMORY_LIMIT

limit="over the memory limit of"

# The option and the variable; bad values of either are exit 2 naming them.
expect 0 "" -- "$q" --memory-limit 64G infer --net lenet5
expect 0 "" -- env QUASAR_MEMORY_LIMIT=64G "$q" infer --net lenet5
expect 2 "--memory-limit: '1.5G' is not a memory size" -- "$q" --memory-limit 1.5G networks
expect 2 "--memory-limit: '0' is not a memory size" -- "$q" --memory-limit 0 networks
expect 2 "unknown suffix 'X'" -- "$q" --memory-limit 12X networks
expect 2 "QUASAR_MEMORY_LIMIT: 'lots' is not a memory size" -- \
  env QUASAR_MEMORY_LIMIT=lots "$q" networks
# The option wins over the variable.
expect 0 "" -- env QUASAR_MEMORY_LIMIT=1K "$q" --memory-limit 64G infer --net lenet5

# A zoo network's golden run over a small limit (the analytical `run` allocates no tensors).
expect 2 "$limit 1.0 MiB" -- env QUASAR_MEMORY_LIMIT=1M "$q" infer --net resnet18
expect 2 "$limit 1.0 MiB" -- "$q" --memory-limit 1M infer --net resnet18
expect 0 "" -- env QUASAR_MEMORY_LIMIT=1M "$q" run --net resnet18 --arch edge_32x32_os
expect 2 "a tensor of shape [1000, 1000] (4 bytes per element) would need 4000000 bytes" -- \
  "$q" --memory-limit 1M gen-tensor --shape 1000,1000 --type int8 --out "$tmp/t.npy"

# The inputs of issue 19: a 1x100000x100000x3 input, and a padding of 10^5 around a small one
# (both within the 2^40-element shape limit). The limit is given so the test does not depend on
# the machine's memory.
cat > "$tmp/huge.yaml" <<'YAML'
version: 1
name: huge
inputs: [{name: x, shape: [1, 100000, 100000, 3]}]
layers:
  - {name: c, op: conv2d, out_channels: 1, kernel: 1}
YAML
expect 2 "would need 120000000000 bytes (111.8 GiB)" -- \
  "$q" --memory-limit 16G infer --net "$tmp/huge.yaml"
cat > "$tmp/padded.yaml" <<'YAML'
version: 1
name: padded
inputs: [{name: x, shape: [1, 1, 8, 8]}]
layers:
  - {name: c, op: conv2d, out_channels: 1, kernel: 1, padding: 100000}
YAML
expect 2 "network padded: the float reference run (its inputs and 1 layer outputs, 4 bytes per element) would need 160012800512 bytes (149.0 GiB)" -- \
  "$q" --memory-limit 16G infer --net "$tmp/padded.yaml"

# One layer (`quasar layer`): a padding of 10^9 (the spec allows up to 2^31 - 1), and a .npy
# input larger than the limit once decoded.
"$q" gen-tensor --shape 1,64,8,8 --type int8 --out "$tmp/x.npy" > /dev/null
"$q" gen-tensor --shape 64,64,3,3 --type int8 --out "$tmp/w.npy" > /dev/null
"$q" gen-tensor --shape 64 --type int16 --out "$tmp/b.npy" > /dev/null
spec="$src/workloads/layers/resnet18_conv2_3x3.yaml"
layer=(layer --input "$tmp/x.npy" --weights "$tmp/w.npy" --bias "$tmp/b.npy" --out "$tmp/y.npy")
expect 0 "" -- "$q" "${layer[@]}" --spec "$spec"
sed 's/^  padding: 1 .*/  padding: 1000000000/' "$spec" > "$tmp/pad.yaml"
expect 2 "the padded convolution input [1, 64, 2000000008, 2000000008] (input [1, 64, 8, 8], padding 1000000000/1000000000/1000000000/1000000000) would need more than 2^64 bytes" -- \
  "$q" "${layer[@]}" --spec "$tmp/pad.yaml"
expect 2 "$tmp/x.npy: decoding shape [1, 64, 8, 8] of int8 would need" -- \
  "$q" --memory-limit 20K "${layer[@]}" --spec "$spec"

# A sweep holds its fronts, not its rows (docs/sweep.md, "Memory"): it runs under a limit its
# rows would break; resuming it holds a slot per configuration, and is refused under that limit.
expect 0 "csv written to" -- "$q" --memory-limit 4K sweep array_sizes --out "$tmp/s.csv"
expect 2 "reading back the rows of the sweep's 64 configurations to resume would need" -- \
  "$q" --memory-limit 4K sweep array_sizes --out "$tmp/s.csv" --resume

finish
