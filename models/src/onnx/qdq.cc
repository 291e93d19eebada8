// QDQ models: QuantizeLinear and DequantizeLinear (onnx/docs/Operators.md: y = saturate(
// round_half_even(x / y_scale) + y_zero_point), y_zero_point uint8 0 when omitted; x =
// (q - x_zero_point) * x_scale; `axis` for per-axis scales, default 1). Their parameters are
// the model's quantization, kept verbatim: a QuantizeLinear of a computed tensor fixes that
// tensor's parameters (NetworkSpec::fixed_params) and passes it through, the DequantizeLinear
// after it passes it through again, and a DequantizeLinear of integer weights folds to float
// weights that remember their parameters, which the layer reading them keeps
// (fixed_weight_params). QuantizeNetwork then uses those parameters instead of calibrating, and
// the network runs in the `onnx` rounding mode.

#include <cmath>

#include "importer.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::models::onnx_import {
namespace {

// The IntType of a TensorProto integer type.
IntType TypeOf(int32_t data_type) {
  const int bits = onnx_io::IntegerBits(data_type);
  if (bits == 0 || bits > 32 || bits == 2) {
    throw NodeError("quantized type " + onnx_io::DataTypeName(data_type) + " is not supported");
  }
  return onnx_io::IsSignedInteger(data_type) ? IntType::Signed(bits) : IntType::Unsigned(bits);
}

// The scale (input `si`) and zero point (input `zi`, optional) of a Q or DQ node for a tensor
// of shape `shape`: one of each, or one per index of `axis`.
QuantParams ParamsOf(const Node& node, int si, int zi, const Shape& shape, int64_t* axis,
                     int32_t default_type) {
  const Constant& scale = node.ConstantIn(si, "the scale");
  if (scale.integer) {
    throw NodeError("the scale must be float32");
  }
  QuantParams p;
  p.scales = scale.floats;
  p.type = TypeOf(default_type);
  p.zero_points.assign(p.scales.size(), 0);
  if (node.Has(zi)) {
    const Constant& zp = node.ConstantIn(zi, "the zero point");
    if (!zp.integer || zp.size() != scale.size()) {
      throw NodeError("the zero point must be integers, one per scale");
    }
    p.type = TypeOf(zp.data_type);
    p.zero_points.assign(zp.ints.begin(), zp.ints.end());
  }
  for (float s : p.scales) {
    if (!(s > 0.0f) || !std::isfinite(s)) {
      throw NodeError("a scale is " + std::to_string(s) + "; scales must be positive and finite");
    }
  }
  const auto rank = static_cast<int64_t>(shape.size());
  *axis = node.Int("axis", 1);
  if (p.scales.size() > 1) {
    if (*axis < -rank || *axis >= rank) {
      throw NodeError("axis " + std::to_string(*axis) + " is out of range for rank " +
                      std::to_string(rank));
    }
    *axis = *axis < 0 ? *axis + rank : *axis;
    if (shape[static_cast<size_t>(*axis)] != static_cast<int64_t>(p.scales.size())) {
      throw NodeError(std::to_string(p.scales.size()) + " scales for axis " +
                      std::to_string(*axis) + " of " + Dims(shape));
    }
  }
  return p;
}

bool Same(const QuantParams& a, const QuantParams& b) {
  return a.type == b.type && a.scales == b.scales && a.zero_points == b.zero_points;
}

void QuantizeLinear(const Node& node) {
  node.KnownAttributes({"axis", "saturate"});
  const Value& x = node.Activation(0, "the input");
  int64_t axis = 1;
  QuantParams p = ParamsOf(node, 1, 2, x.shape, &axis, onnx_io::kUint8);
  if (p.scales.size() != 1) {
    throw NodeError("quantizes a computed tensor per axis; Quasar's activations are per tensor");
  }
  auto& fixed = node.importer().net().fixed_params;
  const auto [at, fresh] = fixed.emplace(x.tensor, p);
  if (!fresh && !Same(at->second, p)) {
    throw NodeError("quantizes '" + node.proto().input(0) + "' with other parameters than an "
                    "earlier QuantizeLinear of the same tensor");
  }
  node.importer().PassThrough(node.proto().input(0), node.Out(0));
}

void DequantizeLinear(const Node& node) {
  node.KnownAttributes({"axis"});
  const Value& x = node.In(0);
  int64_t axis = 1;
  if (!x.is_constant()) {
    // The output of a QuantizeLinear: its parameters must be the ones fixed for the tensor.
    const QuantParams p = ParamsOf(node, 1, 2, x.shape, &axis, onnx_io::kUint8);
    const auto& fixed = node.importer().net().fixed_params;
    const auto f = fixed.find(x.tensor);
    if (f == fixed.end() || !Same(f->second, p)) {
      throw NodeError("dequantizes '" + node.proto().input(0) + "', which no QuantizeLinear with "
                      "the same parameters made");
    }
    node.importer().PassThrough(node.proto().input(0), node.Out(0));
    return;
  }
  const Constant& q = *x.constant;
  if (!q.integer) {
    throw NodeError("dequantizes a float constant");
  }
  const QuantParams p = ParamsOf(node, 1, 2, q.shape, &axis, q.data_type);
  if (!(p.type == TypeOf(q.data_type))) {
    throw NodeError("the zero point's type differs from the input's");
  }
  Constant out;
  out.shape = q.shape;
  out.data_type = onnx_io::kFloat;
  out.floats.resize(q.ints.size());
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < q.shape.size(); ++d) {
    inner *= q.shape[d];
  }
  const int64_t channels = p.scales.size() > 1 ? q.shape[static_cast<size_t>(axis)] : 1;
  for (int64_t i = 0; i < q.size(); ++i) {
    const int64_t c = channels > 1 ? (i / inner) % channels : 0;
    // float32 arithmetic, as the operator's float output type.
    out.floats[static_cast<size_t>(i)] =
        static_cast<float>(q.ints[static_cast<size_t>(i)] - p.zero_point(c)) * p.scale(c);
  }
  out.quant = p;
  out.quant_axis = axis;
  node.importer().BindConstant(node.Out(0), std::move(out));
}

}  // namespace

