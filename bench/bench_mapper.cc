// Benchmark: the mapper's three searches (mapper.h) on every GEMM layer of the given networks,
// on every accelerator preset, at half, once and twice the preset's buffer sizes. For each
// preset and size it compiles each network with the maximal, the fast (default) and the dense
// search for cycles, evaluates the schedules, and compares the layers' cycles:
//   faster      layers the fast search maps in fewer cycles than the maximal one (the search of
//               earlier versions), and the largest saving;
//   slower      layers it maps in more (must be 0: its candidates contain the maximal ones);
//   gap         layers the fast search leaves above the dense one, and the largest gap;
//   total -%    the layers' cycles summed: what the fast search saves over the maximal one;
//   total +%    ... and what it leaves above the dense one;
// and the time each search took, summed over the networks (one run, so their ratio is measured
// under the same load).
// Usage: bench_mapper [--no-dense] [network.yaml ...] (default: every network of
// workloads/networks; the dense search takes seconds per network, --no-dense skips it).
// See docs/benchmarks.md.

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.h"
#include "quasar/sim/analytical.h"

using namespace quasar;
using bench::Seconds;
using compiler::MapperSearch;

namespace {

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct Tally {
  int layers = 0, faster = 0, slower = 0, gaps = 0;
  double best_saving = 0, worst_gap = 0;
  int64_t cycles[3] = {0, 0, 0};  // summed over the layers compared
  double seconds[3] = {0, 0, 0};  // maximal, fast, dense
};

}  // namespace

int main(int argc, char** argv) {
  const std::string src = QUASAR_SOURCE_DIR;
  std::vector<std::string> nets(argv + 1, argv + argc);
  const bool with_dense = nets.empty() || nets.front() != "--no-dense";
  if (!with_dense) nets.erase(nets.begin());
  if (nets.empty()) nets = Files(src + "/workloads/networks");
  std::vector<models::NetworkSpec> networks;
  for (const std::string& n : nets) networks.push_back(models::LoadNetwork(n));
  fmt::print("{} networks; cycles objective; layer cycles compared per search\n", networks.size());
  fmt::print("{:<22} {:>6} {:>7} {:>7} {:>9} {:>7} {:>5} {:>8} {:>8} {:>8} {:>11} {:>9} {:>10}\n",
             "accelerator", "sram", "layers", "faster", "saving %", "slower", "gap", "gap %",
             "total -%", "total +%", "maximal ms", "fast ms", "dense ms");
  // 100 (a - b) / base.
  auto pct = [](int64_t a, int64_t b, int64_t base) {
    return base == 0 ? 0.0 : 100.0 * static_cast<double>(a - b) / static_cast<double>(base);
  };
  Tally all;
  for (const std::string& a : Files(src + "/workloads/accelerators")) {
    const models::ArchSpec preset = models::LoadArchSpec(a);
    const models::CostTable table = models::LoadCostTable(preset.technology);
    for (double scale : {0.5, 1.0, 2.0}) {
      models::ArchSpec arch = preset;
      for (models::BufferSpec* b : {&arch.input, &arch.weight, &arch.output}) {
        b->kib = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(b->kib) * scale));
      }
      Tally t;
      for (const models::NetworkSpec& net : networks) {
        sim::NetworkPerf perf[3];
        const MapperSearch searches[3] = {MapperSearch::kMaximal, MapperSearch::kFast,
                                          MapperSearch::kDense};
        for (int s = 0; s < (with_dense ? 3 : 2); ++s) {
          const auto t0 = std::chrono::steady_clock::now();
          const compiler::Schedule schedule =
              sim::Compile(net, arch, table, compiler::Objective::kCycles, searches[s]);
          t.seconds[s] += Seconds(t0);
          perf[s] = sim::EvaluateSchedule(schedule, arch, table);
        }
        if (!with_dense) perf[2] = perf[1];
        for (size_t i = 0; i < perf[0].layers.size(); ++i) {
          const sim::LayerPerf &maximal = perf[0].layers[i], &fast = perf[1].layers[i],
                               &dense = perf[2].layers[i];
          if (maximal.kind != "gemm" || !maximal.ok() || !fast.ok() || !dense.ok()) continue;
          ++t.layers;
          t.cycles[0] += maximal.cycles, t.cycles[1] += fast.cycles, t.cycles[2] += dense.cycles;
          if (fast.cycles < maximal.cycles) {
            ++t.faster;
            t.best_saving =
                std::max(t.best_saving, 100.0 * static_cast<double>(maximal.cycles - fast.cycles) /
                                            static_cast<double>(maximal.cycles));
          }
          t.slower += fast.cycles > maximal.cycles;
          if (fast.cycles > dense.cycles) {
            ++t.gaps;
            t.worst_gap =
                std::max(t.worst_gap, 100.0 * static_cast<double>(fast.cycles - dense.cycles) /
                                          static_cast<double>(dense.cycles));
          }
        }
      }
      fmt::print(
          "{:<22} {:>5}x {:>7} {:>7} {:>9.1f} {:>7} {:>5} {:>8.2f} {:>8.2f} {:>8.3f} {:>11.1f} "
          "{:>9.1f} {:>10.1f}\n",
          arch.name, scale, t.layers, t.faster, t.best_saving, t.slower, t.gaps, t.worst_gap,
          pct(t.cycles[0], t.cycles[1], t.cycles[0]), pct(t.cycles[1], t.cycles[2], t.cycles[2]),
          t.seconds[0] * 1e3, t.seconds[1] * 1e3, t.seconds[2] * 1e3);
      std::fflush(stdout);
      all.layers += t.layers, all.faster += t.faster, all.slower += t.slower, all.gaps += t.gaps;
      all.best_saving = std::max(all.best_saving, t.best_saving);
      for (int s = 0; s < 3; ++s) all.cycles[s] += t.cycles[s];
      all.worst_gap = std::max(all.worst_gap, t.worst_gap);
      for (int s = 0; s < 3; ++s) all.seconds[s] += t.seconds[s];
    }
  }
  fmt::print(
      "{:<22} {:>6} {:>7} {:>7} {:>9.1f} {:>7} {:>5} {:>8.2f} {:>8.2f} {:>8.3f} {:>11.1f} {:>9.1f} "
      "{:>10.1f}\n",
      "all", "", all.layers, all.faster, all.best_saving, all.slower, all.gaps, all.worst_gap,
      pct(all.cycles[0], all.cycles[1], all.cycles[0]),
      pct(all.cycles[1], all.cycles[2], all.cycles[2]), all.seconds[0] * 1e3, all.seconds[1] * 1e3,
      all.seconds[2] * 1e3);
  fmt::print("fast / maximal compile time: {:.2f}; dense / fast: {:.1f}\n",
             all.seconds[1] / all.seconds[0], all.seconds[2] / all.seconds[1]);
  return all.slower == 0 ? 0 : 1;
}
