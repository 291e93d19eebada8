#!/usr/bin/env bash
# README command 2: install dependencies, build, and run the whole test suite with ctest; then
# build everything with clang 14, AddressSanitizer and UndefinedBehaviorSanitizer and run every
# test that does not run SystemC (label `systemc`: SystemC's coroutine stacks are not
# instrumented, and ASan reports false positives on their stack switches). Skip that part with
# QUASAR_SKIP_SANITIZERS=1. Last, every libFuzzer target of fuzz/ runs briefly from its seeds
# (scripts/fuzz.sh: a clang 14 build of the readers, QUASAR_FUZZ_SECONDS each, 6 by default, so
# under 2 minutes of fuzzing for the 13 targets); a finding fails the run. Skip it with
# QUASAR_SKIP_FUZZ=1.
set -euo pipefail
cd "$(dirname "$0")/.."
phase_start=$SECONDS
phase_done() {  # prints how long the phase that just ended took, so a slow CI run says where
  echo "== $1 took $((SECONDS - phase_start)) s =="
  phase_start=$SECONDS
}
bash scripts/install-deps.sh
phase_done "install"
werror=()
if [ "${CI:-}" = "true" ]; then
  werror=(-DQUASAR_WERROR=ON)  # warnings fail the build in CI only
fi
bash scripts/build.sh "${werror[@]}"
phase_done "Release build"
(cd build && ctest -j"$(nproc)" --output-on-failure)
phase_done "Release tests"
if [ "${QUASAR_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== unit tests under ASan + UBSan =="
  # Without the RTL: its tests are SystemC tests, excluded below, and Verilated code is not ours.
  # Without MPI: MPI's libraries are not ours either (not instrumented, their allocations at exit
  # are not our leaks); the Release build above runs the MPI tests, and this pass checks that a
  # build without MPI works.
  # At -O1 -g1, not RelWithDebInfo's -O2 -g: AddressSanitizer's own documentation asks for -O1
  # or higher (https://clang.llvm.org/docs/AddressSanitizer.html, "Usage"), and -g1 keeps the
  # line tables its reports print. A sample of this pass's files compiled in 0.53 x the time with
  # GCC 12 (docs/benchmarks.md, "The sanitizer pass's compile flags"). Without the benchmarks: ctest
  # never runs them, and the Release build above compiles them with warnings as errors.
  # Compiled by clang 14 (installed for the fuzz pass below): it compiles this pass's files in
  # 0.74 x GCC's time and its tests run as fast (docs/benchmarks.md, "The sanitizer pass's
  # compiler and the tests' optimization level"), and CI checks this pass's files with a
  # second compiler's warnings.
  # CMake reads CC and CXX only when it first configures a tree: a build-asan/ that GCC
  # configured (before this pass moved to clang) starts afresh.
  if [ -f build-asan/CMakeCache.txt ] &&
      ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++-14$' build-asan/CMakeCache.txt; then
    echo "run-tests: build-asan/ was configured by another compiler; rebuilding it with clang 14"
    rm -rf build-asan
  fi
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DQUASAR_SANITIZE=ON -DQUASAR_WITH_RTL=OFF -DQUASAR_MPI=OFF -DQUASAR_BENCH=OFF \
    "${werror[@]}" >/dev/null
  cmake --build build-asan -j"$(nproc)"
  phase_done "ASan + UBSan build"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest -j"$(nproc)" -LE systemc --output-on-failure)
  phase_done "ASan + UBSan tests"
fi
if [ "${QUASAR_SKIP_FUZZ:-0}" != "1" ]; then
  echo "== every fuzz target for ${QUASAR_FUZZ_SECONDS:-6} s (clang 14, libFuzzer) =="
  QUASAR_FUZZ_BUILD=build-fuzz-ci QUASAR_FUZZ_FLAGS="-seed=1 ${QUASAR_FUZZ_FLAGS:-}" \
    bash scripts/fuzz.sh "${QUASAR_FUZZ_SECONDS:-6}"
  phase_done "fuzz build and runs"
fi
echo "== all of it took ${SECONDS} s =="
