// Resolution of the precision policy into one precision per layer and per tensor:
// network policy, then the first/last-layer rule, then each layer's own override.

#include <set>

#include "net_keys.h"
#include "quasar/models/net/network.h"

namespace quasar::models {
namespace {

// The same operand kind turned into a linear grid of `bits` (the first/last-layer rule).
OperandPrecision AsLinear(OperandPrecision p, int bits) {
  p.code = QuantCode::kLinear;
  p.bits = bits;
  return p;
}

// The non-data-movement producers a tensor comes from, looking back through pools, flatten,
// reshape and transpose (which keep their input's quantization). Network inputs are included.
void Producers(const NetworkSpec& net, const std::string& tensor, std::set<std::string>* out) {
  const NetLayer* l = net.FindLayer(tensor);
  if (l && NetOpMovesDataOnly(l->op)) {
    Producers(net, l->inputs[0], out);
    return;
  }
  out->insert(tensor);
}

}  // namespace

void ResolvePrecision(NetworkSpec* net) {
  const PrecisionPolicy& pol = net->policy;
  ErrorList errors(net->file);
  ValidateOperand(pol.weights, true, "precision.weights", &errors);
  ValidateOperand(pol.activations, false, "precision.activations", &errors);
  errors.ThrowIfAny();

  int first = -1, last = -1;
  for (size_t i = 0; i < net->layers.size(); ++i) {
    if (NetOpHasWeights(net->layers[i].op)) {
      first = first < 0 ? static_cast<int>(i) : first;
      last = static_cast<int>(i);
    }
  }
  // Tensors the first/last rule keeps at B bits: the network inputs, and what the last
  // weighted layer reads and writes.
  std::set<std::string> keep_wide;
  if (pol.first_last_bits && last >= 0) {
    for (const auto& in : net->inputs) {
      keep_wide.insert(in.name);
    }
    for (const auto& t : net->layers[static_cast<size_t>(last)].inputs) {
      Producers(*net, t, &keep_wide);
    }
    keep_wide.insert(net->layers[static_cast<size_t>(last)].name);
  }

  net->tensor_precision.clear();
  for (const auto& in : net->inputs) {
    net->tensor_precision[in.name] = keep_wide.count(in.name)
                                         ? AsLinear(pol.activations, *pol.first_last_bits)
                                         : pol.activations;
  }
  for (size_t i = 0; i < net->layers.size(); ++i) {
    NetLayer& l = net->layers[i];
    LayerPrecision p{pol.weights, pol.activations, pol.accumulator, pol.rounding};
    const bool edge = static_cast<int>(i) == first || static_cast<int>(i) == last;
    if (pol.first_last_bits && edge) {
      p.weights = AsLinear(p.weights, *pol.first_last_bits);
    }
    if (keep_wide.count(l.name)) {
      p.output = AsLinear(p.output, *pol.first_last_bits);
    }
    const PrecisionOverride& o = l.precision_override;
    o.weights.ApplyTo(&p.weights);
    o.activations.ApplyTo(&p.output);
    o.accumulator.ApplyTo(&p.accumulator);
    if (NetOpMovesDataOnly(l.op)) {
      p.output = net->tensor_precision.at(l.inputs[0]);
    }
    const std::string key = LayerKey(i, l.name) + ".precision";
    if (!o.weights.empty()) {
      ValidateOperand(p.weights, true, key + ".weights", &errors);
    }
    if (!o.activations.empty()) {
      ValidateOperand(p.output, false, key + ".activations", &errors);
    }
    l.precision = p;
    net->tensor_precision[l.name] = p.output;
  }
  errors.ThrowIfAny();
}

}  // namespace quasar::models
