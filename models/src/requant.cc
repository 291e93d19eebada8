#include "quasar/models/requant.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/int128.h"
#include "quasar/models/quant_params.h"

namespace quasar::models {
namespace {



int64_t SaturateToInt64(int128 v) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  return v > kMax ? kMax : (v < kMin ? kMin : static_cast<int64_t>(v));
}

// Floor division by 2^n for a 128-bit value (an arithmetic right shift).
int128 ShiftRightFloor(int128 v, int n) { return v >> n; }

// The tflite double rounding, exactly as gemmlowp for int32 operands, and the same two roundings
// in exact arithmetic otherwise.
int64_t DoubleRounding(int64_t acc, int32_t fixed, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int128 shifted = int128{acc} * (int128{1} << left_shift);
  if (shifted >= std::numeric_limits<int32_t>::min() &&
      shifted <= std::numeric_limits<int32_t>::max()) {
    return RoundingDivideByPOT(
        SaturatingRoundingDoublingHighMul(static_cast<int32_t>(shifted), fixed), right_shift);
  }
  // Exact extension. fixed >= 0, so the INT32_MIN * INT32_MIN saturation cannot occur here.
  const int128 ab = shifted * fixed;
  const int128 nudge = ab >= 0 ? (int128{1} << 30) : (1 - (int128{1} << 30));
  const int128 high = (ab + nudge) / (int128{1} << 31);  // truncating division, as gemmlowp
  if (right_shift == 0) {
    return SaturateToInt64(high);
  }
  const int128 mask = (int128{1} << right_shift) - 1;
  const int128 remainder = high & mask;
  const int128 threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return SaturateToInt64(ShiftRightFloor(high, right_shift) + (remainder > threshold ? 1 : 0));
}

int64_t SingleRounding(int64_t acc, int32_t fixed, int shift) {
  const int total_shift = 31 - shift;  // shift in [-31, 30] -> total_shift in [1, 62]
  const int128 round = int128{1} << (total_shift - 1);
  return SaturateToInt64(ShiftRightFloor(int128{acc} * fixed + round, total_shift));
}

void CheckScale(float s, const char* name) {
  const std::string why = ScaleError(s);
  if (!why.empty()) {
    throw InputError(std::string(name) + " " + why);
  }
}

}  // namespace

void QuantizeMultiplier(double real_multiplier, bool single_rounding, int32_t* fixed, int* shift) {
  // Source: tensorflow/lite/kernels/internal/quantization_util.cc, QuantizeMultiplier.
  if (real_multiplier == 0.0) {
    *fixed = 0;
    *shift = 0;
    return;
  }
  const double q = std::frexp(real_multiplier, shift);
  auto q_fixed = static_cast<int64_t>(RoundHalfAwayFromZero(q * static_cast<double>(1LL << 31)));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {
    *shift = 0;
    q_fixed = 0;
  }
  if (single_rounding && *shift > 30) {
    *shift = 30;
    q_fixed = (1LL << 31) - 1;
  }
  *fixed = static_cast<int32_t>(q_fixed);
}

Multiplier MultiplierFromReal(RoundingMode mode, double real_multiplier) {
  if (!std::isfinite(real_multiplier) || real_multiplier < 0.0 ||
      real_multiplier >= 2147483648.0) {
    throw InputError("requantization multiplier s_x*s_w/s_y must be in [0, 2^31), got " +
                     std::to_string(real_multiplier));
  }
  Multiplier m;
  m.mode = mode;
  m.real = real_multiplier;
  if (mode == RoundingMode::kTflite || mode == RoundingMode::kTfliteSingle) {
    QuantizeMultiplier(real_multiplier, mode == RoundingMode::kTfliteSingle, &m.fixed, &m.shift);
  }
  return m;
}

Multiplier MakeMultiplier(RoundingMode mode, float s_x, float s_w, float s_y) {
  CheckScale(s_x, "input scale");
  CheckScale(s_w, "weight scale");
  CheckScale(s_y, "output scale");
  switch (mode) {
    case RoundingMode::kTflite:
    case RoundingMode::kTfliteSingle:
      return MultiplierFromReal(
          mode, static_cast<double>(s_x) * static_cast<double>(s_w) / static_cast<double>(s_y));
    case RoundingMode::kOnnx: {
      const float ratio = (s_x * s_w) / s_y;  // float32 arithmetic, as numpy on float32 arrays
      return MultiplierFromReal(mode, static_cast<double>(ratio));
    }
    case RoundingMode::kTorchQnnpack: {
      const float inverse_output_scale = 1.0f / s_y;
      const float m = (s_w * s_x) * inverse_output_scale;
      return MultiplierFromReal(mode, static_cast<double>(m));
    }
  }
  return {};
}

