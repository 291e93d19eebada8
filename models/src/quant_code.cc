#include "quasar/models/quant_code.h"

#include <stdexcept>

#include "named_rows.h"
#include "quasar/models/calib/calibration.h"
#include "quasar/models/calib/weight_quantizers.h"
#include "quasar/models/error.h"

namespace quasar::models {
namespace {

IntType LinearStorage(int bits, bool is_signed) {
  return is_signed ? IntType::Signed(bits) : IntType::Unsigned(bits);
}
IntType Pow2Storage(int bits, bool) { return Pow2WeightType(bits); }
IntType BinaryStorage(int, bool) { return IntType::Binary(); }
IntType TernaryStorage(int, bool) { return IntType::Ternary(); }
IntType FormatStorage(int bits, bool) { return IntType::Signed(bits); }

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

// A number format's row: its bits are its element's (small_float.h, mx_format.h), an MX block
// of 32 shares an 8-bit E8M0 scale (OCP MX v1.0, Table 1), and it has no golden quantizer yet.
QuantCodeDef FormatRow(QuantCode code, const char* name, int bits, bool mx) {
  QuantCodeDef d{code, name, bits, bits, bits, name, false, false, FormatStorage, nullptr, nullptr};
  d.format = name;
  if (mx) {
    d.block = 32;
    d.block_scale_bits = 8;
  }
  return d;
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
      FormatRow(QuantCode::kFp8E4m3, "fp8_e4m3", 8, false),
      FormatRow(QuantCode::kFp8E5m2, "fp8_e5m2", 8, false),
      FormatRow(QuantCode::kMxfp8E4m3, "mxfp8_e4m3", 8, true),
      FormatRow(QuantCode::kMxfp8E5m2, "mxfp8_e5m2", 8, true),
      FormatRow(QuantCode::kMxfp6E2m3, "mxfp6_e2m3", 6, true),
      FormatRow(QuantCode::kMxfp6E3m2, "mxfp6_e3m2", 6, true),
      FormatRow(QuantCode::kMxfp4E2m1, "mxfp4_e2m1", 4, true),
      FormatRow(QuantCode::kMxint8, "mxint8", 8, true),
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

bool IsNumberFormat(QuantCode code) { return QuantCodeOf(code).format != nullptr; }

void RequireGolden(QuantCode code, const std::string& what) {
  const QuantCodeDef& d = QuantCodeOf(code);
  if (d.quantize_weights == nullptr) {
    throw InputError(
        what + " are " + d.name +
        ": the number formats are priced (quasar run, compile, sweep, compare), "
        "their fidelity and accuracy emulated in float32 (compare) and their golden "
        "format run is `quasar infer` and `verify`'s, but the golden path of integer codes "
        "(the SystemC backends' data) does not run them (docs/formats.md)");
  }
}

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

std::string NumberFormatChoices() {
  std::string s;
  for (const QuantCodeDef& d : QuantCodeDefs()) {
    if (d.format != nullptr) {
      s += (s.empty() ? "" : ", ") + std::string(d.name);
    }
  }
  return s;
}

}  // namespace quasar::models
