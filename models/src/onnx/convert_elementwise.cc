// Element-wise ops that become post-unit layers: Sigmoid, HardSigmoid, HardSwish, Tanh,
// LeakyRelu, PRelu with one slope, Erf, Sqrt, Neg (affine of alpha -1), Reciprocal and Div of 1
// by a tensor (pow of exponent -1) (one input), Pow (a constant exponent), Softmax (along
// one axis); Mul, Sub, Div of two tensors, the second broadcast to the first (Mul also the other
// way round), a constant one read through a constant layer; Add of a tensor and a constant (one
// shape: add; broadcast: sub of the negated constant); Mul, Add, Sub, Div of a tensor and a
// scalar constant (affine); and the same ops on two constants, folded. Semantics: onnx/docs/Operators.md (HardSigmoid's defaults alpha 0.2,
// beta 0.5; LeakyRelu's alpha 0.01; HardSwish is HardSigmoid with alpha 1/6, beta 1/2, times x).

#include <algorithm>

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

NetLayer Unary(const Node& node, NetOp op) {
  NetLayer l;
  l.name = LayerName(node);
  l.op = op;
  l.inputs = {node.Activation(0, "the input").tensor};
  return l;
}

void Sigmoid(const Node& node) {
  node.KnownAttributes({});
  node.importer().AddLayer(Unary(node, NetOp::kSigmoid), node.Out(0));
}

void Tanh(const Node& node) {
  node.KnownAttributes({});
  node.importer().AddLayer(Unary(node, NetOp::kTanh), node.Out(0));
}

void HardSwish(const Node& node) {
  node.KnownAttributes({});
  node.importer().AddLayer(Unary(node, NetOp::kHardSwish), node.Out(0));
}

void Erf(const Node& node) {
  node.KnownAttributes({});
  node.importer().AddLayer(Unary(node, NetOp::kErf), node.Out(0));
}

void Sqrt(const Node& node) {
  node.KnownAttributes({});
  node.importer().AddLayer(Unary(node, NetOp::kSqrt), node.Out(0));
}

// Neg: y = -x, an affine layer of alpha -1 (exact in float: IEEE 754 negation). The rotate-half
// of a rotary embedding written in torch ops negates one half of each head.
void Neg(const Node& node) {
  node.KnownAttributes({});
  NetLayer l = Unary(node, NetOp::kAffine);
  l.alpha = -1.0;
  node.importer().AddLayer(std::move(l), node.Out(0));
}

// 1 / x as a pow layer of exponent -1 (Reciprocal; Div of the constant 1 by a tensor, as
// torch.rsqrt exports: Div(1, Sqrt(v))). A zero input gives infinity, as Reciprocal's does.
NetLayer ReciprocalLayer(const Node& node, int input) {
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kPow;
  l.inputs = {node.Activation(input, "the input").tensor};
  l.exponent = -1.0;
  return l;
}

void Reciprocal(const Node& node) {
  node.KnownAttributes({});
  node.importer().AddLayer(ReciprocalLayer(node, 0), node.Out(0));
}

// Pow of a computed base and one constant exponent (LayerNormalization as older exporters write
// it: x^2 of the centred input).
void Pow(const Node& node) {
  node.KnownAttributes({});
  const Constant& e = node.ConstantIn(1, "the exponent");
  if (e.size() != 1) {
    throw NodeError("has an exponent of shape " + Dims(e.shape) +
                    "; Quasar takes one constant exponent for all elements");
  }
  NetLayer l = Unary(node, NetOp::kPow);
  l.exponent = e.integer ? static_cast<double>(e.ints[0]) : e.floats[0];
  node.importer().AddLayer(std::move(l), node.Out(0));
}

