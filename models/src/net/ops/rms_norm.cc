// rms_norm: y = x / sqrt(mean(x^2) + epsilon) * scale, the mean of the squares taken over the
// dimensions from `axis` to the last, `scale` an optional tensor of those dimensions' shape (1
// when absent: a model may fold its gain into the next projection's weights, which is exact).
// Zhang & Sennrich, "Root Mean Square Layer Normalization", NeurIPS 2019, eq. 4 (without its
// optional bias); ONNX's RMSNormalization-23 (onnx/docs/Operators.md: XSquared, ReduceMean over
// [axis, ..., rank - 1], Add epsilon, Sqrt, Div, then Mul by Scale), read with its stash_type 1:
// statistics in float. Inputs: x, and optionally scale (a constant layer when it comes from a
// model). Arithmetic, as layer_norm's: the squares summed in double and the mean rounded once to
// float32; 1 / sqrt(mean + epsilon) in float32; y = x * that * scale in float32, in that order.
// On the post-processing unit, dequantize, op, quantize (RunDequantized), so the statistics are
// taken in float, not on quantized intermediates. Cost per output, an assumption stated in
// docs/network-format.md: a square and an add into the row's sum, a multiply by the row's
// 1 / sqrt(mean + epsilon), the scale's multiply (when there is a scale) and the requantization
// (in all 4 multiplies, 3 adds, 2 compares; 3 multiplies without a scale); the one reciprocal
// square root per row is not counted.

#include <cmath>

#include "quasar/models/net/ops.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

bool RmsNormShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                  Shape* out, int128*) {
  if (in.size() > 2) {
    e.Add("inputs", "rms_norm reads x and an optional scale (1 or 2 tensors), got " +
                        shape::Num(static_cast<int64_t>(in.size())));
    return false;
  }
  const Shape& x = *in[0];
  Shape normalized;
  if (!shape::CheckNormalization(*l, x, e, &normalized)) {
    return false;
  }
  if (in.size() == 2 && *in[1] != normalized) {
    e.Add("inputs", "the scale " + ShapeToString(*in[1]) + " must have the normalized shape " +
                        ShapeToString(normalized) + " (the input's dimensions from axis " +
                        shape::Num(l->axis) + ")");
    return false;
  }
  *out = x;
  return true;
}

FloatTensor RmsNorm(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                    const FloatLayerParams*) {
  const FloatTensor& x = *in[0];
  const FloatTensor* scale = in.size() > 1 ? in[1] : nullptr;
  const auto [outer, n, inner] = shape::SplitAt(x.shape, shape::AxisIndex(l.axis, x.shape.size()));
  const int64_t row = n * inner;  // the normalized elements of one outer index
  FloatTensor y(x.shape);
  for (int64_t o = 0; o < outer; ++o) {
    const float* r = &x.data[static_cast<size_t>(o * row)];
    double squares = 0;  // in double, so that long rows lose nothing before the one rounding
    for (int64_t j = 0; j < row; ++j) {
      squares += static_cast<double>(r[j]) * r[j];
    }
    const auto mean = static_cast<float>(squares / static_cast<double>(row));
    const float inv_rms = 1.0f / std::sqrt(mean + static_cast<float>(l.epsilon));
    for (int64_t j = 0; j < row; ++j) {
      y[o * row + j] = scale ? r[j] * inv_rms * (*scale)[j] : r[j] * inv_rms;
    }
  }
  return y;
}

}  // namespace

std::vector<OpDef> RmsNormOps() {
  return {DequantizedPostOp(
      NetOp::kRmsNorm, "rms_norm", {"axis", "epsilon"},
      [](const NetLayer& l, const NetworkSpec&) {
        return PostEvents{l.inputs.size() > 1 ? 4 : 3, 3, 2};
      },
      RmsNormShape, RmsNorm, /*inputs=*/0)};
}

}  // namespace quasar::models
