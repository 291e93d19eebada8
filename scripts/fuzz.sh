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
  if "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$name/" ${QUASAR_FUZZ_FLAGS:-} \
      "$corpus" "${extra[@]}" >"$log" 2>&1; then
    status=ok
  else
    status=FOUND
    failed+=("$name")
    tail -n 40 "$log" >&2  # the report (a CI log keeps it)
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  echo "fuzz $name: ${runs:-?} executions in ${took:-$seconds} s, corpus $(ls "$corpus" | wc -l) files: $status"
done < <(grep '^[a-z]' fuzz/targets.txt)
if [ ${#failed[@]} -gt 0 ]; then
  echo "findings in: ${failed[*]} (logs in $build/logs/, inputs in $build/artifacts/)" >&2
  exit 1
fi
