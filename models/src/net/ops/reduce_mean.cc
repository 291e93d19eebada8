// reduce_mean: the mean along one `axis` (negative counts from the end), kept as a dimension of
// extent 1 (ONNX's ReduceMean with one axis and keepdims 1; onnx/docs/Operators.md), e.g. the
// statistics of a layer normalization over the last axis. On the post-processing unit,
// dequantize, op, quantize (RunDequantized). Cost per output: one add per reduced element and
// the requantization, whose multiplier absorbs the division (1 multiply, 2 adds, 2 compares).

#include <algorithm>

#include "quasar/models/net/ops.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

bool ReduceMeanShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                     Shape* out, int128*) {
  if (!shape::CheckAxis(l->axis, *in[0], e)) {
    return false;
  }
  *out = *in[0];
  (*out)[shape::AxisIndex(l->axis, out->size())] = 1;
  return true;
}

FloatTensor ReduceMean(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                       const FloatLayerParams*) {
  const FloatTensor& x = *in[0];
  const size_t axis = shape::AxisIndex(l.axis, x.shape.size());
  const auto [outer, n, inner] = shape::SplitAt(x.shape, axis);
  Shape shape = x.shape;
  shape[axis] = 1;
  FloatTensor y(shape);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      double sum = 0;  // in double, so that long rows lose nothing before the one rounding
      for (int64_t j = 0; j < n; ++j) {
        sum += x[(o * n + j) * inner + i];
      }
      y[o * inner + i] = static_cast<float>(sum / static_cast<double>(n));
    }
  }
  return y;
}

PostEvents ReduceMeanEvents(const NetLayer& l, const NetworkSpec& net) {
  const Shape& x = net.ShapeOf(l.inputs[0]);
  const int64_t n = x[shape::AxisIndex(l.axis, x.size())];
  return PostEvents{1, static_cast<int>(std::min<int64_t>(n, 1 << 30)) + 2, 2};
}

}  // namespace

std::vector<OpDef> ReduceMeanOps() {
  return {DequantizedPostOp(NetOp::kReduceMean, "reduce_mean", {"axis"}, ReduceMeanEvents,
                            ReduceMeanShape, ReduceMean)};
}

}  // namespace quasar::models
