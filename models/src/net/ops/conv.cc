// conv2d and depthwise_conv2d: a GEMM per group of M = N * H_out * W_out output pixels,
// K = C_in / groups * kh * kw taps, N = C_out / groups channels (im2col, DESIGN.md section 3);
// depthwise has one group per input channel.

#include "quasar/models/net/ops.h"
#include "op_keys.h"
#include "quasar/models/ref/float_ops.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

GemmDims ConvGemm(const NetLayer& l, const NetworkSpec& net) {
  const Shape& x = net.ShapeOf(l.inputs[0]);
  const Shape& y = l.output_shape;
  const int64_t groups = l.op == NetOp::kDepthwiseConv2d ? x[1] : l.geometry.groups;
  return {groups, y[0] * y[2] * y[3], (x[1] / groups) * l.kernel_h * l.kernel_w, y[1] / groups};
}

bool Conv2dShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
                 int128* macs) {
  using namespace shape;
  const Shape& x = *in[0];
  if (!NeedRank(*l, x, 4, "[N, C, H, W]", e)) {
    return false;
  }
  const bool dw = l->op == NetOp::kDepthwiseConv2d;
  const int64_t groups = dw ? x[1] : l->geometry.groups;
  const int64_t c_out = dw ? x[1] * l->multiplier : l->out_channels;
  if (!dw && (x[1] % groups != 0 || c_out % groups != 0)) {
    e.Add("groups", "must divide the input channels (" + Num(x[1]) + ") and out_channels (" +
                        Num(c_out) + "), got " + Num(groups));
    return false;
  }
  int64_t ho = 0, wo = 0;
  if (!WindowOutput(*l, x, e, &ho, &wo)) {
    return false;
  }
  l->out_channels = c_out;
  l->weight_shape = {c_out, x[1] / groups, l->kernel_h, l->kernel_w};
  *out = {x[0], c_out, ho, wo};
  *macs = Product({x[0], c_out, ho, wo}, 0, 4) *
          Product({x[1] / groups, l->kernel_h, l->kernel_w}, 0, 3);
  return true;
}

}  // namespace

std::vector<OpDef> ConvOps() {
  std::vector<std::string> conv = WeightedConvKeys(), depthwise = WeightedConvKeys();
  conv.insert(conv.end(), {"out_channels", "groups"});
  depthwise.push_back("multiplier");
  std::vector<OpDef> ops = {
      {NetOp::kConv2d, "conv2d", conv, true, false, OpLowering::kGemm, ConvGemm,
       RequantizeEvents, Conv2dShape,
       [](const NetLayer& l, const std::vector<const FloatTensor*>& in,
          const FloatLayerParams* p) { return FloatConv2d(*in[0], p->weights, p->bias, l.geometry); },
       [](const NetLayer&, const NetworkSpec&, const std::map<std::string, QuantParams>&,
          const QuantParams* w, bool has_bias, LayerSpec* s) {
         // Binary inputs and weights run on the XNOR-popcount kernel.
         const LayerOp op =
             XnorProducts(s->input.type, w->type) ? LayerOp::kBinaryConv2d : LayerOp::kConv2d;
         WeightedSpec(op, *w, has_bias, s);
         return true;
       },
       nullptr, WithWeights},
      {NetOp::kDepthwiseConv2d, "depthwise_conv2d", depthwise, true, false, OpLowering::kGemm,
       ConvGemm, RequantizeEvents, Conv2dShape,
       [](const NetLayer& l, const std::vector<const FloatTensor*>& in,
          const FloatLayerParams* p) {
         return FloatDepthwiseConv2d(*in[0], p->weights, p->bias, l.geometry);
       },
       [](const NetLayer&, const NetworkSpec&, const std::map<std::string, QuantParams>&,
          const QuantParams* w, bool has_bias, LayerSpec* s) {
         WeightedSpec(LayerOp::kDepthwiseConv2d, *w, has_bias, s);
         return true;
       },
       nullptr, WithWeights},
  };
  for (OpDef& d : ops) {
    d.gemm_input = GemmInput::kConvWindows;
  }
  ops[0].write_keys = [](KeyWriter& w, const NetLayer& l) {
    w.Int("out_channels", l.out_channels);
    WriteWindowKeys(w, l, false);
  };
  ops[0].read_keys = [](const MapReader& m, NetLayer* l) {
    ReadExtent(m, "out_channels", true, &l->out_channels);
    ReadWindowKeys(m, l, false);
  };
  ops[1].write_keys = [](KeyWriter& w, const NetLayer& l) {
    w.Int("multiplier", l.multiplier);
    WriteWindowKeys(w, l, false);
  };
  ops[1].read_keys = [](const MapReader& m, NetLayer* l) {
    ReadExtent(m, "multiplier", false, &l->multiplier);
    ReadWindowKeys(m, l, false);
  };
  return ops;
}

}  // namespace quasar::models
