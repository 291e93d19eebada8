// fully_connected: one GEMM of M = batch, K = input features, N = output features.

#include "quasar/models/net/ops.h"
#include "op_keys.h"
#include "quasar/models/ref/float_ops.h"
#include "shape_util.h"

namespace quasar::models {

std::vector<OpDef> FullyConnectedOps() {
  std::vector<OpDef> ops = {{NetOp::kFullyConnected, "fully_connected",
           {"out_features", "bias", "activation", "weights_file", "bias_file", "precision",
            "weights_quant"},
           true,
           false, OpLowering::kGemm,
           [](const NetLayer& l, const NetworkSpec& net) {
             const Shape& x = net.ShapeOf(l.inputs[0]);
             return GemmDims{1, x[0], x[1], l.out_channels};
           },
           RequantizeEvents,
           [](NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
              int128* macs) {
             const Shape& x = *in[0];
             if (!shape::NeedRank(*l, x, 2, "[N, K] (insert a flatten before it)", e)) {
               return false;
             }
             l->weight_shape = {l->out_channels, x[1]};
             *out = {x[0], l->out_channels};
             *macs = shape::Product({x[0], l->out_channels}, 0, 2) * x[1];
             return true;
           },
           [](const NetLayer&, const std::vector<const FloatTensor*>& in,
              const FloatLayerParams* p) { return FloatFullyConnected(*in[0], p->weights, p->bias); },
           [](const NetLayer&, const NetworkSpec&, const std::map<std::string, QuantParams>&,
              const QuantParams* w, bool has_bias, LayerSpec* s) {
             WeightedSpec(LayerOp::kFullyConnected, *w, has_bias, s);
             return true;
           },
           nullptr, WithWeights}};
  ops[0].write_keys = [](KeyWriter& w, const NetLayer& l) {
    w.Int("out_features", l.out_channels);
  };
  ops[0].read_keys = [](const MapReader& m, NetLayer* l) {
    ReadExtent(m, "out_features", true, &l->out_channels);
  };
  return ops;
}

}  // namespace quasar::models
