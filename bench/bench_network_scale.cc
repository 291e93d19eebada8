// Benchmark: network handling scales linearly with the layer count. Chains of N small
// fully-connected layers (YAML text made in memory) are parsed (ParseNetwork: YAML, key checks,
// shape inference, precision), compiled by the mapper (sim::Compile) and evaluated by the
// analytical model, for N = 10^3 .. max; each stage's time per layer is printed, and the ratio of
// the largest chain's time per layer to the smallest's (1.0 for linear time; a scan per lookup
// made it grow with N).
// Usage: bench_network_scale [max layers, default 100000]. See docs/benchmarks.md.

#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_util.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/analytical.h"

using namespace quasar;
using bench::Seconds;

namespace {

std::string Chain(int64_t layers) {
  std::string text = "version: 1\nname: chain\ninputs:\n  - {name: x, shape: [1, 16]}\nlayers:\n";
  text.reserve(text.size() + static_cast<size_t>(layers) * 72);
  for (int64_t i = 0; i < layers; ++i) {
    text += fmt::format("  - {{name: l{}, op: fully_connected, out_features: 16, activation: relu}}\n", i);
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t max_layers = argc > 1 ? std::atoll(argv[1]) : 100000;
  const std::string src = QUASAR_SOURCE_DIR;
  const models::ArchSpec arch =
      models::LoadArchSpec(src + "/workloads/accelerators/edge_32x32_os.yaml");
  const models::CostTable table = models::LoadCostTable(arch.technology);
  fmt::print("chains of fully_connected 16x16 layers on {}; microseconds per layer\n", arch.name);
  fmt::print("{:>9} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "layers", "parse", "compile",
             "evaluate", "total", "total s");
  double first = 0, last = 0;
  for (int64_t n = 1000; n <= max_layers; n *= 10) {
    const std::string text = Chain(n);
    auto t0 = std::chrono::steady_clock::now();
    const models::NetworkSpec net = models::ParseNetwork(text, "chain.yaml");
    const double parse = Seconds(t0);
    t0 = std::chrono::steady_clock::now();
    const compiler::Schedule s =
        sim::Compile(net, arch, table, compiler::Objective::kCycles, compiler::MapperSearch::kFast);
    const double compile = Seconds(t0);
    t0 = std::chrono::steady_clock::now();
    const sim::NetworkPerf perf = sim::EvaluateSchedule(s, arch, table);
    const double evaluate = Seconds(t0);
    if (!perf.ok() || perf.layers.size() != static_cast<size_t>(n)) {
      fmt::print("ERROR: the {}-layer chain did not run: {}\n", n, perf.status);
      return 1;
    }
    const double total = parse + compile + evaluate;
    const double per = 1e6 / static_cast<double>(n);
    fmt::print("{:>9} {:>10.1f} {:>10.1f} {:>10.1f} {:>10.1f} {:>10.2f}\n", n, parse * per,
               compile * per, evaluate * per, total * per, total);
    first = first == 0 ? total * per : first;
    last = total * per;
  }
  fmt::print("time per layer, largest chain / smallest: {:.2f}\n", last / first);
  return 0;
}
