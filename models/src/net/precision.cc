#include "quasar/models/net/precision.h"

#include <cctype>

#include "quasar/models/enum_names.h"

namespace quasar::models {

namespace {
constexpr EnumTable<Granularity, 2> kGranularities = {
    {{Granularity::kPerTensor, "per_tensor"}, {Granularity::kPerChannel, "per_channel"}}};
}  // namespace

std::string GranularityName(Granularity g) { return EnumName(kGranularities, g); }
std::optional<Granularity> ParseGranularity(const std::string& name) {
  return ParseEnum(kGranularities, name);
}
std::string GranularityChoices() { return EnumChoices(kGranularities, " or "); }

IntType OperandPrecision::StorageType() const {
  switch (code) {
    case QuantCode::kBinary:
      return IntType::Binary();
    case QuantCode::kTernary:
      return IntType::Ternary();
    case QuantCode::kPow2:
      // Values 0, +-2^0 .. +-2^E with E = 2^(bits-1) - 2 need E + 2 signed bits.
      return IntType::Signed((1 << (bits - 1)) - 2 + 2);
    case QuantCode::kLinear:
      break;
  }
  return is_signed ? IntType::Signed(bits) : IntType::Unsigned(bits);
}

std::string OperandPrecision::Describe() const {
  std::string s;
  switch (code) {
    case QuantCode::kBinary:
      s = "binary";
      break;
    case QuantCode::kTernary:
      s = "ternary";
      break;
    case QuantCode::kPow2:
      s = "pow2-" + std::to_string(bits);
      break;
    case QuantCode::kLinear:
      s = StorageType().Name() + (symmetric ? " sym" : " asym");
      break;
  }
  if (granularity == Granularity::kPerChannel) {
    s += " per-channel";
  }
  if (code == QuantCode::kLinear) {
    s += " " + CalibMethodName(calibration);
  }
  return s;
}

void OperandOverride::ApplyTo(OperandPrecision* p) const {
  if (code) {
    p->code = *code;
    if (*code == QuantCode::kBinary) {
      p->bits = 1;
    } else if (*code == QuantCode::kTernary) {
      p->bits = 2;
    }
  }
  if (bits) {
    p->bits = *bits;
  }
  if (is_signed) {
    p->is_signed = *is_signed;
  }
  if (symmetric) {
    p->symmetric = *symmetric;
  }
  if (granularity) {
    p->granularity = *granularity;
  }
  if (calibration) {
    p->calibration = *calibration;
  }
}

namespace {

// One side of the shorthand: "8", "1" (binary), "t" (ternary), "p4" (pow2, weights only).
std::optional<OperandOverride> ParseSide(const std::string& s, bool weights) {
  OperandOverride o;
  if (s == "t") {
    o.code = QuantCode::kTernary;
    return o;
  }
  std::string digits = s;
  if (weights && !s.empty() && s[0] == 'p') {
    o.code = QuantCode::kPow2;
    digits = s.substr(1);
  }
  if (digits.empty() || digits.size() > 2) {
    return std::nullopt;
  }
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  const int bits = std::stoi(digits);
  if (!o.code && bits == 1) {
    o.code = QuantCode::kBinary;
    return o;
  }
  if (!o.code) {
    o.code = QuantCode::kLinear;
  }
  o.bits = bits;
  return o;
}

}  // namespace

std::pair<OperandOverride, OperandOverride> ParseBitsShorthand(const std::string& text) {
  const auto a = text.find('a');
  std::optional<OperandOverride> w, act;
  if (text.size() >= 4 && text[0] == 'w' && a != std::string::npos) {
    w = ParseSide(text.substr(1, a - 1), true);
    act = ParseSide(text.substr(a + 1), false);
  }
  if (!w || !act) {
    throw InputError(
        "--bits must look like w8a8, w4a4, w2a2, w1a1 (binary), wta8 (ternary "
        "weights) or wp4a8 (power-of-two weights), got '" +
        text + "'");
  }
  ErrorList errors("--bits " + text);
  OperandPrecision pw, pa;
  w->ApplyTo(&pw);
  act->ApplyTo(&pa);
  ValidateOperand(pw, true, "weights", &errors);
  ValidateOperand(pa, false, "activations", &errors);
  errors.ThrowIfAny();
  return {*w, *act};
}

void ValidateOperand(const OperandPrecision& p, bool is_weights, const std::string& key,
                     ErrorList* errors, bool accumulator_output) {
  switch (p.code) {
    case QuantCode::kLinear:
      // 32 bits: a layer's signed int32 output that is its accumulator (ONNX ConvInteger and
      // MatMulInteger give it, no requantization), with parameters the model fixes.
      if ((p.bits < 1 || p.bits > 16) && !(accumulator_output && p.bits == 32 && p.is_signed)) {
        errors->Add(key + ".bits",
                    "must be in 1..16 for linear quantization" +
                        std::string(accumulator_output ? " (or 32, signed: an int32 accumulator)"
                                                       : "") +
                        ", got " + std::to_string(p.bits));
      }
      if (p.bits == 1 && p.is_signed && p.symmetric) {
        errors->Add(key + ".bits",
                    "a signed symmetric grid needs at least 2 bits (use code: "
                    "binary for 1-bit {-1, +1}), got 1");
      }
      break;
    case QuantCode::kPow2:
      if (!is_weights) {
        errors->Add(key + ".code", "pow2 applies to weights only, got pow2");
      }
      if (p.bits < 2 || p.bits > 5) {
        errors->Add(key + ".bits",
                    "must be in 2..5 for pow2 (the values +-2^(2^(bits-1)-2) "
                    "must fit int16), got " +
                        std::to_string(p.bits));
      }
      break;
    case QuantCode::kBinary:
    case QuantCode::kTernary:
      if (p.bits != (p.code == QuantCode::kBinary ? 1 : 2)) {
        errors->Add(key + ".bits", QuantCodeName(p.code) + " takes " +
                                       (p.code == QuantCode::kBinary ? "1 bit" : "2 bits") +
                                       " (omit bits), got " + std::to_string(p.bits));
      }
      break;
  }
  if (!is_weights && p.granularity == Granularity::kPerChannel) {
    errors->Add(key + ".granularity",
                "activations are quantized per tensor (the golden kernels take one input scale "
                "and zero point), got per_channel");
  }
}

}  // namespace quasar::models
