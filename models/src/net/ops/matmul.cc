// matmul of two activations, a [..., M, K] x b [..., K, N]: one GEMM per leading (batch) index.

#include "quasar/models/net/ops.h"
#include "quasar/models/ref/float_ops.h"
#include "quasar/models/ref/gemm.h"
#include "shape_util.h"

namespace quasar::models {

std::vector<OpDef> MatMulOps() {
  OpDef d{NetOp::kMatMul, "matmul", {"activation", "precision"}, false, false, OpLowering::kGemm,
           [](const NetLayer& l, const NetworkSpec& net) {
             const Shape& x = net.ShapeOf(l.inputs[0]);
             const Shape& b = net.ShapeOf(l.inputs[1]);
             int64_t batches = 1;
             for (size_t i = 0; i + 2 < x.size(); ++i) {
               batches *= x[i];
             }
             return GemmDims{batches, x[x.size() - 2], x.back(), b.back()};
           },
           RequantizeEvents,
           [](NetLayer*, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
              int128* macs) {
             try {
               *out = MatMulOutputShape(*in[0], *in[1]);  // the kernels' own rule
             } catch (const InputError& err) {
               e.Add("inputs", err.what());
               return false;
             }
             *macs = shape::Product(*out, 0, out->size()) * in[0]->back();
             return true;
           },
           [](const NetLayer&, const std::vector<const FloatTensor*>& in, const FloatLayerParams*) {
             return FloatMatMul(*in[0], *in[1]);
           },
           // The second activation is the kernel's weight operand.
           [](const NetLayer& l, const NetworkSpec&, const std::map<std::string, QuantParams>& t,
              const QuantParams*, bool, LayerSpec* s) {
             s->op = LayerOp::kMatMul;
             s->weights = t.at(l.inputs[1]);
             return true;
           },
           nullptr,
           [](const std::vector<const IntTensor*>& in, const QuantizedLayer& ql) {
             LayerInputs r = OneInput(in, ql);
             r.weights = *in[1];
             return r;
           }};
  d.inputs = 2;
  d.gemm_b = GemmB::kSecondInput;
  return {d};
}

}  // namespace quasar::models
