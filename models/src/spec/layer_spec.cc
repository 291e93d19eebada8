#include "quasar/models/spec/layer_spec.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <string>

#include "quasar/models/enum_names.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/spec/accumulator_reader.h"
#include "quasar/models/spec/geometry_reader.h"
#include "quasar/models/spec/yaml_reader.h"

namespace quasar::models {
namespace {

constexpr LayerOp kAllOps[] = {
    LayerOp::kConv2d,       LayerOp::kDepthwiseConv2d, LayerOp::kFullyConnected, LayerOp::kMatMul,
    LayerOp::kBinaryConv2d, LayerOp::kMaxPool,         LayerOp::kAvgPool,        LayerOp::kAdd,
    LayerOp::kConvTranspose2d};

bool IsConvLike(LayerOp op) {
  return op == LayerOp::kConv2d || op == LayerOp::kDepthwiseConv2d || op == LayerOp::kBinaryConv2d ||
         op == LayerOp::kConvTranspose2d;
}
bool IsPool(LayerOp op) { return op == LayerOp::kMaxPool || op == LayerOp::kAvgPool; }

void ReadGeometry(const MapReader& root, LayerSpec* spec) {
  auto g = root.Map("geometry", IsPool(spec->op));
  if (!g) {
    return;
  }
  g->RejectUnknownKeys({"stride", "padding", "dilation", "groups", "kernel", "count_include_pad",
                        "output_padding"});
  Conv2dGeometry& geo = spec->geometry;
  if (auto s = ReadIntPair(*g, "stride", 1, 1)) {
    std::tie(geo.stride_h, geo.stride_w) = *s;
  }
  if (auto d = ReadIntPair(*g, "dilation", 1, 1)) {
    std::tie(geo.dilation_h, geo.dilation_w) = *d;
  }
  ReadPadding(*g, "padding", &geo);
  if (auto op = ReadIntPair(*g, "output_padding", 0, 0)) {
    if (spec->op != LayerOp::kConvTranspose2d && g->Has("output_padding")) {
      g->Error("output_padding", "applies to conv_transpose2d only");
    }
    std::tie(geo.output_pad_h, geo.output_pad_w) = *op;
  }
  if (auto groups = g->Int("groups", false)) {
    geo.groups = *groups;
    if (*groups < 1) {
      g->Error("groups", "must be >= 1, got " + std::to_string(*groups));
    }
  }
  if (IsPool(spec->op)) {
    if (!g->Has("kernel")) {
      g->Error("kernel", "is required for pooling");
    } else if (auto k = ReadIntPair(*g, "kernel", 1, 1)) {
      std::tie(spec->kernel_h, spec->kernel_w) = *k;
    }
    spec->count_include_pad = g->Bool("count_include_pad", false).value_or(false);
  } else {
    if (g->Has("kernel")) {
      g->Error("kernel", "applies to pooling only; convolution kernels come from the weights");
    }
    if (g->Has("count_include_pad")) {
      g->Error("count_include_pad", "applies to avg_pool only");
    }
  }
}

}  // namespace

QuantParams ReadQuantParams(const MapReader& parent, const std::string& key,
                            bool allow_per_channel) {
  QuantParams q;
  auto m = parent.Map(key, /*required=*/true);
  if (!m) {
    return q;
  }
  m->RejectUnknownKeys({"type", "scale", "zero_point"});
  if (auto t = m->String("type", true)) {
    if (auto parsed = ParseIntType(*t)) {
      q.type = *parsed;
    } else {
      m->Error("type",
               "must be int1..int16, int32, uint1..uint16, binary or ternary, got '" + *t + "'");
    }
  }
  if (auto scales = m->DoubleList("scale", true)) {
    q.scales.clear();
    for (size_t i = 0; i < scales->size(); ++i) {
      const double s = (*scales)[i];
      const std::string k = scales->size() == 1 ? "scale" : "scale[" + std::to_string(i) + "]";
      const std::string why = ScaleError(s);
      if (!why.empty()) {
        m->Error(k, why);
      }
      q.scales.push_back(static_cast<float>(s));
    }
    if (q.scales.size() > 1 && !allow_per_channel) {
      m->Error("scale", "must be a single number (per-tensor) here, got " +
                            std::to_string(q.scales.size()) + " values");
    }
  }
  q.zero_points = {0};
  if (auto zps = m->IntList("zero_point", false)) {
    q.zero_points.clear();
    for (size_t i = 0; i < zps->size(); ++i) {
      const int64_t z = (*zps)[i];
      const std::string k =
          zps->size() == 1 ? "zero_point" : "zero_point[" + std::to_string(i) + "]";
      if (z < q.type.min() || z > q.type.max()) {
        m->Error(k, "must lie in the range of " + q.type.Name() + " [" +
                        std::to_string(q.type.min()) + ", " + std::to_string(q.type.max()) +
                        "], got " + std::to_string(z));
      }
      q.zero_points.push_back(static_cast<int32_t>(z));
    }
    if (q.zero_points.size() > 1 && !allow_per_channel) {
      m->Error("zero_point", "must be a single integer (per-tensor) here");
    }
  }
  if (q.scales.size() > 1 && q.zero_points.size() > 1 && q.scales.size() != q.zero_points.size()) {
    m->Error("zero_point", "has " + std::to_string(q.zero_points.size()) +
                               " values but scale has " + std::to_string(q.scales.size()));
  }
  return q;
}

void EmitQuantParams(YAML::Emitter& out, const QuantParams& q) {
  // Scales are float32: as a double with 17 significant digits each reads back exactly.
  out << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << q.type.Name();
  out << YAML::Key << "scale" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (float s : q.scales) {
    out << YAML::DoublePrecision(17) << static_cast<double>(s);
  }
  out << YAML::EndSeq << YAML::Key << "zero_point" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (int32_t z : q.zero_points) {
    out << z;
  }
  out << YAML::EndSeq << YAML::EndMap;
}

constexpr EnumTable<LayerOp, 9> kLayerOps = {{{LayerOp::kConv2d, "conv2d"},
                                              {LayerOp::kDepthwiseConv2d, "depthwise_conv2d"},
                                              {LayerOp::kFullyConnected, "fully_connected"},
                                              {LayerOp::kMatMul, "matmul"},
                                              {LayerOp::kBinaryConv2d, "binary_conv2d"},
                                              {LayerOp::kMaxPool, "max_pool"},
                                              {LayerOp::kAvgPool, "avg_pool"},
                                              {LayerOp::kAdd, "add"},
                                              {LayerOp::kConvTranspose2d, "conv_transpose2d"}}};

std::string LayerOpName(LayerOp op) { return EnumName(kLayerOps, op); }

std::optional<LayerOp> ParseLayerOp(const std::string& name) { return ParseEnum(kLayerOps, name); }

bool LayerOpHasWeights(LayerOp op) {
  return op == LayerOp::kConv2d || op == LayerOp::kDepthwiseConv2d ||
         op == LayerOp::kFullyConnected || op == LayerOp::kMatMul || op == LayerOp::kBinaryConv2d ||
         op == LayerOp::kConvTranspose2d;
}

namespace {

LayerSpec ParseLayerSpecNode(const YAML::Node& root_node, const std::string& where) {
  ErrorList errors(where);
  if (!root_node.IsMap()) {
    errors.Add("", "a layer spec must be a YAML mapping, got " + Describe(root_node));
    errors.ThrowIfAny();
  }
  const MapReader root(root_node, "", &errors);
  root.RejectUnknownKeys({"version", "op", "geometry", "input", "input2", "weights", "output",
                          "rounding", "bias", "activation", "accumulator", "binary"});
  LayerSpec spec;
  if (auto v = root.Int("version", true); v && *v != 1) {
    root.Error("version", "must be 1, got " + std::to_string(*v));
  }
  bool op_ok = false;
  if (auto op = root.String("op", true)) {
    if (auto parsed = ParseLayerOp(*op)) {
      spec.op = *parsed;
      op_ok = true;
    } else {
      std::string names;
      for (LayerOp o : kAllOps) {
        names += (names.empty() ? "" : ", ") + LayerOpName(o);
      }
      root.Error("op", "must be one of " + names + ", got '" + *op + "'");
    }
  }
  if (!op_ok) {
    errors.ThrowIfAny();
  }
  ReadGeometry(root, &spec);
  if (!IsConvLike(spec.op) && !IsPool(spec.op) && root.Has("geometry")) {
    root.Error("geometry", "does not apply to " + LayerOpName(spec.op));
  }
  spec.input = ReadQuantParams(root, "input", false);
  const bool has_weights = LayerOpHasWeights(spec.op);
  if (has_weights) {
    spec.weights = ReadQuantParams(root, "weights", true);
  } else if (root.Has("weights")) {
    root.Error("weights", "does not apply to " + LayerOpName(spec.op));
  }
  if (spec.op == LayerOp::kAdd) {
    spec.input2 = ReadQuantParams(root, "input2", false);
  } else if (root.Has("input2")) {
    root.Error("input2", "applies to add only");
  }
  if (IsPool(spec.op)) {
    if (root.Has("output")) {
      root.Error("output", "does not apply to pooling (output shares the input's quantization)");
    }
    spec.output = spec.input;
  } else {
    spec.output = ReadQuantParams(root, "output", false);
  }
  if (auto r = root.String("rounding", true)) {
    if (auto parsed = ParseRoundingMode(*r)) {
      spec.rounding = *parsed;
    } else {
      root.Error("rounding",
                 std::string("must be one of ") + RoundingModeChoices() + ", got '" + *r + "'");
    }
  }
  if (auto b = root.String("bias", false)) {
    if (*b == "none") {
      spec.bias = BiasConvention::kNone;
    } else if (*b == "int32") {
      spec.bias = BiasConvention::kInt32;
    } else if (*b == "float") {
      spec.bias = BiasConvention::kFloat;
    } else {
      root.Error("bias", "must be none, int32 or float, got '" + *b + "'");
    }
    if (!has_weights && spec.bias != BiasConvention::kNone) {
      root.Error("bias", "does not apply to " + LayerOpName(spec.op));
    }
  }
  if (root.Has("activation")) {
    const YAML::Node a = root.Get("activation");
    if (a.IsMap()) {
      MapReader am(a, "activation", &errors);
      am.RejectUnknownKeys({"min", "max"});
      auto lo = am.Int("min", true);
      auto hi = am.Int("max", true);
      if (lo && hi) {
        if (*lo > *hi) {
          am.Error("min",
                   "must be <= max (" + std::to_string(*hi) + "), got " + std::to_string(*lo));
        }
        spec.clamp = std::make_pair(static_cast<int32_t>(*lo), static_cast<int32_t>(*hi));
      }
    } else if (auto name = root.String("activation", false)) {
      if (auto parsed = ParseActivation(*name)) {
        spec.activation = *parsed;
      } else {
        root.Error("activation",
                   "must be none, relu, relu6 or {min: lo, max: hi}, got '" + *name + "'");
      }
    }
  }
  ReadAccumulator(root).ApplyTo(&spec.accumulator);
  if (auto bin = root.Map("binary", false)) {
    if (spec.op != LayerOp::kBinaryConv2d) {
      root.Error("binary", "applies to binary_conv2d only");
    }
    bin->RejectUnknownKeys({"pad", "lanes"});
    if (auto pad = bin->String("pad", false)) {
      if (auto parsed = ParseBinaryPad(*pad)) {
        spec.binary_pad = *parsed;
      } else {
        bin->Error("pad", "must be +1, -1 or 0, got '" + *pad + "'");
      }
    }
    if (auto lanes = bin->Int("lanes", false)) {
      if (*lanes < 1 || *lanes > kMaxBinaryLanes) {
        bin->Error("lanes", "must be in 1.." + std::to_string(kMaxBinaryLanes) + ", got " +
                                std::to_string(*lanes));
      }
      spec.binary_lanes = static_cast<int>(*lanes);
    }
  }
  if (spec.op == LayerOp::kBinaryConv2d) {
    if (spec.input.type.kind != IntKind::kBinary) {
      root.Error("input.type", "must be binary for binary_conv2d, got " + spec.input.type.Name());
    }
    if (spec.weights.type.kind != IntKind::kBinary) {
      root.Error("weights.type",
                 "must be binary for binary_conv2d, got " + spec.weights.type.Name());
    }
  } else if (spec.input.type.kind == IntKind::kBinary) {
    root.Error("input.type", "binary activations need op binary_conv2d");
  }
  errors.ThrowIfAny();
  return spec;
}

}  // namespace

LayerSpec ParseLayerSpec(const std::string& yaml_text, const std::string& where) {
  return ParseLayerSpecNode(LoadYamlText(yaml_text, where), where);
}

LayerSpec LoadLayerSpec(const std::string& path) {
  return ParseLayerSpecNode(LoadYamlFile(path), path);
}

}  // namespace quasar::models
