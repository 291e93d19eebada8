// Benchmark: the Verilated RTL array next to the C++ array on the same layers, in one process,
// inside the SystemC cycle model (one core). For every GEMM layer of a network on one of the
// built-in RTL presets, the layer runs once with its array computed by the Verilated RTL and
// once by the C++ array (RunOptions::array_layers), both checked bit-exact against the golden
// reference (sim::RunChecked); prints simulated cycles per second and MACs per second of each and their ratio.
// Usage: bench_rtl [network (zoo name)] [preset] (default lenet5 rtl_4x4_ws). See
// docs/benchmarks.md.

#include <fmt/core.h>

#include <chrono>
#include <map>
#include <string>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/backends.h"
#include "quasar/sim/core/check.h"
#include "quasar/sim/rtl/rtl_models.h"

using namespace quasar;

extern "C" int sc_main(int, char**) { return 1; }  // libsystemc's main() is not used

namespace {

struct LayerTime {
  double seconds = 0;
  int64_t cycles = 0, macs = 0;
  bool exact = false;
};

// Runs the check (sim::RunChecked) up to and including `layer` on the RTL-array backend, with
// that layer on the RTL array when `rtl` (else `other_layer` is, and `layer` runs on the C++
// array), and times that layer alone.
LayerTime RunLayer(const sim::Backend& backend, const sim::CheckJob& job,
                   const std::string& layer, const std::string& other_layer, bool rtl) {
  sim::RunOptions o;
  o.stop_after = layer;
  o.array_layers = {rtl ? layer : other_layer};
  std::chrono::steady_clock::time_point start;
  o.on_layer = [&](size_t, size_t, const std::string& name) {
    if (name == layer) {
      start = std::chrono::steady_clock::now();
    }
  };
  const sim::CheckedRun r = sim::RunChecked(backend, job, o);
  LayerTime t;
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  t.cycles = r.run.perf.layers.back().compute_cycles;
  t.macs = r.run.perf.layers.back().events.macs;
  t.exact = r.run.tensors.at(layer).data == r.golden.tensors.at(layer).data;
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string src = QUASAR_SOURCE_DIR;
  const std::string net_name = argc > 1 ? argv[1] : "lenet5";
  const std::string preset = argc > 2 ? argv[2] : "rtl_4x4_ws";
  const models::ArchSpec arch =
      models::LoadArchSpec(src + "/workloads/accelerators/" + preset + ".yaml");
  const sim::rtl::RtlModelInfo* model = sim::rtl::FindArrayFor(arch);
  if (model == nullptr) {
    fmt::print(stderr, "no RTL array is built for {}\n", preset);
    return 2;
  }
  const models::NetworkSpec net =
      models::LoadNetwork(src + "/workloads/networks/" + net_name + ".yaml");
  const models::CostTable table = models::LoadArchCostTable(arch);
  const models::QuantizedNetwork q = models::QuantizeNetwork(
      net, models::MakeFloatParams(net, 1), {models::MakeInputs(net, 1, 1)});
  const compiler::Schedule s =
      sim::Compile(q.net, arch, table, compiler::Objective::kCycles, compiler::MapperSearch::kFast);
  const sim::NetworkPerf anal = sim::EvaluateSchedule(s, arch, table);
  const auto inputs = models::MakeInputs(net, 1, 0);
  sim::CheckJob job{&q, &inputs, &s, &arch, &table, &anal};
  const std::unique_ptr<sim::Backend> backend =
      sim::BuiltinBackends().Get("systemc-rtl-array").make();
  std::string first_gemm;
  for (const compiler::LayerSchedule& l : s.layers) {
    if (l.kind == compiler::LayerKind::kGemm && first_gemm.empty()) {
      first_gemm = l.name;
    }
  }
  fmt::print("{} on {} ({} x {} {}, RTL model {}), one core\n", net.name, arch.name, arch.rows,
             arch.cols, models::DataflowName(arch.dataflow), model->name);
  fmt::print("{:<10} {:>10} {:>12} {:>12} {:>12} {:>12} {:>8} {:>10}\n", "layer", "cycles",
             "RTL cyc/s", "C++ cyc/s", "RTL MAC/s", "C++ MAC/s", "C++/RTL", "bit-exact");
  double rtl_s = 0, cpp_s = 0;
  for (const compiler::LayerSchedule& l : s.layers) {
    if (l.kind != compiler::LayerKind::kGemm) {
      continue;
    }
    // The C++ run puts some other layer on the RTL, so this one runs on the C++ array.
    const std::string other = l.name == first_gemm ? s.layers.back().name : first_gemm;
    const LayerTime r = RunLayer(*backend, job, l.name, other, true);
    const LayerTime c = RunLayer(*backend, job, l.name, other, false);
    rtl_s += r.seconds, cpp_s += c.seconds;
    fmt::print("{:<10} {:>10} {:>12.3g} {:>12.3g} {:>12.3g} {:>12.3g} {:>8.0f} {:>10}\n", l.name,
               r.cycles, r.cycles / r.seconds, c.cycles / c.seconds, r.macs / r.seconds,
               c.macs / c.seconds, r.seconds / c.seconds,
               r.exact && c.exact && r.cycles == c.cycles ? "yes" : "NO");
  }
  fmt::print("all GEMM layers: RTL {:.3f} s, C++ {:.3f} s, ratio {:.0f}x\n", rtl_s, cpp_s,
             rtl_s / cpp_s);
  return 0;
}
