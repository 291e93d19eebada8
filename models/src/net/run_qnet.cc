// End-to-end golden execution of a quantized network, and its per-layer fidelity against the
// float reference.

#include <algorithm>

#include "quasar/models/error.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/net/input_storage.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/ref/float_ops.h"

namespace quasar::models {

int LayerRunReport::required_bits() const {
  if (!width) {
    return 0;
  }
  return GemmBIsInput(op) ? width->type_bound_bits : width->weight_bound_bits;
}

QuantizedRun RunQuantizedNetwork(const QuantizedNetwork& qnet,
                                 const std::map<std::string, FloatTensor>& inputs,
                                 const std::function<void(size_t)>& on_layer) {
  const NetworkSpec& net = qnet.net;
  CheckNetworkRun(net, sizeof(int32_t), "the quantized run");
  QuantizedRun run;
  for (const NetInput& in : net.inputs) {
    auto it = inputs.find(in.name);
    if (it == inputs.end() || it->second.shape != in.shape) {
      throw InputError("network input '" + in.name + "' must have shape " +
                       ShapeToString(in.shape));
    }
    run.tensors[in.name] =
        QuantizeInput(StoredInputValues(net, in, it->second, net.policy.rounding),
                      qnet.tensors.at(in.name), net.policy.rounding);
  }
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const NetLayer& l = net.layers[i];
    const QuantizedLayer& ql = qnet.layers[i];
    LayerRunReport report;
    report.name = l.name;
    report.op = l.op;
    report.accumulator_bits = ql.spec.accumulator.bits;
    IntTensor y;
    const OpDef& op = OpOf(l.op);
    if (op.runs_dequantized) {
      y = RunDequantized(l, qnet.tensors, run.tensors, l.precision.rounding);
    } else if (!ql.runs_kernel) {
      y = op.move_ints(l, run.tensors.at(l.inputs[0]), qnet.tensors.at(l.inputs[0]));
    } else {
      std::vector<const IntTensor*> ins;
      for (const std::string& name : l.inputs) {
        ins.push_back(&run.tensors.at(name));
      }
      LayerInputs in = op.int_inputs(ins, ql);
      in.weights_checked = true;  // checked when the network was quantized or loaded
      LayerResult r;
      try {
        r = RunLayer(ql.spec, in);
      } catch (const InputError& e) {
        throw InputError("layer " + l.name + ": " + e.what());
      }
      y = std::move(r.output);
      report.stats = r.stats;
      report.width = r.width;
      run.overflow_events += r.stats.overflow_events;
      run.required_bits = std::max(run.required_bits, report.required_bits());
    }
    run.tensors[l.name] = std::move(y);
    run.layers.push_back(report);
    if (on_layer) {
      on_layer(i);
    }
  }
  return run;
}

std::vector<std::pair<std::string, double>> LayerSqnr(
    const QuantizedNetwork& qnet, const QuantizedRun& run,
    const std::map<std::string, FloatTensor>& float_tensors) {
  std::vector<std::pair<std::string, double>> out;
  for (const NetLayer& l : qnet.net.layers) {
    const FloatTensor deq = DequantizeTensor(run.tensors.at(l.name), qnet.tensors.at(l.name), 0);
    out.emplace_back(l.name, SqnrDb(float_tensors.at(l.name), deq));
  }
  return out;
}

}  // namespace quasar::models
