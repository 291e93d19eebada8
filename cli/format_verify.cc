#include "format_verify.h"

#include <fmt/core.h>

#include <chrono>

#include "cycle_check.h"
#include "quasar/models/error.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/report/format_verify.h"
#include "quasar/sim/cycle/format_check.h"
#include "quasar/sim/explore/backend_eval.h"

namespace quasar::cli {

int VerifyNumberFormats(const Target& t, const TargetOptions& target, const sim::Backend& backend,
                        const sim::RunOptions& run, const report::VerifySubject& subject,
                        const FormatVerifyOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const models::NetworkSpec& net = t.net;
  const uint64_t seed = target.net.seed;
  fmt::print(stderr, "[verify] {}: number formats, emulated and calibrated on {} samples\n",
             net.name, target.net.calib_samples);
  const sim::explore::BackendValues v =
      sim::explore::QuantizeForBackend(net, seed, target.net.calib_samples);
  sim::cycle::FormatCheckJob job;
  job.net = &net;
  job.params = &v.params;
  job.emulated = &*v.emulated;
  job.inputs = &v.inputs;
  job.input = "input sample 0 (seed " + std::to_string(seed) + ")";
  job.fp8_acc = t.arch.mac.accumulator;
  job.layers = o.layers;
  job.on_layer = [](size_t i, size_t n, const std::string& name) {
    fmt::print(stderr, "[verify] layer {}/{} {}\n", i + 1, n, name);
  };
  sim::cycle::PeConfig shape;
  shape.dataflow = t.arch.dataflow;
  shape.rows = t.arch.rows;
  shape.cols = t.arch.cols;
  sim::cycle::FormatCheckResult r;
  try {
    backend.RunOnArray(t.arch, run,
                       [&](sim::cycle::ArrayIf& array, const sim::cycle::ArrayWidths& widths) {
                         r = sim::cycle::CheckFormatNetwork(array, shape, widths, job);
                       });
  } catch (const InputError& err) {
    throw ArchRefusal(t.arch, err);
  }
  if (r.layers.empty()) {
    std::string names;
    for (const std::string& l : o.layers) {
      names += (names.empty() ? "" : ",") + l;
    }
    throw InputError(
        "network " + net.name + ": no layer" +
        (o.layers.empty() ? "" : " of --layers (" + names + ")") +
        " runs a number format's GEMM kernel, so there is nothing to check" +
        (r.skipped.empty() ? "" : " (" + r.skipped[0].layer + ": " + r.skipped[0].reason + ")"));
  }
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string text = o.format == "json"
                               ? report::FormatVerifyJson(subject, r, o.timing).dump(2) + "\n"
                               : report::FormatVerifyTable(subject, r);
  WriteReport(text, o.out, o.format, "verify");
  if (const std::string failure = r.Failure(); !failure.empty()) {
    fmt::print(stderr, "error: {}\n", failure);
    return kExitMismatch;
  }
  return 0;
}

}  // namespace quasar::cli
