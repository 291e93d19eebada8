#include "cycle_check.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/npy.h"
#include "quasar/sim/cycle/cycle_model.h"

namespace quasar::cli {

bool CycleResult::bit_exact() const {
  for (const LayerCheck& c : checks) {
    if (c.mismatches != 0) {
      return false;
    }
  }
  return true;
}

CycleResult RunCycleBackend(const compiler::Schedule& s, const Target& t, const TargetOptions& o,
                            const CycleOptionsCli& c, const sim::NetworkPerf& analytical) {
  if (!c.trace.empty()) {  // before minutes of work, not after
    if (t.arch.PeCount() > sim::cycle::kMaxTracedPes) {
      throw InputError("--trace records every PE: at most " +
                       std::to_string(sim::cycle::kMaxTracedPes) + " PEs, this array has " +
                       std::to_string(t.arch.PeCount()));
    }
    sim::cycle::CheckTracePath(c.trace);
  }
  const models::FloatNetParams params = models::MakeFloatParams(t.net, o.net.seed);
  models::QuantizedNetwork q = QuantizeWithOptions(o.net, t.net, params);
  // The reference computes with the accelerator's accumulator and XNOR lane groups.
  models::SetAccumulator(&q, t.arch.mac.accumulator);
  sim::cycle::MatchReferenceToHardware(&q, s, t.arch);
  const auto inputs = models::MakeInputs(q.net, o.net.seed, 0);
  fmt::print(stderr, "[run] golden reference...\n");
  const models::QuantizedRun golden = models::RunQuantizedNetwork(q, inputs);
  std::map<std::string, models::IntTensor> qin;
  for (const models::NetInput& in : q.net.inputs) {
    qin[in.name] = golden.tensors.at(in.name);
  }
  sim::cycle::CycleOptions opt;
  opt.trace_path = c.trace;
  opt.make_array = c.make_array;
  opt.array_name = c.array_name;
  opt.array_layers.insert(c.layers.begin(), c.layers.end());
  opt.record_output_cycles = true;
  for (const models::NetLayer& l : q.net.layers) {  // the last selected layer in network order
    if (opt.array_layers.count(l.name)) {
      opt.stop_after = l.name;
    }
  }
  const bool tty = isatty(fileno(stderr)) != 0;
  opt.on_layer = [tty](size_t i, size_t n, const std::string& name) {
    if (tty) {
      fmt::print(stderr, "\r[run] cycle model: layer {}/{} {:<24}", i + 1, n, name);
    }
  };
  const sim::cycle::CycleRun run = sim::cycle::RunCycleModel(q, s, t.arch, qin, opt);
  if (tty) {
    fmt::print(stderr, "\n");
  }
  CycleResult r;
  r.wall_seconds = run.wall_seconds;
  for (size_t i = 0; i < run.layers.size(); ++i) {
    const std::string& name = q.net.layers[i].name;
    if (!opt.array_layers.empty() && !opt.array_layers.count(name)) {
      continue;
    }
    const models::IntTensor& g = golden.tensors.at(name);
    const models::IntTensor& y = run.tensors.at(name);
    LayerCheck k;
    k.name = name;
    k.compared = g.size();
    if (g.shape != y.shape) {
      k.mismatches = g.size();
      k.first_index = 0;
    } else {
      for (int64_t j = 0; j < g.size(); ++j) {
        if (g[j] != y[j]) {
          if (k.mismatches++ == 0) {
            k.first_index = j, k.expected = g[j], k.actual = y[j];
            k.first_cycle = run.output_cycles.at(name)[static_cast<size_t>(j)];
          }
        }
      }
    }
    k.golden_overflows = golden.layers[i].stats.overflow_events;
    k.cycle_overflows = run.overflow_events[i];
    k.analytical_cycles = analytical.layers[i].cycles;
    k.cycles = run.layers[i].cycles;
    r.simulated_macs += run.layers[i].events.macs;
    r.checks.push_back(k);
  }
  r.perf = sim::Summarize(s.network, t.arch, t.table, run.layers);
  r.title = c.title;
  if (!c.save_outputs.empty()) {
    std::filesystem::create_directories(c.save_outputs);
    for (size_t i = 0; i < run.layers.size(); ++i) {
      const models::NetLayer& l = q.net.layers[i];
      models::WriteNpy(c.save_outputs + "/" + l.name + ".npy", run.tensors.at(l.name),
                       models::NpyDtypeFor(q.tensors.at(l.name).type));
    }
    fmt::print(stderr, "[run] {} layer outputs written to {}/<layer>.npy\n", run.layers.size(),
               c.save_outputs);
  }
  if (!c.trace.empty()) {
    fmt::print(stderr, "[run] VCD trace written to {}\n", c.trace);
  }
  return r;
}

std::string CheckTable(const CycleResult& r) {
  std::string out = "\nBit-exact check: " + r.title + " vs golden reference\n";
  out += fmt::format("{:<20} {:>10} {:>10} {:>12} {:>12} {:>12} {:>12}  {}\n", "layer", "compared",
                     "mismatch", "overflows", "golden ovf", "cycles", "analytical",
                     "first mismatch (index: expected/actual @ cycle)");
  int64_t compared = 0, mism = 0;
  for (const LayerCheck& c : r.checks) {
    compared += c.compared, mism += c.mismatches;
    out += fmt::format(
        "{:<20} {:>10} {:>10} {:>12} {:>12} {:>12} {:>12}  {}\n", c.name.substr(0, 20), c.compared,
        c.mismatches, c.cycle_overflows, c.golden_overflows, c.cycles, c.analytical_cycles,
        c.mismatches == 0
            ? std::string("-")
            : fmt::format("{}: {}/{} @ {}", c.first_index, c.expected, c.actual, c.first_cycle));
  }
  const double mps =
      r.wall_seconds > 0 ? static_cast<double>(r.simulated_macs) / r.wall_seconds : 0.0;
  out += fmt::format(
      "{} elements compared, {} mismatches: {}. Simulated {:.3g} MACs in {:.2f} s "
      "({:.3g} MAC/s).\n",
      compared, mism, mism == 0 ? "BIT-EXACT" : "MISMATCH", double(r.simulated_macs),
      r.wall_seconds, mps);
  return out;
}

nlohmann::ordered_json CheckJson(const CycleResult& r) {
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const LayerCheck& c : r.checks) {
    nlohmann::ordered_json j;
    j["name"] = c.name;
    j["compared"] = c.compared;
    j["mismatches"] = c.mismatches;
    j["first_mismatch"] = c.mismatches == 0 ? nlohmann::ordered_json()
                                            : nlohmann::ordered_json{{"index", c.first_index},
                                                                     {"expected", c.expected},
                                                                     {"actual", c.actual},
                                                                     {"cycle", c.first_cycle}};
    j["overflow_events"] = c.cycle_overflows;
    j["golden_overflow_events"] = c.golden_overflows;
    j["cycles"] = c.cycles;
    j["analytical_cycles"] = c.analytical_cycles;
    layers.push_back(j);
  }
  nlohmann::ordered_json j;
  j["bit_exact"] = r.bit_exact();
  j["wall_seconds"] = r.wall_seconds;
  j["simulated_macs"] = r.simulated_macs;
  j["layers"] = layers;
  return j;
}

}  // namespace quasar::cli
