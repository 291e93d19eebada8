// The op registry (ops.h): every op family's rows (ops.def names them), in the order of the NetOp
// enum.

#include "quasar/models/net/ops.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace quasar::models {

const std::vector<OpDef>& Ops() {
  static const std::vector<OpDef> ops = [] {
    // Each family once, in the order ops.def first names it; each row then goes to its enum slot.
    std::vector<std::vector<OpDef> (*)()> families;
    auto add_family = [&families](std::vector<OpDef> (*family)()) {
      if (std::find(families.begin(), families.end(), family) == families.end()) {
        families.push_back(family);
      }
    };
#define QUASAR_OP(enumerator, family) add_family(&family);
#include "quasar/models/net/ops.def"
#undef QUASAR_OP
    std::vector<OpDef> all;
    for (const auto family : families) {
      const std::vector<OpDef> rows = family();
      all.insert(all.end(), rows.begin(), rows.end());
    }
    constexpr size_t kListed = 0
#define QUASAR_OP(enumerator, family) +1
#include "quasar/models/net/ops.def"
#undef QUASAR_OP
        ;
    if (all.size() != kListed) {
      throw std::logic_error("op registry: " + std::to_string(all.size()) + " rows for " +
                             std::to_string(kListed) + " ops of ops.def");
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
