#include "quasar/compiler/lower.h"

#include "quasar/models/error.h"
#include "quasar/models/net/ops.h"

namespace quasar::compiler {

using models::NetLayer;

std::optional<GemmShape> LowerToGemm(const NetLayer& l, const models::NetworkSpec& net) {
  const models::OpDef& op = models::OpOf(l.op);
  if (op.lowering != models::OpLowering::kGemm) {
    return std::nullopt;
  }
  const models::GemmDims d = op.gemm(l, net);
  return GemmShape{d.count, d.m, d.k, d.n};
}

Im2colMap::Im2colMap(const NetLayer& l, const models::Shape& input) : g_(l.geometry) {
  const models::WindowSource source = models::GemmInputOf(models::OpOf(l.op).gemm_input).source;
  if (source == nullptr || input.size() != 4 || l.weight_shape.size() != 4) {
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
  // The weights are OIHW with I = C_in / groups (the shape rule of every windowed op).
  cin_per_group_ = l.weight_shape[1];
  const int64_t groups = c_in_ / cin_per_group_;
  cout_per_group_ = c_out_ / groups;
  gemm_ = GemmShape{groups, input[0] * ho_ * wo_, cin_per_group_ * kh_ * kw_, cout_per_group_};
  // The source rule along each axis, tabulated once: (output position, tap) -> input position.
  row_of_.resize(static_cast<size_t>(ho_ * kh_));
  for (int64_t oy = 0; oy < ho_; ++oy) {
    for (int64_t ky = 0; ky < kh_; ++ky) {
      row_of_[static_cast<size_t>(oy * kh_ + ky)] =
          source(oy, ky, g_.stride_h, g_.pad_top, g_.dilation_h, h_);
    }
  }
  col_of_.resize(static_cast<size_t>(wo_ * kw_));
  for (int64_t ox = 0; ox < wo_; ++ox) {
    for (int64_t kx = 0; kx < kw_; ++kx) {
      col_of_[static_cast<size_t>(ox * kw_ + kx)] =
          source(ox, kx, g_.stride_w, g_.pad_left, g_.dilation_w, w_);
    }
  }
}

std::optional<int64_t> Im2colMap::InputIndex(int64_t group, int64_t m, int64_t k) const {
  const int64_t b = m / (ho_ * wo_), oy = (m / wo_) % ho_, ox = m % wo_;
  const int64_t ic = k / (kh_ * kw_), ky = (k / kw_) % kh_, kx = k % kw_;
  const int64_t iy = row_of_[static_cast<size_t>(oy * kh_ + ky)];
  const int64_t ix = col_of_[static_cast<size_t>(ox * kw_ + kx)];
  if (iy < 0 || ix < 0) {
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
