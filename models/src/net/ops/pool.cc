// max_pool, avg_pool and global_avg_pool on the post-processing unit: a compare per window tap
// but one for max; a sum of the window, a multiply and a clamp for the averages.

#include "quasar/models/net/ops.h"

#include <algorithm>

#include "op_keys.h"
#include "quasar/models/ref/float_ops.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

PostEvents AverageEvents(const NetLayer& l, const NetworkSpec& net) {
  const Shape& x = net.ShapeOf(l.inputs[0]);
  const int64_t window = l.op == NetOp::kAvgPool ? l.kernel_h * l.kernel_w : x[2] * x[3];
  return {1, static_cast<int>(window), 2};
}

bool WindowPoolShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                     Shape* out, int128*) {
  using namespace shape;
  const Shape& x = *in[0];
  if (!NeedRank(*l, x, 4, "[N, C, H, W]", e)) {
    return false;
  }
  // A window may not start or end in padding only (PyTorch: "pad should be at most half of
  // effective kernel size", aten/src/ATen/native/Pool.h pool2d_shape_check).
  const Conv2dGeometry& g = l->geometry;
  if (std::max(g.pad_top, g.pad_bottom) > l->kernel_h / 2 ||
      std::max(g.pad_left, g.pad_right) > l->kernel_w / 2) {
    e.Add("padding", "must be at most half the pooling window (" + Num(l->kernel_h) + "x" +
                         Num(l->kernel_w) + ")");
    return false;
  }
  int64_t ho = 0, wo = 0;
  if (!WindowOutput(*l, x, e, &ho, &wo)) {
    return false;
  }
  *out = {x[0], x[1], ho, wo};
  return true;
}

bool GlobalPoolShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                     Shape* out, int128*) {
  const Shape& x = *in[0];
  if (!shape::NeedRank(*l, x, 4, "[N, C, H, W]", e)) {
    return false;
  }
  *out = {x[0], x[1], 1, 1};
  return true;
}

PoolParams WindowOf(const NetLayer& l) {
  return PoolParams{l.kernel_h, l.kernel_w, l.geometry, l.count_include_pad};
}

}  // namespace

std::vector<OpDef> PoolOps() {
  std::vector<OpDef> ops = {
      {NetOp::kMaxPool, "max_pool", {"kernel", "stride", "padding"}, false, true,
       OpLowering::kPost, nullptr,
       [](const NetLayer& l, const NetworkSpec&) {
         return PostEvents{0, 0, static_cast<int>(l.kernel_h * l.kernel_w - 1)};
       },
       WindowPoolShape,
       [](const NetLayer& l, const std::vector<const FloatTensor*>& in, const FloatLayerParams*) {
         return FloatMaxPool2d(*in[0], WindowOf(l));
       },
       [](const NetLayer&, const NetworkSpec&, const std::map<std::string, QuantParams>&,
          const QuantParams*, bool, LayerSpec* s) {
         s->op = LayerOp::kMaxPool;
         return true;
       },
       nullptr, OneInput},
      {NetOp::kAvgPool, "avg_pool", {"kernel", "stride", "padding", "count_include_pad"}, false,
       true, OpLowering::kPost, nullptr, AverageEvents, WindowPoolShape,
       [](const NetLayer& l, const std::vector<const FloatTensor*>& in, const FloatLayerParams*) {
         return FloatAvgPool2d(*in[0], WindowOf(l));
       },
       [](const NetLayer&, const NetworkSpec&, const std::map<std::string, QuantParams>&,
          const QuantParams*, bool, LayerSpec* s) {
         s->op = LayerOp::kAvgPool;
         return true;
       },
       nullptr, OneInput},
      {NetOp::kGlobalAvgPool, "global_avg_pool", {}, false, true, OpLowering::kPost, nullptr,
       AverageEvents, GlobalPoolShape,
       [](const NetLayer&, const std::vector<const FloatTensor*>& in, const FloatLayerParams*) {
         const FloatTensor& x = *in[0];
         return FloatAvgPool2d(x, PoolParams{x.dim(2), x.dim(3), Conv2dGeometry{}, false});
       },
       // The average pool over the whole plane.
       [](const NetLayer& l, const NetworkSpec& net, const std::map<std::string, QuantParams>&,
          const QuantParams*, bool, LayerSpec* s) {
         const Shape& x = net.ShapeOf(l.inputs[0]);
         s->op = LayerOp::kAvgPool;
         s->kernel_h = x[2];
         s->kernel_w = x[3];
         s->geometry = Conv2dGeometry{};
         return true;
       },
       nullptr, OneInput},
  };
  ops[0].write_keys = [](KeyWriter& w, const NetLayer& l) { WriteWindowKeys(w, l, true); };
  ops[0].read_keys = [](const MapReader& m, NetLayer* l) { ReadWindowKeys(m, l, true); };
  ops[1].write_keys = [](KeyWriter& w, const NetLayer& l) {
    WriteWindowKeys(w, l, true);
    if (l.count_include_pad) {
      w.Bool("count_include_pad", true);
    }
  };
  ops[1].read_keys = [](const MapReader& m, NetLayer* l) {
    ReadWindowKeys(m, l, true);
    l->count_include_pad = m.Bool("count_include_pad", false).value_or(false);
  };
  return ops;
}

}  // namespace quasar::models
