#!/usr/bin/env bash
# The MPI mode of `quasar sweep` (docs/sweep.md, "Running on a cluster"): `mpirun -n 2` and
# `mpirun -n 4 --oversubscribe` write the same bytes as one process, CSV and JSON; a resumed MPI
# run completes an interrupted file; an MPI run killed midway leaves its rows in <out>.partial
# and --resume (on MPI ranks again) completes it byte-identically. Registered only in builds
# with MPI. Usage: cli_sweep_mpi_test.sh <quasar binary> <source dir> <mpirun>
set -u
q=$1
mpirun=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
# As root (CI containers), Open MPI's mpirun needs --allow-run-as-root. In a Docker container
# without CAP_SYS_PTRACE, Open MPI's shared-memory transport fails its single-copy (CMA) transfers
# ("Read -1, expected ..., errno = 1"; https://github.com/open-mpi/ompi/issues/4948): turn that
# mechanism off, which only changes how large messages are copied.
run=("$mpirun" --allow-run-as-root)
export OMPI_MCA_btl_vader_single_copy_mechanism=none

# 2 networks x 2 precisions x 3 x 3 x 2 = 72 configurations.
cat > "$tmp/s.yaml" <<'YAML'
version: 1
base: edge_32x32_os
networks: [lenet5, resnet18]
precisions: [w8a8, w4a4]
sweep:
  array.rows: [8, 16, 32]
  array.cols: [8, 16, 32]
  array.dataflow: [os, ws]
YAML
"$q" sweep "$tmp/s.yaml" --out "$tmp/one.csv" --out "$tmp/one.json" -j 1 > "$tmp/one.txt" 2>&1
expect 0 "on 2 MPI ranks x 1 thread" -- "${run[@]}" -n 2 "$q" sweep "$tmp/s.yaml" \
  --out "$tmp/m2.csv" --out "$tmp/m2.json" -j 1
expect 0 "" -- cmp "$tmp/one.csv" "$tmp/m2.csv"
expect 0 "" -- cmp "$tmp/one.json" "$tmp/m2.json"
expect 0 "" -- test ! -e "$tmp/m2.csv.partial"
expect 0 "on 4 MPI ranks x 1 thread" -- "${run[@]}" -n 4 --oversubscribe "$q" sweep \
  "$tmp/s.yaml" --out "$tmp/m4.csv" -j 1
expect 0 "" -- cmp "$tmp/one.csv" "$tmp/m4.csv"
# Only rank 0 prints the fronts, the same as one process.
"${run[@]}" -n 2 "$q" sweep "$tmp/s.yaml" --out "$tmp/m2b.csv" -j 1 > "$tmp/m2.txt" 2> /dev/null
expect 0 "" -- diff <(grep -v '^\[sweep\]' "$tmp/one.txt") "$tmp/m2.txt"
# Without a launcher, --mpi makes a world of one rank: the ordinary output.
expect 0 "" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/x1.csv" --mpi -j 1
expect 0 "" -- cmp "$tmp/one.csv" "$tmp/x1.csv"
# --shard is for schedulers without MPI.
expect 2 "--shard and --mpi" -- "$q" sweep "$tmp/s.yaml" --out "$tmp/x.csv" --shard 0/2 --mpi

# Resume on MPI ranks: a file of the first 30 rows (no marks) is completed, the same bytes.
head -31 "$tmp/one.csv" | sed 's/,\(true\|false\),\(true\|false\),\(arch=[^,]*\)$/,,,\3/' \
  > "$tmp/r.csv"
expect 0 "42 to evaluate on 2 MPI ranks x 1 thread (30 resumed from" -- "${run[@]}" -n 2 "$q" \
  sweep "$tmp/s.yaml" --out "$tmp/r.csv" --resume -j 1
expect 0 "" -- cmp "$tmp/one.csv" "$tmp/r.csv"
# An input error on rank 0 (a file of another sweep to resume from) ends every rank, exit 2.
printf 'version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\n' > "$tmp/other.yaml"
"$q" sweep "$tmp/other.yaml" --out "$tmp/o.csv" > /dev/null 2>&1
expect 2 "cannot resume: its header is not this sweep's columns" -- timeout 60 "${run[@]}" -n 2 \
  "$q" sweep "$tmp/s.yaml" --out "$tmp/o.csv" --resume -j 1

# Killed midway: a ResNet-50 sweep on 2 ranks is stopped (SIGTERM to mpirun) once rank 0 has
# written rows to <out>.partial; those rows are in configuration order, and --resume completes
# the file byte-identically to an uninterrupted single-process run.
cat > "$tmp/k.yaml" <<'YAML'
version: 1
base: edge_32x32_os
networks: [resnet50]
sweep:
  array.rows: [8, 12, 16, 24, 32, 48]
  array.cols: [8, 12, 16, 24, 32, 48]
  array.dataflow: [os, ws, is]
  buffers.weight.kib: [64, 256]
YAML
"$q" sweep "$tmp/k.yaml" --out "$tmp/k1.csv" -j 2 > /dev/null 2>&1
"${run[@]}" -n 2 "$q" sweep "$tmp/k.yaml" --out "$tmp/k.csv" -j 1 > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [ -e "$tmp/k.csv.partial" ] && [ "$(wc -l < "$tmp/k.csv.partial")" -ge 11 ] && break
  sleep 0.01
done
kill -TERM "$pid" 2> /dev/null
wait "$pid" 2> /dev/null
if [ ! -e "$tmp/k.csv" ]; then  # killed before the end, as intended
  rows=$(($(wc -l < "$tmp/k.csv.partial") - 1))
  echo "killed with $rows rows in k.csv.partial"
  expect 0 "" -- test "$rows" -ge 10
  # The rows so far are the first configurations, in order (a last line may be cut short).
  expect 0 "" -- test "$(sed -n "2,$((rows + 1))p" "$tmp/k.csv.partial" | cut -d, -f1 | head -10 \
    | tr '\n' ' ')" = "0 1 2 3 4 5 6 7 8 9 "
fi
expect 0 "csv written to" -- "${run[@]}" -n 2 "$q" sweep "$tmp/k.yaml" --out "$tmp/k.csv" \
  --resume -j 1
expect 0 "" -- cmp "$tmp/k1.csv" "$tmp/k.csv"
expect 0 "" -- test ! -e "$tmp/k.csv.partial"

finish
