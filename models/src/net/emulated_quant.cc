// Quantization emulated in float32 (emulated_quant.h).

#include "quasar/models/net/emulated_quant.h"

#include <algorithm>
#include <cmath>

#include "quasar/models/calib/calibration.h"
#include "quasar/models/calib/weight_quantizers.h"
#include "quasar/models/error.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/group_quant.h"
#include "quasar/models/mx_format.h"
#include "quasar/models/net/input_storage.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/small_float.h"

namespace quasar::models {

float Fp8TensorScale(const SmallFloatFormat& f, double amax) {
  return amax > 0 ? static_cast<float>(amax / f.max_finite) : 1.0f;
}

namespace {

constexpr int kHistogramBins = 2048;  // QuantizeOptions' default, for mse and kl

bool IsMx(const QuantCodeDef& d) { return d.format != nullptr && d.block > 0; }

// float32(x / scale) encoded saturating, decoded, times scale: each value of `v`.
void SmallFloatQdq(const SmallFloatFormat& f, float scale, float* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    v[i] = DequantizeSmallFloat(f, QuantizeSmallFloat(f, v[i], scale, true), scale);
  }
}

// Rows of `cols` values, each cut into MX blocks, quantize-dequantized in place.
void MxQdq(const MxFormat& f, std::vector<float>* v, int64_t rows, int64_t cols) {
  *v = DequantizeMx(QuantizeMx(f, *v, rows, cols));
}

// The MX format of a tensor of precision `p`, or nullptr for another code.
const MxFormat* MxFormatOf(const OperandPrecision& p) {
  const QuantCodeDef& d = QuantCodeOf(p.code);
  return IsMx(d) ? &FindMxFormat(d.format) : nullptr;
}

// Where a tensor's MX blocks run when no GEMM reads it as an operand: along the channels of a
// 4-D (NCHW) tensor, else along the last axis.
int MxStorageAxis(const FloatTensor& x) { return x.rank() == 4 ? 1 : std::max(x.rank() - 1, 0); }

}  // namespace

FloatTensor MxQuantizeDequantizeAlong(const MxFormat& f, const FloatTensor& x, int axis) {
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
  MxQdq(f, &rows, outer * inner, len);
  FloatTensor y = x;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      for (int64_t j = 0; j < len; ++j) {
        y[at(o, i, j)] = rows[static_cast<size_t>((o * inner + i) * len + j)];
      }
    }
  }
  return y;
}

bool IsFp16Activation(const NetworkSpec& net, const OperandPrecision& p) {
  auto linear16 = [](const OperandPrecision& o) {
    return o.code == QuantCode::kLinear && o.bits == 16;
  };
  return linear16(p) && linear16(net.policy.activations) &&
         net.policy.weights.granularity == Granularity::kPerGroup;
}

bool NeedsEmulation(const NetworkSpec& net) {
  for (const auto& [name, p] : net.tensor_precision) {
    if (IsNumberFormat(p.code)) {
      return true;
    }
  }
  for (const NetLayer& l : net.layers) {
    const OperandPrecision& w = l.precision.weights;
    if (NetOpHasWeights(l.op) &&
        (IsNumberFormat(w.code) || w.granularity == Granularity::kPerGroup)) {
      return true;
    }
  }
  return false;
}

FloatTensor QuantizeDequantize(const EmulatedTensor& t, const FloatTensor& x,
                               RoundingMode rounding) {
  const QuantCodeDef& d = QuantCodeOf(t.precision.code);
  FloatTensor y = x;
  if (t.fp16) {
    SmallFloatQdq(Fp16Format(), 1.0f, y.data.data(), y.size());
    return y;
  }
  if (d.format == nullptr) {
    return DequantizeTensor(QuantizeInput(x, t.params, rounding), t.params, 0);
  }
  if (!IsMx(d)) {
    SmallFloatQdq(FindSmallFloat(d.format), t.scale, y.data.data(), y.size());
    return y;
  }
  return MxQuantizeDequantizeAlong(FindMxFormat(d.format), x, MxStorageAxis(x));
}

FloatTensor QuantizeDequantizeWeights(const FloatTensor& w, const OperandPrecision& p,
                                      double percentile) {
  const QuantCodeDef& d = QuantCodeOf(p.code);
  const int64_t rows = w.rank() == 0 ? 1 : w.dim(0);  // output channels
  const int64_t k = rows == 0 ? 0 : w.size() / rows;  // each one's input taps
  FloatTensor y = w;
  if (d.format == nullptr && p.granularity == Granularity::kPerGroup) {
    std::vector<float> wt(static_cast<size_t>(w.size()));  // W[K][N], N the output channels
    for (int64_t o = 0; o < rows; ++o) {
      for (int64_t i = 0; i < k; ++i) {
        wt[static_cast<size_t>(i * rows + o)] = w[o * k + i];
      }
    }
    const GroupQuantSpec spec{p.bits, p.group_size, p.symmetric};
    const std::vector<float> back = DequantizeGroupWeights(QuantizeGroupWeights(spec, wt, k, rows));
    for (int64_t o = 0; o < rows; ++o) {
      for (int64_t i = 0; i < k; ++i) {
        y[o * k + i] = back[static_cast<size_t>(i * rows + o)];
      }
    }
    return y;
  }
  if (d.format == nullptr) {
    const CalibOptions opt{p.calibration, percentile, kHistogramBins};
    return DequantizeWeights(QuantizeWeights(w, p.code, p.StorageType(), p.bits, p.symmetric,
                                             p.granularity == Granularity::kPerChannel, opt));
  }
  if (IsMx(d)) {
    MxQdq(FindMxFormat(d.format), &y.data, rows, k);
    return y;
  }
  const SmallFloatFormat& f = FindSmallFloat(d.format);
  const bool per_channel = p.granularity == Granularity::kPerChannel;
  const int64_t groups = per_channel ? rows : 1, per = per_channel ? k : w.size();
  for (int64_t g = 0; g < groups; ++g) {
    float* v = y.data.data() + g * per;
    double amax = 0;
    for (int64_t i = 0; i < per; ++i) {
      amax = std::max(amax, std::fabs(static_cast<double>(v[i])));
    }
    SmallFloatQdq(f, Fp8TensorScale(f, amax), v, per);
  }
  return y;
}

