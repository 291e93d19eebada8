#include "quasar/models/small_float.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "named_rows.h"
#include "quasar/models/error.h"
#include "small_float_fields.h"

namespace quasar::models {
namespace {

constexpr const char* kOfp8 = "OCP 8-bit Floating Point Specification (OFP8) v1.0, 2023";
constexpr const char* kMx = "OCP Microscaling Formats (MX) Specification v1.0, 2023";

// name, exponent bits, mantissa bits, bias, infinities, NaN codes, max finite, source.
// E4M3: no infinities, NaN only S.1111.111, max S.1111.110 = 2^8 * 1.75 = 448.
// E5M2: IEEE-like, max S.11110.11 = 2^15 * 1.75 = 57344.
// E2M3: max 2^2 * 1.875 = 7.5; E3M2: max 2^4 * 1.75 = 28; E2M1: max 2^2 * 1.5 = 6.
const std::vector<SmallFloatFormat> kSmallFloatFormats = {
    {"fp8_e4m3", 4, 3, 7, false, NanCodes::kAllOnes, 448.0, kOfp8},
    {"fp8_e5m2", 5, 2, 15, true, NanCodes::kIeee, 57344.0, kOfp8},
    {"fp6_e2m3", 2, 3, 1, false, NanCodes::kNone, 7.5, kMx},
    {"fp6_e3m2", 3, 2, 3, false, NanCodes::kNone, 28.0, kMx},
    {"fp4_e2m1", 2, 1, 1, false, NanCodes::kNone, 6.0, kMx},
};

uint32_t AllOnesExponent(const SmallFloatFormat& f) { return (1u << f.exponent_bits) - 1; }

// The code of a finite magnitude a >= 0 rounded to nearest, ties to even, on the format's grid
// with an unbounded exponent range; sets `rounded` to the rounded magnitude. The grid spacing
// (quantum) of the binade [2^e, 2^(e+1)) is 2^(e - M); below the smallest normal 2^(1 - bias)
// the subnormals share that binade's spacing 2^(1 - bias - M).
uint32_t RoundMagnitude(const SmallFloatFormat& f, double a, double& rounded) {
  const int m_bits = f.mantissa_bits;
  const int min_exponent = 1 - f.bias;
  int e = min_exponent;
  if (a > 0.0) {
    int frexp_exponent = 0;
    std::frexp(a, &frexp_exponent);  // a = fraction * 2^frexp_exponent, fraction in [0.5, 1)
    e = std::max(frexp_exponent - 1, min_exponent);
  }
  // n = a / quantum: exact (a power-of-two scaling), below 2^(M + 1).
  const double n = std::ldexp(a, m_bits - e);
  double r = std::floor(n);
  const double fraction = n - r;  // exact: n has at most 53 significant bits
  if (fraction > 0.5 || (fraction == 0.5 && std::fmod(r, 2.0) != 0.0)) {
    r += 1.0;
  }
  rounded = std::ldexp(r, e - m_bits);
  auto significand = static_cast<uint64_t>(r);
  const uint64_t hidden = uint64_t{1} << m_bits;
  if (significand < hidden) {
    return static_cast<uint32_t>(significand);  // subnormal or zero: exponent field 0
  }
  if (significand == 2 * hidden) {  // rounded up into the next binade
    significand = hidden;
    ++e;
  }
  // The caller rejects magnitudes above max_finite before this field could overflow.
  const auto exponent_field = static_cast<uint64_t>(e + f.bias);
  return static_cast<uint32_t>((exponent_field << m_bits) | (significand - hidden));
}

uint32_t MaxFiniteCode(const SmallFloatFormat& f) {
  double rounded = 0.0;
  return RoundMagnitude(f, f.max_finite, rounded);
}

uint32_t NanCode(const SmallFloatFormat& f) {
  // E4M3's only NaN S.1111.111; for E5M2 S.11111.11, the one ONNX's float32_to_float8e5m2 writes.
  return f.sign_mask() - 1;
}

}  // namespace

const SmallFloatFormat& Fp16Format() {
  static const SmallFloatFormat f{
      "fp16", 5, 10, 15, true, NanCodes::kIeee, 65504.0, "IEEE 754-2008, Table 3.5 (binary16)"};
  return f;
}

const std::vector<SmallFloatFormat>& SmallFloatFormats() { return kSmallFloatFormats; }

const SmallFloatFormat& FindSmallFloat(const std::string& name) {
  return FindNamedRowOrThrow(kSmallFloatFormats, name, "small floating-point format");
}

bool IsNan(const SmallFloatFormat& f, uint32_t code) {
  const uint32_t magnitude = code & (f.sign_mask() - 1);
  switch (f.nan) {
    case NanCodes::kNone:
      return false;
    case NanCodes::kAllOnes:
      return magnitude == f.sign_mask() - 1;
    case NanCodes::kIeee:
      return ExponentField(f, code) == AllOnesExponent(f) && MantissaField(f, code) != 0;
  }
  return false;
}

bool IsInfinity(const SmallFloatFormat& f, uint32_t code) {
  return f.has_infinity && ExponentField(f, code) == AllOnesExponent(f) &&
         MantissaField(f, code) == 0;
}

float Decode(const SmallFloatFormat& f, uint32_t code) {
  if (code >= f.code_count()) {
    throw std::invalid_argument(std::string(f.name) + ": code " + std::to_string(code) +
                                " has more than " + std::to_string(f.bits()) + " bits");
  }
  const bool negative = (code & f.sign_mask()) != 0;
  float value = 0.0f;
  if (IsNan(f, code)) {
    value = std::numeric_limits<float>::quiet_NaN();
  } else if (IsInfinity(f, code)) {
    value = std::numeric_limits<float>::infinity();
  } else {
    const uint32_t exponent = ExponentField(f, code);
    const uint32_t mantissa = MantissaField(f, code);
    // Normal: (2^M + m) * 2^(e - bias - M); subnormal (e = 0): m * 2^(1 - bias - M). Exact in
    // float for every format in the table.
    const int scale = (exponent == 0 ? 1 : static_cast<int>(exponent)) - f.bias - f.mantissa_bits;
    const uint32_t significand = exponent == 0 ? mantissa : (1u << f.mantissa_bits) + mantissa;
    value = std::ldexp(static_cast<float>(significand), scale);
  }
  return negative ? -value : value;
}

uint32_t Encode(const SmallFloatFormat& f, double x, bool saturate) {
  const uint32_t sign = std::signbit(x) ? f.sign_mask() : 0;
  if (std::isnan(x)) {
    if (f.nan == NanCodes::kNone) {
      throw InputError(std::string(f.name) + " has no NaN encoding: cannot encode NaN");
    }
    return sign | NanCode(f);
  }
  double rounded = std::numeric_limits<double>::infinity();
  uint32_t magnitude = 0;
  if (!std::isinf(x)) {
    magnitude = RoundMagnitude(f, std::fabs(x), rounded);
  }
  if (rounded <= f.max_finite) {
    return sign | magnitude;
  }
  // Overflow (or +-inf).
  if (saturate || f.nan == NanCodes::kNone) {
    return sign | MaxFiniteCode(f);
  }
  if (f.has_infinity) {
    return sign | (AllOnesExponent(f) << f.mantissa_bits);
  }
  return sign | NanCode(f);
}

uint32_t QuantizeSmallFloat(const SmallFloatFormat& format, float x, float scale, bool saturate) {
  return Encode(format, x / scale, saturate);
}

float DequantizeSmallFloat(const SmallFloatFormat& format, uint32_t code, float scale) {
  return Decode(format, code) * scale;
}

int SmallFloatQuantumExp(const SmallFloatFormat& f) { return 1 - f.bias - f.mantissa_bits; }

int64_t SmallFloatUnits(const SmallFloatFormat& f, uint32_t code, bool& finite) {
  const float value = Decode(f, code);
  finite = std::isfinite(value);
  if (!finite) {
    return 0;
  }
  return static_cast<int64_t>(std::ldexp(double{value}, -SmallFloatQuantumExp(f)));
}

}  // namespace quasar::models
