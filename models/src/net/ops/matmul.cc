// matmul of two activations, a [..., M, K] x b [..., K, N]: one GEMM per leading (batch) index.
// With `transpose_b`, b is given as [..., N, K] and read as its transpose (ONNX MatMul after a
// Transpose of b's last two axes, or Gemm's transB): a K cache stored [..., L, d] is then read in
// place as the score matmul's K^T, as the PE array reads any B by its addresses.

#include "op_keys.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/ref/float_ops.h"
#include "quasar/models/ref/gemm.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

// b's shape as the kernel reads it, [..., K, N].
Shape ReadShape(const NetLayer& l, const Shape& b) {
  return l.transpose_b ? TransposedShape(b, SwapLastTwoAxes(static_cast<int>(b.size()))) : b;
}

}  // namespace

std::vector<OpDef> MatMulOps() {
  OpDef d{NetOp::kMatMul, "matmul", {"activation", "precision", "transpose_b"}, false, false,
          OpLowering::kGemm,
           [](const NetLayer& l, const NetworkSpec& net) {
             const Shape& x = net.ShapeOf(l.inputs[0]);
             const Shape b = ReadShape(l, net.ShapeOf(l.inputs[1]));
             int64_t batches = 1;
             for (size_t i = 0; i + 2 < x.size(); ++i) {
               batches *= x[i];
             }
             return GemmDims{batches, x[x.size() - 2], x.back(), b.back()};
           },
           RequantizeEvents,
           [](NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
              int128* macs) {
             try {
               *out = MatMulOutputShape(*in[0], ReadShape(*l, *in[1]));  // the kernels' own rule
             } catch (const InputError& err) {
               e.Add("inputs", err.what());
               return false;
             }
             *macs = shape::Product(*out, 0, out->size()) * in[0]->back();
             return true;
           },
           [](const NetLayer& l, const std::vector<const FloatTensor*>& in, const FloatLayerParams*) {
             return l.transpose_b ? FloatMatMul(*in[0], Transpose(*in[1], SwapLastTwoAxes(
                                                                             in[1]->rank())))
                                  : FloatMatMul(*in[0], *in[1]);
           },
           // The second activation is the kernel's weight operand.
           [](const NetLayer& l, const NetworkSpec&, const std::map<std::string, QuantParams>& t,
              const QuantParams*, bool, LayerSpec* s) {
             s->op = LayerOp::kMatMul;
             s->weights = t.at(l.inputs[1]);
             s->transpose_b = l.transpose_b;
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
  // Written only when set, so files without it read and write as before.
  d.write_keys = [](KeyWriter& w, const NetLayer& l) {
    if (l.transpose_b) {
      w.Bool("transpose_b", true);
    }
  };
  d.read_keys = [](const MapReader& m, NetLayer* l) {
    if (auto t = m.Bool("transpose_b", false)) {
      l->transpose_b = *t;
    }
  };
  return {d};
}

}  // namespace quasar::models
