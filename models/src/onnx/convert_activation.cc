// Relu and Clip: fused into the layer before them as its activation (the requantization clamp,
// DESIGN.md section 2), as exporters intend Conv + BatchNormalization + ReLU. Clip(0, 6) is
// ReLU6 and Clip(0, +inf) is ReLU; other bounds are not supported. Semantics:
// onnx/docs/Operators.md (Relu, Clip: bounds as attributes before opset 11, as optional inputs
// from it).

#include <limits>

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

// The layer the activation fuses into: a Conv, Gemm, MatMul or Add whose output only it reads.
NetLayer* Producer(const Node& node, const std::string& what) {
  node.Activation(0, "the input");
  NetLayer* l = node.importer().SoleProducer(node.proto().input(0));
  if (l == nullptr || !(NetOpHasWeights(l->op) || l->op == NetOp::kAdd)) {
    throw NodeError(what + " runs fused into the Conv, Gemm, MatMul or Add whose output it "
                    "alone reads; its input '" + node.proto().input(0) + "' is not such an output");
  }
  return l;
}

// ReLU of a ReLU or ReLU6 output changes nothing.
void Relu(const Node& node) {
  node.KnownAttributes({});
  NetLayer* l = Producer(node, "Relu");
  if (l->activation == Activation::kNone) {
    l->activation = Activation::kRelu;
  }
  node.importer().PassThrough(node.proto().input(0), node.Out(0));
}

float Bound(const Node& node, int input, const char* attribute, float none) {
  if (node.importer().opset() < 11) {
    return node.Float(attribute, none);
  }
  if (!node.Has(input)) {
    return none;
  }
  const Constant& c = node.ConstantIn(input, attribute);
  if (c.integer || c.size() != 1) {
    throw NodeError(std::string("the ") + attribute + " bound must be one float32 value");
  }
  return c.floats[0];
}

void Clip(const Node& node) {
  node.KnownAttributes({"min", "max"});
  const float lo = Bound(node, 1, "min", std::numeric_limits<float>::lowest());
  const float hi = Bound(node, 2, "max", std::numeric_limits<float>::max());
  const bool unbounded = hi >= std::numeric_limits<float>::max();
  NetLayer* l = Producer(node, "Clip");
  // After a ReLU the output is already >= 0, so any lower bound <= 0 is ReLU's (PyTorch exports
  // relu6 as Relu then Clip(0, 6)).
  const bool nonnegative = l->activation != Activation::kNone;
  const bool lower_is_zero = lo == 0.0f || (nonnegative && lo <= 0.0f);
  if (lower_is_zero && hi == 6.0f && l->activation != Activation::kRelu6) {
    l->activation = Activation::kRelu6;
  } else if (lower_is_zero && unbounded) {
    l->activation = l->activation == Activation::kNone ? Activation::kRelu : l->activation;
  } else if (!(l->activation == Activation::kRelu6 && lower_is_zero && hi >= 6.0f)) {
    throw NodeError("Clip(" + std::to_string(lo) + ", " + std::to_string(hi) +
                    ") is not supported: Quasar's activations are ReLU (Clip(0, inf)) and ReLU6 "
                    "(Clip(0, 6))");
  }
  node.importer().PassThrough(node.proto().input(0), node.Out(0));
}

}  // namespace

std::vector<Converter> ActivationConverters() { return {{"Relu", 6, Relu}, {"Clip", 6, Clip}}; }

}  // namespace quasar::models::onnx_import
