// Rounding primitives, multiplier preparation, requantization, quantization and bias rules of
// every rounding mode, at exact ties and extremes. Expected values are derived in the comments.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "quasar/models/requant.h"

using namespace quasar::models;

namespace {
constexpr int32_t kMin32 = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax32 = std::numeric_limits<int32_t>::max();
constexpr int32_t k2p30 = 1 << 30;

int64_t Scale(RoundingMode mode, int64_t acc, double m) {
  return ScaleAccumulator(acc, MultiplierFromReal(mode, m));
}
}  // namespace

TEST_CASE("SaturatingRoundingDoublingHighMul rounds ties toward +inf and saturates MIN*MIN") {
  // a*b / 2^31 with a*b = +-2^30 is exactly +-0.5.
  CHECK(SaturatingRoundingDoublingHighMul(1 << 15, 1 << 15) == 1);    // +0.5 -> 1
  CHECK(SaturatingRoundingDoublingHighMul(-(1 << 15), 1 << 15) == 0);  // -0.5 -> 0 (not -1)
  CHECK(SaturatingRoundingDoublingHighMul(3 << 15, 1 << 15) == 2);     // +1.5 -> 2
  CHECK(SaturatingRoundingDoublingHighMul(-(3 << 15), 1 << 15) == -1);  // -1.5 -> -1
  CHECK(SaturatingRoundingDoublingHighMul(-(3 << 15), 1 << 16) == -3);  // -3.0 exact
  CHECK(SaturatingRoundingDoublingHighMul(kMin32, kMin32) == kMax32);  // the one overflow
  CHECK(SaturatingRoundingDoublingHighMul(kMin32, kMax32) == -kMax32);  // -(2^31 - 1), exact
  CHECK(SaturatingRoundingDoublingHighMul(kMax32, kMax32) == kMax32 - 1);
}

TEST_CASE("RoundingDivideByPOT rounds ties away from zero, at every exponent") {
  CHECK(RoundingDivideByPOT(5, 1) == 3);    // 2.5
  CHECK(RoundingDivideByPOT(-5, 1) == -3);  // -2.5
  CHECK(RoundingDivideByPOT(3, 1) == 2);    // 1.5
  CHECK(RoundingDivideByPOT(-3, 1) == -2);
  CHECK(RoundingDivideByPOT(-1, 1) == -1);  // -0.5
  CHECK(RoundingDivideByPOT(7, 2) == 2);    // 1.75
  CHECK(RoundingDivideByPOT(-6, 2) == -2);  // -1.5
  CHECK(RoundingDivideByPOT(-5, 2) == -1);  // -1.25
  CHECK(RoundingDivideByPOT(12345, 0) == 12345);
  CHECK(RoundingDivideByPOT(kMax32, 31) == 1);   // 0.99999...
  CHECK(RoundingDivideByPOT(kMin32, 31) == -1);  // -1.0
  CHECK(RoundingDivideByPOT(1 << 30, 31) == 1);  // +0.5 -> 1
  CHECK(RoundingDivideByPOT(-(1 << 30), 31) == -1);  // -0.5 -> -1
}

TEST_CASE("QuantizeMultiplier matches TFLite's frexp-based encoding") {
  int32_t q = 0;
  int shift = 0;
  QuantizeMultiplier(0.5, false, &q, &shift);  // 0.5 = 0.5 * 2^0
  CHECK(q == k2p30);
  CHECK(shift == 0);
  QuantizeMultiplier(1.0, false, &q, &shift);  // 1 = 0.5 * 2^1
  CHECK(q == k2p30);
  CHECK(shift == 1);
  QuantizeMultiplier(0.75, false, &q, &shift);  // 0.75 * 2^31 = 1610612736
  CHECK(q == 1610612736);
  CHECK(shift == 0);
  QuantizeMultiplier(1.0 - std::ldexp(1.0, -40), false, &q, &shift);  // rounds up to 2^31
  CHECK(q == k2p30);                                                   // renormalised
  CHECK(shift == 1);
  QuantizeMultiplier(std::ldexp(1.0, -32), false, &q, &shift);  // 0.5 * 2^-31: smallest kept
  CHECK(q == k2p30);
  CHECK(shift == -31);
  QuantizeMultiplier(std::ldexp(1.0, -33), false, &q, &shift);  // shift -32 flushes to zero
  CHECK(q == 0);
  CHECK(shift == 0);
  QuantizeMultiplier(std::ldexp(1.0, 35), true, &q, &shift);  // single rounding caps shift at 30
  CHECK(q == kMax32);
  CHECK(shift == 30);
  QuantizeMultiplier(std::ldexp(1.0, 35), false, &q, &shift);
  CHECK(q == k2p30);
  CHECK(shift == 36);
}

