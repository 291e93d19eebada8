// fully_connected: one GEMM of M = batch, K = input features, N = output features.

#include "quasar/models/net/ops.h"

namespace quasar::models {

std::vector<OpDef> FullyConnectedOps() {
  return {{NetOp::kFullyConnected, "fully_connected",
           {"out_features", "bias", "activation", "weights_file", "bias_file", "precision"}, true,
           false, OpLowering::kGemm,
           [](const NetLayer& l, const NetworkSpec& net) {
             const Shape& x = net.ShapeOf(l.inputs[0]);
             return GemmDims{1, x[0], x[1], l.out_channels};
           },
           RequantizeEvents}};
}

}  // namespace quasar::models
