#!/usr/bin/env bash
# Fuzzes every reader (docs/reliability.md): builds the libFuzzer targets of fuzz/targets.txt
# with clang 14 and -fsanitize=fuzzer,address,undefined in build-fuzz/ (QUASAR_FUZZ_BUILD), then
# runs each for SECONDS (default 10), one at a time, on one job.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   e.g. scripts/fuzz.sh 600 onnx npy
# Each target's corpus grows in build-fuzz/corpus/<name>/ (seeded from the files targets.txt
# names), its log goes to build-fuzz/logs/<name>.log and a crashing input to
# build-fuzz/artifacts/<name>/. Exits 1 if any target found something, after running them all.
# QUASAR_FUZZ_FLAGS adds libFuzzer options, e.g. QUASAR_FUZZ_FLAGS=-runs=1000000 stops each target
# after a million executions (or SECONDS, whichever comes first).
# QUASAR_FUZZ_RUNS=N runs each target for N executions in all (or SECONDS in all), in fresh
# processes of QUASAR_FUZZ_CHUNK (default 100000) executions each on the one growing corpus: one
# libFuzzer process slows as it runs (layer_spec fell from 3,000 to 35 executions/s past 450,000
# in one process; a fresh process on that corpus ran 1,600/s, docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
shift || true
build=${QUASAR_FUZZ_BUILD:-build-fuzz}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DQUASAR_FUZZ=ON -DQUASAR_WITH_RTL=OFF \
  -DQUASAR_WITH_ONNX=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$build" --target quasar_fuzz -j"${QUASAR_FUZZ_JOBS:-2}"

mkdir -p "$build/logs"
failed=()
while read -r name _library globs; do
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then
    continue
  fi
  corpus="$build/corpus/$name"
  mkdir -p "$corpus" "$build/artifacts/$name"
  for glob in $globs; do
    cp -n $glob "$corpus/" 2>/dev/null || true  # unquoted: the glob expands here
  done
  extra=()
  if [ -d "fuzz/regressions/$name" ]; then
    extra=("fuzz/regressions/$name")
  fi
  log="$build/logs/$name.log"
  : >"$log"
  status=ok
  runs=0
  chunks=0
  start=$SECONDS
  while :; do
    left=$((seconds - (SECONDS - start)))
    chunk=()
    if [ -n "${QUASAR_FUZZ_RUNS:-}" ]; then
      todo=$((QUASAR_FUZZ_RUNS - runs))
      size=${QUASAR_FUZZ_CHUNK:-100000}
      chunk=(-runs=$((todo < size ? todo : size)))
    fi
    if ! "$build/fuzz/fuzz_$name" -max_total_time="$((left > 1 ? left : 1))" -timeout=30 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$name/" \
        "${chunk[@]}" ${QUASAR_FUZZ_FLAGS:-} "$corpus" "${extra[@]}" >>"$log" 2>&1; then
      status=FOUND
      failed+=("$name")
      tail -n 40 "$log" >&2  # the report (a CI log keeps it)
    fi
    done_now=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    runs=$((runs + ${done_now:-0}))
    chunks=$((chunks + 1))
    if [ "$status" != ok ] || [ -z "${QUASAR_FUZZ_RUNS:-}" ] || [ "$runs" -ge "$QUASAR_FUZZ_RUNS" ] ||
        [ $((SECONDS - start)) -ge "$seconds" ] || [ "${done_now:-0}" -eq 0 ]; then
      break
    fi
  done
  took=$((SECONDS - start))
  echo "fuzz $name: $runs executions in $took s ($chunks process(es)), corpus $(ls "$corpus" | wc -l) files: $status"
done < <(grep '^[a-z]' fuzz/targets.txt)
if [ ${#failed[@]} -gt 0 ]; then
  echo "findings in: ${failed[*]} (logs in $build/logs/, inputs in $build/artifacts/)" >&2
  exit 1
fi
