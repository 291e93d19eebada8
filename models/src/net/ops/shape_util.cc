#include "shape_util.h"

#include "quasar/models/ref/conv2d.h"

namespace quasar::models::shape {

int128 Product(const Shape& s, size_t from, size_t to) {
  int128 p = 1;
  for (size_t i = from; i < to; ++i) {
    p *= s[i];
    if (p > kMaxElements) {
      return kMaxElements + 1;  // saturate: enough to fail the check, no overflow
    }
  }
  return p;
}

size_t AxisIndex(int64_t axis, size_t rank) {
  return static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(rank) : axis);
}

bool CheckAxis(int64_t axis, const Shape& x, const LayerErrors& e) {
  const auto rank = static_cast<int64_t>(x.size());
  if (axis < -rank || axis >= rank) {
    e.Add("axis", "must be in -" + Num(rank) + ".." + Num(rank - 1) + " for the input " +
                      ShapeToString(x) + ", got " + Num(axis));
    return false;
  }
  return true;
}

bool CheckNormalization(const NetLayer& l, const Shape& x, const LayerErrors& e,
                        Shape* normalized) {
  if (!CheckAxis(l.axis, x, e)) {
    return false;
  }
  if (!(l.epsilon > 0)) {
    e.Add("epsilon", "must be > 0, got " + std::to_string(l.epsilon));
    return false;
  }
  normalized->assign(x.begin() + static_cast<std::ptrdiff_t>(AxisIndex(l.axis, x.size())), x.end());
  return true;
}

AxisSplit SplitAt(const Shape& s, size_t axis) {
  AxisSplit a;
  for (size_t d = 0; d < axis; ++d) {
    a.outer *= s[d];
  }
  a.n = s[axis];
  for (size_t d = axis + 1; d < s.size(); ++d) {
    a.inner *= s[d];
  }
  return a;
}

bool NeedRank(const NetLayer& l, const Shape& x, size_t rank, const char* what,
              const LayerErrors& e) {
  if (x.size() != rank) {
    e.Add("input", NetOpName(l.op) + " reads a " + what + " tensor, got " + ShapeToString(x));
    return false;
  }
  return true;
}

bool WindowOutput(const NetLayer& l, const Shape& in, const LayerErrors& e, int64_t* ho,
                  int64_t* wo) {
  const Conv2dGeometry& g = l.geometry;
  *ho = ConvOutputSize(in[2], l.kernel_h, g.stride_h, g.pad_top, g.pad_bottom, g.dilation_h);
  *wo = ConvOutputSize(in[3], l.kernel_w, g.stride_w, g.pad_left, g.pad_right, g.dilation_w);
  if (*ho < 1 || *wo < 1) {
    e.Add("kernel", "the " + Num(l.kernel_h) + "x" + Num(l.kernel_w) +
                        " window (stride, "
                        "padding and dilation included) does not fit the " +
                        Num(in[2]) + "x" + Num(in[3]) + " input " + ShapeToString(in));
    return false;
  }
  return true;
}

}  // namespace quasar::models::shape
