// Parsing and validation of the version-1 network format (docs/network-format.md).

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "net_keys.h"
#include "quasar/models/net/fixed_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/scalesim_import.h"
#include "quasar/models/onnx/onnx_import.h"
#include "quasar/models/spec/accumulator_reader.h"
#include "quasar/models/spec/geometry_reader.h"
#include "quasar/models/spec/layer_spec.h"
#include "quasar/models/spec/yaml_reader.h"

namespace quasar::models {
namespace {

std::string ResolvePath(const std::string& file, const std::string& base_dir) {
  namespace fs = std::filesystem;
  const fs::path p(file);
  return fs::absolute(p.is_absolute() ? p : fs::path(base_dir) / p).lexically_normal().string();
}

// {code, bits, signed, symmetric, granularity, group_size, calibration}, every key optional.
OperandOverride ReadOperand(const MapReader& m) {
  OperandOverride o;
  m.RejectUnknownKeys(
      {"code", "bits", "signed", "symmetric", "granularity", "group_size", "calibration"});
  if (auto c = m.String("code", false)) {
    if (auto parsed = ParseQuantCode(*c)) {
      o.code = *parsed;
    } else {
      m.Error("code", std::string("must be one of ") + QuantCodeChoices() + ", got '" + *c + "'");
    }
  }
  if (auto b = m.Int("bits", false)) {
    if (*b < 1 || *b > 16) {
      m.Error("bits", "must be in 1..16, got " + std::to_string(*b));
    } else {
      o.bits = static_cast<int>(*b);
    }
  }
  if (auto s = m.Bool("signed", false)) {
    o.is_signed = *s;
  }
  if (auto s = m.Bool("symmetric", false)) {
    o.symmetric = *s;
  }
  if (auto g = m.String("granularity", false)) {
    if (auto parsed = ParseGranularity(*g)) {
      o.granularity = *parsed;
    } else {
      m.Error("granularity", "must be " + GranularityChoices() + ", got '" + *g + "'");
    }
  }
  if (auto g = m.Int("group_size", false)) {
    if (*g < 1 || *g > 65536) {
      m.Error("group_size", "must be in 1..65536, got " + std::to_string(*g));
    } else {
      o.group_size = static_cast<int>(*g);
    }
  }
  if (auto c = m.String("calibration", false)) {
    if (auto parsed = ParseCalibMethod(*c)) {
      o.calibration = *parsed;
    } else {
      m.Error("calibration",
              std::string("must be one of ") + CalibMethodChoices() + ", got '" + *c + "'");
    }
  }
  return o;
}

void ReadPolicy(const MapReader& root, PrecisionPolicy* p) {
  auto m = root.Map("precision", false);
  if (!m) {
    return;
  }
  m->RejectUnknownKeys(
      {"weights", "activations", "rounding", "accumulator", "first_last_bits", "percentile"});
  if (auto w = m->Map("weights", false)) {
    ReadOperand(*w).ApplyTo(&p->weights);
  }
  if (auto a = m->Map("activations", false)) {
    ReadOperand(*a).ApplyTo(&p->activations);
  }
  ValidateOperand(p->weights, true, m->PathOf("weights"), m->errors());
  ValidateOperand(p->activations, false, m->PathOf("activations"), m->errors());
  if (auto r = m->String("rounding", false)) {
    if (auto parsed = ParseRoundingMode(*r)) {
      p->rounding = *parsed;
    } else {
      m->Error("rounding",
               std::string("must be one of ") + RoundingModeChoices() + ", got '" + *r + "'");
    }
  }
  ReadAccumulator(*m).ApplyTo(&p->accumulator);
  if (auto b = m->Int("first_last_bits", false)) {
    if (*b < 2 || *b > 16) {
      m->Error("first_last_bits", "must be in 2..16, got " + std::to_string(*b));
    } else {
      p->first_last_bits = static_cast<int>(*b);
    }
  }
  if (auto pc = m->Double("percentile", false)) {
    if (!(*pc > 50.0 && *pc <= 100.0)) {
      m->Error("percentile", "must be in (50, 100], got " + std::to_string(*pc));
    } else {
      p->percentile = *pc;
    }
  }
}

void ReadInputs(const MapReader& root, const std::string& base_dir, NetworkSpec* net) {
  if (!root.Has("inputs")) {
    root.Error("inputs", "is required");
    return;
  }
  const YAML::Node list = root.Get("inputs");
  if (!list.IsSequence() || list.size() == 0) {
    root.Error("inputs", "must be a non-empty list of {name, shape}, got " + Describe(list));
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string key = "inputs[" + std::to_string(i) + "]";
    if (!list[i].IsMap()) {
      root.Error(key, "must be a mapping {name, shape}, got " + Describe(list[i]));
      continue;
    }
    MapReader m(list[i], key, root.errors());
    m.RejectUnknownKeys({"name", "shape", "file", "calibration", "quant", "precision", "storage"});
    NetInput in;
    in.name = m.String("name", true).value_or("");
    if (auto shape = m.IntList("shape", true)) {
      in.shape = *shape;
      if (std::any_of(in.shape.begin(), in.shape.end(),
                      [](int64_t d) { return d < 1 || d > kMaxExtent; })) {
        m.Error("shape", "every dimension must be in 1.." + std::to_string(kMaxExtent) + ", got " +
                             ShapeToString(in.shape));
      }
    }
    if (auto f = m.String("file", false)) {
      in.file = ResolvePath(*f, base_dir);
    }
    if (auto files = m.StringList("calibration", false)) {
      for (const auto& f : *files) {
        in.calibration.push_back(ResolvePath(f, base_dir));
      }
    }
    if (m.Has("quant")) {
      net->fixed_params[in.name] = ReadQuantParams(m, "quant", false);
    }
    if (auto p = m.Map("precision", false)) {
      in.precision = ReadOperand(*p);
    }
    if (auto s = m.String("storage", false)) {
      if (const std::optional<QuantCode> code = ParseFormatShorthand(*s)) {
        in.storage = code;
      } else {
        m.Error("storage", "must be a number format (" + NumberFormatChoices() +
                               ", or fp8, mxfp8, mxfp6, mxfp4; an integer input's bits are its "
                               "`precision`), got '" +
                               *s + "'");
      }
    }
    net->inputs.push_back(in);
  }
}

void ReadLayerPrecision(const MapReader& m, NetLayer* layer) {
  auto p = m.Map("precision", false);
  if (!p) {
    return;
  }
  p->RejectUnknownKeys({"weights", "activations", "accumulator"});
  if (auto w = p->Map("weights", false)) {
    if (!NetOpHasWeights(layer->op)) {
      p->Error("weights", NetOpName(layer->op) +
                              " has no weights (matmul and add read two "
                              "activations with their producers' precision)");
    }
    layer->precision_override.weights = ReadOperand(*w);
  }
  if (auto a = p->Map("activations", false)) {
    layer->precision_override.activations = ReadOperand(*a);
  }
  if (p->Has("accumulator") && !AccumulatesProducts(layer->op)) {
    p->Error("accumulator",
             "applies to layers that accumulate products, not to " + NetOpName(layer->op));
  }
  layer->precision_override.accumulator = ReadAccumulator(*p);
}

void ReadLayer(const MapReader& m, const std::string& base_dir, NetLayer* layer) {
  const NetOp op = layer->op;
  CheckLayerKeys(m, op);
  if (auto in = m.String("input", false)) {
    layer->inputs = {*in};
  }
  if (auto ins = m.StringList("inputs", false)) {
    if (m.Has("input")) {
      m.Error("inputs", "give either input or inputs, not both");
    }
    layer->inputs = *ins;
  }
  if (OpOf(op).read_keys) {  // its own keys (ops/*.cc)
    OpOf(op).read_keys(m, layer);
  }
  layer->bias = m.Bool("bias", false).value_or(NetOpHasWeights(op));
  if (auto a = m.String("activation", false)) {
    if (auto parsed = ParseActivation(*a)) {
      layer->activation = *parsed;
    } else {
      m.Error("activation", "must be none, relu or relu6, got '" + *a + "'");
    }
  }
  // The element-wise ops' parameters: required wherever the op takes them (ops/elementwise.cc).
  const auto takes = [&](const char* key) {
    const auto& keys = OpOf(op).keys;
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  };
  for (auto [key, field] : {std::pair<const char*, double*>{"alpha", &layer->alpha},
                            {"beta", &layer->beta},
                            {"min", &layer->clip_min},
                            {"max", &layer->clip_max},
                            {"exponent", &layer->exponent},
                            {"epsilon", &layer->epsilon}}) {
    if (auto v = m.Double(key, takes(key))) {
      *field = *v;
      if (!std::isfinite(*v)) {
        m.Error(key, "must be a finite number, got " + std::to_string(*v));
      }
    }
  }
  if (op == NetOp::kClip && layer->clip_min > layer->clip_max) {
    m.Error("max", "must be at least min (" + std::to_string(layer->clip_min) + "), got " +
                       std::to_string(layer->clip_max));
  }
  for (auto [key, field] : {std::pair<const char*, int64_t*>{"axis", &layer->axis},
                            {"start", &layer->start},
                            {"end", &layer->end}}) {
    if (auto v = m.Int(key, takes(key))) {
      *field = *v;
    }
  }
  if (auto s = m.IntList("output_shape", false)) {
    layer->output_shape = *s;  // checked against the inferred shape by InferShapes
  }
  if (auto f = m.String("weights_file", false)) {
    layer->weights_file = ResolvePath(*f, base_dir);
  }
  if (auto f = m.String("value_file", takes("value_file"))) {  // a constant's value, read now:
    layer->weights_file = ResolvePath(*f, base_dir);           // its shape is the layer's
    try {
      layer->weights_data = std::make_shared<const FloatTensor>(
          ReadFiniteFloats(layer->weights_file, "the value of constant " + layer->name));
    } catch (const InputError& e) {
      m.Error("value_file", e.what());
    }
  }
  if (auto f = m.String("bias_file", false)) {
    layer->bias_file = ResolvePath(*f, base_dir);
    if (!layer->bias) {
      m.Error("bias_file", "is given but bias is false");
    }
  }
  ReadLayerPrecision(m, layer);
}

void ReadLayers(const MapReader& root, const std::string& base_dir, NetworkSpec* net) {
  if (!root.Has("layers")) {
    root.Error("layers", "is required");
    return;
  }
  const YAML::Node list = root.Get("layers");
  if (!list.IsSequence() || list.size() == 0) {
    root.Error("layers", "must be a non-empty list of layers, got " + Describe(list));
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string key = "layers[" + std::to_string(i) + "]";
    if (!list[i].IsMap()) {
      root.Error(key, "must be a mapping with name and op, got " + Describe(list[i]));
      continue;
    }
    NetLayer layer;
    {
      MapReader head(list[i], key, root.errors());
      layer.name = head.String("name", true).value_or("");
      auto op = head.String("op", true);
      if (!op) {
        continue;
      }
      if (auto parsed = ParseNetOp(*op)) {
        layer.op = *parsed;
      } else {
        head.Error("op", std::string("must be one of ") + NetOpChoices() + ", got '" + *op + "'");
        continue;
      }
    }
    MapReader m(list[i], LayerKey(i, layer.name), root.errors());
    ReadLayer(m, base_dir, &layer);
    // The fixed quantization a quantized model carries (fixed_quant.h): the output's, per
    // tensor, and the weights', per tensor or per output channel.
    if (m.Has("quant")) {
      net->fixed_params[layer.name] = ReadQuantParams(m, "quant", false);
    }
    if (m.Has("weights_quant")) {
      net->fixed_weight_params[layer.name] = ReadQuantParams(m, "weights_quant", true);
    }
    net->layers.push_back(layer);
  }
}

NetworkSpec ParseNetworkNode(const YAML::Node& node, const std::string& where,
                             const std::string& base_dir) {
  ErrorList errors(where);
  NetworkSpec net;
  net.file = where;
  if (!node.IsMap()) {
    errors.Add("", "a network file must be a YAML mapping, got " + Describe(node));
    errors.ThrowIfAny();
  }
  const MapReader root(node, "", &errors);
  root.RejectUnknownKeys(
      {"version", "name", "description", "source", "inputs", "precision", "output", "layers"});
  if (auto v = root.Int("version", true); v && *v != 1) {
    root.Error("version", "must be 1, got " + std::to_string(*v));
  }
  net.name = root.String("name", true).value_or("");
  net.description = root.String("description", false).value_or("");
  net.source = root.String("source", false).value_or("");
  ReadInputs(root, base_dir, &net);
  ReadPolicy(root, &net.policy);
  ReadLayers(root, base_dir, &net);
  net.output = root.String("output", false).value_or("");
  errors.ThrowIfAny();  // shape inference needs a complete graph
  InferShapes(&net, &errors);
  errors.ThrowIfAny();
  CheckFixedWeights(net, &errors);
  errors.ThrowIfAny();
  net = ResolvePrecision(std::move(net));
  CheckFixedTypes(net, &errors);
  errors.ThrowIfAny();
  return net;
}

}  // namespace

NetworkSpec ParseNetwork(const std::string& yaml_text, const std::string& where,
                         const std::string& base_dir) {
  return ParseNetworkNode(LoadYamlText(yaml_text, where), where, base_dir);
}

NetworkSpec LoadNetwork(const std::string& path) {
  const std::filesystem::path p(path);
  if (p.extension() == ".csv") {
    return ImportScaleSimCsv(path);
  }
  if (p.extension() == ".onnx") {
    return ImportOnnx(path);
  }
  std::string base = p.parent_path().string();
  return ParseNetworkNode(LoadYamlFile(path), path, base.empty() ? "." : base);
}

}  // namespace quasar::models
