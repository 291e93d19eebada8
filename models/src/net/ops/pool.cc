// max_pool, avg_pool and global_avg_pool on the post-processing unit: a compare per window tap
// but one for max; a sum of the window, a multiply and a clamp for the averages.

#include "quasar/models/net/ops.h"

namespace quasar::models {
namespace {

PostEvents AverageEvents(const NetLayer& l, const NetworkSpec& net) {
  const Shape& x = net.ShapeOf(l.inputs[0]);
  const int64_t window = l.op == NetOp::kAvgPool ? l.kernel_h * l.kernel_w : x[2] * x[3];
  return {1, static_cast<int>(window), 2};
}

}  // namespace

std::vector<OpDef> PoolOps() {
  return {
      {NetOp::kMaxPool, "max_pool", {"kernel", "stride", "padding"}, false, true,
       OpLowering::kPost, nullptr,
       [](const NetLayer& l, const NetworkSpec&) {
         return PostEvents{0, 0, static_cast<int>(l.kernel_h * l.kernel_w - 1)};
       }},
      {NetOp::kAvgPool, "avg_pool", {"kernel", "stride", "padding", "count_include_pad"}, false,
       true, OpLowering::kPost, nullptr, AverageEvents},
      {NetOp::kGlobalAvgPool, "global_avg_pool", {}, false, true, OpLowering::kPost, nullptr,
       AverageEvents},
  };
}

}  // namespace quasar::models
