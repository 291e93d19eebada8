// mul, sub, div, prelu: element-wise arithmetic on two tensors, the second broadcast to the first
// (numpy's rule: dimensions aligned from the right, each equal or 1 in the second; the first
// keeps its shape, as in a squeeze-and-excitation block's x * s, s [N, C, 1, 1]). prelu is
// ONNX's PRelu, a < 0 ? a * slope : a with a slope per channel or element. Integer semantics:
// RunDequantized. Post-unit work per output, as add's: rescale both inputs, combine, requantize
// (div priced as a multiply by the reciprocal; prelu as mul, plus the sign's compare).

#include "quasar/models/net/ops.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

bool BroadcastShape(NetLayer*, const std::vector<const Shape*>& in, const LayerErrors& e,
                    Shape* out, int128*) {
  const Shape &a = *in[0], &b = *in[1];
  bool ok = b.size() <= a.size();
  for (size_t i = 0; ok && i < b.size(); ++i) {
    const int64_t da = a[a.size() - 1 - i], db = b[b.size() - 1 - i];
    ok = db == da || db == 1;
  }
  if (!ok) {
    e.Add("inputs", "the second input " + ShapeToString(b) + " does not broadcast to the first " +
                        ShapeToString(a) + " (each dimension, from the right, equal or 1)");
    return false;
  }
  *out = a;
  return true;
}

// out[i] = f(a[i], b[the index of i in b's broadcast shape]).
template <typename F>
FloatTensor Broadcast(const FloatTensor& a, const FloatTensor& b, F f) {
  FloatTensor y(a.shape);
  const size_t rank = a.shape.size(), lead = rank - b.shape.size();
  std::vector<int64_t> a_strides(rank, 1), b_strides(rank, 0);
  for (size_t d = rank; d-- > 1;) {
    a_strides[d - 1] = a_strides[d] * a.shape[d];
  }
  int64_t stride = 1;
  for (size_t d = rank; d-- > lead;) {
    const int64_t extent = b.shape[d - lead];
    b_strides[d] = extent == 1 ? 0 : stride;
    stride *= extent;
  }
  for (int64_t i = 0; i < a.size(); ++i) {
    int64_t j = 0, rest = i;
    for (size_t d = 0; d < rank; ++d) {
      j += (rest / a_strides[d]) * b_strides[d];
      rest %= a_strides[d];
    }
    y[i] = f(a[i], b[j]);
  }
  return y;
}

using FloatKernel = FloatTensor (*)(const NetLayer&, const std::vector<const FloatTensor*>&,
                                    const FloatLayerParams*);
using Events = PostEvents (*)(const NetLayer&, const NetworkSpec&);

OpDef Binary(NetOp op, const char* name, Events events, FloatKernel kernel) {
  return DequantizedPostOp(op, name, {}, events, BroadcastShape, kernel, 2);
}

}  // namespace

std::vector<OpDef> BinaryOps() {
  using In = const std::vector<const FloatTensor*>&;
  using P = const FloatLayerParams*;
  using L = const NetLayer&;
  using N = const NetworkSpec&;
  return {
      Binary(
          NetOp::kMul, "mul",
          [](L, N) {
            return PostEvents{2, 3, 2};
          },
          [](const NetLayer&, In x, P) {
            return Broadcast(*x[0], *x[1], [](float a, float b) { return a * b; });
          }),
      Binary(
          NetOp::kSub, "sub",
          [](L, N) {
            return PostEvents{3, 3, 2};
          },
          [](const NetLayer&, In x, P) {
            return Broadcast(*x[0], *x[1], [](float a, float b) { return a - b; });
          }),
      Binary(
          NetOp::kDiv, "div",
          [](L, N) {
            return PostEvents{3, 3, 2};
          },
          [](const NetLayer&, In x, P) {
            return Broadcast(*x[0], *x[1], [](float a, float b) { return a / b; });
          }),
      Binary(
          NetOp::kPRelu, "prelu",
          [](L, N) {
            return PostEvents{2, 3, 3};
          },
          [](const NetLayer&, In x, P) {
            return Broadcast(*x[0], *x[1], [](float a, float s) { return a < 0 ? a * s : a; });
          }),
  };
}

}  // namespace quasar::models
