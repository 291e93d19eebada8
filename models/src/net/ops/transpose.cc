// transpose: data movement through the post-processing unit, no arithmetic.

#include "quasar/models/net/ops.h"

namespace quasar::models {

std::vector<OpDef> TransposeOps() {
  return {{NetOp::kTranspose, "transpose", {"perm"}, false, true, OpLowering::kPost, nullptr,
           [](const NetLayer&, const NetworkSpec&) { return PostEvents{}; }}};
}

}  // namespace quasar::models
