// flatten and reshape: a new view of the same data; nothing moves.

#include "quasar/models/net/ops.h"

namespace quasar::models {

std::vector<OpDef> ViewOps() {
  const auto none = [](const NetLayer&, const NetworkSpec&) { return PostEvents{}; };
  return {
      {NetOp::kFlatten, "flatten", {}, false, true, OpLowering::kView, nullptr, none},
      {NetOp::kReshape, "reshape", {"shape"}, false, true, OpLowering::kView, nullptr, none},
  };
}

}  // namespace quasar::models
