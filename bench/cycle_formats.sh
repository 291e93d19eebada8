#!/usr/bin/env bash
# The SystemC cycle model's speed on number formats against integers, from runs: `quasar run
# --backend systemc` on one network at w8a8 (8 x 8 integer MACs), fp8 (FP8 E4M3 MACs, 48-bit
# register), mxint8 (MXINT8 MACs), w4a8g32 (8 x 8 integer MACs), and the two whose elements pass
# the array's 32-bit lanes and run in pieces: fp8_e5m2 (FP8 E5M2 MACs, 96-bit register) and
# w4a16g32 (4 x 16 integer MACs), each on a 16 x 16 ws array, in rounds that alternate the
# precisions. Prints, per precision, the median over the rounds of
# the accelerator's simulated MACs per second (the check's simulated MACs over its wall time: the
# cycle model's run alone) and of the whole command's wall time (which adds the golden run, the
# formats' golden format run), each also against w8a8's. docs/benchmarks.md, "The cycle model on
# number formats".
# Usage: bench/cycle_formats.sh [quasar binary] [network] [rounds]
set -euo pipefail
q=${1:-build/cli/quasar}
net=${2:-resnet18}
rounds=${3:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# precision, MAC (the mac map of the accelerator)
cases=(
  "w8a8|{}"
  "fp8|{format: fp8_e4m3, accumulator: {bits: 48}}"
  "mxint8|{format: mxint8}"
  "w4a8g32|{}"
  "fp8_e5m2|{format: fp8_e5m2, accumulator: {bits: 96}}"
  "w4a16g32|{weight_bits: 4, activation_bits: 16}"
)
for c in "${cases[@]}"; do
  p=${c%%|*} mac=${c#*|}
  printf 'version: 1\nname: %s\narray: {rows: 16, cols: 16, dataflow: ws}\nmac: %s\n' "$p" "$mac" \
    > "$tmp/$p.yaml"
done
for ((r = 1; r <= rounds; r++)); do
  for c in "${cases[@]}"; do
    p=${c%%|*}
    start=$(date +%s.%N)
    "$q" run --arch "$tmp/$p.yaml" --net "$net" --bits "$p" --backend systemc --format json \
      --timing > "$tmp/out.json" 2> /dev/null
    end=$(date +%s.%N)
    python3 - "$tmp/out.json" "$p" "$start" "$end" >> "$tmp/rows.txt" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["check"]
if not c["bit_exact"]:
    sys.exit(f"not bit-exact: {sys.argv[2]}")
print(sys.argv[2], c["simulated_macs"] / c["wall_seconds"], float(sys.argv[4]) - float(sys.argv[3]))
PY
  done
  echo "round $r of $rounds done" >&2
done
python3 - "$tmp/rows.txt" "$net" "$rounds" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    p, macs, wall = line.split()
    rows.setdefault(p, []).append((float(macs), float(wall)))
med = {p: (statistics.median(m for m, _ in v), statistics.median(w for _, w in v))
       for p, v in rows.items()}
m8, w8 = med["w8a8"]
print(f"{sys.argv[2]}, median of {sys.argv[3]} rounds")
print(f"{'precision':<10} {'cycle model MAC/s':>18} {'vs w8a8':>8} {'command s':>10}"
      f" {'vs w8a8':>8}")
for p, (m, w) in med.items():
    print(f"{p:<10} {m:>18.3g} {m / m8:>8.2f} {w:>10.2f} {w / w8:>8.2f}")
PY
