// LayerNormalization (opset 17; onnx/docs/Operators.md): a layer_norm layer over the dimensions
// from `axis` (default -1) on, `epsilon` (default 1e-5), its Scale and B read as tensors
// (constant layers when they are initializers, B zeros when absent). Only stash_type 1 (float
// statistics); the Mean and InvStdDev outputs only when no node reads them (Quasar reports the
// first graph output alone, so they are not computed).

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

void LayerNormalization(const Node& node) {
  node.KnownAttributes({"axis", "epsilon", "stash_type"});
  if (node.Int("stash_type", 1) != 1) {
    throw NodeError("stash_type " + std::to_string(node.Int("stash_type", 1)) +
                    " is not supported; Quasar takes the statistics in float (stash_type 1)");
  }
  for (int i = 1; i < node.proto().output_size(); ++i) {
    if (node.importer().ReadByNodes(node.proto().output(i))) {
      throw NodeError("a node reads its " + std::string(i == 1 ? "Mean" : "InvStdDev") +
                      " output, which Quasar does not compute");
    }
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kLayerNorm;
  l.axis = node.Int("axis", -1);
  l.epsilon = node.Float("epsilon", 1e-5f);
  std::string bias;
  if (node.Has(2)) {
    bias = node.TensorIn(2);
  } else {
    Constant zeros;
    zeros.shape = node.In(1).shape;
    zeros.floats.assign(static_cast<size_t>(zeros.size()), 0.0f);
    bias = node.importer().ConstantLayer(node.proto().input(1) + "_zero_bias", zeros);
  }
  l.inputs = {node.Activation(0, "X").tensor, node.TensorIn(1), bias};
  node.importer().AddLayer(std::move(l), node.Out(0));
}

}  // namespace

std::vector<Converter> NormConverters() { return {{"LayerNormalization", 17, LayerNormalization}}; }

}  // namespace quasar::models::onnx_import
