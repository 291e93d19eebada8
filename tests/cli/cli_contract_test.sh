#!/usr/bin/env bash
# The command-line contract (docs/reliability.md, "Exit codes"), exit codes and messages:
# - an unknown command is named, with the nearest command and the list of commands;
# - `--save-outputs DIR` on every command that computes layer outputs, the former
#   `infer --save-output FILE` refused;
# - JSON outputs byte-identical across two runs with the same seed, wall-clock fields only with
#   --timing;
# - empty or repeated list items refused, naming the option (or the sweep file's key path);
# - negative values of unsigned options refused, naming the option.
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

# 3. The same seed, the same JSON bytes; wall-clock fields only with --timing.
twice() {  # twice NAME ARGS...: runs quasar ARGS twice (stdout to $tmp/NAME.1 and .2) and compares
  local name=$1
  shift
  "$q" "$@" > "$tmp/$name.1" 2> /dev/null
  "$q" "$@" > "$tmp/$name.2" 2> /dev/null
  expect 0 "" -- test -s "$tmp/$name.1"
  expect 0 "" -- cmp "$tmp/$name.1" "$tmp/$name.2"
}
twice infer infer --net lenet5 --seed 3 --format json
expect 1 "" -- grep -q seconds "$tmp/infer.1"
"$q" infer --net lenet5 --seed 3 --json "$tmp/i1.json" > /dev/null 2>&1
"$q" infer --net lenet5 --seed 3 --json "$tmp/i2.json" > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/i1.json" "$tmp/i2.json"
twice quantize quantize --net lenet5 --bits w4a4 --seed 3 --format json
"$q" quantize --net lenet5 --bits w4a4 --seed 3 --out "$tmp/q1" > /dev/null 2>&1
"$q" quantize --net lenet5 --bits w4a4 --seed 3 --out "$tmp/q2" > /dev/null 2>&1
expect 0 "" -- diff -r "$tmp/q1" "$tmp/q2"
twice run run --net lenet5 --arch edge_32x32_os --format json
twice run_systemc run --net lenet5 --arch edge_32x32_os --backend systemc --seed 3 --format json
expect 1 "" -- grep -q wall_seconds "$tmp/run_systemc.1"
"$q" compile --net lenet5 --arch edge_32x32_os --out "$tmp/s1.json" > /dev/null 2>&1
"$q" compile --net lenet5 --arch edge_32x32_os --out "$tmp/s2.json" > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/s1.json" "$tmp/s2.json"
twice compare compare --net lenet5 --precisions w8a8,w4a4 --seed 3 --format json
cat > "$tmp/s.yaml" <<'YAML'
version: 1
base: edge_32x32_os
networks: [lenet5]
precisions: [w8a8, w4a4]
fidelity: true
sweep:
  array.rows: [8, 16]
YAML
"$q" sweep "$tmp/s.yaml" --out "$tmp/w1.json" > /dev/null 2>&1
"$q" sweep "$tmp/s.yaml" --out "$tmp/w2.json" > /dev/null 2>&1
expect 0 "" -- cmp "$tmp/w1.json" "$tmp/w2.json"
if [ $has_verify = 1 ]; then
  twice verify verify --arch rtl_4x4_ws --net lenet5 --layers f6 --seed 3 --format json
  expect 1 "" -- grep -q wall_seconds "$tmp/verify.1"
  expect 0 '"wall_seconds"' -- "$q" verify --arch rtl_4x4_ws --net lenet5 --layers f6 \
    --format json --timing
  expect 2 "--timing has no effect here: it adds the wall time to the JSON report" -- \
    "$q" verify --arch rtl_4x4_ws --net lenet5 --layers f6 --timing
fi
# --timing adds them, and is refused where it would add nothing.
expect 0 '"golden_seconds"' -- "$q" infer --net lenet5 --format json --timing
expect 0 '"float_seconds"' -- "$q" infer --net lenet5 --format json --timing
expect 0 '"wall_seconds"' -- "$q" run --net lenet5 --arch edge_32x32_os --backend systemc \
  --format json --timing
expect 2 "--timing has no effect here: it adds the wall-clock figures to the JSON report" -- \
  "$q" infer --net lenet5 --timing
expect 2 "--timing has no effect here: the analytical backend measures no wall time" -- \
  "$q" run --net lenet5 --arch edge_32x32_os --format json --timing
expect 2 "--timing has no effect here: it adds the wall time to the JSON report" -- \
  "$q" run --net lenet5 --arch edge_32x32_os --backend systemc --timing
expect 2 "The following argument was not expected: --timing" -- \
  "$q" compile --net lenet5 --arch edge_32x32_os --out "$tmp/s3.json" --timing

