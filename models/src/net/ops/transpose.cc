// transpose: data movement through the post-processing unit, no arithmetic.

#include "quasar/models/net/ops.h"

#include <algorithm>

#include "op_keys.h"
#include "quasar/models/ref/float_ops.h"
#include "shape_util.h"

namespace quasar::models {

std::vector<OpDef> TransposeOps() {
  std::vector<OpDef> ops = {
      {NetOp::kTranspose, "transpose", {"perm"}, false, true, OpLowering::kPost, nullptr,
           [](const NetLayer&, const NetworkSpec&) { return PostEvents{}; },
           [](NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
              int128*) {
             const Shape& x = *in[0];
             std::vector<int64_t> sorted = l->perm;
             std::sort(sorted.begin(), sorted.end());
             bool ok = sorted.size() == x.size();
             for (size_t i = 0; ok && i < sorted.size(); ++i) {
               ok = sorted[i] == static_cast<int64_t>(i);
             }
             if (!ok) {
               e.Add("perm", "must be a permutation of 0.." +
                                 shape::Num(static_cast<int64_t>(x.size()) - 1) +
                                 " for the input " + ShapeToString(x));
               return false;
             }
             for (int64_t p : l->perm) {
               out->push_back(x[static_cast<size_t>(p)]);
             }
             return true;
           },
           [](const NetLayer& l, const std::vector<const FloatTensor*>& in,
              const FloatLayerParams*) { return Transpose(*in[0], l.perm); },
           [](const NetLayer&, const NetworkSpec&, const std::map<std::string, QuantParams>&,
              const QuantParams*, bool, LayerSpec*) { return false; },
           [](const NetLayer& l, const IntTensor& x, const QuantParams&) { return Transpose(x, l.perm); },
           OneInput}};
  ops[0].write_keys = [](KeyWriter& w, const NetLayer& l) { w.IntList("perm", l.perm); };
  ops[0].read_keys = [](const MapReader& m, NetLayer* l) {
    if (auto p = m.IntList("perm", true)) {
      l->perm = *p;
    }
  };
  return ops;
}

}  // namespace quasar::models
