// Element-wise functions on the post-processing unit: relu, clip, sigmoid, hard_sigmoid,
// hard_swish, tanh, leaky_relu, erf, sqrt, each as onnx/docs/Operators.md defines it, affine
// (alpha x + beta: ONNX's Mul, Add, Sub or Div with a scalar constant) and pow (ONNX's Pow with a
// scalar constant exponent). Their integer
// semantics is RunDequantized: dequantize, the function, quantize to the output's own
// parameters, as ONNX Runtime runs these ops between QDQ nodes. A post unit evaluates them
// with a table of the 2^bits input codes, priced as one requantization per output
// (docs/onnx-import.md).

#include <algorithm>
#include <cmath>

#include "quasar/models/net/ops.h"

namespace quasar::models {
namespace {

bool SameShape(NetLayer*, const std::vector<const Shape*>& in, const LayerErrors&, Shape* out,
               int128*) {
  *out = *in[0];
  return true;
}

template <typename F>
FloatTensor Map(const FloatTensor& x, F f) {
  FloatTensor y(x.shape);
  std::transform(x.data.begin(), x.data.end(), y.data.begin(), f);
  return y;
}

using FloatKernel = FloatTensor (*)(const NetLayer&, const std::vector<const FloatTensor*>&,
                                    const FloatLayerParams*);

OpDef Function(NetOp op, const char* name, std::vector<std::string> keys, FloatKernel kernel) {
  return DequantizedPostOp(op, name, std::move(keys), RequantizeEvents, SameShape, kernel);
}

}  // namespace

std::vector<OpDef> ElementwiseOps() {
  using In = const std::vector<const FloatTensor*>&;
  using P = const FloatLayerParams*;
  return {
      Function(NetOp::kRelu, "relu", {},
               [](const NetLayer&, In x, P) {
                 return Map(*x[0], [](float v) { return std::max(v, 0.0f); });
               }),
      Function(NetOp::kClip, "clip", {"min", "max"},
               [](const NetLayer& l, In x, P) {
                 const auto lo = static_cast<float>(l.clip_min);
                 const auto hi = static_cast<float>(l.clip_max);
                 return Map(*x[0], [=](float v) { return std::min(std::max(v, lo), hi); });
               }),
      Function(NetOp::kSigmoid, "sigmoid", {},
               [](const NetLayer&, In x, P) {
                 return Map(*x[0], [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
               }),
      Function(NetOp::kHardSigmoid, "hard_sigmoid", {"alpha", "beta"},
               [](const NetLayer& l, In x, P) {
                 const auto a = static_cast<float>(l.alpha), b = static_cast<float>(l.beta);
                 return Map(*x[0],
                            [=](float v) { return std::max(0.0f, std::min(1.0f, a * v + b)); });
               }),
      Function(NetOp::kHardSwish, "hard_swish", {},
               [](const NetLayer&, In x, P) {
                 return Map(*x[0], [](float v) {
                   return v * std::max(0.0f, std::min(1.0f, v / 6.0f + 0.5f));
                 });
               }),
      Function(NetOp::kTanh, "tanh", {},
               [](const NetLayer&, In x, P) {
                 return Map(*x[0], [](float v) { return std::tanh(v); });
               }),
      Function(NetOp::kLeakyRelu, "leaky_relu", {"alpha"},
               [](const NetLayer& l, In x, P) {
                 const auto a = static_cast<float>(l.alpha);
                 return Map(*x[0], [=](float v) { return v < 0.0f ? a * v : v; });
               }),
      Function(NetOp::kAffine, "affine", {"alpha", "beta"},
               [](const NetLayer& l, In x, P) {
                 const auto a = static_cast<float>(l.alpha), b = static_cast<float>(l.beta);
                 return Map(*x[0], [=](float v) { return a * v + b; });
               }),
      Function(
          NetOp::kErf, "erf", {},
          [](const NetLayer&, In x, P) { return Map(*x[0], [](float v) { return std::erf(v); }); }),
      // A negative input gives NaN, which RunDequantized reports naming the layer.
      Function(NetOp::kSqrt, "sqrt", {},
               [](const NetLayer&, In x, P) {
                 return Map(*x[0], [](float v) { return std::sqrt(v); });
               }),
      Function(NetOp::kPow, "pow", {"exponent"},
               [](const NetLayer& l, In x, P) {
                 const auto e = static_cast<float>(l.exponent);
                 return Map(*x[0], [=](float v) { return std::pow(v, e); });
               }),
  };
}

}  // namespace quasar::models
