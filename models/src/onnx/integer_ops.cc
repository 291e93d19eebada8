// ConvInteger and MatMulInteger (onnx/docs/Operators.md): int8/uint8 operands, an int32 output
// that is the accumulator itself, y = sum((x - x_zero_point)(w - w_zero_point)), with no
// requantization; w_zero_point may be one per output channel (ConvInteger: axis 0 of w [M, C/g,
// kH, kW]) and b_zero_point one per column of B [K, N] (MatMulInteger).
//
// Each becomes the layer of its float counterpart (conv2d / depthwise_conv2d, fully_connected
// by constant B, matmul of two tensors) whose output is an int32 tensor with zero point 0 and
// scale s_y = s_x·s_w, so that the requantization multiplier s_x·s_w / s_y is exactly 1 (the
// `onnx` mode forms it in float32, requant.cc) and the layer's integer output is the
// accumulator. The input's scale s_x is the one a QuantizeLinear (or a QOperator op) fixed for
// it; the nodes carry no weight scale, so the weights take the one with s_x·s_w = 1 in float32,
// which makes the tensor's value (s_y times its integer) the integer ONNX's Cast to float gives.
// A following Mul by a positive scalar (ONNX Runtime's dequantization by x_scale·w_scale) folds
// into that scale: s_y becomes the product, the integers stay the accumulator's.
// A tensor whose scale is computed at run time (DynamicQuantizeLinear) has no fixed parameters,
// and the node is refused as dynamic quantization.

#include <cmath>

#include "importer.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::models::onnx_import {
namespace {

// The fixed parameters of computed input `index` (`what` in messages), its zero point checked
// against the node's (input `zi`, 0 when omitted).
const QuantParams& InputParams(const Node& node, const Value& x, int zi, const char* what) {
  auto& fixed = node.importer().net().fixed_params;
  auto f = fixed.find(x.tensor);
  const auto integer = node.importer().integer_inputs().find(x.tensor);
  if (f == fixed.end() && integer != node.importer().integer_inputs().end()) {
    // An integer graph input: its own integers, with the node's zero point and scale 1.
    QuantParams p;
    p.type = onnx_io::IsSignedInteger(integer->second) ? IntType::Signed(8) : IntType::Unsigned(8);
    p.scales = {1.0f};
    p.zero_points = {0};
    if (node.Has(zi)) {
      const Constant& z = node.ConstantIn(zi, "the zero point");
      if (z.integer && z.size() == 1) {
        p.zero_points = {static_cast<int32_t>(z.ints[0])};
      }
    }
    f = fixed.emplace(x.tensor, p).first;
  }
  if (f == fixed.end()) {
    throw NodeError(std::string("dynamic quantization: ") + what + " ('" + x.tensor +
                    "') has no static scale (a DynamicQuantizeLinear computes it at run time); "
                    "Quasar takes " +
                    node.proto().op_type() +
                    " of a tensor a QuantizeLinear "
                    "with a constant scale quantized");
  }
  int64_t zero = 0;
  int32_t type = 0;
  if (node.Has(zi)) {
    const Constant& z = node.ConstantIn(zi, "the zero point");
    if (!z.integer || z.size() != 1) {
      throw NodeError(std::string(what) + "'s zero point must be one integer, got " +
                      Dims(z.shape));
    }
    zero = z.ints[0];
    type = z.data_type;
  }
  const QuantParams& p = f->second;
  const bool type_ok =
      type == 0 || (p.type.bits == onnx_io::IntegerBits(type) &&
                    (p.type.kind == IntKind::kSigned) == onnx_io::IsSignedInteger(type));
  if (p.zero_points[0] != zero || !type_ok) {
    throw NodeError(std::string(what) + " ('" + x.tensor + "') is quantized as " + p.type.Name() +
                    " with zero point " + std::to_string(p.zero_points[0]) +
                    "; the node's zero point is " + std::to_string(zero) +
                    (type != 0 ? " (" + onnx_io::DataTypeName(type) + ")" : std::string()));
  }
  return p;
}

// The float32 scale s with s_x·s == target exactly, searched among the neighbours of
// target / s_x; that quotient when none is.
float ScaleFor(float s_x, float target) {
  const float q = target / s_x;
  float up = q, down = q;
  for (int i = 0; i < 8; ++i) {
    if (s_x * up == target) {
      return up;
    }
    if (s_x * down == target) {
      return down;
    }
    up = std::nextafter(up, INFINITY);
    down = std::nextafter(down, 0.0f);
  }
  return q;
}

// The accumulator's parameters: int32, zero point 0, scale s_x·s_w.
QuantParams AccumulatorParams(float s_x, float s_w) {
  QuantParams p;
  p.type = IntType::Signed(32);
  p.scales = {s_x * s_w};
  p.zero_points = {0};
  return p;
}

// Integer weights (input `wi`, zero point input `zi`: one, or one per index of `axis`) folded
// with scale `s_w` and remembering it, per tensor or per channel as the zero points are.
Constant IntegerWeights(const Node& node, int wi, int zi, int64_t axis, float s_w) {
  const Constant& w = node.ConstantIn(wi, "the weights");
  if (!w.integer || (w.data_type != onnx_io::kInt8 && w.data_type != onnx_io::kUint8)) {
    throw NodeError("the weights must be int8 or uint8");
  }
  QuantParams p;
  p.type = onnx_io::IsSignedInteger(w.data_type) ? IntType::Signed(8) : IntType::Unsigned(8);
  p.zero_points = {0};
  if (node.Has(zi)) {
    const Constant& z = node.ConstantIn(zi, "the weights' zero point");
    const int64_t channels =
        static_cast<size_t>(axis) < w.shape.size() ? w.shape[static_cast<size_t>(axis)] : 0;
    if (!z.integer || z.data_type != w.data_type || (z.size() != 1 && z.size() != channels)) {
      throw NodeError(
          "the weights' zero point must be of the weights' type, one or one per "
          "index of axis " +
          std::to_string(axis) + " (" + std::to_string(channels) + "), got " + Dims(z.shape));
    }
    p.zero_points.assign(z.ints.begin(), z.ints.end());
  }
  p.scales.assign(p.zero_points.size(), s_w);
  return DequantizeConstant(w, p, axis);
}

void FixAccumulator(const Node& node, const std::string& layer, float s_x, float s_w) {
  FixTensorParams(node, layer, AccumulatorParams(s_x, s_w));
  node.importer().accumulator_layers().insert(layer);
}

// ConvInteger(x, w, x_zero_point, w_zero_point), Conv's attributes.
void ConvInteger(const Node& node) {
  node.KnownAttributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  const Value& x = node.Activation(0, "x");
  const float s_x = InputParams(node, x, 2, "x").scales[0];
  const float s_w = ScaleFor(s_x, 1.0f);
  const std::string name = ConvLayer(node, x, IntegerWeights(node, 1, 3, 0, s_w), nullptr);
  FixAccumulator(node, name, s_x, s_w);
}

// MatMulInteger(A, B, a_zero_point, b_zero_point): a constant B [K, N] is a fully_connected
// layer's weights (b_zero_point per tensor or per column); a computed B, quantized per tensor,
// makes Quasar's matmul, whose accumulator scale is s_a·s_b.
void MatMulInteger(const Node& node) {
  node.KnownAttributes({});
  const Value& a = node.Activation(0, "A");
  const float s_a = InputParams(node, a, 2, "A").scales[0];
  if (node.In(1).is_constant()) {
    const float s_w = ScaleFor(s_a, 1.0f);
    const std::string name = MatMulByConstant(node, a, IntegerWeights(node, 1, 3, 1, s_w));
    FixAccumulator(node, name, s_a, s_w);
    return;
  }
  const Value& b = node.Activation(1, "B");
  const float s_b = InputParams(node, b, 3, "B").scales[0];
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kMatMul;
  l.inputs = {a.tensor, b.tensor};
  const std::string name = node.importer().AddLayer(std::move(l), node.Out(0));
  FixTensorParams(node, name, AccumulatorParams(s_a, s_b));
}

}  // namespace