# 4. Empty or repeated list items.
expect 2 "--precisions: 'w4a4' appears twice" -- "$q" compare --net lenet5 \
  --precisions w4a4 --precisions w8a8,w4a4 --no-fidelity
expect 2 "--precisions: an empty entry (item 2)" -- "$q" compare --net lenet5 \
  --precisions w8a8,,w4a4 --no-fidelity
expect 2 "--qat: 'w4a4=m.onnx' appears twice" -- "$q" compare --net lenet5 --data digits \
  --qat w4a4=m.onnx,w4a4=m.onnx
expect 2 "--qat: an empty entry (item 1)" -- "$q" compare --net lenet5 --data digits --qat ""
onnx=$src/workloads/models/lenet5_fmnist_float.onnx
expect 2 "--input-shape: 'x=1x3' appears twice" -- "$q" networks --net "$onnx" \
  --input-shape x=1x3 --input-shape x=1x3
expect 2 "--input-shape: an empty entry (item 2)" -- "$q" run --net "$onnx" --arch edge_32x32_os \
  --input-shape x=1x3 --input-shape ""
expect 2 "--shape: an empty entry (item 3)" -- "$q" gen-tensor --shape 1,8, --out "$tmp/t.npy"
expect 2 "--shape: an empty entry (item 1)" -- "$q" gen-tensor --shape "" --out "$tmp/t.npy"
expect 0 "wrote" -- "$q" gen-tensor --shape 1,8,8 --out "$tmp/t.npy"  # repeated dimensions
if [ $has_verify = 1 ]; then
  expect 2 "--layers: 'f6' appears twice" -- "$q" verify --arch rtl_4x4_ws --net lenet5 \
    --layers f6,c3,f6
  expect 2 "--layers: an empty entry (item 2)" -- "$q" verify --arch rtl_4x4_ws --net lenet5 \
    --layers f6,
fi
expect 2 "--out $tmp/a.csv: a second csv output" -- \
  "$q" sweep "$tmp/s.yaml" --out "$tmp/a.csv" --out "$tmp/a.csv"
# A sweep file's lists: a repeated or missing value names the file, key path and value.
bad_sweep() {  # bad_sweep MESSAGE LINE...: a sweep file of these lines is refused with MESSAGE
  local msg=$1
  shift
  printf '%s\n' "version: 1" "base: edge_32x32_os" "$@" > "$tmp/bad.yaml"
  expect 2 "$tmp/bad.yaml: $msg" -- "$q" sweep "$tmp/bad.yaml" --out "$tmp/bad.csv"
}
bad_sweep "sweep.array.rows[2]: repeats an earlier value, got 8" "networks: [lenet5]" \
  "sweep:" "  array.rows: [8, 16, 8]"
bad_sweep "sweep.array.rows: must list at least one value, got []" "networks: [lenet5]" \
  "sweep:" "  array.rows: []"
bad_sweep "networks[1]: repeats an earlier network, got 'lenet5'" "networks: [lenet5, lenet5]" \
  "sweep:" "  array.rows: [8]"
bad_sweep "networks: must be a string or a non-empty list of them, got '[]'" "networks: []" \
  "sweep:" "  array.rows: [8]"
bad_sweep "precisions[1]: repeats an earlier precision, got 'w8a8'" "networks: [lenet5]" \
  "precisions: [w8a8, w8a8]" "sweep:" "  array.rows: [8]"
bad_sweep "precisions: must be a string or a non-empty list of them, got '[]'" \
  "networks: [lenet5]" "precisions: []" "sweep:" "  array.rows: [8]"

# 5. Negative values of unsigned options.
expect 2 "--seed: must be a non-negative integer, got '-1'" -- "$q" infer --net lenet5 --seed -1
expect 2 "--seed: must be a non-negative integer, got '-3'" -- \
  "$q" gen-tensor --shape 2 --seed -3 --out "$tmp/t.npy"
expect 2 "--first-last-bits: must be a non-negative integer, got '-1'" -- \
  "$q" infer --net lenet5 --first-last-bits -1
expect 2 "--calib-samples" -- "$q" infer --net lenet5 --calib-samples -2
expect 2 "--threads" -- "$q" infer --net lenet5 --data digits --threads -1
expect 2 "--threads" -- "$q" compare --net lenet5 --data digits --threads -4
expect 2 "--images" -- "$q" infer --net lenet5 --data digits --images -5
expect 2 "--jobs" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/j.csv" --jobs -1
expect 2 "--acc-bits" -- "$q" infer --net lenet5 --acc-bits -16
expect 2 "--shard must be I/N" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/j.csv" --shard -1/2
expect 2 "--shape: '-2' is not a non-negative integer" -- \
  "$q" gen-tensor --shape 1,-2 --out "$tmp/t.npy"
finish
