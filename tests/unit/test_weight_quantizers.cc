// Weight quantizers: binary, ternary and power-of-two codes on hand examples, the L2 optimality
// of the XNOR-Net and TWN scales, and linear quantization's grid, error bound and SQNR.

#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <random>

#include "quasar/models/calib/weight_quantizers.h"
#include "quasar/models/error.h"

using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

// N(0, 1) weights by Box-Muller, seeded.
FloatTensor GaussianWeights(Shape shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  FloatTensor t(std::move(shape));
  for (float& x : t.data) {
    const double u1 = 1.0 - static_cast<double>(rng() >> 11) * 0x1p-53;
    const double u2 = static_cast<double>(rng() >> 11) * 0x1p-53;
    x = static_cast<float>(std::sqrt(-2 * std::log(u1)) * std::cos(2 * 3.14159265358979 * u2));
  }
  return t;
}

// Squared reconstruction error of `qw` against `w`, with every scale multiplied by `factor`.
double SquaredError(const FloatTensor& w, QuantizedWeights qw, float factor = 1.0f) {
  for (float& s : qw.params.scales) {
    s *= factor;
  }
  const FloatTensor d = DequantizeWeights(qw);
  double e = 0;
  for (int64_t i = 0; i < w.size(); ++i) {
    e += (double{w[i]} - d[i]) * (double{w[i]} - d[i]);
  }
  return e;
}

// Signal-to-quantization-noise ratio in dB.
double SqnrDb(const FloatTensor& w, const QuantizedWeights& qw) {
  double signal = 0;
  for (float x : w.data) {
    signal += double{x} * x;
  }
  return 10 * std::log10(signal / SquaredError(w, qw));
}

}  // namespace

TEST_CASE("weight code names round-trip") {
  for (QuantCode c :
       {QuantCode::kLinear, QuantCode::kPow2, QuantCode::kBinary, QuantCode::kTernary}) {
    CHECK(ParseQuantCode(QuantCodeName(c)) == c);
  }
  CHECK_FALSE(ParseQuantCode("log").has_value());
  CHECK(std::string(QuantCodeChoices()) ==
        "linear, pow2, binary, ternary, fp8_e4m3, fp8_e5m2, mxfp8_e4m3, mxfp8_e5m2, mxfp6_e2m3, "
        "mxfp6_e3m2, mxfp4_e2m1, mxint8");
}

TEST_CASE("binary weights: sign with sign(0) = +1, alpha = mean |W| per channel") {
  const FloatTensor w({2, 3}, std::vector<float>{0.5f, -1.0f, 0.0f, -2.0f, 4.0f, 0.3f});
  const QuantizedWeights pc = QuantizeWeightsBinary(w, true);
  CHECK(pc.values.data == std::vector<int32_t>{1, -1, 1, -1, 1, 1});
  CHECK(pc.values.shape == w.shape);
  CHECK(pc.params.type == IntType::Binary());
  REQUIRE(pc.params.scales.size() == 2);
  CHECK(pc.params.scales[0] == Approx(0.5));  // (0.5 + 1 + 0) / 3
  CHECK(pc.params.scales[1] == Approx(2.1));  // (2 + 4 + 0.3) / 3
  CHECK(pc.params.zero_points == std::vector<int32_t>{0, 0});
  const QuantizedWeights pt = QuantizeWeightsBinary(w, false);
  REQUIRE(pt.params.scales.size() == 1);
  CHECK(pt.params.scales[0] == Approx(1.3));  // 7.8 / 6
  // An all-zero channel still gets a positive scale and reconstructs to ~0.
  const QuantizedWeights z = QuantizeWeightsBinary(FloatTensor({1, 4}), true);
  CHECK(z.params.scales[0] == FLT_MIN);
}

TEST_CASE("binary and ternary scales minimise the L2 error for their codes") {
  const FloatTensor w = GaussianWeights({4, 50}, 21);
  for (bool per_channel : {true, false}) {
    for (const QuantizedWeights& qw :
         {QuantizeWeightsBinary(w, per_channel), QuantizeWeightsTernary(w, per_channel)}) {
      const double e = SquaredError(w, qw);
      CHECK(e < SquaredError(w, qw, 0.95f));
      CHECK(e < SquaredError(w, qw, 1.05f));
    }
  }
}