void KeepWeightQuantization(const Node& node, const std::string& layer, const Constant& w,
                            int64_t channel_axis) {
  if (!w.quant) {
    return;
  }
  if (w.quant->scales.size() > 1 && w.quant_axis != channel_axis) {
    throw NodeError("the weights are quantized per index of axis " +
                    std::to_string(w.quant_axis) + "; Quasar's per-channel weights run along "
                    "the output channels (axis " + std::to_string(channel_axis) + ")");
  }
  node.importer().net().fixed_weight_params[layer] = *w.quant;
}

void ApplyQdqPolicy(NetworkSpec* net, const std::string& file) {
  if (net->fixed_params.empty() && net->fixed_weight_params.empty()) {
    return;
  }
  ErrorList errors(file);
  // Every tensor that owns parameters must be quantized by the model: inputs, and the outputs
  // of layers that compute (not those that only move data).
  for (const NetInput& in : net->inputs) {
    if (!net->fixed_params.count(in.name)) {
      errors.Add("input " + in.name, "has no QuantizeLinear; a QDQ model quantizes every tensor");
    }
  }
  for (const NetLayer& l : net->layers) {
    if (!NetOpMovesDataOnly(l.op) && !net->fixed_params.count(l.name)) {
      errors.Add("layer " + l.name,
                 "its output has no QuantizeLinear; a QDQ model quantizes every tensor");
    }
    if (NetOpHasWeights(l.op) && !net->fixed_weight_params.count(l.name)) {
      errors.Add("layer " + l.name, "its weights are float, not a DequantizeLinear of integers");
    }
  }
  const IntType a = net->fixed_params.begin()->second.type;
  for (const auto& [t, p] : net->fixed_params) {
    if (!(p.type == a)) {
      errors.Add("tensor " + t, "is " + p.type.Name() + " while others are " + a.Name() +
                                    "; Quasar takes one activation type per QDQ model");
    }
  }
  errors.ThrowIfAny();
  PrecisionPolicy& policy = net->policy;
  policy.rounding = RoundingMode::kOnnx;
  policy.first_last_bits.reset();
  policy.activations.code = QuantCode::kLinear;
  policy.activations.bits = a.bits;
  policy.activations.is_signed = a.kind == IntKind::kSigned;
  policy.activations.symmetric = false;
  if (!net->fixed_weight_params.empty()) {
    const QuantParams& w0 = net->fixed_weight_params.begin()->second;
    bool per_channel = false, symmetric = true;
    for (const auto& [layer, p] : net->fixed_weight_params) {
      if (!(p.type == w0.type)) {
        errors.Add("layer " + layer, "its weights are " + p.type.Name() + " while others are " +
                                         w0.type.Name());
      }
      per_channel = per_channel || p.scales.size() > 1;
      for (int32_t z : p.zero_points) {
        symmetric = symmetric && z == 0;
      }
    }
    errors.ThrowIfAny();
    policy.weights.code = QuantCode::kLinear;
    policy.weights.bits = w0.type.bits;
    policy.weights.is_signed = w0.type.kind == IntKind::kSigned;
    policy.weights.symmetric = symmetric;
    policy.weights.granularity = per_channel ? Granularity::kPerChannel : Granularity::kPerTensor;
    for (NetLayer& l : net->layers) {  // a layer quantized per tensor in a per-channel model
      const auto f = net->fixed_weight_params.find(l.name);
      if (per_channel && f != net->fixed_weight_params.end() && f->second.scales.size() == 1) {
        l.precision_override.weights.granularity = Granularity::kPerTensor;
      }
    }
  }
}

std::vector<Converter> QdqConverters() {
  return {{"QuantizeLinear", 10, QuantizeLinear}, {"DequantizeLinear", 10, DequantizeLinear}};
}

}  // namespace quasar::models::onnx_import
