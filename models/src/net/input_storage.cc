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
namespace {

// The axis `l` reduces its input `slot` over, when `l` is a GEMM layer reading it there.
std::optional<int> ReductionAxis(const NetLayer& l, size_t slot, int rank) {
  const OpDef& op = OpOf(l.op);
  if (op.lowering != OpLowering::kGemm) {
    return std::nullopt;
  }
  if (slot == 1 && op.gemm_b == GemmB::kSecondInput) {
    return l.transpose_b ? rank - 1 : rank - 2;
  }
  if (slot == 0) {
    return op.gemm_input != GemmInput::kDirect ? 1 : rank - 1;
  }
  return std::nullopt;
}

// x quantize-dequantized in MX blocks along `axis`.
FloatTensor MxAlong(const MxFormat& f, const FloatTensor& x, int axis) {
  const int64_t len = x.rank() == 0 ? 1 : x.dim(axis);
  int64_t inner = 1;
  for (int d = axis + 1; d < x.rank(); ++d) {
    inner *= x.dim(d);
  }
  const int64_t outer = len == 0 || inner == 0 ? 0 : x.size() / (len * inner);
  std::vector<float> rows(static_cast<size_t>(x.size()));  // [outer, inner, len]
  auto at = [&](int64_t o, int64_t i, int64_t j) { return (o * len + j) * inner + i; };
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      for (int64_t j = 0; j < len; ++j) {
        rows[static_cast<size_t>((o * inner + i) * len + j)] = x[at(o, i, j)];
      }
    }
  }
  const std::vector<float> back = DequantizeMx(QuantizeMx(f, rows, outer * inner, len));
  FloatTensor y = x;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      for (int64_t j = 0; j < len; ++j) {
        y[at(o, i, j)] = back[static_cast<size_t>((o * inner + i) * len + j)];
      }
    }
  }
  return y;
}

}  // namespace

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
      const std::optional<int> a = ReductionAxis(l, slot, rank);
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
    return MxAlong(FindMxFormat(d.format), x, StorageBlockAxis(net, in));
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