TEST_CASE("ternary weights: Delta = 0.7 mean |W|, alpha = mean |w| above Delta") {
  // mean|W| = (0.1 + 0.9 + 0.5 + 0.3 + 1.2 + 0) / 6 = 0.5, Delta = 0.35: -0.9, 0.5 and 1.2
  // survive (-0.3 would with 0.5 mean|W|), alpha = 2.6 / 3.
  const FloatTensor w({1, 6}, std::vector<float>{0.1f, -0.9f, 0.5f, -0.3f, 1.2f, 0.0f});
  const QuantizedWeights t = QuantizeWeightsTernary(w, true);
  CHECK(t.values.data == std::vector<int32_t>{0, -1, 1, 0, 1, 0});
  CHECK(t.params.type == IntType::Ternary());
  CHECK(t.params.scales[0] == Approx(2.6 / 3));
  // Per channel, a channel's Delta comes from that channel only: channel 0 {0.3, -0.2, 0.1}
  // (Delta 0.14), channel 1 {3, 0.5, -2} (Delta 1.28333); an all-zero channel gets scale 1.
  const FloatTensor w2({3, 3}, std::vector<float>{0.3f, -0.2f, 0.1f, 3.0f, 0.5f, -2.0f, 0, 0, 0});
  const QuantizedWeights t2 = QuantizeWeightsTernary(w2, true);
  CHECK(t2.values.data == std::vector<int32_t>{1, -1, 0, 1, 0, -1, 0, 0, 0});
  CHECK(t2.params.scales[0] == Approx(0.25));
  CHECK(t2.params.scales[1] == Approx(2.5));
  CHECK(t2.params.scales[2] == 1.0f);
  // Per tensor the small channel vanishes: mean|W| = 6.1 / 9, Delta = 0.47444.
  const QuantizedWeights t3 = QuantizeWeightsTernary(w2, false);
  CHECK(t3.values.data == std::vector<int32_t>{0, 0, 0, 1, 1, -1, 0, 0, 0});
  CHECK(t3.params.scales[0] == Approx(5.5 / 3));
}

TEST_CASE("power-of-two weights: 3 bits give {0, +-1, +-2, +-4} * s in int4") {
  // s = max|w| / 2^E = 4 / 4 = 1. Rounding is in the log domain: 2.9 -> log2 1.54 -> 4,
  // 2.7 -> log2 1.43 -> 2, 0.6 -> log2 -0.74 -> exponent clamped to 0 -> 1, 0.4 < 0.5 -> 0.
  const FloatTensor w(
      {1, 10}, std::vector<float>{4.0f, -2.0f, 1.0f, 0.4f, 0.6f, -3.1f, 2.9f, 2.7f, -1.45f, 1.3f});
  const QuantizedWeights p = QuantizeWeightsPow2(w, 3, false);
  CHECK(p.values.data == std::vector<int32_t>{4, -2, 1, 0, 1, -4, 4, 2, -2, 1});
  CHECK(p.params.type == IntType::Signed(4));
  CHECK(p.params.scales[0] == 1.0f);
  CHECK(p.params.zero_points[0] == 0);
  // 2 bits: E = 0, {0, +-1} in int2. 5 bits: E = 14, the maximum maps to 2^14 in int16.
  const QuantizedWeights p2 = QuantizeWeightsPow2(w, 2, false);
  CHECK(p2.params.type == IntType::Signed(2));
  CHECK(p2.params.scales[0] == 4.0f);
  CHECK(p2.values.data == std::vector<int32_t>{1, -1, 0, 0, 0, -1, 1, 1, 0, 0});
  const QuantizedWeights p5 = QuantizeWeightsPow2(w, 5, false);
  CHECK(p5.params.type == IntType::Signed(16));
  CHECK(p5.values[0] == 16384);
  CHECK(p5.values[1] == -8192);
  for (int bits : {2, 3, 4, 5}) {
    const QuantizedWeights q = QuantizeWeightsPow2(GaussianWeights({4, 30}, 8), bits, true);
    for (int32_t v : q.values.data) {
      INFO("bits " << bits << " value " << v);
      CHECK(q.params.type.Contains(v));
      CHECK((v == 0 || (std::abs(v) & (std::abs(v) - 1)) == 0));  // 0 or a power of two
    }
  }
  // Per channel: channel 1's scale is its own max / 4.
  const FloatTensor w2({2, 2}, std::vector<float>{1.0f, -0.5f, 8.0f, 2.0f});
  const QuantizedWeights pc = QuantizeWeightsPow2(w2, 3, true);
  CHECK(pc.params.scales == std::vector<float>{0.25f, 2.0f});
  CHECK(pc.values.data == std::vector<int32_t>{4, -2, 4, 1});
  CHECK_THROWS_WITH(QuantizeWeightsPow2(w, 1, false), Contains("got 1"));
  CHECK_THROWS_WITH(QuantizeWeightsPow2(w, 6, false), Contains("got 6"));
}

TEST_CASE("linear symmetric int8 weights: narrow grid, error <= s/2 inside the range") {
  FloatTensor w = GaussianWeights({8, 3, 3, 3}, 4);
  w[5] = -5.0f;  // channel 0's largest magnitude is negative: it must map to -127, not -128
  const IntType i8 = IntType::Signed(8);
  for (bool per_channel : {true, false}) {
    INFO("per channel " << per_channel);
    const QuantizedWeights qw = QuantizeWeightsLinear(w, i8, true, per_channel, {});
    CHECK(qw.params.scales.size() == (per_channel ? 8u : 1u));
    CHECK(qw.values[5] == -127);
    const FloatTensor d = DequantizeWeights(qw);
    for (int64_t i = 0; i < w.size(); ++i) {
      CHECK(qw.values[i] >= -127);
      CHECK(qw.values[i] <= 127);
      const float s = qw.params.scale(per_channel ? i / 27 : 0);
      CHECK(std::abs(double{w[i]} - d[i]) <= s * (0.5 + 1e-4));
    }
    for (int32_t z : qw.params.zero_points) {
      CHECK(z == 0);
    }
  }
  // Per-channel scales are max|W_c| / 127 (minmax).
  const QuantizedWeights qw = QuantizeWeightsLinear(w, i8, true, true, {});
  CHECK(qw.params.scales[0] == static_cast<float>(5.0 / 127));
}

