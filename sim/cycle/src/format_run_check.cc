// The check of a backend on a network in number formats (format_run_check.h).

#include "quasar/sim/cycle/format_run_check.h"

#include <stdexcept>

#include "quasar/sim/cycle/format_network.h"

namespace quasar::sim::cycle {
namespace {

LayerCheck Compare(const std::string& name, const models::FloatTensor& g,
                   const models::FloatTensor& y) {
  LayerCheck k = CompareLayer(
      name, g, y, [](float a, float b) { return models::Float32Bits(a) == models::Float32Bits(b); },
      [&](LayerCheck* c, int64_t j) { c->expected_float = g[j], c->actual_float = y[j]; });
  k.floats = true;
  return k;
}

}  // namespace

std::string FormatCheckedRun::FirstDisagreement() const { return sim::FirstDisagreement(checks); }

FormatCheckedRun RunCheckedFormats(const Backend& backend, const FormatRunCheckJob& job,
                                   const RunOptions& options) {
  const FormatJob& f = *job.formats;
  const models::NetworkSpec& net = *f.net;
  FormatCheckedRun r;
  // The backend first: what it cannot run is refused before the golden run's minutes of work.
  Job j;
  j.schedule = job.schedule;
  j.arch = job.arch;
  j.table = job.table;
  j.formats = &f;
  r.run = backend.Run(j, options);
  if (job.progress) {
    job.progress("golden format run...");
  }
  // The golden kernels, counting the FP8 register's overflows per layer.
  std::map<std::string, int64_t> golden_overflows;
  const models::AccumulatorSpec acc = f.fp8_acc;
  r.golden = RunFormatNetwork(net, *f.params, *f.emulated, *f.inputs,
                              [&golden_overflows, acc](const FormatLayer& layer) {
                                std::vector<std::vector<float>> y;
                                int64_t& count = golden_overflows[layer.name];
                                for (const FormatGemm& g : layer.gemms) {
                                  y.push_back(GoldenFormatGemm(layer, g, acc, &count));
                                }
                                return y;
                              });
  const std::vector<LayerPerf>& ran = r.run.perf.layers;
  for (size_t i = 0; i < ran.size(); ++i) {
    const std::string& name = net.layers[i].name;
    const auto y = r.run.float_tensors.find(name);
    if (y == r.run.float_tensors.end() || ran.size() != net.layers.size()) {
      throw std::logic_error("RunCheckedFormats: the backend returned no output of layer '" + name +
                             "'");
    }
    LayerCheck k = Compare(name, r.golden.at(name), y->second);
    const auto ovf = golden_overflows.find(name);
    k.golden_overflows = ovf == golden_overflows.end() ? 0 : ovf->second;
    k.overflows = r.run.overflow_events.at(i);
    k.reference_cycles = job.timing_reference->layers.at(i).cycles;
    k.cycles = ran[i].cycles;
    r.simulated_macs += ran[i].events.macs;
    r.checks.push_back(k);
  }
  return r;
}

}  // namespace quasar::sim::cycle