TEST_CASE("requantization ties: each mode rounds as its framework does") {
  // M = 0.5: exact products +-50.5 and +-0.5.
  CHECK(Scale(RoundingMode::kTflite, 101, 0.5) == 51);
  CHECK(Scale(RoundingMode::kTflite, -101, 0.5) == -50);  // SRDHM: negative ties toward zero
  CHECK(Scale(RoundingMode::kTfliteSingle, 101, 0.5) == 51);
  CHECK(Scale(RoundingMode::kTfliteSingle, -101, 0.5) == -50);  // arithmetic shift: toward +inf
  CHECK(Scale(RoundingMode::kOnnx, 101, 0.5) == 50);            // half to even
  CHECK(Scale(RoundingMode::kOnnx, -101, 0.5) == -50);
  CHECK(Scale(RoundingMode::kOnnx, 103, 0.5) == 52);
  CHECK(Scale(RoundingMode::kTorchQnnpack, 101, 0.5) == 50);
  CHECK(Scale(RoundingMode::kTorchQnnpack, -103, 0.5) == -52);
  // M = 0.25 (significand 2^30, shift -1): -2 * 0.25 = -0.5.
  CHECK(Scale(RoundingMode::kTflite, -2, 0.25) == -1);  // SRDHM gives -1 exactly, RDBP(-1,1) = -1
  CHECK(Scale(RoundingMode::kTfliteSingle, -2, 0.25) == 0);
  CHECK(Scale(RoundingMode::kOnnx, -2, 0.25) == 0);
}

TEST_CASE("double rounding differs from single rounding where the first rounding makes a tie") {
  // 5 * 0.25 = 1.25. Double: SRDHM(5, 2^30) = 2.5 -> 3, then RDBP(3, 1) = 1.5 -> 2.
  CHECK(Scale(RoundingMode::kTflite, 5, 0.25) == 2);
  // Single: (5 * 2^30 + 2^31) >> 32 = 1.75 -> 1.
  CHECK(Scale(RoundingMode::kTfliteSingle, 5, 0.25) == 1);
  CHECK(Scale(RoundingMode::kOnnx, 5, 0.25) == 1);
  CHECK(Scale(RoundingMode::kTorchQnnpack, 5, 0.25) == 1);
}

TEST_CASE("multipliers greater than one") {
  // M = 3 = 0.75 * 2^2.
  for (RoundingMode mode : {RoundingMode::kTflite, RoundingMode::kTfliteSingle, RoundingMode::kOnnx,
                            RoundingMode::kTorchQnnpack}) {
    CHECK(Scale(mode, 7, 3.0) == 21);
    CHECK(Scale(mode, -7, 3.0) == -21);
  }
  // M = 1.5: 3 * 1.5 = 4.5.
  CHECK(Scale(RoundingMode::kTflite, 3, 1.5) == 5);
  CHECK(Scale(RoundingMode::kTflite, -3, 1.5) == -4);
  CHECK(Scale(RoundingMode::kTfliteSingle, -3, 1.5) == -4);
  CHECK(Scale(RoundingMode::kOnnx, 3, 1.5) == 4);
  CHECK(Scale(RoundingMode::kOnnx, -3, 1.5) == -4);
}

TEST_CASE("shift extremes") {
  const double m = std::ldexp(1.0, -32);  // shift -31, the smallest representable
  // Exact INT32_MAX * 2^-32 = 0.49999...; double rounding first rounds to 2^30 (exact 0.5 * 2^31)
  // then RDBP(2^30, 31) = 0.5 -> 1, while single rounding gives 0.
  CHECK(Scale(RoundingMode::kTflite, kMax32, m) == 1);
  CHECK(Scale(RoundingMode::kTfliteSingle, kMax32, m) == 0);
  CHECK(Scale(RoundingMode::kOnnx, kMax32, m) == 0);
  // Below 2^-32 TFLite flushes the multiplier to zero; ONNX keeps the real value.
  CHECK(Scale(RoundingMode::kTflite, kMax32, std::ldexp(1.0, -33)) == 0);
  CHECK(Scale(RoundingMode::kOnnx, int64_t{1} << 40, std::ldexp(1.0, -33)) == 128);
}

