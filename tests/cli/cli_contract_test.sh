#!/usr/bin/env bash
# The command-line contract (docs/reliability.md, "Exit codes"), exit codes and messages:
# - an unknown command is named, with the nearest command and the list of commands;
# - `--save-outputs DIR` on every command that computes layer outputs, the former
#   `infer --save-output FILE` refused;
# Usage: cli_contract_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
has_verify=0
"$q" --help 2>&1 | grep -q '^  verify' && has_verify=1

# 1. Unknown commands.
expect 2 "error: unknown command 'frobnicate'; the commands are: arch, backends, compare, compile" \
  -- "$q" frobnicate
expect 2 "unknown command 'frobnicate'" -- "$q" frobnicate --net lenet5
expect 2 "unknown command 'ifner' (did you mean 'infer'?)" -- "$q" ifner --net lenet5
expect 2 "unknown command 'swep' (did you mean 'sweep'?)" -- "$q" swep
expect 0 "" -- bash -c "'$q' frobnicate 2>&1 | grep -q 'sweep-merge'"
if [ $has_verify = 0 ]; then
  expect 2 "command 'verify' is not in this build: it needs the RTL" -- "$q" verify
fi
expect 2 "A subcommand is required" -- "$q"
expect 0 "Usage" -- "$q" --help

# 2. --save-outputs DIR everywhere; the former spelling is refused, pointing to the new one.
expect 0 "[infer] 8 layer outputs written to $tmp/infer/<layer>.npy" -- \
  "$q" infer --net lenet5 --save-outputs "$tmp/infer"
expect 0 "" -- test "$(ls "$tmp/infer" | wc -l)" -eq 8
expect 0 "" -- test -s "$tmp/infer/output.npy"
# The files are those `run --backend systemc` writes for the same seed (same values, same dtype).
expect 0 "layer outputs written" -- "$q" run --net lenet5 --arch edge_32x32_os --backend systemc \
  --save-outputs "$tmp/run"
for f in "$tmp"/infer/*.npy; do
  expect 0 "" -- cmp "$f" "$tmp/run/$(basename "$f")"
done
expect 2 "--save-output: the option is now --save-outputs DIR" -- \
  "$q" infer --net lenet5 --save-output "$tmp/out.npy"
expect 0 "" -- test ! -e "$tmp/out.npy"
expect 0 "" -- bash -c "'$q' infer --net lenet5 --save-output x 2>&1 | head -1 | grep -q '^--save-output: '"
expect 2 "--save-output: the option is now --save-outputs DIR" -- \
  "$q" run --net lenet5 --arch edge_32x32_os --backend systemc --save-output "$tmp/out.npy"
expect 2 "--save-outputs writes one input's layer outputs; it has no effect with --data" -- \
  "$q" infer --net "$src/tests/data/digits/digits_cnn.yaml" --data digits --save-outputs "$tmp/d"

finish
