#!/usr/bin/env bash
# Times two commands alternately (A, B, A, B, ...) in one run, so that a noisy machine slows both
# alike, and prints each one's median wall time and the ratio B / A of the medians. For "is the
# new binary slower than the old one": A the old, B the new. See docs/benchmarks.md.
# Usage: bench/ab.sh RUNS 'COMMAND A' 'COMMAND B'   (each command runs with its output discarded)
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 RUNS 'COMMAND A' 'COMMAND B'" >&2; exit 2; }
runs=$1
a=$2
b=$3
time_of() {
  local t0 t1
  t0=$(date +%s%N)
  bash -c "$1" > /dev/null 2>&1 || { echo "ab: command failed: $1" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ta=() tb=()
bash -c "$a" > /dev/null 2>&1 && bash -c "$b" > /dev/null 2>&1  # warm-up, untimed
for ((i = 0; i < runs; ++i)); do
  ta+=("$(time_of "$a")")
  tb+=("$(time_of "$b")")
done
ma=$(printf '%s\n' "${ta[@]}" | median)
mb=$(printf '%s\n' "${tb[@]}" | median)
awk -v a="$ma" -v b="$mb" -v n="$runs" 'BEGIN {
  printf "A median %.3f s, B median %.3f s over %d alternating runs each: B / A = %.3f\n",
         a / 1e6, b / 1e6, n, b / a }'
