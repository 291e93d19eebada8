// Element-wise functions on the post-processing unit: relu, clip, sigmoid, hard_sigmoid,
// hard_swish, tanh, leaky_relu, erf, sqrt, each as onnx/docs/Operators.md defines it, affine
// (alpha x + beta: ONNX's Mul, Add, Sub or Div with a scalar constant), pow (ONNX's Pow with a
// scalar constant exponent), silu and gelu (below). Their integer
// semantics is RunDequantized: dequantize, the function, quantize to the output's own
// parameters, as ONNX Runtime runs these ops between QDQ nodes. A post unit evaluates them
// with a table of the 2^bits input codes, priced as one requantization per output
// (docs/onnx-import.md).

#include <algorithm>
#include <cmath>

#include "op_keys.h"
#include "quasar/models/enum_names.h"
#include "quasar/models/net/ops.h"

namespace quasar::models {
namespace {

constexpr EnumTable<GeluApproximation, 2> kGeluApproximations = {
    {{GeluApproximation::kNone, "none"}, {GeluApproximation::kTanh, "tanh"}}};

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

// silu (Elfwing et al., "Sigmoid-Weighted Linear Units for Neural Network Function
// Approximation in Reinforcement Learning", 2018; Ramachandran et al.'s Swish with beta 1,
// 2017; PyTorch's torch.nn.SiLU): x * sigmoid(x), computed as x / (1 + e^-x) in float32.
float Silu(float v) { return v / (1.0f + std::exp(-v)); }

// gelu: x Phi(x), Phi the standard normal distribution function (Hendrycks & Gimpel, "Gaussian
// Error Linear Units (GELUs)", 2016, Sec. 2), as ONNX's Gelu-20 (onnx/docs/Operators.md) with
// its attribute `approximate`: none, 0.5 x (1 + erf(x / sqrt 2)); tanh, the paper's
// approximation 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) (GPT-2's). In float32, the
// constants rounded to float32 once.
float GeluErf(float v) {
  constexpr auto kInvSqrt2 = static_cast<float>(0.70710678118654752440);  // 1 / sqrt 2
  return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2));
}
float GeluTanh(float v) {
  constexpr auto kSqrt2OverPi = static_cast<float>(0.79788456080286535588);  // sqrt(2 / pi)
  return 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
}

OpDef Gelu() {
  OpDef d = Function(
      NetOp::kGelu, "gelu", {"approximate"},
      [](const NetLayer& l, const std::vector<const FloatTensor*>& x, const FloatLayerParams*) {
        return Map(*x[0], l.gelu_approximate == GeluApproximation::kTanh ? GeluTanh : GeluErf);
      });
  d.write_keys = [](KeyWriter& w, const NetLayer& l) {
    w.String("approximate", GeluApproximationName(l.gelu_approximate));
  };
  d.read_keys = [](const MapReader& m, NetLayer* l) {
    if (auto a = m.String("approximate", false)) {
      if (auto parsed = ParseGeluApproximation(*a)) {
        l->gelu_approximate = *parsed;
      } else {
        m.Error("approximate",
                "must be one of " + GeluApproximationChoices() + ", got '" + *a + "'");
      }
    }
  };
  return d;
}

}  // namespace

std::string GeluApproximationName(GeluApproximation a) { return EnumName(kGeluApproximations, a); }
std::optional<GeluApproximation> ParseGeluApproximation(const std::string& name) {
  return ParseEnum(kGeluApproximations, name);
}
std::string GeluApproximationChoices() { return EnumChoices(kGeluApproximations); }

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
      Function(NetOp::kSilu, "silu", {}, [](const NetLayer&, In x, P) { return Map(*x[0], Silu); }),
      Gelu(),
  };
}

}  // namespace quasar::models