TEST_CASE("linear asymmetric weights: zero point, clipping by percentile clamps to the grid") {
  FloatTensor w({1, 101});
  for (int k = 0; k <= 100; ++k) {
    w[k] = 0.1f * static_cast<float>(k) - 2.0f;  // -2 .. 8
  }
  const IntType u8 = IntType::Unsigned(8);
  const QuantizedWeights qw = QuantizeWeightsLinear(w, u8, false, false, {});
  const float s = qw.params.scales[0];
  CHECK(s == static_cast<float>(10.0 / 255));
  CHECK(qw.params.zero_points[0] == 51);  // round(2 / (10/255)) = round(51.0)
  CHECK(qw.values[0] == 0);
  CHECK(qw.values[100] == 255);
  CHECK(qw.values[20] == 51);  // w = 0 -> z exactly
  const FloatTensor d = DequantizeWeights(qw);
  for (int64_t i = 0; i < w.size(); ++i) {
    CHECK(std::abs(double{w[i]} - d[i]) <= s * (0.5 + 1e-4));
  }
  CalibOptions pct;
  pct.method = CalibMethod::kPercentile;
  pct.percentile = 90;  // [-1, 7]: the ends beyond clamp to qmin and qmax
  const QuantizedWeights clipped = QuantizeWeightsLinear(w, u8, false, false, pct);
  CHECK(clipped.values[0] == 0);
  CHECK(clipped.values[1] == 0);
  CHECK(clipped.values[100] == 255);
  CHECK(clipped.values[99] == 255);
}

TEST_CASE("reconstruction SQNR improves with bits") {
  const FloatTensor w = GaussianWeights({16, 64}, 13);
  double prev = -1e9;
  for (int bits : {2, 4, 8}) {
    const double sqnr = SqnrDb(w, QuantizeWeightsLinear(w, IntType::Signed(bits), true, true, {}));
    INFO("linear bits " << bits << " SQNR " << sqnr);
    CHECK(sqnr > prev + 5);
    prev = sqnr;
  }
  CHECK(prev > 35);  // 8 bits on a Gaussian: ~40 dB with min/max ranges
  prev = -1e9;
  for (int bits : {2, 3, 4}) {
    const double sqnr = SqnrDb(w, QuantizeWeightsPow2(w, bits, true));
    INFO("pow2 bits " << bits << " SQNR " << sqnr);
    CHECK(sqnr > prev);
    prev = sqnr;
  }
  // Ternary beats binary on Gaussian weights (TWN's motivation).
  CHECK(SqnrDb(w, QuantizeWeightsTernary(w, true)) > SqnrDb(w, QuantizeWeightsBinary(w, true)));
}

TEST_CASE("QuantizeWeights dispatches, histogram methods run per channel") {
  const FloatTensor w = GaussianWeights({4, 2, 3, 3}, 17);
  CalibOptions kl;
  kl.method = CalibMethod::kKl;
  const QuantizedWeights a =
      QuantizeWeights(w, QuantCode::kLinear, IntType::Signed(4), 0, true, true, kl);
  const QuantizedWeights b = QuantizeWeightsLinear(w, IntType::Signed(4), true, true, kl);
  CHECK(a.values.data == b.values.data);
  CHECK(a.params.scales == b.params.scales);
  CHECK(a.params.scales.size() == 4);
  CHECK(QuantizeWeights(w, QuantCode::kPow2, {}, 4, true, true, {}).values.data ==
        QuantizeWeightsPow2(w, 4, true).values.data);
  CHECK(QuantizeWeights(w, QuantCode::kBinary, {}, 0, true, false, {}).params.type ==
        IntType::Binary());
  CHECK(QuantizeWeights(w, QuantCode::kTernary, {}, 0, true, false, {}).params.type ==
        IntType::Ternary());
}

TEST_CASE("weight quantizers reject bad tensors with InputError") {
  CHECK_THROWS_WITH(QuantizeWeightsBinary(FloatTensor(Shape{}, std::vector<float>{1.0f}), true),
                    Contains("scalar"));
  CHECK_THROWS_WITH(QuantizeWeightsTernary(FloatTensor({0, 3}), true), Contains("no element"));
  FloatTensor bad({2, 2}, 1.0f);
  bad[3] = NAN;
  CHECK_THROWS_WITH(QuantizeWeightsPow2(bad, 3, true), Contains("value 3"));
  CHECK_THROWS_WITH(QuantizeWeightsLinear(FloatTensor({2, 2}, std::vector<float>{1, 2, 3}),
                                          IntType::Signed(8), true, true, {}),
                    Contains("holds 3 values"));
  CHECK_THROWS_AS(
      QuantizeWeightsLinear(FloatTensor({2, 2}, 1.0f), IntType::Ternary(), true, true, {}),
      quasar::InputError);
}
