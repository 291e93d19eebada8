// Benchmark: the mapper's four searches (mapper.h) on every GEMM layer of the given networks,
// on every accelerator preset, at half, once and twice the preset's buffer sizes. For each
// preset and size it compiles each network with the maximal, the fast (a sweep's default), the
// refined (the default) and the dense search for cycles, evaluates the schedules, and compares
// the layers' cycles:
//   faster      layers the fast search maps in fewer cycles than the maximal one (the search of
//               earlier versions), and the largest saving;
//   slower      layers it maps in more, or the refined search in more than the fast one (must
//               be 0: the fast candidates contain the maximal ones, the refined search starts
//               from the fast one's choice);
//   gap         layers the fast search leaves above the dense one, and the largest gap;
//   total -%    the layers' cycles summed: what the fast search saves over the maximal one;
//   total +%    ... and what it leaves above the dense one;
//   r gap, r gap %, r total +%   the same three for the refined search against the dense one;
// and the time each search took, summed over the networks (one run, so their ratio is measured
// under the same load).
// The layers the refined search leaves above the dense one are counted twice more: where the
// dense tiling's array cycles are no fewer than the refined one's (it wins on stall cycles
// alone: the exposed first load and last store, or DRAM steps the pipeline does not hide), and
// the rest; `--gaps FILE` writes each such layer (CSV: both tilings, cycles and array cycles).
// Usage: bench_mapper [--no-dense] [--gaps FILE] [network.yaml ...] (default: every network of
// workloads/networks; the dense search takes seconds per network, --no-dense skips it and
// compares against the refined one instead).
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

constexpr int kSearches = 4;  // maximal, fast, refined, dense

struct Tally {
  int layers = 0, faster = 0, slower = 0, gaps = 0, refined_gaps = 0, stall_only_gaps = 0;
  double best_saving = 0, worst_gap = 0, worst_refined_gap = 0;
  int64_t cycles[kSearches] = {0, 0, 0, 0};  // summed over the layers compared
  double seconds[kSearches] = {0, 0, 0, 0};
};

}  // namespace

