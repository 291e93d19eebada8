// The MAC ops: Conv, Gemm and MatMul become Quasar's conv2d / depthwise_conv2d,
// fully_connected and matmul; BatchNormalization folds into the Conv or Gemm before it.
// Semantics: onnx/docs/Operators.md (Conv, Gemm, MatMul, BatchNormalization).

#include <cmath>

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

std::shared_ptr<const std::vector<float>> BiasOf(const Node& node, int i, int64_t n,
                                                 float scale) {
  if (!node.Has(i)) {
    return nullptr;
  }
  const Constant& c = node.ConstantIn(i, "the bias");
  if (c.integer) {
    throw NodeError("the bias must be float32");
  }
  auto bias = std::make_shared<std::vector<float>>(static_cast<size_t>(n));
  if (c.size() == n) {
    for (int64_t j = 0; j < n; ++j) {
      (*bias)[static_cast<size_t>(j)] = scale * c.floats[static_cast<size_t>(j)];
    }
  } else if (c.size() == 1) {
    bias->assign(static_cast<size_t>(n), scale * c.floats[0]);
  } else {
    throw NodeError("the bias has shape " + Dims(c.shape) + "; Quasar takes one value per " +
                    "output channel (" + std::to_string(n) + ") or one for all");
  }
  return bias;
}

const Constant& FloatWeights(const Node& node, int i, size_t rank) {
  const Constant& w = node.ConstantIn(i, "the weights");
  if (w.integer || w.shape.size() != rank) {
    throw NodeError("the weights must be a float32 tensor of rank " + std::to_string(rank) +
                    ", got " + (w.integer ? "integers" : "shape " + Dims(w.shape)));
  }
  return w;
}

}  // namespace

