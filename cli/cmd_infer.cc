// `quasar infer`: a whole quantized network through the golden kernels beside its float
// reference; per layer and in total the SQNR, accumulator range, overflows and required width.

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "commands.h"
#include "image_progress.h"
#include "layer_outputs.h"
#include "net_common.h"
#include "output_paths.h"
#include "quasar/models/error.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/npy.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/text_file.h"
#include "quasar/report/accuracy.h"
#include "quasar/sim/cycle/format_network.h"
#include "timing.h"

namespace quasar::cli {
namespace {

using namespace quasar::models;

struct Options {
  NetOptions net;
  DataOptions data;
  std::string expect_top1;
  int threads = 0;
  std::string qnet, format = "table", save_outputs, json_file;
  int acc_bits = 0;
  std::string overflow;
  bool timing = false;
};

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// JSON has no infinity: identical tensors report null.
nlohmann::json Db(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

// --json FILE: the report, indented.
void WriteJsonFile(const std::string& path, const nlohmann::json& j) {
  WriteTextFile(path, j.dump(2) + "\n", "--json");
}

// `infer --data`: accuracy over the test split instead of one input's SQNR.
// `evaluate` runs the quantized network (`what`: "golden integer run" or "golden format run";
// `column` its column in the table) beside the float one over the test split.
int RunOnData(const Options& o, const NetworkSpec& net, const Dataset& data, const char* what,
              const char* column,
              const std::function<AccuracyReport(const AccuracyOptions&)>& evaluate) {
  AccuracyOptions options;
  options.images = o.data.images;
  options.threads = o.threads;
  options.progress = ImageProgress("accuracy");
  const auto t0 = std::chrono::steady_clock::now();
  const AccuracyReport r = evaluate(options);
  const double seconds = Seconds(t0);
  const int threads = o.threads > 0 ? o.threads
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  nlohmann::json j = {{"network", net.name},
                      {"data", data.name},
                      {"rounding", RoundingModeName(net.policy.rounding)},
                      {"threads", threads},
                      {"accuracy", report::AccuracyJson(r, !o.json_file.empty())}};
  if (o.timing) {
    j["seconds"] = seconds;
    j["golden_thread_seconds"] = r.golden_seconds;
    j["float_thread_seconds"] = r.float_seconds;
  }
  int64_t agree = -1;
  if (!o.expect_top1.empty()) {
    // Predictions made elsewhere (e.g. PyTorch's fake-quantized forward pass), one per image.
    const NpyArray a = ReadNpy(o.expect_top1);
    if (a.dtype == NpyDtype::kFloat32 || a.shape.size() != 1 ||
        a.shape[0] < r.images) {
      throw InputError(o.expect_top1 + ": --expect-top1 takes a rank-1 integer array of at "
                       "least " + std::to_string(r.images) + " predictions");
    }
    agree = 0;
    for (int64_t i = 0; i < r.images; ++i) {
      agree += a.ints[static_cast<size_t>(i)] == r.int_pred[static_cast<size_t>(i)];
    }
    j["expected_top1_agreement"] = static_cast<double>(agree) / static_cast<double>(r.images);
  }
  if (!o.json_file.empty()) {
    WriteJsonFile(o.json_file, j);
  }
  if (o.format == "json") {
    j["accuracy"] = report::AccuracyJson(r, false);
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{}: {} vs float reference on {} ({} rounding)\n", net.name, what, data.name,
             RoundingModeName(net.policy.rounding));
  report::PrintAccuracy(r, data.test.source, column);
  if (agree >= 0) {
    fmt::print("{} top-1 = {}: {}\n", column, o.expect_top1, report::Percent(agree, r.images));
  }
  fmt::print("time: {:.2f} s, {:.0f} images/s ({} threads; of the thread time, golden runs "
             "{:.2f} s, float runs {:.2f} s)\n",
             seconds, static_cast<double>(r.images) / seconds, threads, r.golden_seconds,
             r.float_seconds);
  return 0;
}

// A network in a number format (FP8, MX, weights per group), which the golden integer path does
// not run: its golden format run (sim/cycle/format_network.h) beside the float reference, per
// layer on one input, or its accuracy over --data. --acc-bits and --overflow set the FP8 MAC's
// register (default: 128 bits, so every sum is exact).
int RunFormats(const Options& o, const NetworkSpec& net, const FloatNetParams& params,
               const Dataset* data) {
  if (!o.save_outputs.empty()) {
    throw InputError("--save-outputs: network " + net.name +
                     " is in a number format; its golden format run writes no integer layer "
                     "outputs");
  }
  bool small_float = false;  // a layer runs the FP8 MAC, whose register --acc-bits sets
  for (const auto& [name, p] : net.tensor_precision) {
    const QuantCodeDef& d = QuantCodeOf(p.code);
    small_float = small_float || (d.format != nullptr && d.block == 0);
  }
  if (!small_float && (o.acc_bits != 0 || !o.overflow.empty())) {
    throw InputError(std::string(o.acc_bits != 0 ? "--acc-bits" : "--overflow") + ": network " +
                     net.name +
                     " has no small-float (FP8, FP6, FP4) layer, whose MAC register it sets; its "
                     "MX and group kernels sum exactly");
  }
  AccumulatorSpec fp8_acc{kMaxFp8AccumulatorBits, OverflowMode::kWrap};
  if (o.acc_bits != 0) {
    fp8_acc.bits = o.acc_bits;
  }
  if (!o.overflow.empty()) {
    fp8_acc.overflow = *ParseOverflowMode(o.overflow);
  }
  fmt::print(stderr, "[infer] {}: number formats, calibrating\n", net.name);
  const EmulatedNetwork e =
      EmulateQuantization(net, params,
                          data ? CalibrationInputs(net, *data)
                               : PostTrainingCalibration(net, o.net.seed, o.net.calib_samples));
  if (data) {
    const auto compute =
        sim::cycle::FormatCompute(net, params, e, sim::cycle::GoldenFormatKernels(fp8_acc));
    return RunOnData(o, net, *data, "golden format run", "format",
                     [&](const AccuracyOptions& options) {
                       return EvaluateEmulatedAccuracy(net, e, params, *data, options, compute);
                     });
  }
  const auto inputs = MakeInputs(net, o.net.seed, 0);
  auto t0 = std::chrono::steady_clock::now();
  const auto ref = RunFloatNetwork(net, params, inputs);
  const double float_s = Seconds(t0);
  std::map<std::string, std::string> kernel;  // by layer: the format kernel that ran it
  const sim::cycle::FormatGemmRunner golden = sim::cycle::GoldenFormatKernels(fp8_acc);
  t0 = std::chrono::steady_clock::now();
  const auto run =
      sim::cycle::RunFormatNetwork(net, params, e, inputs, [&](const sim::cycle::FormatLayer& l) {
        kernel[l.name] = sim::cycle::FormatKernelName(l.kernel);
        return golden(l);
      });
  const double golden_s = Seconds(t0);
  const double out_sqnr = SqnrDb(ref.at(net.output), run.at(net.output));
  nlohmann::json j = {{"network", net.name},
                      {"run", "golden format run"},
                      {"output", net.output},
                      {"output_sqnr_db", Db(out_sqnr)},
                      {"layers", nlohmann::json::array()}};
  if (small_float) {
    j["fp8_accumulator_bits"] = fp8_acc.bits;
  }
  if (o.timing) {
    j["float_seconds"] = float_s;
    j["golden_seconds"] = golden_s;
  }
  std::string table = fmt::format(
      "{}: golden format run vs float reference (seed {}; GEMMs by their format kernels, the "
      "rest float32, docs/verify.md \"Number formats\")\n{:<24} {:<17} {:<12} {:>8}\n",
      net.name, o.net.seed, "layer", "op", "kernel", "SQNR dB");
  for (const NetLayer& l : net.layers) {
    const auto k = kernel.find(l.name);
    const std::string kname = k != kernel.end() ? k->second : "float";
    const double db = SqnrDb(ref.at(l.name), run.at(l.name));
    j["layers"].push_back(
        {{"name", l.name}, {"op", NetOpName(l.op)}, {"kernel", kname}, {"sqnr_db", Db(db)}});
    table += fmt::format("{:<24} {:<17} {:<12} {:>8.2f}\n", l.name, NetOpName(l.op), kname, db);
  }
  if (!o.json_file.empty()) {
    WriteJsonFile(o.json_file, j);
  }
  if (o.format == "json") {
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print(
      "{}\noutput {}: SQNR {:.2f} dB vs float\ntime: golden format run {:.2f} s, float "
      "reference {:.2f} s\n",
      table, net.output, out_sqnr, golden_s, float_s);
  return 0;
}

int Run(const Options& o) {
  RefuseUselessTiming(o.timing, o.format == "json" || !o.json_file.empty()
                                    ? ""
                                    : "it adds the wall-clock figures to the JSON report "
                                      "(--format json or --json FILE)");
  std::optional<Dataset> data;
  if (!o.data.data.empty()) {
    if (!o.save_outputs.empty()) {
      throw InputError("--save-outputs writes one input's layer outputs; it has no effect with "
                       "--data (accuracy over a test split)");
    }
    data = LoadDataWithOptions(o.data, o.net);
  } else if (o.data.images > 0 || !o.expect_top1.empty()) {
    throw InputError("--images and --expect-top1 need --data");
  }
  QuantizedNetwork q;
  FloatNetParams params;
  uint64_t seed = o.net.seed;
  if (!o.qnet.empty()) {
    if (!o.net.net.empty()) {
      throw InputError("give either --net or --qnet, not both");
    }
    for (const CLI::Option* opt : o.net.quantize_options) {
      if (opt->count() > 0) {
        throw InputError(opt->get_name() + " applies when quantizing (--net); --qnet " + o.qnet +
                         " is already quantized");
      }
    }
    q = LoadQuantizedNetwork(o.qnet);
    // Compare against the float network it was quantized from, unless told otherwise.
    if (q.seed && o.net.seed_option->count() == 0) {
      seed = *q.seed;
    }
    params = MakeFloatParams(q.net, seed);
  } else {
    if (o.net.net.empty()) {
      throw InputError("give --net (quantize now) or --qnet (a saved quantized network)");
    }
    const NetworkSpec net = LoadNetworkWithOptions(o.net);
    params = MakeFloatParams(net, o.net.seed);
    if (NeedsEmulation(net)) {
      return RunFormats(o, net, params, data ? &*data : nullptr);
    }
    q = QuantizeWithOptions(o.net, net, params, data ? &*data : nullptr);
  }
  AccumulatorOverride acc;  // only what the options set; each layer keeps the rest
  if (o.acc_bits > kMaxAccumulatorBits) {
    throw InputError("--acc-bits: " + std::to_string(o.acc_bits) +
                     " bits is only the FP8 MAC's register (65..128); the integer layers add in "
                     "at most " +
                     std::to_string(kMaxAccumulatorBits));
  }
  if (o.acc_bits != 0) {
    acc.bits = o.acc_bits;
  }
  if (!o.overflow.empty()) {
    acc.overflow = *ParseOverflowMode(o.overflow);
  }
  q = WithAccumulator(std::move(q), acc);
  if (data) {
    return RunOnData(o, q.net, *data, "golden integer run", "integer",
                     [&](const AccuracyOptions& options) {
                       return EvaluateAccuracy(q, params, *data, options);
                     });
  }
  const NetworkSpec& net = q.net;
  const auto inputs = MakeInputs(net, seed, 0);
  auto t0 = std::chrono::steady_clock::now();
  const auto ref = RunFloatNetwork(net, params, inputs);
  const double float_s = Seconds(t0);
  t0 = std::chrono::steady_clock::now();
  const bool tty = isatty(fileno(stderr)) != 0;  // progress only where a person watches
  const QuantizedRun run = RunQuantizedNetwork(q, inputs, [&](size_t i) {
    if (tty) {
      fmt::print(stderr, "\r[golden] layer {}/{} {:<24}", i + 1, net.layers.size(),
                 net.layers[i].name);
    }
  });
  const double golden_s = Seconds(t0);
  if (tty) {
    fmt::print(stderr, "\n");
  }
  const auto sqnr = LayerSqnr(q, run, ref);
  const double out_sqnr =
      sqnr[static_cast<size_t>(
               std::find_if(net.layers.begin(), net.layers.end(),
                            [&](const NetLayer& l) { return l.name == net.output; }) -
               net.layers.begin())]
          .second;
  int64_t macs = 0;
  for (const auto& r : run.layers) {
    macs += r.stats.macs;
  }
  if (!o.save_outputs.empty()) {
    WriteLayerOutputs(o.save_outputs, q, run.tensors, net.layers.size(), "[infer]");
  }
  {
    nlohmann::json j = {{"network", net.name},
                        {"rounding", RoundingModeName(net.policy.rounding)},
                        {"output", net.output},
                        {"output_sqnr_db", Db(out_sqnr)},
                        {"macs", macs},
                        {"overflow_events", run.overflow_events},
                        {"required_accumulator_bits", run.required_bits},
                        {"layers", nlohmann::json::array()}};
    if (o.timing) {
      j["float_seconds"] = float_s;
      j["golden_seconds"] = golden_s;
    }
    for (size_t i = 0; i < run.layers.size(); ++i) {
      const LayerRunReport& r = run.layers[i];
      nlohmann::json lj = {{"name", r.name},
                           {"op", NetOpName(r.op)},
                           {"macs", r.stats.macs},
                           {"sqnr_db", Db(sqnr[i].second)},
                           {"overflow_events", r.stats.overflow_events},
                           {"accumulator_bits", r.accumulator_bits}};
      if (r.stats.has_range()) {
        lj["accumulator_min"] = r.stats.acc_min;
        lj["accumulator_max"] = r.stats.acc_max;
      }
      if (r.width) {
        lj["required_bits"] = {{"textbook", r.width->textbook_bits},
                               {"type_bound", r.width->type_bound_bits},
                               {"weight_bound", r.width->weight_bound_bits},
                               {"for_any_input", r.required_bits()}};
      }
      j["layers"].push_back(lj);
    }
    if (!o.json_file.empty()) {
      WriteJsonFile(o.json_file, j);
    }
    if (o.format == "json") {
      fmt::print("{}\n", j.dump(2));
      return 0;
    }
  }
  fmt::print("{}: golden integer run vs float reference ({} rounding, seed {})\n", net.name,
             RoundingModeName(net.policy.rounding), seed);
  fmt::print("{:<24} {:<17} {:>13} {:>8} {:>27} {:>9} {:>12}\n", "layer", "op", "MACs", "SQNR dB",
             "accumulator range", "overflows", "bits need/has");
  for (size_t i = 0; i < run.layers.size(); ++i) {
    const LayerRunReport& r = run.layers[i];
    const std::string range =
        r.stats.has_range() ? fmt::format("[{}, {}]", r.stats.acc_min, r.stats.acc_max) : "";
    const std::string bits =
        r.width ? fmt::format("{}/{}", r.required_bits(), r.accumulator_bits) : "";
    fmt::print("{:<24} {:<17} {:>13} {:>8.2f} {:>27} {:>9} {:>12}\n", r.name, NetOpName(r.op),
               r.stats.macs, sqnr[i].second, range, r.stats.overflow_events, bits);
  }
  fmt::print(
      "\noutput {}: SQNR {:.2f} dB vs float | {} MACs | {} overflow events | "
      "accumulator needs {} bits for any input\n",
      net.output, out_sqnr, macs, run.overflow_events, run.required_bits);
  fmt::print("time: golden {:.2f} s ({:.2f} GMAC/s), float reference {:.2f} s\n", golden_s,
             static_cast<double>(macs) / golden_s / 1e9, float_s);
  return 0;
}

}  // namespace

Command AddInferCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "infer", "Run a quantized network through the golden kernels beside its float reference");
  AddNetOptions(cmd, &o->net, true);
  cmd->get_option("--net")->required(false);
  cmd->add_option("--qnet", o->qnet, "A quantized network saved by `quasar quantize --out`");
  cmd->add_option("--acc-bits", o->acc_bits,
                  "Override every layer's accumulator width (8..64; up to 128 for the FP8 MAC's "
                  "register)")
      ->check(CLI::Range(kMinAccumulatorBits, kMaxFp8AccumulatorBits));
  cmd->add_option("--overflow", o->overflow, "Override the accumulator overflow mode")
      ->check(CLI::IsMember({"wrap", "saturate"}));
  AddDataOptions(cmd, &o->data);
  cmd->add_option("--expect-top1", o->expect_top1,
                  "With --data: a .npy of predictions to compare the integer top-1 with");
  cmd->add_option("--threads", o->threads, "With --data: worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  AddSaveOutputsOption(cmd, &o->save_outputs,
                       "Write every layer's output to DIR/<layer>.npy (without --data)");
  cmd->add_option("--json", o->json_file, "Also write the JSON report to this file")
      ->check(OutputFile());
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  AddTimingOption(cmd, &o->timing);
  return [o]() { return Run(*o); };
}

}  // namespace quasar::cli
