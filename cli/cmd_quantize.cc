// `quasar quantize`: post-training quantization of a network into integer weights, biases and
// quantization parameters, printed and optionally saved for `quasar infer --qnet`.

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "net_common.h"
#include "output_paths.h"

namespace quasar::cli {
namespace {

using namespace quasar::models;

struct Options {
  NetOptions net;
  std::string out, format = "table";
};

// "int8 s=0.0213 z=-128" or "int4 per-channel s=[0.011..0.094] z=0".
std::string DescribeParams(const QuantParams& q) {
  std::string s = q.type.Name();
  if (q.scales.size() > 1) {
    const auto [lo, hi] = std::minmax_element(q.scales.begin(), q.scales.end());
    s += fmt::format(" per-channel s=[{:.4g}..{:.4g}]", *lo, *hi);
  } else {
    s += fmt::format(" s={:.4g}", q.scales[0]);
  }
  const bool zero =
      std::all_of(q.zero_points.begin(), q.zero_points.end(), [](int32_t z) { return z == 0; });
  s += zero ? " z=0"
            : (q.zero_points.size() == 1 ? fmt::format(" z={}", q.zero_points[0])
                                         : std::string(" z=per-channel"));
  return s;
}

nlohmann::json ParamsJson(const QuantParams& q) {
  return {{"type", q.type.Name()}, {"scale", q.scales}, {"zero_point", q.zero_points}};
}

int Run(const Options& o) {
  const NetworkSpec net = LoadNetworkWithOptions(o.net);
  const FloatNetParams params = MakeFloatParams(net, o.net.seed);
  const QuantizedNetwork q = QuantizeWithOptions(o.net, net, params);
  if (!o.out.empty()) {
    SaveQuantizedNetwork(q, o.out);
  }
  if (o.format == "json") {
    nlohmann::json j = {{"network", net.name},
                        {"rounding", RoundingModeName(net.policy.rounding)},
                        {"saved_to", o.out},
                        {"layers", nlohmann::json::array()}};
    for (size_t i = 0; i < net.layers.size(); ++i) {
      const NetLayer& l = net.layers[i];
      nlohmann::json lj = {
          {"name", l.name}, {"op", NetOpName(l.op)}, {"output", ParamsJson(q.tensors.at(l.name))}};
      if (NetOpHasWeights(l.op)) {
        lj["weights"] = ParamsJson(q.layers[i].spec.weights);
        lj["accumulator_bits"] = l.precision.accumulator.bits;
      }
      j["layers"].push_back(lj);
    }
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{}: {} rounding, {} calibration samples, seed {}\n", net.name,
             RoundingModeName(net.policy.rounding), o.net.calib_samples, o.net.seed);
  for (const auto& in : net.inputs) {
    fmt::print("  input {:<18} {}\n", in.name, DescribeParams(q.tensors.at(in.name)));
  }
  fmt::print("{:<24} {:<17} {:<44} {}\n", "layer", "op", "weights", "output");
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const NetLayer& l = net.layers[i];
    const std::string w = NetOpHasWeights(l.op) ? DescribeParams(q.layers[i].spec.weights) : "";
    fmt::print("{:<24} {:<17} {:<44} {}\n", l.name, NetOpName(l.op), w,
               DescribeParams(q.tensors.at(l.name)));
  }
  if (!o.out.empty()) {
    fmt::print("saved to {} (run it: quasar infer --qnet {})\n", o.out, o.out);
  }
  return 0;
}

}  // namespace

Command AddQuantizeCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "quantize", "Post-training quantization of a network (calibration, integer weights)");
  AddNetOptions(cmd, &o->net, true);
  cmd->add_option("--out", o->out, "Save the quantized network to this directory")
      ->check(OutputDir());
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  return [o]() { return Run(*o); };
}

}  // namespace quasar::cli
