#!/usr/bin/env bash
# Output paths and output errors (docs/reliability.md): an output option naming a path the command
# could not write is refused when the command line is parsed, before any work, with exit code 2
# naming the option and the path; a report lost on standard output (a full disk) is an error,
# never exit code 0.
set -u
q="$1"
. "$(dirname "$0")/expect.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
missing="$tmp/no/such/dir"
touch "$tmp/file"

# Files written: a missing directory, or a directory where a file belongs.
expect 2 "--out: cannot create $missing/r.json: $missing does not exist" -- \
  "$q" run --net lenet5 --arch edge_32x32_os --out "$missing/r.json"
expect 2 "--out: $tmp is a directory, not a file" -- \
  "$q" run --net lenet5 --arch edge_32x32_os --out "$tmp"
expect 2 "--out: cannot create $missing/s.json" -- \
  "$q" compile --net lenet5 --arch edge_32x32_os --out "$missing/s.json"
expect 2 "--json: cannot create $missing/c.json" -- \
  "$q" compare --net lenet5 --precisions w8a8,w4a4 --json "$missing/c.json"
expect 2 "--out: cannot create $missing/x.npy" -- \
  "$q" gen-tensor --shape 2,2 --type int8 --out "$missing/x.npy"
expect 2 "--json: $tmp is a directory" -- "$q" infer --net lenet5 --json "$tmp"
expect 2 "--out: cannot create $missing/n.yaml" -- \
  "$q" import-scalesim "$tmp/file" -o "$missing/n.yaml"
expect 2 "--out: cannot create $missing/s.csv" -- "$q" sweep array_sizes --out "$missing/s.csv"
expect 2 "--out: cannot create $missing/m.csv" -- "$q" sweep-merge --out "$missing/m.csv" "$tmp/file"
expect 2 "--trace: cannot create $missing/t.vcd" -- \
  "$q" run --net lenet5 --arch edge_32x32_os --backend systemc --trace "$missing/t.vcd"

# Directories written: an existing file in the way, at the path or above it.
expect 2 "--scalesim-reports: cannot create $tmp/file/r: $tmp/file is not a directory" -- \
  "$q" run --net lenet5 --arch edge_32x32_os --conventions scalesim --scalesim-reports "$tmp/file/r"
expect 2 "--save-outputs: $tmp/file: $tmp/file is not a directory" -- \
  "$q" run --net lenet5 --arch edge_32x32_os --backend systemc --save-outputs "$tmp/file"
expect 2 "--save-outputs: cannot create $tmp/file/o: $tmp/file is not a directory" -- \
  "$q" infer --net lenet5 --save-outputs "$tmp/file/o"
expect 2 "--out: $tmp/file: $tmp/file is not a directory" -- \
  "$q" quantize --net lenet5 --out "$tmp/file"
expect 2 "--plots: $tmp/file: $tmp/file is not a directory" -- \
  "$q" compare --net lenet5 --precisions w8a8,w4a4 --plots "$tmp/file"

# A directory that does not exist yet is fine when its nearest existing ancestor is writable.
expect 0 "" -- "$q" quantize --net lenet5 --out "$tmp/new/deeper/q"

# Refused before any work: the mistake and the pointer to --help are all that is printed.
out=$("$q" compare --net lenet5 --precisions w8a8,w4a4 --out "$missing/c.txt" 2>&1)
want="--out: cannot create $missing/c.txt: $missing does not exist
Run with --help for more information."
if [ "$out" != "$want" ]; then
  echo "FAIL: compare with an unwritable --out printed more than its error:"
  echo "$out"
  failed=$((failed + 1))
else
  passed=$((passed + 1))
fi

mkdir -p "$tmp/d.yaml" "$tmp/d.json" "$tmp/d.npy"
# Files read are checked when the command line is parsed: a missing file or a directory is exit
# 2 naming the option, before any work.
expect 2 "--schedule: cannot read $missing/s.json: No such file or directory" -- "$q" run \
  --net resnet50 --arch edge_32x32_os --schedule "$missing/s.json"
expect 2 "cannot read $tmp/part_0.csv: No such file or directory" -- "$q" sweep-merge \
  --out "$tmp/all.csv" "$tmp/part_0.csv"
expect 2 "model: $tmp/d.json is a directory, not a file" -- "$q" import-onnx "$tmp/d.json" --check
expect 2 "--bias: cannot read $tmp/nope.npy" -- "$q" layer \
  --spec "$(dirname "$0")/../../workloads/layers/resnet18_conv2_3x3.yaml" --input "$tmp/file" \
  --bias "$tmp/nope.npy" --out "$tmp/y.npy"

# A directory where an input file belongs is named as such (not an internal error).
mkdir -p "$tmp/d.yaml" "$tmp/d.json" "$tmp/d.npy"
expect 2 "--spec: $tmp/d.yaml is a directory, not a file" -- "$q" layer --spec "$tmp/d.yaml" \
  --input "$tmp/d.npy" --weights "$tmp/d.npy" --out "$tmp/y.npy"
expect 2 "--schedule: $tmp/d.json is a directory, not a file" -- "$q" run --net lenet5 --arch edge_32x32_os \
  --schedule "$tmp/d.json"
expect 2 "--input: $tmp/d.npy is a directory, not a file" -- "$q" layer \
  --spec "$(dirname "$0")/../../workloads/layers/resnet18_conv2_3x3.yaml" --input "$tmp/d.npy" \
  --weights "$tmp/d.npy" --out "$tmp/y.npy"

# A name longer than the file system allows (ENAMETOOLONG) is not found, not an internal error
# (std::filesystem's throwing checks made these exit 1; the sweep case was a fuzzing finding).
long=$(printf 'network%.0s' $(seq 40))
expect 2 "--net: '$long' is neither a file nor" -- "$q" run --net "$long" --arch edge_32x32_os
expect 2 "--arch: '$long' is neither a file nor" -- "$q" run --net lenet5 --arch "$long"
expect 2 "$long" -- "$q" sweep "$long.yaml" --out "$tmp/s.csv"
printf 'version: 1\nname: n\nbase: edge_32x32_os\nnetworks: [%s]\nsweep: {array.rows: [8]}\n' \
  "$long" > "$tmp/long.yaml"
expect 2 "$long" -- "$q" sweep "$tmp/long.yaml" --out "$tmp/s.csv"

# Standard output on a full disk: a short report (lost when the buffer is flushed at the end) and
# a long one (lost part-way) both exit 2 naming standard output.
if [ -w /dev/full ]; then
  expect 2 "cannot write standard output" -- sh -c "'$q' networks > /dev/full"
  expect 2 "cannot write standard output" -- \
    sh -c "'$q' run --net resnet50 --arch edge_32x32_os --format json > /dev/full"
fi

finish
