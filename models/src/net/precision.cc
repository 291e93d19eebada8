#include "quasar/models/net/precision.h"

#include <cctype>

#include "quasar/models/enum_names.h"
#include "quasar/models/quant_code.h"

namespace quasar::models {

namespace {
constexpr EnumTable<Granularity, 3> kGranularities = {{{Granularity::kPerTensor, "per_tensor"},
                                                       {Granularity::kPerChannel, "per_channel"},
                                                       {Granularity::kPerGroup, "per_group"}}};
}  // namespace

std::string GranularityName(Granularity g) { return EnumName(kGranularities, g); }
std::optional<Granularity> ParseGranularity(const std::string& name) {
  return ParseEnum(kGranularities, name);
}
std::string GranularityChoices() { return EnumChoices(kGranularities); }

IntType OperandPrecision::StorageType() const { return QuantCodeOf(code).storage(bits, is_signed); }

std::string OperandPrecision::Describe() const {
  const QuantCodeDef& def = QuantCodeOf(code);
  if (def.format != nullptr) {
    return def.name;  // a number format: no grid, granularity or calibration of Quasar's
  }
  std::string s = def.affine       ? StorageType().Name() + (symmetric ? " sym" : " asym")
                  : def.fixed_bits ? std::string(def.name)
                                   : std::string(def.name) + "-" + std::to_string(bits);
  if (granularity == Granularity::kPerChannel) {
    s += " per-channel";
  } else if (granularity == Granularity::kPerGroup) {
    s += " per-group-" + std::to_string(group_size);
  }
  if (def.affine) {
    s += " " + CalibMethodName(calibration);
  }
  return s;
}

void OperandOverride::ApplyTo(OperandPrecision* p) const {
  if (code) {
    p->code = *code;
    if (const int fixed = QuantCodeOf(*code).fixed_bits) {
      p->bits = fixed;
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
  if (group_size) {
    p->group_size = *group_size;
  } else if (granularity && *granularity != Granularity::kPerGroup) {
    p->group_size = 0;  // a per-tensor or per-channel override drops the file's group
  }
}

namespace {

// `s` as a number of 1 to `max_digits` decimal digits, or nullopt.
std::optional<int> Digits(const std::string& s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) {
    return std::nullopt;
  }
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  return std::stoi(s);
}

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
  const std::optional<int> parsed = Digits(digits, 2);
  if (!parsed) {
    return std::nullopt;
  }
  const int bits = *parsed;
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

// "g<G>" ending the shorthand: G digits, 1..65536.
std::optional<int> ParseGroup(const std::string& s) {
  const std::optional<int> g = Digits(s, 5);
  return g && *g >= 1 && *g <= 65536 ? g : std::nullopt;
}

}  // namespace

// A number format for both operands: its code's name, or the short name of its usual element
// (fp8 is E4M3, the OFP8 format for weights and activations; mxfp8, mxfp6 and mxfp4 the MX
// formats of E4M3, E2M3 and E2M1 elements, the ones OCP MX v1.0 evaluates for inference).
std::optional<QuantCode> ParseFormatShorthand(const std::string& text) {
  static const std::pair<const char*, QuantCode> kShort[] = {{"fp8", QuantCode::kFp8E4m3},
                                                             {"mxfp8", QuantCode::kMxfp8E4m3},
                                                             {"mxfp6", QuantCode::kMxfp6E2m3},
                                                             {"mxfp4", QuantCode::kMxfp4E2m1}};
  for (const auto& [name, code] : kShort) {
    if (text == name) {
      return code;
    }
  }
  const std::optional<QuantCode> code = ParseQuantCode(text);
  if (code && IsNumberFormat(*code)) {
    return code;
  }
  return std::nullopt;
}

std::pair<OperandOverride, OperandOverride> ParseBitsShorthand(const std::string& text) {
  if (const std::optional<QuantCode> format = ParseFormatShorthand(text)) {
    OperandOverride o;
    o.code = *format;
    return {o, o};
  }
  const auto a = text.find('a');
  const auto g = text.find('g', a == std::string::npos ? 0 : a);
  std::optional<OperandOverride> w, act;
  bool group_ok = true;
  if (text.size() >= 4 && text[0] == 'w' && a != std::string::npos) {
    w = ParseSide(text.substr(1, a - 1), true);
    act = ParseSide(text.substr(a + 1, g == std::string::npos ? std::string::npos : g - a - 1),
                    false);
    if (g != std::string::npos && w) {
      const std::optional<int> group = ParseGroup(text.substr(g + 1));
      group_ok = group && w->code == QuantCode::kLinear;
      // GPTQ/AWQ store a zero point per group (asymmetric), as group_quant.h's default.
      w->granularity = Granularity::kPerGroup, w->group_size = group, w->symmetric = false;
    }
  }
  if (!group_ok) {
    throw InputError("--bits: a group size ends linear weights as g1..g65536 (w4a16g128), got '" +
                     text + "'");
  }
  if (!w || !act) {
    throw InputError(
        "--bits must look like w8a8, w4a4, w2a2, w1a1 (binary), wta8 (ternary "
        "weights), wp4a8 (power-of-two weights) or name a number format for both (fp8, "
        "fp8_e5m2, mxfp8, mxfp6, mxfp4, mxint8 or a code of docs/formats.md), got '" +
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
  const QuantCodeDef& def = QuantCodeOf(p.code);
  const std::string name = def.name;
  if (def.weights_only && !is_weights) {
    errors->Add(key + ".code", name + " applies to weights only, got " + name);
  }
  if (def.fixed_bits != 0) {
    if (p.bits != def.fixed_bits) {
      errors->Add(key + ".bits", name + " takes " + std::to_string(def.fixed_bits) +
                                     (def.fixed_bits == 1 ? " bit" : " bits") +
                                     " (omit bits), got " + std::to_string(p.bits));
    }
  } else if (p.bits < def.min_bits || p.bits > def.max_bits) {
    // 32 bits: a layer's signed int32 output that is its accumulator (ONNX ConvInteger and
    // MatMulInteger give it, no requantization), with parameters the model fixes.
    const bool accumulator = def.affine && accumulator_output;
    if (!(accumulator && p.bits == 32 && p.is_signed)) {
      errors->Add(key + ".bits", "must be in " + std::to_string(def.min_bits) + ".." +
                                     std::to_string(def.max_bits) + " for " + def.bits_for +
                                     (accumulator ? " (or 32, signed: an int32 accumulator)" : "") +
                                     ", got " + std::to_string(p.bits));
    }
  }
  if (def.affine && p.bits == 1 && p.is_signed && p.symmetric) {
    errors->Add(key + ".bits",
                "a signed symmetric grid needs at least 2 bits (use code: "
                "binary for 1-bit {-1, +1}), got 1");
  }
  if (!is_weights && p.granularity != Granularity::kPerTensor) {
    errors->Add(key + ".granularity",
                "activations are quantized per tensor (the golden kernels take one input scale "
                "and zero point), got " +
                    GranularityName(p.granularity));
  }
  if (p.granularity == Granularity::kPerGroup) {
    if (p.code != QuantCode::kLinear) {
      errors->Add(key + ".granularity", "per_group applies to linear weights, got code " + name);
    }
    if (p.group_size < 1 || p.group_size > 65536) {
      errors->Add(key + ".group_size",
                  "per_group needs a group_size in 1..65536 (weights along K per scale), got " +
                      std::to_string(p.group_size));
    }
  } else if (p.group_size != 0) {
    errors->Add(key + ".group_size", "applies with granularity: per_group only, got " +
                                         std::to_string(p.group_size) + " with " +
                                         GranularityName(p.granularity));
  }
}

}  // namespace quasar::models
