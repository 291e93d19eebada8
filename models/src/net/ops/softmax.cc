// softmax: e^x / sum of e^x along `axis` (onnx/docs/Operators.md, Softmax-13; negative axes
// count from the end). On the post-processing unit, dequantize, op, quantize (RunDequantized) as
// ONNX Runtime runs it between QDQ nodes. The float reference subtracts the row's maximum before
// exponentiating, which leaves the result unchanged and keeps e^x finite. Cost, an assumption
// stated in docs/onnx-import.md: per output, e^x from a table of the input codes, one add into the
// row's sum, one multiply by the sum's reciprocal, and the requantization (2 multiplies, 3 adds,
// 2 compares); the one reciprocal per row is not counted.

#include <algorithm>
#include <cmath>

#include "quasar/models/net/ops.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

bool SoftmaxShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                  Shape* out, int128*) {
  if (!shape::CheckAxis(l->axis, *in[0], e)) {
    return false;
  }
  *out = *in[0];
  return true;
}

FloatTensor Softmax(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                    const FloatLayerParams*) {
  const FloatTensor& x = *in[0];
  const auto [outer, n, inner] = shape::SplitAt(x.shape, shape::AxisIndex(l.axis, x.shape.size()));
  FloatTensor y(x.shape);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      float top = x[base];
      for (int64_t j = 1; j < n; ++j) {
        top = std::max(top, x[base + j * inner]);
      }
      float sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        y[base + j * inner] = std::exp(x[base + j * inner] - top);
        sum += y[base + j * inner];
      }
      for (int64_t j = 0; j < n; ++j) {
        y[base + j * inner] /= sum;
      }
    }
  }
  return y;
}

}  // namespace

std::vector<OpDef> SoftmaxOps() {
  return {DequantizedPostOp(
      NetOp::kSoftmax, "softmax", {"axis"},
      [](const NetLayer&, const NetworkSpec&) {
        return PostEvents{2, 3, 2};
      },
      SoftmaxShape, Softmax)};
}

}  // namespace quasar::models
