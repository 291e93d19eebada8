// QOperator models: QLinearConv and QLinearMatMul (onnx/docs/Operators.md), whose tensors
// between ops are integers with the scales and zero points given beside them. Each becomes the
// Quasar layer of its float counterpart with those parameters kept, as in a QDQ model: the
// input's parameters must be (or become) the input tensor's, the integer weights fold to float
// weights that remember theirs, an int32 bias B folds to B · x_scale · w_scale, and the output
// tensor's parameters are y_scale and y_zero_point. The graph's QuantizeLinear and
// DequantizeLinear (qdq.cc) enter and leave the integer domain.

#include "importer.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::models::onnx_import {
namespace {

// The activation of input 0 with parameters (inputs 1, 2), fixed or checked.
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
// a constant b [K, N]: a fully_connected layer without bias.
void QLinearMatMul(const Node& node) {
  node.KnownAttributes({});
  const Value& a = QuantizedInput(node, 0, "a");
  const Constant b = Weights(node, 3, 1);
  if (b.shape.size() != 2 || a.shape.size() != 2) {
    throw NodeError("multiplies " + Dims(a.shape) + " by " + Dims(b.shape) +
                    "; Quasar takes a [M, K] tensor by constant [K, N] weights here");
  }
  const int64_t k = b.shape[0], n = b.shape[1];
  FloatTensor weights({n, k});
  for (int64_t o = 0; o < n; ++o) {
    for (int64_t i = 0; i < k; ++i) {
      weights[o * k + i] = b.floats[static_cast<size_t>(i * n + o)];
    }
  }
  NetLayer l;
  l.name = node.proto().name().empty() ? "QLinearMatMul" : node.proto().name();
  l.op = NetOp::kFullyConnected;
  l.inputs = {a.tensor};
  l.out_channels = n;
  l.bias = false;
  l.weights_data = std::make_shared<const FloatTensor>(std::move(weights));
  const std::string name = node.importer().AddLayer(std::move(l), node.Out(0));
  KeepWeightQuantization(node, name, b, 1);
  FixOutput(node, 6, name, node.importer().Get(node.Out(0)).shape);
}

}  // namespace

std::vector<Converter> QOperatorConverters() {
  return {{"QLinearConv", 10, QLinearConv}, {"QLinearMatMul", 10, QLinearMatMul}};
}

}  // namespace quasar::models::onnx_import
