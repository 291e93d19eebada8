#!/usr/bin/env bash
# The MPI scaling of `quasar sweep` (docs/sweep.md, "Scaling measured here"): the sweep
# workloads/sweeps/resnet50_arrays.yaml (384 ResNet-50 configurations) on one process and on
# 1, 2 and 4 MPI ranks of one thread each, REPS times each; prints the median wall time (mpirun's
# start included) and the sweep's own time (rank 0's "in X s", from the first configuration to
# the last row gathered), and checks every output against the single-process one (cmp).
# Usage: bench/sweep_mpi_scaling.sh <quasar binary> [reps, default 3]
set -euo pipefail
q=$1
reps=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mpirun=(mpirun --allow-run-as-root)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
"$q" sweep resnet50_arrays --out "$tmp/ref.csv" -j 1 > /dev/null 2>&1
printf '| run | wall s (median of %s) | sweep s | configs/s (sweep) |\n|---|---|---|---|\n' "$reps"
for setup in "1 process|" "1 rank|-n 1" "2 ranks|-n 2" "4 ranks|-n 4 --oversubscribe"; do
  name=${setup%%|*}
  args=${setup#*|}
  walls=() sweeps=()
  for _ in $(seq "$reps"); do
    if [ -z "$args" ]; then
      cmd=("$q")
    else
      # shellcheck disable=SC2206
      cmd=("${mpirun[@]}" $args "$q")
    fi
    start=$(date +%s.%N)
    "${cmd[@]}" sweep resnet50_arrays --out "$tmp/out.csv" -j 1 > /dev/null 2> "$tmp/err"
    end=$(date +%s.%N)
    cmp -s "$tmp/ref.csv" "$tmp/out.csv" || { echo "$name: output differs" >&2; exit 1; }
    walls+=("$(echo "$end - $start" | bc)")
    sweeps+=("$(grep -o 'in [0-9.]* s' "$tmp/err" | tail -1 | cut -d' ' -f2)")
  done
  w=$(printf '%s\n' "${walls[@]}" | median)
  s=$(printf '%s\n' "${sweeps[@]}" | median)
  printf '| %s | %.2f | %.2f | %.0f |\n' "$name" "$w" "$s" "$(echo "384 / $s" | bc -l)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