// Softmax along `axis`. Before opset 13 the input is coerced to 2-D at `axis` (default 1) and
// normalized over everything from it on, which is the one-axis softmax only when `axis` is the
// last; other axes are refused.
void Softmax(const Node& node) {
  node.KnownAttributes({"axis"});
  NetLayer l = Unary(node, NetOp::kSoftmax);
  const auto rank = static_cast<int64_t>(node.In(0).shape.size());
  const bool coerced = node.importer().opset() < 13;
  int64_t axis = node.Int("axis", coerced ? 1 : -1);
  if (axis < -rank || axis >= rank) {
    throw NodeError("has axis " + std::to_string(axis) + " for an input of rank " +
                    std::to_string(rank));
  }
  axis = axis < 0 ? axis + rank : axis;
  if (coerced && axis != rank - 1) {
    throw NodeError("normalizes (opset " + std::to_string(node.importer().opset()) +
                    ", before 13) over the dimensions from axis " + std::to_string(axis) +
                    " of a rank-" + std::to_string(rank) +
                    " input together; Quasar's softmax runs along one axis (the last here)");
  }
  l.axis = axis;
  node.importer().AddLayer(std::move(l), node.Out(0));
}

void HardSigmoid(const Node& node) {
  node.KnownAttributes({"alpha", "beta"});
  NetLayer l = Unary(node, NetOp::kHardSigmoid);
  l.alpha = node.Float("alpha", 0.2f);
  l.beta = node.Float("beta", 0.5f);
  node.importer().AddLayer(std::move(l), node.Out(0));
}

void LeakyRelu(const Node& node) {
  node.KnownAttributes({"alpha"});
  NetLayer l = Unary(node, NetOp::kLeakyRelu);
  l.alpha = node.Float("alpha", 0.01f);
  node.importer().AddLayer(std::move(l), node.Out(0));
}

// True when `b` broadcasts to `a` (numpy's rule, `a` keeping its shape).
bool BroadcastsTo(const Shape& b, const Shape& a) {
  if (b.size() > a.size()) {
    return false;
  }
  for (size_t i = 0; i < b.size(); ++i) {
    const int64_t db = b[b.size() - 1 - i], da = a[a.size() - 1 - i];
    if (db != da && db != 1) {
      return false;
    }
  }
  return true;
}

