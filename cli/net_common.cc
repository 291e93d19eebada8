#include "net_common.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "quasar/models/error.h"
#include "quasar/models/eval/accuracy.h"
#include "quasar/models/onnx/onnx_import.h"
#include "quasar/models/text_file.h"

namespace quasar::cli {

using namespace quasar::models;
namespace fs = std::filesystem;

std::string ZooDir() {
  if (const char* env = std::getenv("QUASAR_ZOO"); env && *env) {
    return env;
  }
  return std::string(QUASAR_SOURCE_DIR) + "/workloads/networks";
}

namespace {

// The stems of the .yaml files of `dir`, sorted.
std::vector<std::string> YamlStems(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml") {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// `name_or_path` when it is a file, else <dir>/<name>.yaml; InputError listing `dir` otherwise.
std::string ResolveInDir(const std::string& name_or_path, const std::string& dir,
                         const std::string& flag, const std::string& what) {
  if (IsRegularFile(name_or_path)) {
    return name_or_path;
  }
  const fs::path named = fs::path(dir) / (name_or_path + ".yaml");
  if (IsRegularFile(named.string())) {
    return named.string();
  }
  std::string names;
  for (const auto& n : YamlStems(dir)) {
    names += (names.empty() ? "" : ", ") + n;
  }
  throw InputError(flag + ": '" + name_or_path + "' is neither a file nor " + what + " " + dir +
                   " (" + (names.empty() ? "empty" : names) + ")");
}

}  // namespace

std::vector<std::string> ZooNames() { return YamlStems(ZooDir()); }

std::string ResolveNetworkPath(const std::string& name_or_path) {
  return ResolveInDir(name_or_path, ZooDir(), "--net", "a network of the zoo");
}

std::string AcceleratorDir() {
  if (const char* env = std::getenv("QUASAR_ACCELERATORS"); env && *env) {
    return env;
  }
  return std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators";
}

std::vector<std::string> AcceleratorNames() { return YamlStems(AcceleratorDir()); }

std::string ResolveArchPath(const std::string& name_or_path) {
  return ResolveInDir(name_or_path, AcceleratorDir(), "--arch", "an accelerator preset of");
}

std::map<std::string, Shape> ParseInputShapes(const std::vector<std::string>& values) {
  std::map<std::string, Shape> shapes;
  if (!values.empty()) {
    CheckListItems("--input-shape", values, "input=1x3x224x224");
  }
  for (const auto& v : values) {
    const auto eq = v.find('=');
    auto bad = [&](const std::string& why) {
      return InputError("--input-shape '" + v + "': " + why +
                        " (expected NAME=D0xD1x..., e.g. input=1x3x224x224)");
    };
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      throw bad("no NAME=shape");
    }
    Shape s;
    size_t at = eq + 1;
    while (at <= v.size()) {
      const size_t x = std::min(v.find('x', at), v.size());
      const std::string dim = v.substr(at, x - at);
      if (dim.empty() || dim.size() > 12 ||
          !std::all_of(dim.begin(), dim.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          std::stoll(dim) < 1) {
        throw bad("dimension '" + dim + "' is not a positive integer");
      }
      s.push_back(std::stoll(dim));
      at = x + 1;
    }
    if (!shapes.emplace(v.substr(0, eq), s).second) {
      throw bad("input '" + v.substr(0, eq) + "' is given twice");
    }
  }
  return shapes;
}

void AddInputShapeOption(CLI::App* cmd, std::vector<std::string>* values) {
  cmd->add_option("--input-shape", *values,
                  "Shape of an ONNX model's input whose dimensions the file leaves open: "
                  "NAME=1x3x224x224 (repeatable)");
}

NetworkSpec LoadAnyNetwork(const std::string& name_or_path,
                           const std::vector<std::string>& input_shapes) {
  const std::string path = ResolveNetworkPath(name_or_path);
  if (fs::path(path).extension() == ".onnx") {
    OnnxImportOptions options;
    options.input_shapes = ParseInputShapes(input_shapes);
    return ImportOnnx(path, options);
  }
  if (!input_shapes.empty()) {
    throw InputError("--input-shape applies to .onnx models only; " + path +
                     " states its own shapes");
  }
  return LoadNetwork(path);
}

void AddNetOptions(CLI::App* cmd, NetOptions* o, bool quantize) {
  cmd->add_option("--net", o->net,
                  "Network: a zoo name (see `quasar networks`), a .yaml file, an ONNX model "
                  "(.onnx) or a SCALE-Sim .csv topology")
      ->required();
  AddInputShapeOption(cmd, &o->input_shapes);
  AddDecoderOptions(cmd, &o->decoder);
  if (!quantize) {
    return;
  }
  CLI::Option* bits = cmd->add_option(
      "--bits", o->bits,
      "Precision shorthand w<W>a<A>: w8a8, w4a4, w2a2, w1a1 (binary), wta8 (ternary weights), "
      "wp4a8 (pow2 weights)");
  CLI::Option* calib =
      cmd->add_option("--calib", o->calib, "Activation calibration: minmax, percentile, mse, kl");
  CLI::Option* weight_calib = cmd->add_option(
      "--weight-calib", o->weight_calib, "Weight calibration (linear codes): minmax, percentile, mse, kl");
  CLI::Option* first_last =
      cmd->add_option("--first-last-bits", o->first_last_bits,
                      "Keep the first and last weighted layers at this many bits (0: off; "
                      "default: the network file's rule)")
          ->check(NonNegativeInteger());
  CLI::Option* rounding =
      cmd->add_option("--rounding", o->rounding, "tflite, tflite-single, onnx, torch-qnnpack");
  CLI::Option* calib_samples =
      cmd->add_option("--calib-samples", o->calib_samples,
                      "Calibration inputs (held out from the evaluation input)")
          ->check(CLI::Range(1, 1000))
          ->capture_default_str();
  o->seed_option = cmd->add_option("--seed", o->seed, "Seed of the synthetic weights and inputs")
                       ->check(NonNegativeInteger())
                       ->capture_default_str();
  o->quantize_options = {bits, calib, weight_calib, first_last, rounding, calib_samples};
  o->value_options = {calib, weight_calib, rounding, calib_samples, o->seed_option};
}

void RefuseValueOptions(const NetOptions& o, const std::string& why) {
  for (const CLI::Option* opt : o.value_options) {
    if (opt->count() > 0) {
      throw InputError(opt->get_name() + " has no effect here: " + why);
    }
  }
}

NetworkSpec LoadNetworkWithOptions(const NetOptions& o) {
  const std::optional<DecoderBlockConfig> block = DecoderConfig(o.net, o.decoder);
  if (block && !o.input_shapes.empty()) {
    throw InputError("--input-shape applies to .onnx models only; " + o.net +
                     " states its own shapes");
  }
  NetworkSpec net = block ? DecoderBlock(*block) : LoadAnyNetwork(o.net, o.input_shapes);
  if (!net.fixed_params.empty() || !net.fixed_weight_params.empty()) {
    // A quantized model's quantization is the file's (a QDQ, QOperator or QONNX model's, or a
    // network file's `quant` and `weights_quant`): no option may recalibrate or requantize it.
    for (const CLI::Option* opt : o.quantize_options) {
      if (opt != nullptr && opt->count() > 0) {
        throw InputError(opt->get_name() + " does not apply to " + o.net +
                         ": the model fixes its own quantization (QuantizeLinear/"
                         "DequantizeLinear, QLinear ops, Quant, or a network file's quant and "
                         "weights_quant), which Quasar uses as it is");
      }
    }
  }
  PrecisionPolicy& p = net.policy;
  if (!o.bits.empty()) {
    const auto [w, a] = ParseBitsShorthand(o.bits);
    // The shorthand names a code and a width; the rest of the policy (symmetry, granularity,
    // calibration) stays as the file says.
    OperandPrecision pw = p.weights, pa = p.activations;
    w.ApplyTo(&pw);
    a.ApplyTo(&pa);
    p.weights = pw;
    p.activations = pa;
  }
  auto method = [](const std::string& flag, const std::string& v) {
    auto m = ParseCalibMethod(v);
    if (!m) {
      throw InputError(flag + " must be one of " + CalibMethodChoices() + ", got '" + v + "'");
    }
    return *m;
  };
  if (!o.calib.empty()) {
    p.activations.calibration = method("--calib", o.calib);
  }
  if (!o.weight_calib.empty()) {
    p.weights.calibration = method("--weight-calib", o.weight_calib);
  }
  if (o.first_last_bits < -1) {
    throw InputError("--first-last-bits must be 0 (off) or in 2..16, got " +
                     std::to_string(o.first_last_bits));
  }
  if (o.first_last_bits == 0) {
    p.first_last_bits.reset();
  } else if (o.first_last_bits > 0) {
    if (o.first_last_bits < 2 || o.first_last_bits > 16) {
      throw InputError("--first-last-bits must be 0 (off) or in 2..16, got " +
                       std::to_string(o.first_last_bits));
    }
    p.first_last_bits = o.first_last_bits;
  }
  if (!o.rounding.empty()) {
    auto r = ParseRoundingMode(o.rounding);
    if (!r) {
      throw InputError(std::string("--rounding must be one of ") + RoundingModeChoices() +
                       ", got '" + o.rounding + "'");
    }
    p.rounding = *r;
  }
  net = ResolvePrecision(std::move(net));
  return net;
}

QuantizedNetwork QuantizeWithOptions(const NetOptions& o, const NetworkSpec& net,
                                     const FloatNetParams& params, const Dataset* data) {
  if (data != nullptr) {
    CheckNetworkFitsData(net, *data);
    QuantizeOptions options;
    // Hundreds of samples: one line, redrawn where a person watches, else none per sample.
    const bool tty = isatty(fileno(stderr)) != 0;
    options.progress = [tty](const std::string& msg) {
      if (msg.rfind("calibration sample ", 0) == 0) {
        if (tty) {
          fmt::print(stderr, "\r[quantize] {}", msg);
        }
        return;
      }
      fmt::print(stderr, "{}[quantize] {}\n", tty ? "\n" : "", msg);
    };
    fmt::print(stderr, "[quantize] calibrating on {} samples of {}\n",
               data->calibration.size(), data->calibration.source);
    QuantizedNetwork q = QuantizeNetwork(net, params, CalibrationInputs(net, *data), options);
    q.seed = o.seed;
    return q;
  }
  return QuantizePostTraining(net, params, o.seed, o.calib_samples, [](const std::string& msg) {
    fmt::print(stderr, "[quantize] {}\n", msg);
  });
}

void AddDataOptions(CLI::App* cmd, DataOptions* o) {
  cmd->add_option("--data", o->data,
                  "Labelled data for accuracy: a dataset name (" + [] {
                    std::string names;
                    for (const auto& n : DatasetNames()) {
                      names += (names.empty() ? "" : ", ") + n;
                    }
                    return names;
                  }() + "), a dataset .yaml, IDX images, a .npy batch, a .csv or a PNG folder");
  cmd->add_option("--images", o->images, "Evaluate the first N test images (default: all)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
}

std::vector<std::string> ListItems(const std::string& option,
                                   const std::vector<std::string>& values,
                                   const std::string& example, bool repeats_allowed) {
  std::vector<std::string> items;
  for (const std::string& v : values) {
    size_t at = 0;
    while (true) {
      const size_t comma = v.find(',', at);
      items.push_back(v.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
      if (comma == std::string::npos) {
        break;
      }
      at = comma + 1;
    }
  }
  CheckListItems(option, items, example, repeats_allowed);
  return items;
}

void CheckListItems(const std::string& option, const std::vector<std::string>& items,
                    const std::string& example, bool repeats_allowed) {
  if (items.empty()) {
    throw InputError(option + ": give at least one, e.g. " + example);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].empty()) {
      throw InputError(option + ": an empty entry (item " + std::to_string(i + 1) +
                       "), give e.g. " + example);
    }
    if (!repeats_allowed &&
        std::find(items.begin(), items.begin() + static_cast<long>(i), items[i]) !=
            items.begin() + static_cast<long>(i)) {
      throw InputError(option + ": '" + items[i] + "' appears twice");
    }
  }
}

const CLI::Validator& NonNegativeInteger() {
  static const CLI::Validator check(
      [](const std::string& value) -> std::string {
        const bool digits = !value.empty() && value.find_first_not_of("0123456789") ==
                                                  std::string::npos;
        return digits ? "" : "must be a non-negative integer, got '" + value + "'";
      },
      "UINT");
  return check;
}

Dataset LoadDataWithOptions(const DataOptions& d, const NetOptions& net) {
  const bool calib_given = std::any_of(net.quantize_options.begin(), net.quantize_options.end(),
                                       [](const CLI::Option* opt) {
                                         return opt != nullptr && opt->get_name() ==
                                                                      "--calib-samples" &&
                                                opt->count() > 0;
                                       });
  return LoadDataset(d.data, calib_given ? net.calib_samples : models::kDefaultDataCalibrationSamples);
}

}  // namespace quasar::cli
