// add: the element-wise sum of two tensors on the post-processing unit, as TFLite's quantized
// add: rescale both inputs, add, requantize, clamp.

#include "quasar/models/net/ops.h"
#include "quasar/models/ref/float_ops.h"

namespace quasar::models {

std::vector<OpDef> AddOps() {
  OpDef d{NetOp::kAdd, "add", {"activation", "precision"}, false, false, OpLowering::kPost,
           nullptr,
           [](const NetLayer&, const NetworkSpec&) { return PostEvents{3, 3, 2}; },
           [](NetLayer*, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
              int128*) {
             if (*in[1] != *in[0]) {
               e.Add("inputs", "add needs two tensors of one shape, got " +
                                   ShapeToString(*in[0]) + " and " + ShapeToString(*in[1]));
               return false;
             }
             *out = *in[0];
             return true;
           },
           [](const NetLayer&, const std::vector<const FloatTensor*>& in, const FloatLayerParams*) {
             return FloatAdd(*in[0], *in[1]);
           },
           [](const NetLayer& l, const NetworkSpec&, const std::map<std::string, QuantParams>& t,
              const QuantParams*, bool, LayerSpec* s) {
             s->op = LayerOp::kAdd;
             s->input2 = t.at(l.inputs[1]);
             return true;
           },
           nullptr,
           [](const std::vector<const IntTensor*>& in, const QuantizedLayer& ql) {
             LayerInputs r = OneInput(in, ql);
             r.x2 = *in[1];
             return r;
           }};
  d.inputs = 2;
  return {d};
}

}  // namespace quasar::models
