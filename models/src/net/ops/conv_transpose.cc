// conv_transpose2d (ONNX ConvTranspose, onnx/docs/Operators.md): lowered as the convolution over
// the zero-inserted input with the flipped kernel, in gather form (ref/conv_transpose2d.h). Per
// group one GEMM of M = N * H_out * W_out output pixels, K = C_in / groups * kh * kw taps and
// N = C_out / groups channels; a tap landing on an inserted zero or the border streams a zero,
// so the MACs counted are M * K * N products, of which N * H * W * C_in * C_out / groups * kh * kw
// at most are useful (docs/network-format.md).

#include "quasar/models/net/ops.h"
#include "op_keys.h"
#include "quasar/models/ref/conv_transpose2d.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

GemmDims TransposedGemm(const NetLayer& l, const NetworkSpec& net) {
  const Shape& x = net.ShapeOf(l.inputs[0]);
  const Shape& y = l.output_shape;
  const int64_t groups = l.geometry.groups;
  return {groups, y[0] * y[2] * y[3], (x[1] / groups) * l.kernel_h * l.kernel_w, y[1] / groups};
}

bool ConvTransposeShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                        Shape* out, int128* macs) {
  using namespace shape;
  const Shape& x = *in[0];
  if (!NeedRank(*l, x, 4, "[N, C, H, W]", e)) {
    return false;
  }
  const int64_t groups = l->geometry.groups;
  if (x[1] % groups != 0 || l->out_channels % groups != 0) {
    e.Add("groups", "must divide the input channels (" + Num(x[1]) + ") and out_channels (" +
                        Num(l->out_channels) + "), got " + Num(groups));
    return false;
  }
  const Shape w = {l->out_channels, x[1] / groups, l->kernel_h, l->kernel_w};
  try {
    *out = ConvTranspose2dOutputShape(x, w, l->geometry);
  } catch (const InputError& err) {
    e.Add("", err.what());
    return false;
  }
  l->weight_shape = w;
  *macs = Product(*out, 0, 4) * Product({x[1] / groups, l->kernel_h, l->kernel_w}, 0, 3);
  return true;
}

}  // namespace

std::vector<OpDef> ConvTransposeOps() {
  std::vector<std::string> keys = WeightedConvKeys();
  keys.insert(keys.end(), {"out_channels", "groups", "output_padding"});
  OpDef d{NetOp::kConvTranspose2d, "conv_transpose2d", keys, true, false, OpLowering::kGemm,
          TransposedGemm, RequantizeEvents, ConvTransposeShape,
          [](const NetLayer& l, const std::vector<const FloatTensor*>& in,
             const FloatLayerParams* p) {
            return FloatConvTranspose2d(*in[0], p->weights, p->bias, l.geometry);
          },
          [](const NetLayer&, const NetworkSpec&, const std::map<std::string, QuantParams>&,
             const QuantParams* w, bool has_bias, LayerSpec* s) {
            WeightedSpec(LayerOp::kConvTranspose2d, *w, has_bias, s);
            return true;
          },
          nullptr, WithWeights};
  d.gemm_input = GemmInput::kTransposedWindows;
  d.write_keys = [](KeyWriter& w, const NetLayer& l) {
    w.Int("out_channels", l.out_channels);
    WriteWindowKeys(w, l, false);
  };
  d.read_keys = [](const MapReader& m, NetLayer* l) {
    ReadExtent(m, "out_channels", true, &l->out_channels);
    ReadWindowKeys(m, l, false);
  };
  return {d};
}

}  // namespace quasar::models
