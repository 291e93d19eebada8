// Network inputs stored in a number format (input_storage.h).

#include "quasar/models/net/input_storage.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/mx_format.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/small_float.h"

namespace quasar::models {

std::optional<OperandPrecision> StoragePrecision(const NetInput& in) {
  if (!in.storage) {
    return std::nullopt;
  }
  OperandPrecision p;
  p.code = *in.storage;
  p.bits = QuantCodeOf(p.code).fixed_bits;
  return p;
}

int StorageBlockAxis(const NetworkSpec& net, const NetInput& in) {
  const int rank = static_cast<int>(in.shape.size());
  std::optional<int> axis;
  const NetLayer* first = nullptr;
  for (const NetLayer& l : net.layers) {
    for (size_t slot = 0; slot < l.inputs.size(); ++slot) {
      if (l.inputs[slot] != in.name) {
        continue;
      }
      const std::optional<int> a = GemmReductionAxis(l, slot, rank);
      if (!a) {
        continue;
      }
      if (axis && *axis != *a) {
        throw InputError("input " + in.name + " is stored in " + QuantCodeName(*in.storage) +
                         ", whose blocks run along the axis its readers reduce over, but layer " +
                         first->name + " reduces it over axis " + std::to_string(*axis) +
                         " and layer " + l.name + " over axis " + std::to_string(*a));
      }
      axis = a;
      first = first == nullptr ? &l : first;
    }
  }
  return axis.value_or(std::max(rank - 1, 0));
}

FloatTensor StoredInputValues(const NetworkSpec& net, const NetInput& in, const FloatTensor& x,
                              RoundingMode rounding) {
  const std::optional<OperandPrecision> p = StoragePrecision(in);
  if (!p) {
    return x;
  }
  const QuantCodeDef& d = QuantCodeOf(p->code);
  if (d.block > 0) {
    return MxQuantizeDequantizeAlong(FindMxFormat(d.format), x, StorageBlockAxis(net, in));
  }
  double amax = 0;
  for (const float v : x.data) {
    amax = std::max(amax, std::fabs(double{v}));
  }
  EmulatedTensor t;
  t.precision = *p;
  t.scale = Fp8TensorScale(FindSmallFloat(d.format), amax);
  return QuantizeDequantize(t, x, rounding);
}

std::map<std::string, FloatTensor> StoredInputs(const NetworkSpec& net,
                                                const std::map<std::string, FloatTensor>& inputs,
                                                RoundingMode rounding) {
  std::map<std::string, FloatTensor> out = inputs;
  for (const NetInput& in : net.inputs) {
    const auto x = out.find(in.name);
    if (in.storage && x != out.end()) {
      x->second = StoredInputValues(net, in, x->second, rounding);
    }
  }
  return out;
}

}  // namespace quasar::models
