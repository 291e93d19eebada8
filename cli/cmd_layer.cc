// `quasar layer`: runs one quantized layer through the golden reference and reports what the
// accumulator saw.

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "quasar/models/error.h"
#include "quasar/models/layer.h"
#include "quasar/models/npy.h"
#include "quasar/models/spec/layer_spec.h"
#include "output_paths.h"

namespace quasar::cli {
namespace {

using namespace quasar::models;

IntTensor ReadInts(const std::string& path, const IntType& type) {
  IntTensor t = ToIntTensor(ReadNpy(path), path);
  CheckValues(t, type, path);
  return t;
}

struct Options {
  std::string spec, input, input2, weights, bias, out, format = "table";
};

int Run(const Options& o) {
  const LayerSpec spec = LoadLayerSpec(o.spec);
  LayerInputs in;
  in.x = ReadInts(o.input, spec.input.type);
  if (!o.input2.empty()) {
    in.x2 = ReadInts(o.input2, spec.input2.type);
  } else if (spec.op == LayerOp::kAdd) {
    throw InputError(o.spec + ": op add needs --input2");
  }
  if (LayerOpHasWeights(spec.op)) {
    if (o.weights.empty()) {
      throw InputError(o.spec + ": op " + LayerOpName(spec.op) + " needs --weights");
    }
    in.weights = ReadInts(o.weights, spec.weights.type);
  } else if (!o.weights.empty()) {
    throw InputError(o.spec + ": op " + LayerOpName(spec.op) + " takes no --weights");
  }
  if (!o.bias.empty()) {
    const NpyArray b = ReadNpy(o.bias);
    if (spec.bias == BiasConvention::kFloat) {
      in.bias_float = ToFloatTensor(b, o.bias);
    } else if (spec.bias == BiasConvention::kInt32) {
      in.bias_int = ToIntTensor(b, o.bias);
    } else {
      throw InputError(o.spec + ": bias: is none (or absent) but --bias " + o.bias + " was given");
    }
  } else if (spec.bias != BiasConvention::kNone) {
    throw InputError(o.spec + ": bias: the spec expects a bias; pass it with --bias");
  }

  const LayerResult r = RunLayer(spec, in);
  WriteNpy(o.out, r.output, NpyDtypeFor(spec.output.type));

  nlohmann::json j;
  j["op"] = LayerOpName(spec.op);
  j["rounding"] = RoundingModeName(spec.rounding);
  j["input_shape"] = in.x.shape;
  j["output_shape"] = r.output.shape;
  j["output_file"] = o.out;
  j["macs"] = r.stats.macs;
  j["accumulator"] = {{"bits", spec.accumulator.bits},
                      {"overflow_mode", OverflowModeName(spec.accumulator.overflow)},
                      {"overflow_events", r.stats.overflow_events}};
  if (r.stats.has_range()) {
    j["accumulator"]["min_seen"] = r.stats.acc_min;
    j["accumulator"]["max_seen"] = r.stats.acc_max;
  }
  if (r.width) {
    j["accumulator"]["required_bits"] = {{"k", r.width->k},
                                         {"textbook", r.width->textbook_bits},
                                         {"type_bound", r.width->type_bound_bits},
                                         {"weight_bound", r.width->weight_bound_bits}};
  }
  if (o.format == "json") {
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("layer      {} ({} rounding)\n", LayerOpName(spec.op),
             RoundingModeName(spec.rounding));
  fmt::print("input      {} {}\n", ShapeToString(in.x.shape), spec.input.type.Name());
  if (in.weights) {
    fmt::print("weights    {} {}{}\n", ShapeToString(in.weights->shape), spec.weights.type.Name(),
               spec.weights.scales.size() > 1 ? " per-channel" : "");
  }
  fmt::print("output     {} {} -> {}\n", ShapeToString(r.output.shape), spec.output.type.Name(),
             o.out);
  if (r.stats.macs > 0) {
    fmt::print("MACs       {}\n", r.stats.macs);
  }
  if (r.stats.has_range()) {
    fmt::print("acc range  [{}, {}] seen in a {}-bit {} accumulator\n", r.stats.acc_min,
               r.stats.acc_max, spec.accumulator.bits, OverflowModeName(spec.accumulator.overflow));
    fmt::print("overflows  {}\n", r.stats.overflow_events);
  }
  if (r.width) {
    fmt::print(
        "acc width  needed: {} bits with these weights, {} for any {}x{} operands "
        "(textbook a+w+ceil(log2 K) = {}, K = {})\n",
        r.width->weight_bound_bits, r.width->type_bound_bits, spec.input.type.Name(),
        spec.weights.type.Name(), r.width->textbook_bits, r.width->k);
    if (r.width->weight_bound_bits > spec.accumulator.bits) {
      fmt::print(
          "warning    the {}-bit accumulator is narrower than the {} bits these weights can "
          "need; overflow is possible\n",
          spec.accumulator.bits, r.width->weight_bound_bits);
    }
  }
  return 0;
}

}  // namespace

Command AddLayerCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("layer", "Run one quantized layer through the golden integer reference");
  cmd->add_option("--spec", o->spec, "Layer spec (YAML, see docs/layer-spec.md)")
      ->required()
      ->check(InputFile());
  cmd->add_option("--input", o->input, "Input activations (.npy, NCHW or [N, K])")
      ->required()
      ->check(InputFile());
  cmd->add_option("--input2", o->input2, "Second operand of an add (.npy)")->check(InputFile());
  cmd->add_option("--weights", o->weights, "Weights (.npy, OIHW or [O, K] or [K, N])")
      ->check(InputFile());
  cmd->add_option("--bias", o->bias, "Bias (.npy: int32/int64 or float32, per the spec)")
      ->check(InputFile());
  cmd->add_option("--out", o->out, "Output tensor (.npy)")->required()
      ->check(OutputFile());
  cmd->add_option("--format", o->format, "Summary format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  return [o]() { return Run(*o); };
}

}  // namespace quasar::cli