std::string MatMulByConstant(const Node& node, const Value& a, const Constant& b) {
  if (b.shape.size() != 2 || a.shape.size() < 2) {
    throw NodeError("multiplies " + Dims(a.shape) + " by " + Dims(b.shape) +
                    "; Quasar takes a [..., M, K] tensor by constant [K, N] weights here");
  }
  const int64_t k = b.shape[0], n = b.shape[1];
  // [..., M, K] is the fully_connected layer's rows [prod(...) M, K], reshaped back after.
  const bool batched = a.shape.size() > 2;
  std::string x = a.tensor;
  if (batched) {
    NetLayer rows;
    rows.name = LayerName(node) + "_rows";
    rows.op = NetOp::kReshape;
    rows.inputs = {a.tensor};
    rows.target_shape = {NumElements(a.shape) / a.shape.back(), a.shape.back()};
    x = node.importer().AddLayer(std::move(rows), node.Out(0) + "#rows");
  }
  FloatTensor weights({n, k});  // [out, in], as fully_connected keeps them
  for (int64_t o = 0; o < n; ++o) {
    for (int64_t i = 0; i < k; ++i) {
      weights[o * k + i] = b.floats[static_cast<size_t>(i * n + o)];
    }
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kFullyConnected;
  l.inputs = {x};
  l.out_channels = n;
  l.bias = false;
  l.weights_data = std::make_shared<const FloatTensor>(std::move(weights));
  const std::string name =
      node.importer().AddLayer(std::move(l), batched ? node.Out(0) + "#fc" : node.Out(0));
  KeepWeightQuantization(node, name, b, 1);  // B is [K, N]
  if (batched) {
    NetLayer back;
    back.name = LayerName(node) + "_out";
    back.op = NetOp::kReshape;
    back.inputs = {name};
    back.target_shape = a.shape;
    back.target_shape.back() = n;
    node.importer().AddLayer(std::move(back), node.Out(0));
  }
  return name;
}

std::string ConvLayer(const Node& node, const Value& x, const Constant& w,
                      std::shared_ptr<const std::vector<float>> bias) {
  if (x.shape.size() != 4) {
    throw NodeError("the input has shape " + Dims(x.shape) + "; Quasar's convolutions are 2-D, " +
                    "over [N, C, H, W]");
  }
  if (w.integer || w.shape.size() != 4) {
    throw NodeError("the weights must be a float32 tensor of rank 4, got " +
                    (w.integer ? std::string("integers") : "shape " + Dims(w.shape)));
  }
  const auto [kh, kw] = KernelShape(node, &w.shape);
  const int64_t group = node.Int("group", 1);
  if (group < 1) {
    throw NodeError("attribute 'group' must be positive, got " + std::to_string(group));
  }
  NetLayer l;
  l.name = LayerName(node);
  l.inputs = {x.tensor};
  l.kernel_h = kh;
  l.kernel_w = kw;
  l.geometry = WindowGeometry(node, x.shape, kh, kw);
  const int64_t c_in = x.shape[1], c_out = w.shape[0];
  if (group > 1 && group == c_in && w.shape[1] == 1 && c_out % c_in == 0) {
    l.op = NetOp::kDepthwiseConv2d;  // one group per input channel
    l.multiplier = c_out / c_in;
  } else {
    l.op = NetOp::kConv2d;
    l.geometry.groups = group;
  }
  l.out_channels = c_out;
  l.weights_data = std::make_shared<const FloatTensor>(ToFloatTensor(w));
  l.bias_data = std::move(bias);
  l.bias = l.bias_data != nullptr;
  const std::string name = node.importer().AddLayer(std::move(l), node.Out(0));
  KeepWeightQuantization(node, name, w, 0);  // OIHW: output channels first
  return name;
}

namespace {

void Conv(const Node& node) {
  node.KnownAttributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  const Value& x = node.Activation(0, "the input");
  const Constant& w = FloatWeights(node, 1, 4);
  const int64_t c_out = w.shape[0];
  ConvLayer(node, x, w, BiasOf(node, 2, c_out, 1.0f));
}

// Y = alpha * A' B' + beta * C, with A' = A (transA = 0) and B' = B or B^T.
void Gemm(const Node& node) {
  node.KnownAttributes({"alpha", "beta", "transA", "transB"});
  const Value& a = node.Activation(0, "A");
  if (node.Int("transA", 0) != 0) {
    throw NodeError("transA = 1 is not supported (A must be [M, K])");
  }
  const Constant& b = FloatWeights(node, 1, 2);
  const bool trans_b = node.Int("transB", 0) != 0;
  const float alpha = node.Float("alpha", 1.0f), beta = node.Float("beta", 1.0f);
  const int64_t n = trans_b ? b.shape[0] : b.shape[1], k = trans_b ? b.shape[1] : b.shape[0];
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
  l.weights_data = std::make_shared<const FloatTensor>(std::move(weights));
  if (node.Has(2) && node.ConstantIn(2, "C").shape.size() == 2 &&
      node.ConstantIn(2, "C").shape[0] != 1) {
    throw NodeError("C has shape " + Dims(node.ConstantIn(2, "C").shape) +
                    "; Quasar takes a bias per output ([N] or [1, N]) or one for all");
  }
  l.bias_data = BiasOf(node, 2, n, beta);
  l.bias = l.bias_data != nullptr;
  if (b.quant && alpha != 1.0f) {
    throw NodeError("alpha " + std::to_string(alpha) + " would change the model's quantized "
                    "weights");
  }
  const std::string name = node.importer().AddLayer(std::move(l), node.Out(0));
  KeepWeightQuantization(node, name, b, trans_b ? 0 : 1);  // the axis of N
}

// A x B: a fully_connected layer when B is a constant [K, N] and A is [..., M, K] (between two
// reshapes when A has more than two dimensions); Quasar's matmul when both are computed.
void MatMul(const Node& node) {
  node.KnownAttributes({});
  const Value& a = node.Activation(0, "A");
  NetLayer l;
  l.name = LayerName(node);
  if (!node.In(1).is_constant()) {
    l.op = NetOp::kMatMul;
    l.inputs = {a.tensor, node.In(1).tensor};
    l.bias = false;
    node.importer().AddLayer(std::move(l), node.Out(0));
    return;
  }
  MatMulByConstant(node, a, FloatWeights(node, 1, 2));
}

// y = scale * (x - mean) / sqrt(var + epsilon) + B per channel, folded into the weights and
// bias of the layer before: w' = w * s, b' = (b - mean) * s + B with s = scale / sqrt(var + eps).
void BatchNormalization(const Node& node) {
  node.KnownAttributes({"epsilon", "momentum", "training_mode"});
  if (node.Int("training_mode", 0) != 0) {
    throw NodeError("training_mode = 1 is not supported (inference only)");
  }
  for (int i = 1; i < node.proto().output_size(); ++i) {
    if (!node.proto().output(i).empty()) {
      throw NodeError("the running-statistics outputs (training mode) are not supported");
    }
  }
  NetLayer* l = node.importer().SoleProducer(node.proto().input(0));
  if (l == nullptr || !NetOpHasWeights(l->op) || l->activation != Activation::kNone ||
      !l->weights_data) {
    throw NodeError("BatchNormalization is folded into the Conv or Gemm whose output it alone "
                    "reads; its input '" + node.proto().input(0) + "' is not such an output");
  }
  if (node.importer().net().fixed_weight_params.count(l->name)) {
    throw NodeError("BatchNormalization after a layer whose weights the model quantizes would "
                    "change those weights");
  }
  const int64_t c = l->out_channels;
  std::vector<const Constant*> p;
  for (int i = 1; i <= 4; ++i) {
    const Constant& v = node.ConstantIn(i, "a normalization parameter");
    if (v.integer || v.size() != c) {
      throw NodeError("input " + std::to_string(i) + " must hold " + std::to_string(c) +
                      " float32 values (one per channel), got shape " + Dims(v.shape));
    }
    p.push_back(&v);
  }
  const double eps = node.Float("epsilon", 1e-5f);
  FloatTensor w = *l->weights_data;
  auto bias = std::make_shared<std::vector<float>>(static_cast<size_t>(c), 0.0f);
  const int64_t per_channel = w.size() / c;
  for (int64_t ch = 0; ch < c; ++ch) {
    const auto j = static_cast<size_t>(ch);
    const double s = p[0]->floats[j] / std::sqrt(static_cast<double>(p[3]->floats[j]) + eps);
    for (int64_t i = 0; i < per_channel; ++i) {
      w[ch * per_channel + i] = static_cast<float>(w[ch * per_channel + i] * s);
    }
    const double b = l->bias_data ? (*l->bias_data)[j] : 0.0;
    (*bias)[j] = static_cast<float>((b - p[2]->floats[j]) * s + p[1]->floats[j]);
  }
  l->weights_data = std::make_shared<const FloatTensor>(std::move(w));
  l->bias_data = std::move(bias);
  l->bias = true;
  node.importer().PassThrough(node.proto().input(0), node.Out(0));
}

}  // namespace

std::vector<Converter> ConvConverters() {
  return {{"Conv", 1, Conv},
          {"Gemm", 7, Gemm},
          {"MatMul", 1, MatMul},
          {"BatchNormalization", 9, BatchNormalization}};
}

}  // namespace quasar::models::onnx_import
