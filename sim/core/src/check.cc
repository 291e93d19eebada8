#include "quasar/sim/core/check.h"

#include <fmt/core.h>

#include <stdexcept>

namespace quasar::sim {

bool CheckedRun::bit_exact() const {
  for (const LayerCheck& c : checks) {
    if (c.mismatches != 0) {
      return false;
    }
  }
  return true;
}

std::string LayerCheck::ExpectedText() const {
  return floats ? fmt::format("{}", expected_float) : std::to_string(expected);
}

std::string LayerCheck::ActualText() const {
  return floats ? fmt::format("{}", actual_float) : std::to_string(actual);
}

std::string LayerCheck::Disagreement() const {
  if (mismatches != 0) {
    return "layer " + name + ": " + std::to_string(mismatches) + " of " + std::to_string(compared) +
           " elements differ, the first at index " + std::to_string(first_index) + " (expected " +
           ExpectedText() + ", got " + ActualText() + ")";
  }
  if (overflows != golden_overflows) {
    return "layer " + name + ": " + std::to_string(overflows) +
           " accumulator overflows, the golden reference " + std::to_string(golden_overflows);
  }
  if (cycles != reference_cycles) {
    return "layer " + name + ": " + std::to_string(cycles) + " cycles, the analytical model " +
           std::to_string(reference_cycles);
  }
  return "";
}

std::string CheckedRun::FirstDisagreement() const { return sim::FirstDisagreement(checks); }

std::string FirstDisagreement(const std::vector<LayerCheck>& checks) {
  for (const LayerCheck& c : checks) {
    if (std::string d = c.Disagreement(); !d.empty()) {
      return d;
    }
  }
  return "";
}

models::QuantizedNetwork ReferenceForHardware(models::QuantizedNetwork qnet,
                                              const compiler::Schedule& schedule,
                                              const models::ArchSpec& arch) {
  qnet = models::WithAccumulator(std::move(qnet), arch.mac.accumulator);
  for (size_t i = 0; i < qnet.layers.size() && i < schedule.layers.size(); ++i) {
    models::LayerSpec& spec = qnet.layers[i].spec;
    if (spec.op == models::LayerOp::kBinaryConv2d) {
      const compiler::LayerSchedule& l = schedule.layers[i];
      const bool lanes = l.bits.binary && arch.mac.binary_lanes > 0;
      spec.binary_lanes = lanes ? l.pack : 1;
    }
  }
  return qnet;
}

namespace {

LayerCheck Compare(const std::string& name, const models::IntTensor& g,
                   const models::IntTensor& y, const std::vector<int64_t>* finish_cycles) {
  return CompareLayer(
      name, g, y, [](int32_t a, int32_t b) { return a == b; },
      [&](LayerCheck* k, int64_t j) {
        k->expected = g[j], k->actual = y[j];
        if (finish_cycles != nullptr) {
          k->first_cycle = (*finish_cycles)[static_cast<size_t>(j)];
        }
      });
}

}  // namespace

CheckedRun RunChecked(const Backend& backend, const CheckJob& job, const RunOptions& options) {
  CheckedRun r;
  r.reference = ReferenceForHardware(*job.qnet, *job.schedule, *job.arch);
  if (job.progress) {
    job.progress("golden reference...");
  }
  r.golden = models::RunQuantizedNetwork(r.reference, *job.inputs);
  std::map<std::string, models::IntTensor> qin;
  for (const models::NetInput& in : r.reference.net.inputs) {
    qin[in.name] = r.golden.tensors.at(in.name);
  }
  Job j;
  j.schedule = job.schedule;
  j.arch = job.arch;
  j.table = job.table;
  j.qnet = &r.reference;
  j.inputs = &qin;
  r.run = backend.Run(j, options);
  const std::vector<LayerPerf>& ran = r.run.perf.layers;
  for (size_t i = 0; i < ran.size(); ++i) {
    const std::string& name = r.reference.net.layers[i].name;
    if (!options.array_layers.empty() && !options.array_layers.count(name)) {
      continue;
    }
    const auto cycles = r.run.output_cycles.find(name);
    LayerCheck k = Compare(name, r.golden.tensors.at(name), r.run.tensors.at(name),
                           cycles == r.run.output_cycles.end() ? nullptr : &cycles->second);
    k.golden_overflows = r.golden.layers[i].stats.overflow_events;
    k.overflows = r.run.overflow_events.at(i);
    k.reference_cycles = job.timing_reference->layers.at(i).cycles;
    k.cycles = ran[i].cycles;
    r.simulated_macs += ran[i].events.macs;
    r.checks.push_back(k);
  }
  return r;
}

}  // namespace quasar::sim