// PRelu with one constant slope for every element (PyTorch's nn.PReLU() default) is LeakyRelu
// with that slope; with a slope per channel or per element (broadcast to X, as the spec's
// unidirectional broadcasting says) it is a prelu layer, a constant slope read through a
// constant layer.
void PRelu(const Node& node) {
  node.KnownAttributes({});
  const Value& slope = node.In(1);
  if (slope.is_constant() && slope.constant->size() == 1 && !slope.constant->integer) {
    NetLayer l = Unary(node, NetOp::kLeakyRelu);
    l.alpha = slope.constant->floats[0];
    node.importer().AddLayer(std::move(l), node.Out(0));
    return;
  }
  const Value& x = node.Activation(0, "X");
  if (!BroadcastsTo(slope.shape, x.shape)) {
    throw NodeError("has a slope of shape " + Dims(slope.shape) + " that does not broadcast to " +
                    "X " + Dims(x.shape));
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kPRelu;
  l.inputs = {x.tensor, node.TensorIn(1)};
  node.importer().AddLayer(std::move(l), node.Out(0));
}

// Add, Sub, Mul, Div of two constants (the shape arithmetic of exporters: a channel count
// halved, a size doubled) fold, with broadcasting; integer division truncates, as ONNX's Div on
// integers.
void FoldArithmetic(const Node& node, char op) {
  const Constant &a = *node.In(0).constant, &b = *node.In(1).constant;
  if (a.integer != b.integer) {
    throw NodeError("combines integer and float constants");
  }
  Constant out;
  out.shape = BroadcastShapes(a.shape, b.shape);
  out.integer = a.integer;
  for (int64_t i = 0; i < out.size(); ++i) {
    const double x = ConstantAt(a, out.shape, i), y = ConstantAt(b, out.shape, i);
    if (out.integer) {
      const auto p = static_cast<int64_t>(x), q = static_cast<int64_t>(y);
      if (op == '/' && q == 0) {
        throw NodeError("divides an integer constant by zero");
      }
      out.ints.push_back(op == '+' ? p + q : op == '-' ? p - q : op == '*' ? p * q : p / q);
    } else {
      out.floats.push_back(static_cast<float>(op == '+'   ? x + y
                                              : op == '-' ? x - y
                                              : op == '*' ? x * y
                                                          : x / y));
    }
  }
  node.importer().BindConstant(node.Out(0), std::move(out));
}

// Add of a float constant [N] (or [1, ..., N]) to the output of a fully_connected layer without
// bias, directly or through the reshape back of a batched MatMul (PyTorch's nn.Linear on
// [B, T, D] tokens exports as MatMul then Add): the constant becomes that layer's bias, added
// in the accumulator as Gemm's C is. Returns false where the pattern does not hold.
bool FoldBias(const Node& node, int first) {
  const Value& c = node.In(1 - first);
  if (!c.is_constant() || c.constant->integer || c.shape.empty()) {
    return false;
  }
  Importer& im = node.importer();
  NetLayer* l = im.SoleProducer(node.proto().input(first));
  if (l != nullptr && l->op == NetOp::kReshape) {
    l = im.ReadOnceLayer(l->inputs[0]);
  }
  if (l == nullptr || l->op != NetOp::kFullyConnected || l->bias || l->bias_data ||
      l->activation != Activation::kNone || !l->weights_data) {
    return false;
  }
  const int64_t n = l->out_channels;
  const Shape& out = node.In(first).shape;
  if (c.shape.back() != n || c.constant->size() != n || out.empty() || out.back() != n) {
    return false;
  }
  l->bias = true;
  l->bias_data = std::make_shared<const std::vector<float>>(c.constant->floats);
  im.PassThrough(node.proto().input(first), node.Out(0));
  return true;
}

void Arithmetic(const Node& node, NetOp op, bool commutes) {
  node.KnownAttributes({});
  if (node.In(0).is_constant() && node.In(1).is_constant()) {
    FoldArithmetic(node, op == NetOp::kAdd   ? '+'
                         : op == NetOp::kSub ? '-'
                         : op == NetOp::kMul ? '*'
                                             : '/');
    return;
  }
  // With one scalar constant: alpha x + beta.
  for (int c = 0; c < 2; ++c) {
    const Value& k = node.In(c);
    const Value& x = node.In(1 - c);
    if (!k.is_constant() || x.is_constant()) {
      continue;
    }
    if (k.constant->size() != 1 || k.constant->integer) {
      break;  // a tensor of constants: a constant layer, below
    }
    if (k.shape.size() > x.shape.size()) {
      throw NodeError("the constant's rank " + std::to_string(k.shape.size()) +
                      " would broadcast the tensor " + Dims(x.shape) + " to a higher rank");
    }
    const double v = k.constant->floats[0];
    if (op == NetOp::kMul && FoldScaleIntoAccumulator(node, 1 - c, v)) {
      return;
    }
    NetLayer l;
    l.name = LayerName(node);
    l.op = NetOp::kAffine;
    l.inputs = {x.tensor};
    l.alpha = 1.0;
    if (op == NetOp::kMul) {
      l.alpha = v;
    } else if (op == NetOp::kAdd) {
      l.beta = v;
    } else if (op == NetOp::kSub) {
      l.alpha = c == 1 ? 1.0 : -1.0;  // x - v, or v - x
      l.beta = c == 1 ? -v : v;
    } else if (c == 1 && v != 0.0) {  // x / v
      l.alpha = 1.0 / v;
    } else if (c == 0 && v == 1.0) {  // 1 / x
      node.importer().AddLayer(ReciprocalLayer(node, 1), node.Out(0));
      return;
    } else {
      throw NodeError(c == 1 ? "divides by the constant 0"
                             : "divides a constant other than 1 by a tensor");
    }
    node.importer().AddLayer(std::move(l), node.Out(0));
    return;
  }
  // Two tensors, a constant one read through a constant layer (ops/constant.cc); the second
  // broadcasts to the first.
  const Value& a = node.In(0);
  const Value& b = node.In(1);
  int first = 0;
  if (BroadcastsTo(b.shape, a.shape)) {
    first = 0;
  } else if (commutes && BroadcastsTo(a.shape, b.shape)) {
    first = 1;
  } else {
    throw NodeError("combines " + Dims(a.shape) + " and " + Dims(b.shape) + "; Quasar broadcasts " +
                    (commutes ? "one input to the other" : "B to A") +
                    ", not both to a third shape");
  }
  const Value& y = node.In(1 - first);
  if (op == NetOp::kAdd && FoldBias(node, first)) {
    return;
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = op;
  if (op == NetOp::kAdd && y.shape != node.In(first).shape) {
    if (!y.is_constant()) {
      throw NodeError("adds " + Dims(a.shape) + " and " + Dims(b.shape) +
                      "; Quasar broadcasts a constant to a computed tensor, not the other way");
    }
    // Quasar's add sums two tensors of one shape; x + c with c broadcast is x - (-c), exactly
    // in float (IEEE 754 negation is exact), and in integers c's negation quantized on its own.
    Constant negated = *y.constant;
    for (float& v : negated.floats) {
      v = -v;
    }
    l.op = NetOp::kSub;
    l.inputs = {node.TensorIn(first),
                node.importer().ConstantLayer(node.proto().input(1 - first) + "_neg", negated)};
  } else {
    l.inputs = {node.TensorIn(first), node.TensorIn(1 - first)};
  }
  node.importer().AddLayer(std::move(l), node.Out(0));
}

void Mul(const Node& node) { Arithmetic(node, NetOp::kMul, true); }
void Sub(const Node& node) { Arithmetic(node, NetOp::kSub, false); }
void Div(const Node& node) { Arithmetic(node, NetOp::kDiv, false); }

}  // namespace

// The shape both broadcast to (numpy's rule), or NodeError.
Shape BroadcastShapes(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      throw NodeError("the constants " + Dims(a) + " and " + Dims(b) + " do not broadcast");
    }
    out[out.size() - 1 - i] = da == 1 ? db : da;  // a 1 takes the other's size, 0 included
  }
  return out;
}

