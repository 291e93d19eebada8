// layer_norm: y = (x - mean) / sqrt(var + epsilon) * scale + bias, the mean and the (biased)
// variance taken over the dimensions from `axis` to the last, `scale` and `bias` two tensors
// of those dimensions' shape (ONNX's LayerNormalization-17, onnx/docs/Operators.md, read with
// its stash_type 1: statistics in float). Inputs: x, scale, bias (constant layers when they
// come from a model). On the post-processing unit, dequantize, op, quantize (RunDequantized),
// so the statistics are taken in float, not on quantized intermediates. Cost per output, an
// assumption stated in docs/network-format.md: an add into the row's sum, the centring add, a
// square and an add into the variance sum, a multiply by the row's 1/sqrt(var + epsilon), the
// scale's multiply and the bias's add, and the requantization (in all 4 multiplies, 6 adds,
// 2 compares); the one reciprocal square root per row is not counted.

#include <cmath>

#include "quasar/models/net/ops.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

bool LayerNormShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                    Shape* out, int128*) {
  const Shape& x = *in[0];
  Shape normalized;
  if (!shape::CheckNormalization(*l, x, e, &normalized)) {
    return false;
  }
  for (size_t i = 1; i < 3; ++i) {
    if (*in[i] != normalized) {
      e.Add("inputs", std::string(i == 1 ? "the scale " : "the bias ") + ShapeToString(*in[i]) +
                          " must have the normalized shape " + ShapeToString(normalized) +
                          " (the input's dimensions from axis " + shape::Num(l->axis) + ")");
      return false;
    }
  }
  *out = x;
  return true;
}

FloatTensor LayerNorm(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                      const FloatLayerParams*) {
  const FloatTensor &x = *in[0], &scale = *in[1], &bias = *in[2];
  const auto [outer, n, inner] = shape::SplitAt(x.shape, shape::AxisIndex(l.axis, x.shape.size()));
  const int64_t row = n * inner;  // the normalized elements of one outer index
  FloatTensor y(x.shape);
  for (int64_t o = 0; o < outer; ++o) {
    const float* r = &x.data[static_cast<size_t>(o * row)];
    double sum = 0;  // in double, so that long rows lose nothing before the one rounding
    for (int64_t j = 0; j < row; ++j) {
      sum += r[j];
    }
    const auto mean = static_cast<float>(sum / static_cast<double>(row));
    double squares = 0;
    for (int64_t j = 0; j < row; ++j) {
      const float d = r[j] - mean;
      squares += static_cast<double>(d) * d;
    }
    const auto var = static_cast<float>(squares / static_cast<double>(row));
    const float inv_std = 1.0f / std::sqrt(var + static_cast<float>(l.epsilon));
    for (int64_t j = 0; j < row; ++j) {
      y[o * row + j] = (r[j] - mean) * inv_std * scale[j] + bias[j];
    }
  }
  return y;
}

}  // namespace

std::vector<OpDef> LayerNormOps() {
  return {DequantizedPostOp(
      NetOp::kLayerNorm, "layer_norm", {"axis", "epsilon"},
      [](const NetLayer&, const NetworkSpec&) { return PostEvents{4, 6, 2}; }, LayerNormShape,
      LayerNorm, /*inputs=*/3)};
}

}  // namespace quasar::models
