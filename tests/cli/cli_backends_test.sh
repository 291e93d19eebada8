#!/usr/bin/env bash
# End-to-end checks of the backend registry: `quasar backends` lists every backend of the build,
# and run, compare, sweep and verify reach each through `--backend NAME`. A backend that moves
# values must give the analytical model's report byte for byte (its cycles and events equal the
# analytical model's by design) and a bit-exact check; wrong names and combinations exit 2.
# Usage: cli_backends_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

# The listing: one line per backend, name first; analytical and systemc are always built.
"$q" backends > "$tmp/backends.txt"
expect 0 "" -- test "$(awk '{print $1}' "$tmp/backends.txt" | head -2 | tr '\n' ' ')" = \
  "analytical systemc "
expect 0 "" -- grep -q "^analytical  *timing " "$tmp/backends.txt"
expect 0 "" -- grep -q "^systemc  *values " "$tmp/backends.txt"
rtl=0
grep -q "^systemc-rtl-array " "$tmp/backends.txt" && rtl=1

# Unknown names and backends that cannot do the job exit 2.
expect 2 "--backend" -- "$q" run --arch edge_32x32_os --net lenet5 --backend nope
expect 2 "--backend" -- "$q" compare --net lenet5 --backend nope
expect 2 "--backend" -- "$q" sweep array_sizes --out "$tmp/x.csv" --backend nope

# compare: the cycle model's columns equal the analytical model's, byte for byte.
for b in analytical systemc; do
  "$q" compare --net lenet5 --arch edge_32x32_os --precisions w8a8,w4a4 --view same-array \
    --no-fidelity --format json --backend "$b" > "$tmp/compare_$b.json" 2> /dev/null
  expect 0 "" -- test -s "$tmp/compare_$b.json"
done
expect 0 "" -- cmp "$tmp/compare_analytical.json" "$tmp/compare_systemc.json"

# sweep: the same rows from the cycle model (run one configuration at a time).
cat > "$tmp/s.yaml" <<'YAML'
version: 1
base: edge_32x32_os
networks: [lenet5]
sweep:
  array.rows: [4, 8]
  array.dataflow: [os, ws]
YAML
"$q" sweep "$tmp/s.yaml" --out "$tmp/a.csv" > /dev/null 2>&1
expect 0 "to evaluate on 1 thread" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/c.csv" -j 2 \
  --backend systemc
expect 0 "" -- cmp "$tmp/a.csv" "$tmp/c.csv"

# run: the report's body is the analytical model's; the check follows it.
"$q" run --arch edge_32x32_os --net lenet5 --format csv > "$tmp/run_a.csv" 2> /dev/null
"$q" run --arch edge_32x32_os --net lenet5 --format csv --backend systemc > "$tmp/run_c.csv" \
  2> /dev/null
expect 0 "" -- cmp "$tmp/run_a.csv" "$tmp/run_c.csv"

# verify through the registry (built with the RTL): the C++ cycle model, and refusals.
if "$q" verify --help > /dev/null 2>&1; then
expect 0 "backend: systemc" -- "$q" verify --arch edge_32x32_os --net lenet5 --backend systemc
expect 0 "0 mismatches: BIT-EXACT" -- "$q" verify --arch edge_32x32_os --net lenet5 \
  --backend systemc
expect 2 "moves no values" -- "$q" verify --arch edge_32x32_os --net lenet5 --backend analytical
expect 2 "give one" -- "$q" verify --arch rtl_4x4_ws --net lenet5 --rtl mac --backend systemc
fi

if [ "$rtl" -eq 1 ]; then
  # The RTL backends through run: bit-exact, named in the report.
  expect 0 "Bit-exact check: RTL array rtl_4x4_ws (Verilator) vs golden reference" -- \
    "$q" run --arch rtl_4x4_ws --net lenet5 --backend systemc-rtl-array
  expect 0 "[backend systemc-rtl-mac]" -- "$q" run --arch rtl_4x4_os --net lenet5 \
    --backend systemc-rtl-mac
  expect 2 "no Verilated array is built for edge-32x32-os" -- \
    "$q" run --arch edge_32x32_os --net lenet5 --backend systemc-rtl-array
fi
finish