// The element of `c` (broadcast to `shape`) at flat index `i` of `shape`.
double ConstantAt(const Constant& c, const Shape& shape, int64_t i) {
  int64_t j = 0, stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    const int64_t coord = i % shape[d];
    i /= shape[d];
    const size_t lead = shape.size() - c.shape.size();
    if (d >= lead && c.shape[d - lead] != 1) {
      j += coord * stride;
    }
    if (d >= lead) {
      stride *= c.shape[d - lead];
    }
  }
  return c.integer ? static_cast<double>(c.ints[static_cast<size_t>(j)])
                   : c.floats[static_cast<size_t>(j)];
}

// Add with a constant operand (convert_tensor.cc's Add hands it here).
void FoldAdd(const Node& node) { Arithmetic(node, NetOp::kAdd, true); }

std::vector<Converter> ElementwiseConverters() {
  return {{"Sigmoid", 6, Sigmoid},
          {"Tanh", 6, Tanh},
          {"HardSwish", 14, HardSwish},
          {"HardSigmoid", 6, HardSigmoid},
          {"LeakyRelu", 6, LeakyRelu},
          {"Mul", 7, Mul},
          {"Sub", 7, Sub},
          {"Div", 7, Div},
          {"Erf", 9, Erf},
          {"Sqrt", 6, Sqrt},
          {"Neg", 6, Neg},
          {"Reciprocal", 6, Reciprocal},
          {"Pow", 7, Pow},
          {"Softmax", 1, Softmax},
          {"PRelu", 7, PRelu}};
}

}  // namespace quasar::models::onnx_import
