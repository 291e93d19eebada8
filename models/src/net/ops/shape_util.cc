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
