#include "cycle_check.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

#include "layer_outputs.h"
#include "quasar/models/error.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/sim/cycle/array_fit_error.h"
#include "quasar/sim/cycle/format_run_check.h"
#include "quasar/sim/explore/backend_eval.h"

namespace quasar::cli {
namespace {

// Progress on a terminal: "[run] cycle model: layer i/n name", rewritten in place.
std::function<void(size_t, size_t, const std::string&)> LayerProgress(bool tty) {
  return [tty](size_t i, size_t n, const std::string& name) {
    if (tty) {
      fmt::print(stderr, "\r[run] cycle model: layer {}/{} {:<24}", i + 1, n, name);
    }
  };
}

// The check's result for the report, after a run with `tty` progress.
CycleResult Result(const sim::BackendRun& run, const std::vector<sim::LayerCheck>& checks,
                   int64_t simulated_macs, std::string title, bool tty) {
  if (tty) {
    fmt::print(stderr, "\n");
  }
  CycleResult r;
  r.wall_seconds = run.wall_seconds;
  r.checks = checks;
  r.simulated_macs = simulated_macs;
  r.perf = run.perf;
  r.title = std::move(title);
  r.first_disagreement = sim::FirstDisagreement(checks);
  return r;
}

void SayTrace(const CycleOptionsCli& c) {
  if (!c.run.trace_path.empty()) {
    fmt::print(stderr, "[run] VCD trace written to {}\n", c.run.trace_path);
  }
}

}  // namespace

InputError ArchRefusal(const models::ArchSpec& arch, const InputError& err) {
  const auto* fit = dynamic_cast<const sim::cycle::ArrayFitError*>(&err);
  return InputError(arch.file + ": " + err.what() +
                    (fit != nullptr && !fit->key().empty()
                         ? " (the register is " + fit->key() + "'s bits)"
                         : ""));
}

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
  opt.on_layer = LayerProgress(tty);
  sim::CheckJob job{&q, &inputs, &s, &t.arch, &t.table, &analytical};
  job.progress = [](const std::string& what) { fmt::print(stderr, "[run] {}\n", what); };
  const sim::CheckedRun run = sim::RunChecked(backend, job, opt);
  CycleResult r = Result(run.run, run.checks, run.simulated_macs, backend.Title(t.arch), tty);
  if (!c.save_outputs.empty()) {
    WriteLayerOutputs(c.save_outputs, q, run.run.tensors, run.run.perf.layers.size(), "[run]");
  }
  SayTrace(c);
  return r;
}

CycleResult RunCheckedFormatBackend(const sim::Backend& backend, const compiler::Schedule& s,
                                    const Target& t, const TargetOptions& o,
                                    const CycleOptionsCli& c, const sim::NetworkPerf& analytical) {
  backend.Check(t.arch, c.run);
  if (!c.save_outputs.empty()) {
    throw InputError("--save-outputs writes integer layer outputs; network " + t.net.name +
                     " is in a number format, whose tensors are float32");
  }
  const uint64_t seed = o.net.seed;
  fmt::print(stderr, "[run] {}: number formats, emulated and calibrated on {} samples\n",
             t.net.name, o.net.calib_samples);
  const sim::explore::BackendValues v =
      sim::explore::QuantizeForBackend(t.net, seed, o.net.calib_samples);
  const sim::FormatJob formats{&t.net, &v.params, &*v.emulated, &v.inputs, t.arch.mac.accumulator};
  sim::RunOptions opt = c.run;
  const bool tty = isatty(fileno(stderr)) != 0;
  opt.on_layer = LayerProgress(tty);
  sim::cycle::FormatRunCheckJob job{&formats, &s, &t.arch, &t.table, &analytical};
  job.progress = [](const std::string& what) { fmt::print(stderr, "[run] {}\n", what); };
  sim::cycle::FormatCheckedRun run;
  try {
    run = sim::cycle::RunCheckedFormats(backend, job, opt);
  } catch (const sim::cycle::ArrayFitError& err) {
    throw ArchRefusal(t.arch, err);
  }
  CycleResult r = Result(run.run, run.checks, run.simulated_macs,
                         backend.Title(t.arch) + " (number formats)", tty);
  SayTrace(c);
  return r;
}

}  // namespace quasar::cli
