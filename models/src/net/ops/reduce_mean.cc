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

size_t AxisOf(int64_t axis, size_t rank) {
  return static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(rank) : axis);
}

bool ReduceMeanShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                     Shape* out, int128*) {
  const Shape& x = *in[0];
  const auto rank = static_cast<int64_t>(x.size());
  if (l->axis < -rank || l->axis >= rank) {
    e.Add("axis", "must be in -" + shape::Num(rank) + ".." + shape::Num(rank - 1) +
                      " for the input " + ShapeToString(x) + ", got " + shape::Num(l->axis));
    return false;
  }
  *out = x;
  (*out)[AxisOf(l->axis, x.size())] = 1;
  return true;
}

FloatTensor ReduceMean(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                       const FloatLayerParams*) {
  const FloatTensor& x = *in[0];
  const size_t axis = AxisOf(l.axis, x.shape.size());
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) {
    outer *= x.shape[d];
  }
  for (size_t d = axis + 1; d < x.shape.size(); ++d) {
    inner *= x.shape[d];
  }
  const int64_t n = x.shape[axis];
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
  const int64_t n = x[AxisOf(l.axis, x.size())];
  return PostEvents{1, static_cast<int>(std::min<int64_t>(n, 1 << 30)) + 2, 2};
}

}  // namespace

std::vector<OpDef> ReduceMeanOps() {
  OpDef d{NetOp::kReduceMean,
          "reduce_mean",
          {"axis", "precision"},
          false,
          false,
          OpLowering::kPost,
          nullptr,
          ReduceMeanEvents,
          ReduceMeanShape,
          ReduceMean,
          NoKernel,
          nullptr,
          nullptr};
  d.runs_dequantized = true;
  return {d};
}

}  // namespace quasar::models