TEST_CASE("accumulators beyond int32 are requantized exactly") {
  const int64_t acc = (int64_t{1} << 40) + 3;  // * 0.5 = 2^39 + 1.5
  CHECK(Scale(RoundingMode::kTflite, acc, 0.5) == (int64_t{1} << 39) + 2);
  CHECK(Scale(RoundingMode::kTfliteSingle, acc, 0.5) == (int64_t{1} << 39) + 2);
  CHECK(Scale(RoundingMode::kTflite, -acc, 0.5) == -(int64_t{1} << 39) - 1);  // tie toward +inf
  CHECK(Scale(RoundingMode::kOnnx, acc, 0.5) == (int64_t{1} << 39) + 2);      // 1.5 -> 2 (even)
  // A left shift that overflows int32 in TFLite's C++ is computed exactly: 2^30 * 4 = 2^32.
  CHECK(Scale(RoundingMode::kTflite, 1 << 30, 4.0) == int64_t{1} << 32);
}

TEST_CASE("Requantize adds the zero point and clamps") {
  const Multiplier m = MultiplierFromReal(RoundingMode::kTflite, 0.5);
  CHECK(Requantize(100, m, 3, -128, 127) == 53);
  CHECK(Requantize(1000, m, 3, -128, 127) == 127);
  CHECK(Requantize(-1000, m, 3, -128, 127) == -128);
  CHECK(Requantize(-100, m, 3, 3, 127) == 3);  // fused ReLU: lo = zero point
}

TEST_CASE("onnx adds the zero point before rounding, as the ONNX reference evaluator does") {
  // acc * M = 0.49999999999999994 (one ulp below 0.5). Adding z_y = 1 in float64 gives exactly
  // 1.5, which rounds to 2; rounding first would give 0 + 1 = 1.
  const double below_half = std::nextafter(0.5, 0.0);
  const Multiplier onnx = MultiplierFromReal(RoundingMode::kOnnx, below_half);
  CHECK(ScaleAccumulator(1, onnx) == 0);
  CHECK(Requantize(1, onnx, 1, -128, 127) == 2);
  CHECK(Requantize(1, onnx, 0, -128, 127) == 0);
  // torch-qnnpack rounds in float32 first and adds the zero point as an integer.
  const Multiplier torch = MultiplierFromReal(RoundingMode::kTorchQnnpack, 0.25);
  CHECK(Requantize(2, torch, 1, -128, 127) == 1);  // rne(0.5) = 0, + 1
}

TEST_CASE("MakeMultiplier evaluates the ratio the way each framework does") {
  const float sx = 0.1f, sw = 0.2f, sy = 0.3f;
  const Multiplier onnx = MakeMultiplier(RoundingMode::kOnnx, sx, sw, sy);
  const float f32_ratio = (sx * sw) / sy;
  CHECK(onnx.real == static_cast<double>(f32_ratio));
  const Multiplier torch = MakeMultiplier(RoundingMode::kTorchQnnpack, sx, sw, sy);
  const float inv = 1.0f / sy;
  CHECK(torch.real == static_cast<double>((sw * sx) * inv));
  const Multiplier tfl = MakeMultiplier(RoundingMode::kTflite, sx, sw, sy);
  CHECK(tfl.real == static_cast<double>(sx) * static_cast<double>(sw) / static_cast<double>(sy));
  int32_t q = 0;
  int shift = 0;
  QuantizeMultiplier(tfl.real, false, &q, &shift);
  CHECK(tfl.fixed == q);
  CHECK(tfl.shift == shift);
  // The float32 and float64 evaluations really are different numbers here.
  CHECK(onnx.real != tfl.real);
  CHECK_THROWS(MakeMultiplier(RoundingMode::kOnnx, 0.0f, sw, sy));
  CHECK_THROWS(MakeMultiplier(RoundingMode::kOnnx, sx, -1.0f, sy));
  CHECK_THROWS(MakeMultiplier(RoundingMode::kOnnx, sx, sw, std::numeric_limits<float>::infinity()));
}