int64_t ScaleAccumulator(int64_t acc, const Multiplier& m) {
  switch (m.mode) {
    case RoundingMode::kTflite:
      return DoubleRounding(acc, m.fixed, m.shift);
    case RoundingMode::kTfliteSingle:
      return SingleRounding(acc, m.fixed, m.shift);
    case RoundingMode::kOnnx:
      return SaturatingToInt64(RoundHalfToEven(static_cast<double>(acc) * m.real));
    case RoundingMode::kTorchQnnpack: {
      const float product = static_cast<float>(acc) * static_cast<float>(m.real);
      return SaturatingToInt64(RoundHalfToEven(static_cast<double>(product)));
    }
  }
  return 0;
}

int32_t Requantize(int64_t acc, const Multiplier& m, int32_t zero_point, int32_t lo, int32_t hi) {
  int128 y = 0;
  if (m.mode == RoundingMode::kOnnx) {
    y = SaturatingToInt64(RoundHalfToEven(static_cast<double>(acc) * m.real + zero_point));
  } else {
    y = int128{ScaleAccumulator(acc, m)} + zero_point;  // exact: no int64 overflow to guard
  }
  return static_cast<int32_t>(y < lo ? lo : (y > hi ? hi : y));
}

int32_t Quantize(float x, float scale, int32_t zero_point, IntType type, RoundingMode mode) {
  double rounded = 0.0;
  switch (mode) {
    case RoundingMode::kTflite:
    case RoundingMode::kTfliteSingle:
      rounded = RoundHalfAwayFromZero(static_cast<double>(x / scale));
      break;
    case RoundingMode::kOnnx:
      rounded = RoundHalfToEven(static_cast<double>(x / scale));
      break;
    case RoundingMode::kTorchQnnpack: {
      const float inv_scale = 1.0f / scale;
      rounded = RoundHalfToEven(static_cast<double>(x * inv_scale));
      break;
    }
  }
  // Every IntType lies within int32, so bounding q to +-2^40 before adding the zero point changes
  // no saturated result and keeps the sum from overflowing.
  constexpr int64_t kBound = int64_t{1} << 40;
  const int64_t q = std::clamp(SaturatingToInt64(rounded), -kBound, kBound);
  return type.Saturate(q + zero_point);
}

float Dequantize(int32_t q, float scale, int32_t zero_point) {
  return static_cast<float>(int64_t{q} - zero_point) * scale;
}

int32_t QuantizeBias(float bias, float s_x, float s_w, RoundingMode mode) {
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int32_t>::min();
  const float bias_scale = s_x * s_w;
  switch (mode) {
    case RoundingMode::kTflite:
    case RoundingMode::kTfliteSingle: {
      const float inv = bias_scale == 0.0f ? 0.0f : static_cast<float>(1.0 / bias_scale);
      const int64_t q = SaturatingToInt64(RoundHalfAwayFromZero(bias * inv));
      return static_cast<int32_t>(q > kMax ? kMax : (q < -kMax ? -kMax : q));
    }
    case RoundingMode::kOnnx: {
      const int64_t q = SaturatingToInt64(RoundHalfToEven(bias / bias_scale));
      return static_cast<int32_t>(q > kMax ? kMax : (q < kMin ? kMin : q));
    }
    case RoundingMode::kTorchQnnpack: {
      const float inv = 1.0f / bias_scale;
      const int64_t q = SaturatingToInt64(RoundHalfToEven(bias * inv));
      return static_cast<int32_t>(q > kMax ? kMax : (q < kMin ? kMin : q));
    }
  }
  return 0;
}

std::optional<int64_t> FirstNonNegativeAccumulator(const Multiplier& m, int32_t zero_point) {
  const double real = m.mode == RoundingMode::kTflite || m.mode == RoundingMode::kTfliteSingle
                          ? std::ldexp(static_cast<double>(m.fixed), m.shift - 31)
                          : m.real;
  if (!(real > 0)) {
    return std::nullopt;
  }
  constexpr int32_t kLo = std::numeric_limits<int32_t>::min();
  constexpr int32_t kHi = std::numeric_limits<int32_t>::max();
  constexpr double kLimit = 1e15;  // far beyond int32 accumulators, exact in double and int64
  const auto non_negative = [&](int64_t acc) {
    return Requantize(acc, m, zero_point, kLo, kHi) >= 0;
  };
  // About (-1/2 - zero_point) / M, then stepped to the exact first one.
  int64_t a = static_cast<int64_t>(std::clamp(
      std::ceil((-0.5 - static_cast<double>(zero_point)) / real), -kLimit, kLimit));
  for (int guard = 0; guard < 64 && non_negative(a - 1); ++guard) {
    --a;
  }
  for (int guard = 0; guard < 64 && !non_negative(a); ++guard) {
    ++a;
  }
  if (!non_negative(a) || non_negative(a - 1)) {
    throw std::logic_error("FirstNonNegativeAccumulator: the estimate of " + std::to_string(a) +
                           " was more than 64 steps off");
  }
  return a;
}

}  // namespace quasar::models
