// QOperator models: QLinearConv and QLinearMatMul (onnx/docs/Operators.md), and ONNX Runtime's
// com.microsoft QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu, QLinearConcat,
// QLinearGlobalAveragePool and QGemm, whose tensors
// between ops are integers with the scales and zero points given beside them. Each becomes the
// Quasar layer of its float counterpart with those parameters kept, as in a QDQ model: the
// input's parameters must be (or become) the input tensor's, the integer weights fold to float
// weights that remember theirs, an int32 bias B folds to B · x_scale · w_scale, and the output
// tensor's parameters are y_scale and y_zero_point. The graph's QuantizeLinear and
// DequantizeLinear (qdq.cc) enter and leave the integer domain.

#include <cmath>

#include "importer.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::models::onnx_import {
namespace {

// The activation of input `index`, its parameters (the two inputs after it) fixed or checked.
const Value& QuantizedInput(const Node& node, int index, const char* what) {
  const Value& x = node.Activation(index, what);
  int64_t axis = 0;
  FixTensorParams(node, x.tensor,
                  ParamsOf(node, index + 1, index + 2, x.shape, &axis, onnx_io::kUint8, nullptr));
  return x;
}

// Integer weights (input `index`, scale and zero point after them) folded with their
// parameters, per tensor or per index of `axis`.
Constant Weights(const Node& node, int index, int64_t axis) {
  const Constant& q = node.ConstantIn(index, "the weights");
  int64_t a = axis;
  const QuantParams p = ParamsOf(node, index + 1, index + 2, q.shape, &a, q.data_type, nullptr);
  return DequantizeConstant(q, p, axis);
}

void FixOutput(const Node& node, int scale_index, const std::string& tensor,
               const Shape& shape) {
  int64_t axis = 0;
  FixTensorParams(node, tensor,
                  ParamsOf(node, scale_index, scale_index + 1, shape, &axis, onnx_io::kUint8,
                           nullptr));
}

// A layer of `op` over `inputs` (Quasar tensors), bound to the node's output 0; its name.
std::string Layer(const Node& node, NetOp op, std::vector<std::string> inputs) {
  NetLayer l;
  l.name = LayerName(node);
  l.op = op;
  l.inputs = std::move(inputs);
  return node.importer().AddLayer(std::move(l), node.Out(0));
}

// QLinearConv(x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B).
void QLinearConv(const Node& node) {
  node.KnownAttributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  const Value& x = QuantizedInput(node, 0, "x");
  const Constant w = Weights(node, 3, 0);
  std::shared_ptr<std::vector<float>> bias;
  if (node.Has(8)) {
    const Constant& b = node.ConstantIn(8, "the bias");
    if (!b.integer || b.size() != w.shape[0]) {
      throw NodeError("the bias must be int32, one per output channel");
    }
    const float sx = node.importer().net().fixed_params.at(x.tensor).scales[0];
    bias = std::make_shared<std::vector<float>>(static_cast<size_t>(b.size()));
    for (int64_t c = 0; c < b.size(); ++c) {
      (*bias)[static_cast<size_t>(c)] =
          static_cast<float>(b.ints[static_cast<size_t>(c)]) * (sx * w.quant->scale(c));
    }
  }
  const std::string name = ConvLayer(node, x, w, bias);
  FixOutput(node, 6, name, node.importer().Get(node.Out(0)).shape);
}

// QLinearMatMul(a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point) with
// a constant b [K, N]: a fully_connected layer without bias. With b computed: Quasar's matmul
// of the two tensors (a [..., M, K] x b [..., K, N]), each input's parameters fixed or checked
// (per tensor), the output's y_scale and y_zero_point.
void QLinearMatMul(const Node& node) {
  node.KnownAttributes({});
  const Value& a = QuantizedInput(node, 0, "a");
  if (node.In(3).is_constant()) {
    const std::string name = MatMulByConstant(node, a, Weights(node, 3, 1));
    FixOutput(node, 6, name, node.importer().Get(node.Out(0)).shape);
    return;
  }
  const Value& b = QuantizedInput(node, 3, "b");
  const std::string name = Layer(node, NetOp::kMatMul, {a.tensor, b.tensor});
  FixOutput(node, 6, name, node.importer().Get(node.Out(0)).shape);
}

// com.microsoft QGemm (onnxruntime docs/ContribOperators.md): (A, a_scale, a_zero_point, B,
// b_scale, b_zero_point, C, y_scale, y_zero_point), Y = alpha A B' + C with A [M, K], B' = B
// [K, N] or B^T (transB), b_scale and b_zero_point per tensor or per column of B', C int32 of
// scale alpha a_scale b_scale and zero point 0, the output quantized with y_scale, y_zero_point.
// A constant B becomes a fully_connected layer whose weights remember the scales alpha b_scale
// (alpha folds into them, so M = a_scale alpha b_scale / y_scale) and C folds to its bias, as
// QLinearConv's B does.
void QGemm(const Node& node) {
  node.KnownAttributes({"alpha", "transA", "transB"});
  if (node.Int("transA", 0) != 0) {
    throw NodeError("transA = " + std::to_string(node.Int("transA", 0)) +
                    " is not supported (A must be [M, K])");
  }
  const float alpha = node.Float("alpha", 1.0f);
  if (!(alpha > 0.0f) || !std::isfinite(alpha)) {
    throw NodeError("alpha " + std::to_string(alpha) + " is not supported (Quasar folds alpha "
                    "into the weight scales, which must be positive)");
  }
  if (!node.Has(7)) {
    throw NodeError("has no y_scale: its float output is not supported (Quasar's layers output "
                    "integers)");
  }
  const Value& a = QuantizedInput(node, 0, "A");
  if (a.shape.size() != 2) {
    throw NodeError("A has shape " + Dims(a.shape) + "; QGemm takes A [M, K]");
  }
  if (!node.In(3).is_constant()) {
    throw NodeError("B is computed; Quasar takes QGemm by constant integer weights");
  }
  const bool trans_b = node.Int("transB", 0) != 0;
  const Constant& bq = node.ConstantIn(3, "B");
  if (bq.shape.size() != 2) {
    throw NodeError("B has shape " + Dims(bq.shape) + "; QGemm takes a 2-D B");
  }
  Constant b = Weights(node, 3, trans_b ? 0 : 1);
  const int64_t n = trans_b ? b.shape[0] : b.shape[1], k = trans_b ? b.shape[1] : b.shape[0];
  if (a.shape[1] != k) {
    throw NodeError("A is " + Dims(a.shape) + " and B' is [" + std::to_string(k) + ", " +
                    std::to_string(n) + "]");
  }
  QuantParams& wp = *b.quant;
  for (float& s : wp.scales) {
    s *= alpha;  // float32, as the folded weights below
  }
  FloatTensor weights({n, k});  // [out, in], as fully_connected keeps them
  for (int64_t o = 0; o < n; ++o) {
    for (int64_t i = 0; i < k; ++i) {
      weights[o * k + i] = alpha * b.floats[static_cast<size_t>(trans_b ? o * k + i : i * n + o)];
    }
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kFullyConnected;
  l.inputs = {a.tensor};
  l.out_channels = n;
  l.bias = false;
  l.weights_data = std::make_shared<const FloatTensor>(std::move(weights));
  if (node.Has(6)) {
    const Constant& c = node.ConstantIn(6, "C");
    const bool row = c.shape.empty() || c.shape.size() == 1 ||
                     (c.shape.size() == 2 && c.shape[0] == 1);
    if (!c.integer || c.data_type != onnx_io::kInt32 || !row || (c.size() != n && c.size() != 1)) {
      throw NodeError("C must be int32, one per output column (" + std::to_string(n) +
                      ") or one for all; got " + Dims(c.shape));
    }
    const float sa = node.importer().net().fixed_params.at(a.tensor).scales[0];
    auto bias = std::make_shared<std::vector<float>>(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) {
      (*bias)[static_cast<size_t>(j)] =
          static_cast<float>(c.ints[c.size() == 1 ? 0 : static_cast<size_t>(j)]) *
          (sa * wp.scale(j));
    }
    l.bias_data = bias;
    l.bias = true;
  }
  const std::string name = node.importer().AddLayer(std::move(l), node.Out(0));
  node.importer().net().fixed_weight_params[name] = wp;
  FixOutput(node, 7, name, node.importer().Get(node.Out(0)).shape);
}

// ONNX Runtime's contrib QLinear ops (com.microsoft, docs/ContribOperators.md of
// onnxruntime): each input's and the output's scale and zero point beside it, the op between
// them as the float op's layer (add, mul, sigmoid, leaky_relu, concat, global_avg_pool).

// (A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point).
void Binary(const Node& node, NetOp op) {
  node.KnownAttributes({});
  const Value& a = QuantizedInput(node, 0, "A");
  const Value& b = QuantizedInput(node, 3, "B");
  if (op == NetOp::kAdd && a.shape != b.shape) {
    throw NodeError("adds " + Dims(a.shape) + " and " + Dims(b.shape) +
                    "; Quasar's add sums two tensors of one shape");
  }
  const std::string name = Layer(node, op, {a.tensor, b.tensor});
  FixOutput(node, 6, name, a.shape);
}

void QLinearAdd(const Node& node) { Binary(node, NetOp::kAdd); }
void QLinearMul(const Node& node) { Binary(node, NetOp::kMul); }

// (X, X_scale, X_zero_point, Y_scale, Y_zero_point).
void Unary(const Node& node, NetOp op, double alpha) {
  const Value& x = QuantizedInput(node, 0, "X");
  NetLayer l;
  l.name = LayerName(node);
  l.op = op;
  l.inputs = {x.tensor};
  l.alpha = alpha;
  const std::string name = node.importer().AddLayer(std::move(l), node.Out(0));
  FixOutput(node, 3, name, x.shape);
}

void QLinearSigmoid(const Node& node) {
  node.KnownAttributes({});
  Unary(node, NetOp::kSigmoid, 0.0);
}

void QLinearLeakyRelu(const Node& node) {
  node.KnownAttributes({"alpha"});
  Unary(node, NetOp::kLeakyRelu, node.Float("alpha", 0.01f));
}

// Quasar's global_avg_pool keeps its input's quantization: the output's must be the input's.
void QLinearGlobalAveragePool(const Node& node) {
  node.KnownAttributes({"channels_last"});
  if (node.Int("channels_last", 0) != 0) {
    throw NodeError("channels_last = 1 is not supported (Quasar's tensors are NCHW)");
  }
  const Value& x = QuantizedInput(node, 0, "X");
  int64_t axis = 0;
  const QuantParams out = ParamsOf(node, 3, 4, x.shape, &axis, onnx_io::kUint8, nullptr);
  const QuantParams& in = node.importer().net().fixed_params.at(x.tensor);
  if (!(out.type == in.type && out.scales == in.scales && out.zero_points == in.zero_points)) {
    throw NodeError("its output scale or zero point differs from its input's; Quasar's "
                    "global_avg_pool keeps its input's quantization");
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kGlobalAvgPool;
  l.inputs = {x.tensor};
  node.importer().AddLayer(std::move(l), node.Out(0));
}

// (Y_scale, Y_zero_point, then X_i, X_i_scale, X_i_zero_point for each input), `axis`.
void QLinearConcat(const Node& node) {
  node.KnownAttributes({"axis"});
  if (node.proto().input_size() < 5 || (node.proto().input_size() - 2) % 3 != 0) {
    throw NodeError("needs Y_scale, Y_zero_point and one (X, scale, zero point) per input");
  }
  std::vector<std::string> inputs;
  Shape first;
  for (int i = 2; i < node.proto().input_size(); i += 3) {
    const Value& x = QuantizedInput(node, i, "an input");
    inputs.push_back(x.tensor);
    if (first.empty()) {
      first = x.shape;
    }
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kConcat;
  l.inputs = inputs;
  l.axis = node.Int("axis", 0);
  const std::string name = node.importer().AddLayer(std::move(l), node.Out(0));
  FixOutput(node, 0, name, first);
}

}  // namespace

std::vector<Converter> QOperatorConverters() {
  return {{"QLinearConv", 10, QLinearConv},
          {"QLinearMatMul", 10, QLinearMatMul},
          {"QLinearAdd", 1, QLinearAdd, kMicrosoftDomain},
          {"QLinearMul", 1, QLinearMul, kMicrosoftDomain},
          {"QLinearSigmoid", 1, QLinearSigmoid, kMicrosoftDomain},
          {"QLinearLeakyRelu", 1, QLinearLeakyRelu, kMicrosoftDomain},
          {"QLinearGlobalAveragePool", 1, QLinearGlobalAveragePool, kMicrosoftDomain},
          {"QLinearConcat", 1, QLinearConcat, kMicrosoftDomain},
          {"QGemm", 1, QGemm, kMicrosoftDomain}};
}

}  // namespace quasar::models::onnx_import
