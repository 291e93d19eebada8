// add: the element-wise sum of two tensors on the post-processing unit, as TFLite's quantized
// add: rescale both inputs, add, requantize, clamp.

#include "quasar/models/net/ops.h"

namespace quasar::models {

std::vector<OpDef> AddOps() {
  return {{NetOp::kAdd, "add", {"activation", "precision"}, false, false, OpLowering::kPost,
           nullptr,
           [](const NetLayer&, const NetworkSpec&) { return PostEvents{3, 3, 2}; }}};
}

}  // namespace quasar::models
