// Relu and Clip: fused into the layer before them as its activation (the requantization clamp,
// DESIGN.md section 2), as exporters intend Conv + BatchNormalization + ReLU, where that layer
// is a Conv, Gemm, MatMul or Add whose output only they read and the bounds are ReLU's
// (Clip(0, +inf)) or ReLU6's (Clip(0, 6)); otherwise a relu or clip layer of their own. Semantics:
// onnx/docs/Operators.md (Relu, Clip: bounds as attributes before opset 11, as optional inputs
// from it).

#include <limits>

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

// The layer the activation fuses into: a Conv, Gemm, MatMul or Add whose output only it
// reads; null when there is none.
NetLayer* Producer(const Node& node) {
  node.Activation(0, "the input");
  NetLayer* l = node.importer().SoleProducer(node.proto().input(0));
  return l != nullptr && (NetOpHasWeights(l->op) || l->op == NetOp::kAdd) ? l : nullptr;
}

// A layer of its own on the post unit, when there is no layer to fuse into.
void Standalone(const Node& node, NetOp op, double lo = 0.0, double hi = 0.0) {
  NetLayer l;
  l.name = LayerName(node);
  l.op = op;
  l.inputs = {node.In(0).tensor};
  l.clip_min = lo;
  l.clip_max = hi;
  node.importer().AddLayer(std::move(l), node.Out(0));
}

// ReLU of a ReLU or ReLU6 output changes nothing.
void Relu(const Node& node) {
  node.KnownAttributes({});
  NetLayer* l = Producer(node);
  if (l == nullptr) {
    Standalone(node, NetOp::kRelu);
    return;
  }
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
  if (lo > hi) {
    throw NodeError("min " + std::to_string(lo) + " is above max " + std::to_string(hi));
  }
  NetLayer* l = Producer(node);
  // After a ReLU the output is already >= 0, so any lower bound <= 0 is ReLU's (PyTorch exports
  // relu6 as Relu then Clip(0, 6)).
  const bool nonnegative = l != nullptr && l->activation != Activation::kNone;
  const bool lower_is_zero = lo == 0.0f || (nonnegative && lo <= 0.0f);
  if (l != nullptr && lower_is_zero && hi == 6.0f && l->activation != Activation::kRelu6) {
    l->activation = Activation::kRelu6;
  } else if (l != nullptr && lower_is_zero && unbounded) {
    l->activation = l->activation == Activation::kNone ? Activation::kRelu : l->activation;
  } else if (l != nullptr && l->activation == Activation::kRelu6 && lower_is_zero && hi >= 6.0f) {
    // already within [0, 6]
  } else if (lo == 0.0f && unbounded) {
    Standalone(node, NetOp::kRelu);
    return;
  } else {
    // Bounds the fused activations cannot express, or no layer to fuse into: a clip layer.
    Standalone(node, NetOp::kClip, lo, hi);
    return;
  }
  node.importer().PassThrough(node.proto().input(0), node.Out(0));
}

}  // namespace

std::vector<Converter> ActivationConverters() { return {{"Relu", 6, Relu}, {"Clip", 6, Clip}}; }

}  // namespace quasar::models::onnx_import
