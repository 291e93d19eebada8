// slice: elements [start, end) of one axis (negative values count from the end, clamped to the
// axis as ONNX's Slice with step 1), e.g. the channel split of ShuffleNet. Data movement through
// the post unit: the output keeps the input's quantization.

#include <algorithm>

#include "quasar/models/net/ops.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

// [begin, end) of the axis after ONNX's rules: negative indices count from the end, then both
// clamp to [0, extent].
std::pair<int64_t, int64_t> SliceRange(const NetLayer& l, int64_t extent) {
  auto clamp = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + extent : v, 0, extent); };
  return {clamp(l.start), clamp(l.end)};
}

bool SliceShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
                int128*) {
  const Shape& x = *in[0];
  if (!shape::CheckAxis(l->axis, x, e)) {
    return false;
  }
  const size_t axis = shape::AxisIndex(l->axis, x.size());
  const auto [b, f] = SliceRange(*l, x[axis]);
  if (f <= b) {
    e.Add("end", "the slice [" + shape::Num(l->start) + ", " + shape::Num(l->end) + ") of axis " +
                     shape::Num(static_cast<int64_t>(axis)) + " (extent " + shape::Num(x[axis]) +
                     ") is empty");
    return false;
  }
  *out = x;
  (*out)[axis] = f - b;
  return true;
}

template <typename T>
Tensor<T> SliceOf(const NetLayer& l, const Tensor<T>& x) {
  const size_t axis = shape::AxisIndex(l.axis, x.shape.size());
  const auto [b, f] = SliceRange(l, x.shape[axis]);
  const auto [outer, n, inner] = shape::SplitAt(x.shape, axis);
  Tensor<T> y(l.output_shape);
  int64_t at = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = b; i < f; ++i) {
      for (int64_t k = 0; k < inner; ++k) {
        y[at++] = x[(o * n + i) * inner + k];
      }
    }
  }
  return y;
}

}  // namespace

std::vector<OpDef> SliceOps() {
  return {{NetOp::kSlice,
           "slice",
           {"axis", "start", "end"},
           false,
           true,
           OpLowering::kPost,
           nullptr,
           [](const NetLayer&, const NetworkSpec&) { return PostEvents{}; },
           SliceShape,
           [](const NetLayer& l, const std::vector<const FloatTensor*>& in,
              const FloatLayerParams*) { return SliceOf(l, *in[0]); },
           NoKernel,
           [](const NetLayer& l, const IntTensor& x, const QuantParams&) { return SliceOf(l, x); },
           OneInput}};
}

}  // namespace quasar::models
