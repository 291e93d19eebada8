// matmul of two activations, a [..., M, K] x b [..., K, N]: one GEMM per leading (batch) index.

#include "quasar/models/net/ops.h"

namespace quasar::models {

std::vector<OpDef> MatMulOps() {
  return {{NetOp::kMatMul, "matmul", {"activation", "precision"}, false, false, OpLowering::kGemm,
           [](const NetLayer& l, const NetworkSpec& net) {
             const Shape& x = net.ShapeOf(l.inputs[0]);
             const Shape& b = net.ShapeOf(l.inputs[1]);
             int64_t batches = 1;
             for (size_t i = 0; i + 2 < x.size(); ++i) {
               batches *= x[i];
             }
             return GemmDims{batches, x[x.size() - 2], x.back(), b.back()};
           },
           RequantizeEvents}};
}

}  // namespace quasar::models