int main(int argc, char** argv) {
  const std::string src = QUASAR_SOURCE_DIR;
  std::vector<std::string> nets(argv + 1, argv + argc);
  const bool with_dense = nets.empty() || nets.front() != "--no-dense";
  if (!with_dense) nets.erase(nets.begin());
  std::FILE* gaps = nullptr;
  if (nets.size() >= 2 && nets.front() == "--gaps") {
    gaps = std::fopen(nets[1].c_str(), "w");
    if (gaps == nullptr) {
      fmt::print(stderr, "bench_mapper: --gaps: cannot write '{}'\n", nets[1]);
      return 2;
    }
    fmt::print(gaps,
               "accelerator,sram,network,layer,m,k,n,refined_tiling,dense_tiling,refined_cycles,"
               "dense_cycles,gap_pct,refined_array_cycles,dense_array_cycles\n");
    nets.erase(nets.begin(), nets.begin() + 2);
  }
  if (nets.empty()) nets = Files(src + "/workloads/networks");
  std::vector<models::NetworkSpec> networks;
  for (const std::string& n : nets) networks.push_back(models::LoadNetwork(n));
  fmt::print("{} networks; cycles objective; layer cycles compared per search\n", networks.size());
  fmt::print(
      "{:<22} {:>6} {:>7} {:>7} {:>9} {:>7} {:>5} {:>8} {:>8} {:>8} {:>6} {:>8} {:>10} {:>11} "
      "{:>9} {:>11} {:>10}\n",
      "accelerator", "sram", "layers", "faster", "saving %", "slower", "gap", "gap %", "total -%",
      "total +%", "r gap", "r gap %", "r total +%", "maximal ms", "fast ms", "refined ms",
      "dense ms");
  // 100 (a - b) / base.
  auto pct = [](int64_t a, int64_t b, int64_t base) {
    return base == 0 ? 0.0 : 100.0 * static_cast<double>(a - b) / static_cast<double>(base);
  };
  Tally all;
  const auto row = [&](const std::string& name, const std::string& size, const Tally& x) {
    fmt::print(
        "{:<22} {:>6} {:>7} {:>7} {:>9.1f} {:>7} {:>5} {:>8.2f} {:>8.2f} {:>8.3f} {:>6} "
        "{:>8.2f} {:>10.3f} {:>11.1f} {:>9.1f} {:>11.1f} {:>10.1f}\n",
        name, size, x.layers, x.faster, x.best_saving, x.slower, x.gaps, x.worst_gap,
        pct(x.cycles[0], x.cycles[1], x.cycles[0]), pct(x.cycles[1], x.cycles[3], x.cycles[3]),
        x.refined_gaps, x.worst_refined_gap, pct(x.cycles[2], x.cycles[3], x.cycles[3]),
        x.seconds[0] * 1e3, x.seconds[1] * 1e3, x.seconds[2] * 1e3, x.seconds[3] * 1e3);
    std::fflush(stdout);
  };
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
        sim::NetworkPerf perf[kSearches];
        compiler::Schedule schedules[kSearches];
        const MapperSearch searches[kSearches] = {MapperSearch::kMaximal, MapperSearch::kFast,
                                                  MapperSearch::kRefined, MapperSearch::kDense};
        for (int s = 0; s < (with_dense ? kSearches : kSearches - 1); ++s) {
          const auto t0 = std::chrono::steady_clock::now();
          schedules[s] = sim::Compile(net, arch, table, compiler::Objective::kCycles, searches[s]);
          t.seconds[s] += Seconds(t0);
          perf[s] = sim::EvaluateSchedule(schedules[s], arch, table);
        }
        if (!with_dense) perf[3] = perf[2], schedules[3] = schedules[2];
        for (size_t i = 0; i < perf[0].layers.size(); ++i) {
          const sim::LayerPerf &maximal = perf[0].layers[i], &fast = perf[1].layers[i],
                               &refined = perf[2].layers[i], &dense = perf[3].layers[i];
          if (maximal.kind != "gemm" || !maximal.ok() || !fast.ok() || !refined.ok() ||
              !dense.ok()) {
            continue;
          }
          ++t.layers;
          for (int s = 0; s < kSearches; ++s) t.cycles[s] += perf[s].layers[i].cycles;
          t.slower += refined.cycles > fast.cycles;  // the refined search starts from fast's
          if (refined.cycles > dense.cycles) {
            ++t.refined_gaps;
            t.stall_only_gaps += dense.compute_cycles >= refined.compute_cycles;
            if (gaps != nullptr) {
              const auto tiling = [](const compiler::Tiling& x) {
                return fmt::format("{}x{}x{} {}", x.m, x.k, x.n, compiler::LoopOrderName(x.order));
              };
              const compiler::LayerSchedule& g = schedules[2].layers[i];
              fmt::print(gaps, "{},{}x,{},{},{},{},{},{},{},{},{},{:.4f},{},{}\n", arch.name, scale,
                         net.name, refined.name, g.gemm.m, g.gemm.k, g.gemm.n, tiling(g.tiling),
                         tiling(schedules[3].layers[i].tiling), refined.cycles, dense.cycles,
                         pct(refined.cycles, dense.cycles, dense.cycles), refined.compute_cycles,
                         dense.compute_cycles);
            }
            t.worst_refined_gap = std::max(
                t.worst_refined_gap, 100.0 * static_cast<double>(refined.cycles - dense.cycles) /
                                         static_cast<double>(dense.cycles));
          }
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
      row(arch.name, fmt::format("{}x", scale), t);
      all.layers += t.layers, all.faster += t.faster, all.slower += t.slower, all.gaps += t.gaps;
      all.refined_gaps += t.refined_gaps, all.stall_only_gaps += t.stall_only_gaps;
      all.best_saving = std::max(all.best_saving, t.best_saving);
      all.worst_gap = std::max(all.worst_gap, t.worst_gap);
      all.worst_refined_gap = std::max(all.worst_refined_gap, t.worst_refined_gap);
      for (int s = 0; s < kSearches; ++s) {
        all.cycles[s] += t.cycles[s], all.seconds[s] += t.seconds[s];
      }
    }
  }
  row("all", "", all);
  fmt::print(
      "layers the refined search leaves above the dense one: {}, of which {} where the dense "
      "tiling's array cycles are no fewer (it wins on stall cycles alone)\n",
      all.refined_gaps, all.stall_only_gaps);
  if (gaps != nullptr) std::fclose(gaps);
  fmt::print("fast / maximal compile time: {:.2f}; refined / fast: {:.1f}; dense / fast: {:.1f}\n",
             all.seconds[1] / all.seconds[0], all.seconds[2] / all.seconds[1],
             all.seconds[3] / all.seconds[1]);
  return all.slower == 0 ? 0 : 1;
}