bool FoldScaleIntoAccumulator(const Node& node, int tensor_input, double c) {
  Importer& im = node.importer();
  NetLayer* l = im.SoleProducer(node.proto().input(tensor_input));
  if (l == nullptr || !im.accumulator_layers().count(l->name) || !(c > 0.0) || !std::isfinite(c)) {
    return false;
  }
  NetworkSpec& net = im.net();
  QuantParams& wp = net.fixed_weight_params.at(l->name);
  QuantParams& yp = net.fixed_params.at(l->name);
  const float s_x = net.fixed_params.at(l->inputs[0]).scales[0];
  const float old_w = wp.scales[0];
  const float s_w = ScaleFor(s_x, yp.scales[0] * static_cast<float>(c));  // float32, as ONNX's Mul
  // The float weights (w - z)·s_w again, from the integers w - z = (w - z)·old_w / old_w.
  FloatTensor w = *l->weights_data;
  for (int64_t i = 0; i < w.size(); ++i) {
    w[i] = static_cast<float>(std::nearbyint(w[i] / old_w)) * s_w;
  }
  l->weights_data = std::make_shared<const FloatTensor>(std::move(w));
  wp.scales.assign(wp.scales.size(), s_w);
  yp = AccumulatorParams(s_x, s_w);
  im.PassThrough(node.proto().input(tensor_input), node.Out(0));
  return true;
}

std::vector<Converter> IntegerConverters() {
  return {{"ConvInteger", 10, ConvInteger}, {"MatMulInteger", 10, MatMulInteger}};
}

}  // namespace quasar::models::onnx_import
