#include "quasar/models/quant_code.h"

#include <stdexcept>

#include "named_rows.h"
#include "quasar/models/calib/calibration.h"
#include "quasar/models/calib/weight_quantizers.h"

namespace quasar::models {
namespace {

IntType LinearStorage(int bits, bool is_signed) {
  return is_signed ? IntType::Signed(bits) : IntType::Unsigned(bits);
}
IntType Pow2Storage(int bits, bool) { return Pow2WeightType(bits); }
IntType BinaryStorage(int, bool) { return IntType::Binary(); }
IntType TernaryStorage(int, bool) { return IntType::Ternary(); }

QuantizedWeights LinearWeights(const FloatTensor& w, const WeightCodeArgs& a) {
  return QuantizeWeightsLinear(w, a.linear_type, a.symmetric, a.per_channel, a.opt);
}
QuantizedWeights Pow2Weights(const FloatTensor& w, const WeightCodeArgs& a) {
  return QuantizeWeightsPow2(w, a.bits, a.per_channel);
}
QuantizedWeights BinaryWeights(const FloatTensor& w, const WeightCodeArgs& a) {
  return QuantizeWeightsBinary(w, a.per_channel);
}
QuantizedWeights TernaryWeights(const FloatTensor& w, const WeightCodeArgs& a) {
  return QuantizeWeightsTernary(w, a.per_channel);
}

// An affine grid on the storage type, its range by the calibration method. pow2 reads it too,
// though ValidateOperand rejects pow2 activations before any is observed.
QuantParams AffineActivations(const Observer& obs, const IntType& storage, bool symmetric,
                              const CalibOptions& opt) {
  return AffineParams(obs.Ranges(storage, symmetric, opt), storage, symmetric);
}

// XNOR-Net's activation scale: beta = mean |x| (Rastegari et al., ECCV 2016, Sec. 3.2).
QuantParams BinaryActivations(const Observer& obs, const IntType&, bool, const CalibOptions&) {
  QuantParams q;
  q.type = IntType::Binary();
  const double beta = obs.MeanAbs(0);
  q.scales = {beta > 0 ? static_cast<float>(beta) : 1.0f};
  q.zero_points = {0};
  return q;
}

// A symmetric 3-level grid {-s, 0, s}: the int2 narrow grid, values held as ternary.
QuantParams TernaryActivations(const Observer& obs, const IntType&, bool, const CalibOptions& opt) {
  QuantParams q = AffineParams(obs.Ranges(IntType::Signed(2), true, opt), IntType::Signed(2), true);
  q.type = IntType::Ternary();
  return q;
}

// One row per code, in QuantCode order (QuantCodeDefs builds it on first use, so a reader during
// static initialization finds it).
std::vector<QuantCodeDef> MakeCodes() {
  return {
      {QuantCode::kLinear, "linear", 0, 1, 16, "linear quantization", true, false, LinearStorage,
       LinearWeights, AffineActivations},
      {QuantCode::kPow2, "pow2", 0, 2, 5, "pow2 (the values +-2^(2^(bits-1)-2) must fit int16)",
       false, true, Pow2Storage, Pow2Weights, AffineActivations},
      {QuantCode::kBinary, "binary", 1, 1, 1, "binary", false, false, BinaryStorage, BinaryWeights,
       BinaryActivations},
      {QuantCode::kTernary, "ternary", 2, 2, 2, "ternary", false, false, TernaryStorage,
       TernaryWeights, TernaryActivations},
  };
}

}  // namespace

const std::vector<QuantCodeDef>& QuantCodeDefs() {
  static const std::vector<QuantCodeDef> codes = MakeCodes();
  return codes;
}

const QuantCodeDef& QuantCodeOf(QuantCode code) {
  for (const QuantCodeDef& d : QuantCodeDefs()) {
    if (d.code == code) {
      return d;
    }
  }
  throw std::invalid_argument("unknown weight code " + std::to_string(static_cast<int>(code)));
}

std::string QuantCodeName(QuantCode code) { return QuantCodeOf(code).name; }

std::optional<QuantCode> ParseQuantCode(const std::string& name) {
  if (const QuantCodeDef* d = FindNamedRow(QuantCodeDefs(), name)) {
    return d->code;
  }
  return std::nullopt;
}

const char* QuantCodeChoices() {
  static const std::string choices = RowNames(QuantCodeDefs());
  return choices.c_str();
}

}  // namespace quasar::models
