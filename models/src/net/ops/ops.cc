// The op registry (ops.h): every op family's rows, in the order of the NetOp enum.

#include <stdexcept>

#include "quasar/models/net/ops.h"

namespace quasar::models {

const std::vector<OpDef>& Ops() {
  static const std::vector<OpDef> ops = [] {
    std::vector<OpDef> all;
    for (const auto& family : {ConvOps(), FullyConnectedOps(), MatMulOps(), AddOps(), PoolOps(),
                               ViewOps(), TransposeOps()}) {
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

std::vector<std::string> WeightedConvKeys() {
  return {"bias",   "activation", "weights_file", "bias_file", "precision",
          "kernel", "stride",     "padding",      "dilation"};
}

}  // namespace quasar::models
