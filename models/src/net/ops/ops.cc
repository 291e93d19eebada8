// The op registry (ops.h): every op family's rows, in the order of the NetOp enum.

#include <stdexcept>

#include "quasar/models/net/ops.h"

namespace quasar::models {

const std::vector<OpDef>& Ops() {
  static const std::vector<OpDef> ops = [] {
    std::vector<OpDef> all;
    for (const auto& family : {ConvOps(), FullyConnectedOps(), MatMulOps(), AddOps(), PoolOps(),
                               ViewOps(), TransposeOps(), ElementwiseOps(), BinaryOps(),
                               ConcatOps(), SliceOps(), SoftmaxOps(),
                               ReduceMeanOps(), ConstantOps(),
                               LayerNormOps(), PadOps(), ResizeOps(), ConvTransposeOps()}) {
      all.insert(all.end(), family.begin(), family.end());
    }
    std::vector<OpDef> ordered(all.size(), all.front());
    std::vector<bool> seen(all.size(), false);
    for (const OpDef& d : all) {
      const auto i = static_cast<size_t>(d.op);
      if (i >= all.size() || seen[i]) {
        throw std::logic_error(std::string("op registry: ") + d.name + " out of place or twice");
      }
      ordered[i] = d;
      seen[i] = true;
    }
    return ordered;
  }();
  return ops;
}

const OpDef& OpOf(NetOp op) { return Ops().at(static_cast<size_t>(op)); }

PostEvents RequantizeEvents(const NetLayer&, const NetworkSpec&) { return {1, 2, 2}; }

bool NoKernel(const NetLayer&, const NetworkSpec&, const std::map<std::string, QuantParams>&,
              const QuantParams*, bool, LayerSpec*) {
  return false;
}

LayerInputs OneInput(const std::vector<const IntTensor*>& inputs, const QuantizedLayer&) {
  LayerInputs in;
  in.x = *inputs[0];
  return in;
}

LayerInputs WithWeights(const std::vector<const IntTensor*>& inputs, const QuantizedLayer& layer) {
  LayerInputs in = OneInput(inputs, layer);
  in.weights = layer.weights;
  in.bias_int = layer.bias;
  return in;
}

void WeightedSpec(LayerOp op, const QuantParams& weights, bool has_bias, LayerSpec* s) {
  s->op = op;
  s->weights = weights;
  s->bias = has_bias ? BiasConvention::kInt32 : BiasConvention::kNone;
  s->binary_pad = BinaryPad::kZero;
}

std::vector<std::string> WeightedConvKeys() {
  return {"bias",   "activation", "weights_file", "bias_file", "precision",
          "kernel", "stride",     "padding",      "dilation",  "weights_quant"};
}

}  // namespace quasar::models
