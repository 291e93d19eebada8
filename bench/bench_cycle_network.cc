// Benchmark: a whole network simulated with values by the SystemC cycle model, one core. For
// each dataflow of a rows x cols array (default: 8-bit ResNet-18 on 32 x 32), quantizes the
// network (synthetic weights, seed 1), compiles it, and checks the cycle model ("systemc"
// backend) against the golden reference with sim::RunChecked; prints the wall time of each, the
// simulated MACs per second, and whether the outputs agree on every element and the cycles with
// the analytical model's.
// Usage: bench_cycle_network [network.yaml] [rows] [cols]. See docs/benchmarks.md.

#include <fmt/core.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "bench_util.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/backends.h"
#include "quasar/sim/core/check.h"

using namespace quasar;
using bench::Seconds;

extern "C" int sc_main(int, char**) { return 1; }  // libsystemc's main() is not used

int main(int argc, char** argv) {
  const std::string src = QUASAR_SOURCE_DIR;
  const std::string path = argc > 1 ? argv[1] : src + "/workloads/networks/resnet18.yaml";
  models::ArchSpec arch = models::LoadArchSpec(src + "/workloads/accelerators/edge_32x32_os.yaml");
  arch.rows = argc > 2 ? std::atoi(argv[2]) : 32;
  arch.cols = argc > 3 ? std::atoi(argv[3]) : 32;
  const models::NetworkSpec net = models::LoadNetwork(path);
  const models::CostTable table = models::LoadArchCostTable(arch);
  const models::FloatNetParams params = models::MakeFloatParams(net, 1);
  auto t0 = std::chrono::steady_clock::now();
  models::QuantizedNetwork q =
      models::QuantizeNetwork(net, params, {models::MakeInputs(net, 1, 1)});
  q = models::WithAccumulator(std::move(q), arch.mac.accumulator);
  fmt::print("{}: {:.2f} GMAC, {} layers, {}x{} array, quantized in {:.1f} s\n", net.name,
             static_cast<double>(net.TotalMacs()) / 1e9, net.layers.size(), arch.rows, arch.cols,
             Seconds(t0));
  fmt::print("{:<4} {:>12} {:>10} {:>10} {:>14} {:>10} {:>12}\n", "flow", "cycles", "golden s",
             "cycle s", "MAC/s", "bit-exact", "cycles=anal.");
  const auto inputs = models::MakeInputs(net, 1, 0);
  const std::unique_ptr<sim::Backend> backend = sim::BuiltinBackends().Get("systemc").make();
  for (models::Dataflow d :
       {models::Dataflow::kWeightStationary, models::Dataflow::kOutputStationary,
        models::Dataflow::kInputStationary}) {
    arch.dataflow = d;
    const compiler::Schedule s = sim::Compile(q.net, arch, table, compiler::Objective::kCycles,
                                              compiler::MapperSearch::kFast);
    const sim::NetworkPerf anal = sim::EvaluateSchedule(s, arch, table);
    sim::CheckJob job{&q, &inputs, &s, &arch, &table, &anal};
    t0 = std::chrono::steady_clock::now();
    const sim::CheckedRun r = sim::RunChecked(*backend, job, {});
    // The golden run is the check's time outside the cycle model.
    const double golden_s = Seconds(t0) - r.run.wall_seconds;
    bool same_cycles = true;
    for (const sim::LayerCheck& k : r.checks) {
      same_cycles = same_cycles && k.cycles == k.reference_cycles;
    }
    fmt::print("{:<4} {:>12} {:>10.2f} {:>10.2f} {:>14.3g} {:>10} {:>12}\n",
               models::DataflowName(d), r.run.perf.cycles, golden_s, r.run.wall_seconds,
               static_cast<double>(r.simulated_macs) / r.run.wall_seconds,
               r.bit_exact() ? "yes" : "NO", same_cycles ? "yes" : "NO");
  }
}