EmulatedNetwork EmulateQuantization(
    const NetworkSpec& net, const FloatNetParams& params,
    const std::vector<std::map<std::string, FloatTensor>>& calibration) {
  if (!net.fixed_params.empty() || !net.fixed_weight_params.empty()) {
    throw InputError("network " + net.name +
                     " fixes its own quantization, which the golden path runs; the emulation of "
                     "number formats and weight groups applies to calibrated networks only");
  }
  if (calibration.empty()) {
    throw InputError("quantization needs at least one calibration sample");
  }
  std::map<std::string, Observer> observers;
  for (const auto& [name, p] : net.tensor_precision) {
    if (net.OwnsQuantParams(name)) {
      observers.emplace(name, Observer(false, 0));
    }
  }
  for (const auto& sample : calibration) {  // a stored input observed as stored
    const auto tensors =
        RunFloatNetwork(net, params, StoredInputs(net, sample, net.policy.rounding));
    for (auto& [name, obs] : observers) {
      obs.Observe(tensors.at(name));
    }
  }
  EmulatedNetwork e;
  e.rounding = net.policy.rounding;
  for (const auto& [name, obs] : observers) {
    EmulatedTensor t;
    t.precision = net.tensor_precision.at(name);
    const QuantCodeDef& d = QuantCodeOf(t.precision.code);
    t.fp16 = IsFp16Activation(net, t.precision);
    if (t.fp16) {
      // binary16 values: no grid to calibrate
    } else if (d.format == nullptr) {
      const CalibOptions opt{t.precision.calibration, net.policy.percentile, kHistogramBins};
      t.params = d.activation_params(obs, t.precision.StorageType(), t.precision.symmetric, opt);
    } else if (!IsMx(d)) {
      t.scale = Fp8TensorScale(FindSmallFloat(d.format),
                               std::max(std::fabs(obs.Min(0)), std::fabs(obs.Max(0))));
    }
    e.tensors.emplace(name, std::move(t));
  }
  e.params = params;
  for (const NetLayer& l : net.layers) {
    if (NetOpHasWeights(l.op)) {
      FloatTensor& w = e.params.at(l.name).weights;
      w = QuantizeDequantizeWeights(w, l.precision.weights, net.policy.percentile);
    }
  }
  return e;
}

std::map<std::string, FloatTensor> RunEmulatedNetwork(
    const NetworkSpec& net, const EmulatedNetwork& e,
    const std::map<std::string, FloatTensor>& inputs,
    const decltype(FloatRunHooks::compute)& compute) {
  // An owning tensor of another code is quantize-dequantized as it is produced; an MX one as
  // each computing layer reads it (MxOperand).
  // A layer that only moves data keeps its input's quantization (NetworkSpec::OwnsQuantParams),
  // and its output is put on that grid too: an average pool computes new values, which the
  // golden path's pool rounds to its input's grid (values already on it are unchanged).
  auto produced = [&](const std::string& name, FloatTensor* x) {
    const auto t = e.tensors.find(net.QuantParamsOwner(name));
    if (t != e.tensors.end() && MxFormatOf(t->second.precision) == nullptr) {
      *x = QuantizeDequantize(t->second, *x, e.rounding);
    }
  };
  std::map<std::string, FloatTensor> q = StoredInputs(net, inputs, e.rounding);
  for (const NetInput& in : net.inputs) {
    const auto x = q.find(in.name);
    if (x != q.end()) {
      produced(in.name, &x->second);
    }
  }
  FloatRunHooks hooks;
  hooks.rewrite = [&](const NetLayer& l, FloatTensor* y) { produced(l.name, y); };
  hooks.read = [&](const NetLayer& l, size_t slot, const FloatTensor& x) {
    return MxOperand(net, l, slot, x);
  };
  hooks.compute = compute;
  std::map<std::string, FloatTensor> out = RunFloatNetwork(net, e.params, q, hooks);
  // The network output, read by no layer, is quantized at rest (an MX one along its default axis).
  FloatTensor& y = out.at(net.output);
  EmulatedTensor at_rest;
  at_rest.precision = net.tensor_precision.at(net.output);
  if (MxFormatOf(at_rest.precision) != nullptr) {
    y = QuantizeDequantize(at_rest, y, e.rounding);
  }
  return out;
}

std::optional<FloatTensor> MxOperand(const NetworkSpec& net, const NetLayer& l, size_t slot,
                                     const FloatTensor& x) {
  const MxFormat* f = MxFormatOf(net.tensor_precision.at(l.inputs.at(slot)));
  if (f == nullptr || NetOpMovesDataOnly(l.op)) {
    return std::nullopt;
  }
  return MxQuantizeDequantizeAlong(*f, x,
                                   GemmReductionAxis(l, slot, x.rank()).value_or(MxStorageAxis(x)));
}

}  // namespace quasar::models