TEST_CASE("Quantize rounds ties per framework and saturates into the type") {
  const IntType i8 = IntType::Signed(8);
  CHECK(Quantize(2.5f, 1.0f, 0, i8, RoundingMode::kTflite) == 3);
  CHECK(Quantize(-2.5f, 1.0f, 0, i8, RoundingMode::kTflite) == -3);
  CHECK(Quantize(2.5f, 1.0f, 0, i8, RoundingMode::kOnnx) == 2);
  CHECK(Quantize(-2.5f, 1.0f, 0, i8, RoundingMode::kOnnx) == -2);
  CHECK(Quantize(3.5f, 1.0f, 0, i8, RoundingMode::kTorchQnnpack) == 4);
  CHECK(Quantize(1000.0f, 0.5f, 0, i8, RoundingMode::kOnnx) == 127);
  CHECK(Quantize(-1000.0f, 0.5f, 10, IntType::Unsigned(4), RoundingMode::kOnnx) == 0);
  CHECK(Quantize(1.0f, 0.5f, 10, IntType::Unsigned(4), RoundingMode::kOnnx) == 12);
  CHECK(Quantize(1e30f, 1e-30f, 0, IntType::Signed(16), RoundingMode::kTflite) == 32767);
  CHECK(Quantize(0.0f, 1.0f, 0, IntType::Binary(), RoundingMode::kTflite) == 1);  // sign(0) = +1
  CHECK(Quantize(-0.3f, 1.0f, 0, IntType::Ternary(), RoundingMode::kTflite) == 0);
  CHECK(Dequantize(-3, 0.5f, 2) == -2.5f);
}

TEST_CASE("float bias quantization follows each framework's rule") {
  CHECK(QuantizeBias(2.5f, 1.0f, 1.0f, RoundingMode::kTflite) == 3);
  CHECK(QuantizeBias(-2.5f, 1.0f, 1.0f, RoundingMode::kTflite) == -3);
  CHECK(QuantizeBias(2.5f, 1.0f, 1.0f, RoundingMode::kOnnx) == 2);
  CHECK(QuantizeBias(-2.5f, 1.0f, 1.0f, RoundingMode::kTorchQnnpack) == -2);
  CHECK(QuantizeBias(3.5f, 0.5f, 2.0f, RoundingMode::kOnnx) == 4);
  // Out of range: TFLite clamps symmetrically to +-INT32_MAX, the others saturate to int32.
  CHECK(QuantizeBias(-1e10f, 1.0f, 1.0f, RoundingMode::kTflite) == -kMax32);
  CHECK(QuantizeBias(-1e10f, 1.0f, 1.0f, RoundingMode::kOnnx) == kMin32);
  CHECK(QuantizeBias(1e10f, 1.0f, 1.0f, RoundingMode::kTorchQnnpack) == kMax32);
  // TFLite multiplies by a float32 inverse; ONNX divides. With scale 0.1f*0.3f they can differ:
  // check each against its own formula over many biases.
  const float sx = 0.1f, sw = 0.3f;
  const float scale = sx * sw;
  const float inv = static_cast<float>(1.0 / scale);
  for (int i = -2000; i <= 2000; ++i) {
    const float b = static_cast<float>(i) * 0.0149f;
    CHECK(QuantizeBias(b, sx, sw, RoundingMode::kTflite) ==
          static_cast<int32_t>(std::round(b * inv)));
    CHECK(QuantizeBias(b, sx, sw, RoundingMode::kOnnx) ==
          static_cast<int32_t>(std::nearbyint(b / scale)));
  }
}

TEST_CASE("FirstNonNegativeAccumulator is exactly where the requantized value turns >= 0") {
  // The threshold a binary output's bias carries (quantize_net.cc): every mode, multipliers from
  // 1e-4 to 0.9, zero points around 0, ties included (s_y = 2 s_x s_w puts -1/2 on the grid).
  uint32_t state = 12345;
  const auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<double>(state >> 8) / static_cast<double>(1u << 24);
  };
  for (RoundingMode mode : {RoundingMode::kTflite, RoundingMode::kTfliteSingle, RoundingMode::kOnnx,
                            RoundingMode::kTorchQnnpack}) {
    INFO(RoundingModeName(mode));
    for (int trial = 0; trial < 300; ++trial) {
      const float s_x = static_cast<float>(0.01 + next());
      const float s_w = static_cast<float>(0.001 + 0.1 * next());
      const float s_y = trial % 3 == 0 ? 2 * s_x * s_w
                                       : static_cast<float>(s_x * s_w / (1e-4 + 0.9 * next()));
      const int32_t zp = trial % 4 == 0 ? 0 : static_cast<int32_t>(next() * 11) - 5;
      const Multiplier m = MakeMultiplier(mode, s_x, s_w, s_y);
      const auto a = FirstNonNegativeAccumulator(m, zp);
      REQUIRE(a);
      for (int64_t k = 0; k < 3; ++k) {
        CHECK(Requantize(*a + k, m, zp, kMin32, kMax32) >= 0);
        CHECK(Requantize(*a - 1 - k, m, zp, kMin32, kMax32) < 0);
      }
    }
  }
  // A multiplier that flushes to zero has no such accumulator.
  CHECK_FALSE(FirstNonNegativeAccumulator(MultiplierFromReal(RoundingMode::kTflite, 0.0), 0));
}
