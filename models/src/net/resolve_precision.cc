// Resolution of the precision policy into one precision per layer and per tensor:
// network policy, then the first/last-layer rule, then each layer's own override.

#include <algorithm>
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

// The resolution in place, on the copy ResolvePrecision returns.
static void ResolveInPlace(NetworkSpec* net) {
  const PrecisionPolicy& pol = net->policy;
  ErrorList errors(net->file);
  ValidateOperand(pol.weights, true, "precision.weights", &errors);
  ValidateOperand(pol.activations, false, "precision.activations", &errors);
  errors.ThrowIfAny();

  // The first/last rule by graph position, not file order. First: every weighted layer that
  // reads a network input (through pools, flatten, reshape, transpose). Last: the weighted layer
  // that produces the network output, or, when the output comes from an add or a matmul, the
  // weighted layers feeding that op directly.
  std::set<std::string> edges, keep_wide;
  if (pol.first_last_bits) {
    std::set<std::string> inputs;
    for (const auto& in : net->inputs) {
      inputs.insert(in.name);
      keep_wide.insert(in.name);
    }
    for (const NetLayer& l : net->layers) {
      std::set<std::string> from;
      for (const auto& t : l.inputs) {
        Producers(*net, t, &from);
      }
      const bool reads_input = std::any_of(from.begin(), from.end(),
                                           [&](const std::string& t) { return inputs.count(t); });
      if (NetOpHasWeights(l.op) && reads_input) {
        edges.insert(l.name);
      }
    }
    std::set<std::string> out_producers;
    Producers(*net, net->output, &out_producers);
    std::set<std::string> last;
    for (const std::string& t : out_producers) {
      const NetLayer* l = net->FindLayer(t);
      if (l && NetOpHasWeights(l->op)) {
        last.insert(t);
      } else if (l) {
        for (const auto& in : l->inputs) {
          std::set<std::string> feeders;
          Producers(*net, in, &feeders);
          for (const std::string& f : feeders) {
            const NetLayer* fl = net->FindLayer(f);
            if (fl && NetOpHasWeights(fl->op)) {
              last.insert(f);
            }
          }
        }
      }
      keep_wide.insert(t);  // the network output stays wide
    }
    for (const std::string& name : last) {
      edges.insert(name);
      keep_wide.insert(name);
      for (const auto& t : net->FindLayer(name)->inputs) {
        Producers(*net, t, &keep_wide);
      }
    }
  }

  net->tensor_precision.clear();
  for (size_t i = 0; i < net->inputs.size(); ++i) {
    const NetInput& in = net->inputs[i];
    OperandPrecision p = keep_wide.count(in.name) ? AsLinear(pol.activations, *pol.first_last_bits)
                                                  : pol.activations;
    if (!in.precision.empty()) {  // the input's own precision wins, as a layer's override does
      in.precision.ApplyTo(&p);
      ValidateOperand(p, false, "inputs[" + std::to_string(i) + "].precision", &errors, true);
    }
    net->tensor_precision[in.name] = p;
  }
  for (size_t i = 0; i < net->layers.size(); ++i) {
    NetLayer& l = net->layers[i];
    LayerPrecision p{pol.weights, pol.activations, pol.accumulator, pol.rounding};
    if (pol.first_last_bits && edges.count(l.name)) {
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
      ValidateOperand(p.output, false, key + ".activations", &errors, true);
    }
    l.precision = p;
    net->tensor_precision[l.name] = p.output;
  }
  errors.ThrowIfAny();
}

NetworkSpec ResolvePrecision(NetworkSpec net) {
  ResolveInPlace(&net);
  return net;
}

}  // namespace quasar::models
