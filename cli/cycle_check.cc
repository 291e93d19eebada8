#include "cycle_check.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

#include "layer_outputs.h"
#include "quasar/models/net/float_net.h"

namespace quasar::cli {

CycleResult RunCheckedBackend(const sim::Backend& backend, const compiler::Schedule& s,
                              const Target& t, const TargetOptions& o, const CycleOptionsCli& c,
                              const sim::NetworkPerf& analytical) {
  backend.Check(t.arch, c.run);  // before minutes of work, not after
  const models::FloatNetParams params = models::MakeFloatParams(t.net, o.net.seed);
  const models::QuantizedNetwork q = QuantizeWithOptions(o.net, t.net, params);
  const auto inputs = models::MakeInputs(q.net, o.net.seed, 0);
  sim::RunOptions opt = c.run;
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
  sim::CheckJob job{&q, &inputs, &s, &t.arch, &t.table, &analytical};
  job.progress = [](const std::string& what) { fmt::print(stderr, "[run] {}\n", what); };
  const sim::CheckedRun run = sim::RunChecked(backend, job, opt);
  if (tty) {
    fmt::print(stderr, "\n");
  }
  CycleResult r;
  r.wall_seconds = run.run.wall_seconds;
  r.checks = run.checks;
  r.simulated_macs = run.simulated_macs;
  r.perf = run.run.perf;
  r.title = backend.Title(t.arch);
  r.first_disagreement = run.FirstDisagreement();
  if (!c.save_outputs.empty()) {
    WriteLayerOutputs(c.save_outputs, q, run.run.tensors, run.run.perf.layers.size(), "[run]");
  }
  if (!c.run.trace_path.empty()) {
    fmt::print(stderr, "[run] VCD trace written to {}\n", c.run.trace_path);
  }
  return r;
}

}  // namespace quasar::cli
