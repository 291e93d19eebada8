// Benchmark: the cycle-level PE array (CppArray driven by TileRunner) on one core. For square
// arrays of 16, 32 and 128 PEs a side, each dataflow, 8-bit operands (uniform in [-128, 127]),
// pack 1 and a 32-bit wrapping accumulator, times one GEMM tile with range checks off (the fast
// path, valid because no sum of these tiles can leave 32 bits) and on, and prints simulated MACs
// per second (the tile's m * k * n over wall time; the median of the repetitions, each at least
// ~50 ms long), PE-cycles per second and the array's utilization. The tile has spatial extents
// 4R x 2R and a 512-long stream in every dataflow (os: m = 4R, n = 2R, k = 512; ws: k = 4R,
// n = 2R, m = 512; is: k = 4R, m = 2R, n = 512): eight folds, the same MACs in each dataflow.
// Usage: bench_cycle_array [repetitions].

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"
#include "quasar/sim/cycle/cpp_array.h"
#include "quasar/sim/cycle/tile_runner.h"
#include "quasar/sim/gemm_timing.h"

using namespace quasar;
using bench::Median;
using bench::Seconds;

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  constexpr int64_t kStream = 512;
  std::mt19937 rng(1);
  std::uniform_int_distribution<int32_t> op(-128, 127);
  fmt::print("8-bit operands, pack 1, 32-bit accumulator; median of {} runs\n", reps);
  fmt::print("{:>7} {:>3} {:>7} {:>15} {:>9} {:>11} {:>9} {:>10} {:>12} {:>6}\n", "array", "df",
             "checked", "tile m x k x n", "cycles", "MACs", "seconds", "MAC/s", "PE-cycles/s",
             "util");
  bool ok = true;
  for (const int64_t side : {16, 32, 128}) {
    for (const models::Dataflow df :
         {models::Dataflow::kOutputStationary, models::Dataflow::kWeightStationary,
          models::Dataflow::kInputStationary}) {
      int64_t m = 0, k = 0, n = 0;
      switch (df) {
        case models::Dataflow::kOutputStationary:
          m = 4 * side, n = 2 * side, k = kStream;
          break;
        case models::Dataflow::kWeightStationary:
          k = 4 * side, n = 2 * side, m = kStream;
          break;
        case models::Dataflow::kInputStationary:
          k = 4 * side, m = 2 * side, n = kStream;
          break;
      }
      std::vector<int32_t> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n));
      for (auto& v : a) v = op(rng);
      for (auto& v : b) v = op(rng);
      const sim::GemmTiming want = sim::TimeGemm(compiler::GemmShape{1, m, k, n}, side, side, df);
      std::vector<int64_t> results[2];
      for (const bool checked : {false, true}) {
        sim::cycle::PeConfig cfg;
        cfg.dataflow = df;
        cfg.rows = side, cfg.cols = side;
        cfg.pack = 1;
        cfg.acc.bits = 32;
        cfg.checked = checked;
        // One sample runs the tile `iters` times (at least ~50 ms) and keeps the time per run.
        std::vector<double> secs;
        sim::cycle::TileCounts counts;
        std::vector<int64_t> acc;
        int iters = 1;
        for (int r = 0; r < reps; ++r) {
          const auto t0 = std::chrono::steady_clock::now();
          for (int i = 0; i < iters; ++i) {
            acc.assign(static_cast<size_t>(m * n), 0);
            sim::cycle::TileOperands t;
            t.m = m, t.k = k, t.n = n;
            t.a = a.data(), t.b = b.data(), t.acc = acc.data();
            sim::cycle::CppArray array;
            array.Configure(cfg);
            sim::cycle::TileRunner runner(array, cfg);
            counts = runner.Run(t);
          }
          const double s = Seconds(t0) / iters;
          if (r == 0 && iters == 1 && s < 0.05) {
            iters = static_cast<int>(0.05 / s) + 1;
            --r;  // the first sample only sized the loop
            continue;
          }
          secs.push_back(s);
        }
        results[checked] = acc;
        if (counts.cycles != want.cycles) {
          fmt::print("  cycles {} differ from TimeGemm's {}\n", counts.cycles, want.cycles);
          ok = false;
        }
        const double s = Median(secs);
        const double macs = static_cast<double>(m * k * n);
        const double pe_cycles = static_cast<double>(counts.cycles * side * side);
        fmt::print("{:>7} {:>3} {:>7} {:>15} {:>9} {:>11} {:>9.6f} {:>10.3g} {:>12.3g} {:>6.3f}\n",
                   fmt::format("{}x{}", side, side), models::DataflowName(df),
                   checked ? "yes" : "no", fmt::format("{}x{}x{}", m, k, n), counts.cycles,
                   m * k * n, s, macs / s, pe_cycles / s, macs / pe_cycles);
      }
      if (results[0] != results[1]) {
        fmt::print("  checked and unchecked results differ\n");
        ok = false;
      }
    }
  }
  return ok ? 0 : 1;
}
