#include "quasar/models/rounding.h"

#include <cassert>
#include <cfenv>
#include <cmath>
#include <limits>

#include "quasar/models/enum_names.h"

namespace quasar::models {

constexpr EnumTable<RoundingMode, 4> kRoundingModes = {{{RoundingMode::kTflite, "tflite"},
                                                       {RoundingMode::kTfliteSingle, "tflite-single"},
                                                       {RoundingMode::kOnnx, "onnx"},
                                                       {RoundingMode::kTorchQnnpack, "torch-qnnpack"}}};

std::string RoundingModeName(RoundingMode mode) { return EnumName(kRoundingModes, mode); }

std::optional<RoundingMode> ParseRoundingMode(const std::string& name) {
  return ParseEnum(kRoundingModes, name);
}

const char* RoundingModeChoices() {
  static const std::string choices = EnumChoices(kRoundingModes);
  return choices.c_str();
}

int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  // Source: gemmlowp fixedpoint/fixedpoint.h, SaturatingRoundingDoublingHighMul<int32_t>.
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  if (a == kMin && b == kMin) {
    return std::numeric_limits<int32_t>::max();
  }
  const int64_t ab = int64_t{a} * int64_t{b};
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  // Source: gemmlowp fixedpoint/fixedpoint.h, RoundingDivideByPOT.
  assert(exponent >= 0 && exponent <= 31);
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

double RoundHalfAwayFromZero(double x) { return std::round(x); }

double RoundHalfToEven(double x) {
  // std::nearbyint honours the current rounding mode; Quasar never changes it from the default
  // FE_TONEAREST, which is round half to even (IEEE 754 roundTiesToEven).
  assert(std::fegetround() == FE_TONEAREST);
  return std::nearbyint(x);
}

int64_t SaturatingToInt64(double x) {
  if (std::isnan(x)) {
    return 0;
  }
  // 2^63 is exactly representable; anything at or beyond it saturates.
  if (x >= 9223372036854775808.0) {
    return std::numeric_limits<int64_t>::max();
  }
  if (x < -9223372036854775808.0) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(x);
}

}  // namespace quasar::models
