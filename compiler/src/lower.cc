#include "quasar/compiler/lower.h"

#include "quasar/models/error.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/ref/conv_transpose2d.h"

namespace quasar::compiler {

using models::NetLayer;
using models::NetOp;

std::optional<GemmShape> LowerToGemm(const NetLayer& l, const models::NetworkSpec& net) {
  const models::OpDef& op = models::OpOf(l.op);
  if (op.lowering != models::OpLowering::kGemm) {
    return std::nullopt;
  }
  const models::GemmDims d = op.gemm(l, net);
  return GemmShape{d.count, d.m, d.k, d.n};
}

Im2colMap::Im2colMap(const NetLayer& l, const models::Shape& input) : g_(l.geometry) {
  const models::GemmInput from = models::OpOf(l.op).gemm_input;
  transposed_ = from == models::GemmInput::kTransposedWindows;
  if (from == models::GemmInput::kDirect || input.size() != 4) {
    throw InputError("im2col applies to convolutions on [N, C, H, W] inputs, not " +
                     models::NetOpName(l.op) + " on " + models::ShapeToString(input));
  }
  c_in_ = input[1];
  h_ = input[2];
  w_ = input[3];
  kh_ = l.kernel_h;
  kw_ = l.kernel_w;
  ho_ = l.output_shape[2];
  wo_ = l.output_shape[3];
  c_out_ = l.output_shape[1];
  const int64_t groups = l.op == NetOp::kDepthwiseConv2d ? c_in_ : g_.groups;
  cin_per_group_ = c_in_ / groups;
  cout_per_group_ = c_out_ / groups;
  gemm_ = GemmShape{groups, input[0] * ho_ * wo_, cin_per_group_ * kh_ * kw_, cout_per_group_};
}

std::optional<int64_t> Im2colMap::InputIndex(int64_t group, int64_t m, int64_t k) const {
  const int64_t b = m / (ho_ * wo_), oy = (m / wo_) % ho_, ox = m % wo_;
  const int64_t ic = k / (kh_ * kw_), ky = (k / kw_) % kh_, kx = k % kw_;
  if (transposed_) {  // the input pixel whose scatter reaches (oy, ox) through (ky, kx)
    const int64_t iy = models::ConvTransposeSource(oy, ky, g_.stride_h, g_.pad_top, g_.dilation_h, h_);
    const int64_t ix = models::ConvTransposeSource(ox, kx, g_.stride_w, g_.pad_left, g_.dilation_w, w_);
    if (iy < 0 || ix < 0) {
      return std::nullopt;
    }
    return ((b * c_in_ + group * cin_per_group_ + ic) * h_ + iy) * w_ + ix;
  }
  const int64_t iy = oy * g_.stride_h + ky * g_.dilation_h - g_.pad_top;
  const int64_t ix = ox * g_.stride_w + kx * g_.dilation_w - g_.pad_left;
  if (iy < 0 || iy >= h_ || ix < 0 || ix >= w_) {
    return std::nullopt;
  }
  const int64_t c = group * cin_per_group_ + ic;
  return ((b * c_in_ + c) * h_ + iy) * w_ + ix;
}

int64_t Im2colMap::WeightIndex(int64_t group, int64_t k, int64_t n) const {
  // OIHW with I = C_in/groups: weight (oc, ic, ky, kx) is at oc * K + k, k = (ic, ky, kx).
  return (group * cout_per_group_ + n) * gemm_.k + k;
}

int64_t Im2colMap::OutputIndex(int64_t group, int64_t m, int64_t n) const {
  const int64_t b = m / (ho_ * wo_), pixel = m % (ho_ * wo_);
  return (b * c_out_ + group * cout_per_group_ + n) * ho_ * wo_ + pixel;
}

}  // namespace quasar::compiler
