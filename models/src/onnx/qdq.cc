// QDQ models: QuantizeLinear and DequantizeLinear (onnx/docs/Operators.md: y = saturate(
// round_half_even(x / y_scale) + y_zero_point), y_zero_point uint8 0 when omitted; x =
// (q - x_zero_point) * x_scale; `axis` for per-axis scales, default 1). Their parameters are
// the model's quantization, kept verbatim: a QuantizeLinear of a computed tensor fixes that
// tensor's parameters (NetworkSpec::fixed_params) and passes it through, the DequantizeLinear
// after it passes it through again, and a DequantizeLinear of integer weights folds to float
// weights that remember their parameters, which the layer reading them keeps
// (fixed_weight_params). QuantizeNetwork then uses those parameters instead of calibrating, and
// the network runs in the `onnx` rounding mode.

#include <algorithm>
#include <cmath>

#include "importer.h"
#include "quasar/models/quant_params.h"
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

}  // namespace

QuantParams ParamsOf(const Node& node, int si, int zi, const Shape& shape, int64_t* axis,
                     int32_t default_type, const char* axis_attribute) {
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
    const std::string why = ScaleError(s);
    if (!why.empty()) {
      throw NodeError("a scale " + why);
    }
  }
  const auto rank = static_cast<int64_t>(shape.size());
  *axis = axis_attribute != nullptr ? node.Int(axis_attribute, 1) : *axis;
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

namespace {

bool Same(const QuantParams& a, const QuantParams& b) {
  return a.type == b.type && a.scales == b.scales && a.zero_points == b.zero_points;
}

}  // namespace

void FixTensorParams(const Node& node, const std::string& tensor, const QuantParams& p) {
  if (p.scales.size() != 1) {
    throw NodeError("quantizes a computed tensor per axis; Quasar's activations are per tensor");
  }
  auto& fixed = node.importer().net().fixed_params;
  const auto [at, fresh] = fixed.emplace(tensor, p);
  if (!fresh && !Same(at->second, p)) {
    throw NodeError("quantizes '" + tensor + "' with other parameters than an earlier "
                    "quantizer of the same tensor");
  }
}

Constant DequantizeConstant(const Constant& q, const QuantParams& p, int64_t axis) {
  if (!q.integer) {
    throw NodeError("dequantizes a float constant");
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
  return out;
}

namespace {

void QuantizeLinear(const Node& node) {
  node.KnownAttributes({"axis", "saturate"});
  const Value& x = node.Activation(0, "the input");
  int64_t axis = 1;
  FixTensorParams(node, x.tensor, ParamsOf(node, 1, 2, x.shape, &axis, onnx_io::kUint8));
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
  node.importer().BindConstant(node.Out(0), DequantizeConstant(q, p, axis));
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

namespace {

// The precision an integer type stands for (binary: the binary code).
OperandOverride PrecisionOf(const IntType& t) {
  OperandOverride o;
  o.code = t.kind == IntKind::kBinary ? QuantCode::kBinary : QuantCode::kLinear;
  o.bits = t.bits;
  o.is_signed = t.kind != IntKind::kUnsigned;
  return o;
}

bool AllZero(const QuantParams& p) {
  return std::all_of(p.zero_points.begin(), p.zero_points.end(), [](int32_t z) { return z == 0; });
}

}  // namespace

void ApplyQdqPolicy(NetworkSpec* net, const std::string& file) {
  if (net->fixed_params.empty() && net->fixed_weight_params.empty()) {
    return;
  }
  ErrorList errors(file);
  // Every tensor that owns parameters must be quantized by the model: inputs, and the outputs
  // of layers that compute (not those that only move data).
  for (const NetInput& in : net->inputs) {
    if (!net->fixed_params.count(in.name)) {
      errors.Add("input " + in.name, "is not quantized by the model (QuantizeLinear, Quant); a "
                                     "quantized model quantizes every tensor");
    }
  }
  for (const NetLayer& l : net->layers) {
    if (!NetOpMovesDataOnly(l.op) && !net->fixed_params.count(l.name)) {
      errors.Add("layer " + l.name, "its output is not quantized by the model (QuantizeLinear, "
                                    "Quant); a quantized model quantizes every tensor");
    }
    if (NetOpHasWeights(l.op) && !net->fixed_weight_params.count(l.name)) {
      errors.Add("layer " + l.name, "its weights are float, not quantized by the model");
    }
  }
  errors.ThrowIfAny();
  // The policy takes the network input's type and the first weighted layer's; a tensor or layer
  // of another type (mixed precision: 8-bit first and last layers, 4-bit in between) gets a
  // per-layer override, as a network file would state it.
  PrecisionPolicy& policy = net->policy;
  policy.rounding = RoundingMode::kOnnx;
  policy.first_last_bits.reset();
  const IntType a = net->fixed_params.at(net->inputs.front().name).type;
  PrecisionOf(a).ApplyTo(&policy.activations);
  policy.activations.symmetric = false;
  for (const NetInput& in : net->inputs) {
    if (!(net->fixed_params.at(in.name).type == a)) {
      errors.Add("input " + in.name, "is " + net->fixed_params.at(in.name).type.Name() +
                                         " while the first input is " + a.Name());
    }
  }
  const QuantParams* w0 = nullptr;
  for (const NetLayer& l : net->layers) {
    if (NetOpHasWeights(l.op) && w0 == nullptr) {
      w0 = &net->fixed_weight_params.at(l.name);
      PrecisionOf(w0->type).ApplyTo(&policy.weights);
      policy.weights.symmetric = AllZero(*w0);
      policy.weights.granularity =
          w0->scales.size() > 1 ? Granularity::kPerChannel : Granularity::kPerTensor;
    }
  }
  for (NetLayer& l : net->layers) {
    // A layer that only moves data keeps its input's precision (an override would be ignored,
    // and the network format refuses one).
    const auto out = net->fixed_params.find(l.name);
    if (out != net->fixed_params.end() && !(out->second.type == a) &&
        !NetOpMovesDataOnly(l.op)) {
      const OperandOverride o = PrecisionOf(out->second.type);
      OperandOverride& dst = l.precision_override.activations;
      dst.code = o.code;
      dst.bits = o.bits;
      dst.is_signed = o.is_signed;
      dst.symmetric = false;
    }
    const auto w = net->fixed_weight_params.find(l.name);
    if (w == net->fixed_weight_params.end()) {
      continue;
    }
    const Granularity g =
        w->second.scales.size() > 1 ? Granularity::kPerChannel : Granularity::kPerTensor;
    OperandOverride& dst = l.precision_override.weights;
    if (!(w->second.type == w0->type)) {
      const OperandOverride o = PrecisionOf(w->second.type);
      dst.code = o.code;
      dst.bits = o.bits;
      dst.is_signed = o.is_signed;
    }
    if (g != policy.weights.granularity) {
      dst.granularity = g;
    }
    if (AllZero(w->second) != policy.weights.symmetric) {
      dst.symmetric = AllZero(w->second);
    }
  }
  errors.ThrowIfAny();
}

std::vector<Converter> QdqConverters() {
  return {{"QuantizeLinear", 10, QuantizeLinear}, {"DequantizeLinear", 10, DequantizeLinear}};
}

}  // namespace quasar::models::onnx_import
