// Benchmark: the analytical backend on one core. For each accelerator preset, times (interleaved
// in one run, medians over repetitions) the evaluation of a compiled Schedule of a network (the
// per-configuration cost of a sweep that reuses a mapping) and the compilation itself (mapper
// search with the analytical model as its price), and prints their ratio.
// Usage: bench_analytical [network.yaml] [repetitions]. See docs/benchmarks.md.

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.h"
#include "quasar/sim/analytical.h"

using namespace quasar;
using bench::Median;
using bench::Seconds;

int main(int argc, char** argv) {
  const std::string src = QUASAR_SOURCE_DIR;
  const std::string path = argc > 1 ? argv[1] : src + "/workloads/networks/resnet50.yaml";
  const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 50;
  const models::NetworkSpec net = models::LoadNetwork(path);
  std::vector<std::string> archs;
  for (const auto& e : std::filesystem::directory_iterator(src + "/workloads/accelerators")) {
    archs.push_back(e.path().string());
  }
  std::sort(archs.begin(), archs.end());
  fmt::print("{} ({:.2f} GMAC, {} layers), {} repetitions, medians\n", net.name,
             static_cast<double>(net.TotalMacs()) / 1e9, net.layers.size(), reps);
  fmt::print("{:<24} {:>8} {:>12} {:>12} {:>10} {:>12}\n", "accelerator", "tiles", "evaluate ms",
             "compile ms", "ratio", "latency ms");
  for (const std::string& a : archs) {
    const models::ArchSpec arch = models::LoadArchSpec(a);
    const models::CostTable table = models::LoadCostTable(arch.technology);
    std::vector<double> eval_s, compile_s;
    compiler::Schedule s;
    sim::NetworkPerf r;
    for (int i = 0; i < reps; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      s = sim::Compile(net, arch, table, compiler::Objective::kCycles,
                       compiler::MapperSearch::kFast);
      compile_s.push_back(Seconds(t0));
      t0 = std::chrono::steady_clock::now();
      r = sim::EvaluateSchedule(s, arch, table);
      eval_s.push_back(Seconds(t0));
    }
    int64_t tiles = 0;
    for (const auto& l : r.layers) tiles += l.tiles;
    const double e = Median(eval_s), c = Median(compile_s);
    fmt::print("{:<24} {:>8} {:>12.3f} {:>12.3f} {:>10.1f} {:>12.3f}{}\n", arch.name, tiles,
               e * 1e3, c * 1e3, c / e, r.latency_s * 1e3, r.ok() ? "" : "  (" + r.status + ")");
  }
}
