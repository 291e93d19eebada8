// The window geometry Conv, MaxPool and AveragePool share (onnx/docs/Operators.md, Conv):
// `strides` and `dilations` default to 1, `pads` is [x1_begin, x2_begin, x1_end, x2_end], and
// auto_pad SAME_UPPER / SAME_LOWER pad so that out = ceil(in / stride), the odd unit of padding
// at the end for SAME_UPPER and at the beginning for SAME_LOWER; VALID pads nothing.

#include <algorithm>

#include "importer.h"
#include "quasar/models/int_math.h"

namespace quasar::models::onnx_import {
namespace {

// Pads [begin, end] of one axis for auto_pad SAME_*.
void SamePads(int64_t in, int64_t k, int64_t stride, int64_t dilation, bool upper,
              int64_t* begin, int64_t* end) {
  const int64_t out = CeilDiv(in, stride);
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + (k - 1) * dilation + 1 - in);
  *begin = upper ? total / 2 : total - total / 2;
  *end = total - *begin;
}

std::vector<int64_t> Pair(const Node& node, const char* name) {
  std::vector<int64_t> v = node.Ints(name);
  if (v.empty()) {
    return {1, 1};
  }
  if (v.size() != 2 || v[0] < 1 || v[1] < 1) {
    throw NodeError("attribute '" + std::string(name) + "' must be two positive ints (2-D " +
                    "windows only)");
  }
  return v;
}

}  // namespace

Conv2dGeometry WindowGeometry(const Node& node, const Shape& x, int64_t kh, int64_t kw) {
  Conv2dGeometry g;
  const auto strides = Pair(node, "strides");
  const auto dilations = Pair(node, "dilations");
  g.stride_h = strides[0];
  g.stride_w = strides[1];
  g.dilation_h = dilations[0];
  g.dilation_w = dilations[1];
  const std::string auto_pad = node.String("auto_pad", "NOTSET");
  const auto pads = node.Ints("pads");
  if (auto_pad == "NOTSET") {
    if (!pads.empty()) {
      if (pads.size() != 4 || *std::min_element(pads.begin(), pads.end()) < 0) {
        throw NodeError("attribute 'pads' must be four non-negative ints (2-D windows only)");
      }
      g.pad_top = pads[0];
      g.pad_left = pads[1];
      g.pad_bottom = pads[2];
      g.pad_right = pads[3];
    }
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const bool upper = auto_pad == "SAME_UPPER";
    SamePads(x[2], kh, g.stride_h, g.dilation_h, upper, &g.pad_top, &g.pad_bottom);
    SamePads(x[3], kw, g.stride_w, g.dilation_w, upper, &g.pad_left, &g.pad_right);
  } else if (auto_pad != "VALID") {
    throw NodeError("attribute 'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '" +
                    auto_pad + "'");
  }
  return g;
}

// kernel_shape, when given, must be 2-D (and agree with the weights, for Conv).
std::pair<int64_t, int64_t> KernelShape(const Node& node, const Shape* weights) {
  auto k = node.Ints("kernel_shape");
  if (k.empty() && weights != nullptr) {
    k = {(*weights)[2], (*weights)[3]};
  }
  if (k.size() != 2 || k[0] < 1 || k[1] < 1) {
    throw NodeError("attribute 'kernel_shape' must be two positive ints (2-D windows only)");
  }
  if (weights != nullptr && (k[0] != (*weights)[2] || k[1] != (*weights)[3])) {
    throw NodeError("attribute 'kernel_shape' " + Dims({k[0], k[1]}) +
                    " disagrees with the weights " + Dims(*weights));
  }
  return {k[0], k[1]};
}

}  // namespace quasar::models::onnx_import
