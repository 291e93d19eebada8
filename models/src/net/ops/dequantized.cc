// RunDequantized: the integer semantics of ops with runs_dequantized (ops.h).

#include <cmath>

#include "quasar/models/fidelity.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/ref/float_ops.h"

namespace quasar::models {

OpDef DequantizedPostOp(NetOp op, const char* name, std::vector<std::string> keys,
                        PostEvents (*events)(const NetLayer&, const NetworkSpec&), ShapeRule shape,
                        FloatTensor (*kernel)(const NetLayer&,
                                              const std::vector<const FloatTensor*>&,
                                              const FloatLayerParams*),
                        int inputs) {
  keys.push_back("precision");
  OpDef d{op,    name,   std::move(keys), false,   false,  OpLowering::kPost, nullptr, events,
          shape, kernel, NoKernel,        nullptr, nullptr};
  d.inputs = inputs;
  d.runs_dequantized = true;
  return d;
}

IntTensor RunDequantized(const NetLayer& l, const std::map<std::string, QuantParams>& params,
                         const std::map<std::string, IntTensor>& values, RoundingMode rounding) {
  std::vector<FloatTensor> x;
  x.reserve(l.inputs.size());
  for (const std::string& name : l.inputs) {
    x.push_back(DequantizeTensor(values.at(name), params.at(name), 1));  // per-tensor params
  }
  std::vector<const FloatTensor*> in;
  for (const FloatTensor& t : x) {
    in.push_back(&t);
  }
  FloatTensor y = OpOf(l.op).run_float(l, in, nullptr);
  ApplyActivation(&y, l.activation);
  for (int64_t i = 0; i < y.size(); ++i) {
    if (std::isnan(y[i])) {
      throw InputError(
          "layer " + l.name + ": " + NetOpName(l.op) + " of the dequantized inputs " +
          "is not a number at element " + std::to_string(i) +
          " (0/0, inf - inf, the square root of a negative value, ...), which no integer "
          "represents");
    }
  }
  return QuantizeInput(y, params.at(l.name), rounding);
}

}  // namespace quasar::models
