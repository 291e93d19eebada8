// conv2d and depthwise_conv2d: a GEMM per group of M = N * H_out * W_out output pixels,
// K = C_in / groups * kh * kw taps, N = C_out / groups channels (im2col, DESIGN.md section 3);
// depthwise has one group per input channel.

#include "quasar/models/net/ops.h"

namespace quasar::models {
namespace {

GemmDims ConvGemm(const NetLayer& l, const NetworkSpec& net) {
  const Shape& x = net.ShapeOf(l.inputs[0]);
  const Shape& y = l.output_shape;
  const int64_t groups = l.op == NetOp::kDepthwiseConv2d ? x[1] : l.geometry.groups;
  return {groups, y[0] * y[2] * y[3], (x[1] / groups) * l.kernel_h * l.kernel_w, y[1] / groups};
}

}  // namespace

std::vector<OpDef> ConvOps() {
  std::vector<std::string> conv = WeightedConvKeys(), depthwise = WeightedConvKeys();
  conv.insert(conv.end(), {"out_channels", "groups"});
  depthwise.push_back("multiplier");
  return {
      {NetOp::kConv2d, "conv2d", conv, true, false, OpLowering::kGemm, ConvGemm,
       RequantizeEvents},
      {NetOp::kDepthwiseConv2d, "depthwise_conv2d", depthwise, true, false, OpLowering::kGemm,
       ConvGemm, RequantizeEvents},
  };
}

}  // namespace quasar::models
