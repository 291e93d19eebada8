// Golden GEMMs with group-quantized weights (ref/group_gemm.h): W4A8 exact against double where
// its float32 steps provably do not round, W4A16 over every fp16 value and weight code, both
// kernels bit-exact against their stated order recomputed here, and within the float32 error
// bound of the exact result.

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "fp16_test_util.h"
#include "quasar/models/error.h"
#include "quasar/models/ref/group_gemm.h"

using namespace quasar;
using namespace quasar::models;

namespace {

// Random codes and zero points for K x N weights; scales are powers of two 2^-3..2^0 when
// `pow2`, else any floats in [2^-4, 1) (so that scaling rounds).
GroupQuantWeights RandomWeights(const GroupQuantSpec& spec, int64_t k, int64_t n, bool pow2,
                                std::mt19937& rng) {
  GroupQuantWeights w;
  w.spec = spec;
  w.k = k;
  w.n = n;
  std::uniform_int_distribution<int32_t> code(GroupCodeMin(spec), GroupCodeMax(spec));
  std::uniform_int_distribution<int> exponent(-3, 0);
  std::uniform_real_distribution<float> any(0.0625f, 1.0f);
  for (int64_t i = 0; i < k * n; ++i) {
    w.codes.push_back(code(rng));
  }
  for (int64_t i = 0; i < w.Groups() * n; ++i) {
    w.scales.push_back(pow2 ? std::ldexp(1.0f, exponent(rng)) : any(rng));
    w.zero_points.push_back(spec.symmetric ? 0 : code(rng));
  }
  return w;
}

double Gamma(int n) {
  const double u = std::ldexp(1.0, -24);
  return n * u / (1 - n * u);
}

}  // namespace

TEST_CASE("W4A8: exact where no float32 step rounds, bit-exact to the stated order",
          "[group_gemm]") {
  std::mt19937 rng(4);
  std::uniform_int_distribution<int32_t> act(-128, 127);
  for (int bits : {4, 8}) {
    for (bool symmetric : {false, true}) {
      for (int group : {32, 64, 128}) {
        for (bool pow2 : {true, false}) {
          INFO("bits " << bits << " symmetric " << symmetric << " group " << group << " pow2 "
                       << pow2);
          // 4-bit, K = 256, power-of-two scales: every S_g * scale is a multiple of 2^-3 (scales
          // 2^-3..2^0) and |sum| <= 128 * 15 * 256 < 2^19, so every float32 product and partial
          // sum is exact (22 bits), and so is the final * 2^-2. 8-bit (K = 96, |q - z| <= 255)
          // and other scales may round: only the ordered and bound checks apply. The double
          // reference from the dequantized operands is exact with power-of-two scales
          // (multiples of 2^-5 below 2^20). The bound is against sum_g S_g * scale_g * a_scale in
          // double: S_g * scale_g is exact (below 2^23 times 24 bits), the few additions and the
          // final product round at 2^-53.
          const int64_t k = bits == 4 ? 256 : 96;
          const int64_t m = 2;
          const int64_t n = 3;
          const GroupQuantWeights w = RandomWeights({bits, group, symmetric}, k, n, pow2, rng);
          std::vector<int32_t> a(static_cast<size_t>(m * k));
          for (int32_t& v : a) {
            v = act(rng);
          }
          const float a_scale = pow2 ? 0.25f : 0.0123f;
          const std::vector<float> y = GroupGemmInt8(a, m, a_scale, 0, w);
          const std::vector<float> wd = DequantizeGroupWeights(w);
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
              double dequantized = 0.0;
              double exact = 0.0;
              double magnitude = 0.0;
              float ordered = 0.0f;
              for (int64_t g = 0; g * group < k; ++g) {
                int64_t s = 0;
                for (int64_t kk = g * group; kk < std::min<int64_t>(k, (g + 1) * group); ++kk) {
                  const int32_t x = a[static_cast<size_t>(i * k + kk)];
                  s += int64_t{x} * (w.Code(kk, j) - w.ZeroPoint(g, j));
                  dequantized += static_cast<double>(x) * a_scale *
                                 double{wd[static_cast<size_t>(kk * n + j)]};
                }
                ordered += static_cast<float>(s) * w.Scale(g, j);
                exact += static_cast<double>(s) * w.Scale(g, j);
                magnitude += std::fabs(static_cast<double>(s) * w.Scale(g, j)) * a_scale;
              }
              exact *= a_scale;
              const float got = y[static_cast<size_t>(i * n + j)];
              REQUIRE(got == ordered * a_scale);
              if (bits == 4 && pow2) {
                REQUIRE(double{got} == dequantized);
              }
              const int groups = static_cast<int>(w.Groups());
              const double reference = 8 * std::ldexp(1.0, -53);
              REQUIRE(std::fabs(double{got} - exact) <=
                      (Gamma(groups + 1) + reference) * magnitude);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("W4A16: bit-exact to the stated order and within the float32 bound", "[group_gemm]") {
  std::mt19937 rng(16);
  for (bool symmetric : {false, true}) {
    for (int group : {32, 64, 128}) {
      INFO("symmetric " << symmetric << " group " << group);
      const int64_t k = 300;  // a shorter last group for every size
      const int64_t m = 2;
      const int64_t n = 3;
      const GroupQuantWeights w = RandomWeights({4, group, symmetric}, k, n, false, rng);
      // Every finite fp16 code equally likely: magnitudes 2^-24..65504 in one group.
      const std::vector<float> a = test::RandomFp16Values(static_cast<size_t>(m * k), rng);
      const std::vector<float> y = GroupGemmFp16(a, m, w);
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          float ordered = 0.0f;
          double exact = 0.0;
          double magnitude = 0.0;
          for (int64_t g = 0; g * group < k; ++g) {
            // The group's exact sum in 2^-24 units: below 2^40 * 15 * 128 < 2^51, so exact in
            // int64 and in double; float32(P_g) is then double's one rounding to float.
            int64_t units = 0;
            for (int64_t kk = g * group; kk < std::min<int64_t>(k, (g + 1) * group); ++kk) {
              const float x = a[static_cast<size_t>(i * k + kk)];
              units += static_cast<int64_t>(std::ldexp(double{x}, 24)) *
                       (w.Code(kk, j) - w.ZeroPoint(g, j));
              // x * (q - z) * scale: 11 + 5 + 24 bits, exact in double; the sum may round.
              const double term =
                  double{x} * double(w.Code(kk, j) - w.ZeroPoint(g, j)) * double{w.Scale(g, j)};
              exact += term;
              magnitude += std::fabs(term);
            }
            const float partial = static_cast<float>(std::ldexp(static_cast<double>(units), -24));
            ordered += partial * w.Scale(g, j);
          }
          const float got = y[static_cast<size_t>(i * n + j)];
          REQUIRE(got == ordered);
          // Each term meets one rounding of its group's sum, the scale product and at most
          // groups - 1 additions across groups. The double reference's 300 additions add at
          // most gamma_300 (u = 2^-53).
          const int roundings = 1 + static_cast<int>(w.Groups());
          const double reference = 400 * std::ldexp(1.0, -53);
          REQUIRE(std::fabs(double{got} - exact) <= (Gamma(roundings) + reference) * magnitude);
        }
      }
    }
  }
}

TEST_CASE("W4A16: every finite fp16 value times every weight code is exact", "[group_gemm]") {
  // K = 1, M = every finite fp16 value, N = every weight code: y = float32(float32(a * (q - z))
  // * 2^-3), every step exact (|a * (q - z)| has at most 11 + 8 significant bits, and is at
  // least 2^-24).
  const std::vector<uint16_t> codes = test::FiniteFp16Codes();
  REQUIRE(codes.size() == 63488);
  std::vector<float> a;
  for (const uint16_t c : codes) {
    a.push_back(test::Fp16Value(c));
  }
  for (const int bits : {2, 4, 8}) {
    const GroupQuantSpec spec{bits, 32, false};
    const int32_t zero = (1 << bits) / 3;
    GroupQuantWeights w;
    w.spec = spec;
    w.k = 1;
    for (int32_t q = GroupCodeMin(spec); q <= GroupCodeMax(spec); ++q) {
      w.codes.push_back(q);
      w.scales.push_back(0.125f);
      w.zero_points.push_back(zero);
    }
    w.n = static_cast<int64_t>(w.codes.size());
    const std::vector<float> y = GroupGemmFp16(a, static_cast<int64_t>(a.size()), w);
    int64_t wrong = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      for (int64_t j = 0; j < w.n; ++j) {
        const double want = double{a[i]} * (w.codes[static_cast<size_t>(j)] - zero) * 0.125;
        if (double{y[i * static_cast<size_t>(w.n) + static_cast<size_t>(j)]} != want &&
            wrong++ == 0) {
          FAIL_CHECK("bits " << bits << ": fp16 code " << codes[i] << " times weight code "
                             << w.codes[static_cast<size_t>(j)]);
        }
      }
    }
    REQUIRE(wrong == 0);
  }
}

TEST_CASE("W4A16: a group's sum is exact where a float32 running sum loses it", "[group_gemm]") {
  // 65504 + 2^-24 rounds to 65504 in float32 (24 significant bits), so a running sum in K
  // order gives 0; the exact group sum is 2^-24.
  GroupQuantWeights w;
  w.spec = {4, 32, false};
  w.k = 3;
  w.n = 1;
  // assign, not = {...}: GCC 12 warns (-Wnonnull) on the latter here.
  w.codes.assign(3, 9);
  w.scales.assign(1, 1.0f);
  w.zero_points.assign(1, 8);
  const float tiny = std::ldexp(1.0f, -24);
  CHECK(GroupGemmFp16({65504.0f, tiny, -65504.0f}, 1, w)[0] == tiny);
  // -0 and +0 both give +0.
  CHECK(std::signbit(GroupGemmFp16({-0.0f, -0.0f, -0.0f}, 1, w)[0]) == false);
}

TEST_CASE("W8A8 and below: every weight code times every int8 activation is exact",
          "[group_gemm]") {
  // K = 1: y = float32(float32(a * (q - z)) * scale) * a_scale, with power-of-two scales exact.
  for (int bits = 2; bits <= 8; ++bits) {
    for (bool symmetric : {false, true}) {
      const GroupQuantSpec spec{bits, 32, symmetric};
      const int32_t zero = symmetric ? 0 : (1 << bits) / 3;
      INFO("bits " << bits << " symmetric " << symmetric);
      for (int32_t q = GroupCodeMin(spec); q <= GroupCodeMax(spec); ++q) {
        GroupQuantWeights w;
        w.spec = spec;
        w.k = 1;
        w.n = 1;
        w.codes = {q};
        w.scales = {0.125f};
        w.zero_points = {zero};
        for (int32_t a = -128; a <= 127; ++a) {
          const float y = GroupGemmInt8({a}, 1, 4.0f, 0, w)[0];
          REQUIRE(double{y} == static_cast<double>(a) * 4.0 * (q - zero) * 0.125);
          REQUIRE(double{GroupGemmFp16({static_cast<float>(a)}, 1, w)[0]} ==
                  static_cast<double>(a) * (q - zero) * 0.125);
        }
      }
    }
  }
}

TEST_CASE("W4A8 with an activation zero point: every activation and weight code pair, exact",
          "[group_gemm]") {
  // K = 1: y = float32(float32((a - a_zero) * (q - z)) * 2^-3) * 2^2, every step exact
  // (|product| <= 255 * 255 < 2^24).
  for (const int bits : {2, 4, 8}) {
    for (const int32_t a_zero : {-128, -37, 1, 127}) {
      const GroupQuantSpec spec{bits, 32, false};
      const int32_t zero = (1 << bits) / 3;
      INFO("bits " << bits << " activation zero point " << a_zero);
      for (int32_t q = GroupCodeMin(spec); q <= GroupCodeMax(spec); ++q) {
        GroupQuantWeights w;
        w.spec = spec;
        w.k = 1;
        w.n = 1;
        // assign(1, v), not = {v}: GCC 12 warns (-Wnonnull) on the latter here.
        w.codes.assign(1, q);
        w.scales.assign(1, 0.125f);
        w.zero_points.assign(1, zero);
        for (int32_t a = -128; a <= 127; ++a) {
          const float y = GroupGemmInt8({a}, 1, 4.0f, a_zero, w)[0];
          REQUIRE(double{y} == static_cast<double>(a - a_zero) * 4.0 * (q - zero) * 0.125);
        }
      }
    }
  }
}

TEST_CASE("W4A8 with an activation zero point: bit-exact to the stated order; uint8 codes as int8",
          "[group_gemm]") {
  std::mt19937 rng(58);
  // Codes and zero points below 127, so that every one can be shifted up by one below.
  std::uniform_int_distribution<int32_t> act(-128, 126);
  for (const int group : {32, 128}) {
    for (const int32_t a_zero : {-128, 45, 126}) {
      INFO("group " << group << " activation zero point " << a_zero);
      const int64_t k = 300, m = 2, n = 3;  // a shorter last group for both sizes
      const GroupQuantWeights w = RandomWeights({8, group, false}, k, n, false, rng);
      std::vector<int32_t> a(static_cast<size_t>(m * k));
      for (int32_t& v : a) {
        v = act(rng);
      }
      const float a_scale = 0.0123f;
      const std::vector<float> y = GroupGemmInt8(a, m, a_scale, a_zero, w);
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          float ordered = 0.0f;
          for (int64_t g = 0; g * group < k; ++g) {
            int64_t s = 0;
            for (int64_t kk = g * group; kk < std::min<int64_t>(k, (g + 1) * group); ++kk) {
              s += int64_t{a[static_cast<size_t>(i * k + kk)] - a_zero} *
                   (w.Code(kk, j) - w.ZeroPoint(g, j));
            }
            ordered += static_cast<float>(s) * w.Scale(g, j);
          }
          REQUIRE(y[static_cast<size_t>(i * n + j)] == ordered * a_scale);
        }
      }
      // uint8 codes u with zero point z hold the values of int8 codes u - 128 with zero point
      // z - 128: shifting every code and the zero point alike leaves every output bit unchanged.
      std::vector<int32_t> up = a;
      for (int32_t& v : up) {
        v += 1;
      }
      const std::vector<float> shifted = GroupGemmInt8(up, m, a_scale, a_zero + 1, w);
      for (size_t e = 0; e < y.size(); ++e) {
        REQUIRE(shifted[e] == y[e]);
      }
    }
  }
}

TEST_CASE("group GEMMs refuse mismatched sizes and out-of-range activations", "[group_gemm]") {
  std::mt19937 rng(1);
  const GroupQuantWeights w = RandomWeights({4, 32, false}, 64, 2, true, rng);
  CHECK_THROWS_AS(GroupGemmInt8(std::vector<int32_t>(63, 0), 1, 1.0f, 0, w), InputError);
  std::vector<int32_t> a(64, 0);
  a[10] = 128;
  CHECK_THROWS_WITH(GroupGemmInt8(a, 1, 1.0f, 0, w),
                    Catch::Contains("128") && Catch::Contains("(0, 10)"));
  CHECK_THROWS_AS(GroupGemmFp16(std::vector<float>(65, 0.0f), 1, w), InputError);
  // Not a finite binary16 value: more significant bits than it holds (1 + 2^-11, and 65520,
  // which has 12), beyond its largest (65536 = 2^16, one significant bit), below its smallest
  // subnormal, infinite, NaN; each named by its row and column.
  for (const float bad :
       {1.0f + std::ldexp(1.0f, -11), 65520.0f, 65536.0f, std::ldexp(1.0f, -25),
        std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    std::vector<float> x(128, 1.0f);
    x[64 + 33] = bad;
    CHECK_THROWS_WITH(GroupGemmFp16(x, 2, w),
                      Catch::Contains("(1, 33)") && Catch::Contains("not a finite binary16"));
  }
  // The largest and the smallest are accepted.
  std::vector<float> edge(64, 65504.0f);
  edge[1] = std::ldexp(1.0f, -24);
  edge[2] = 1.0f + std::ldexp(1.0f, -10);
  CHECK_NOTHROW(GroupGemmFp16(edge, 1, w));
  CHECK_THROWS_WITH(GroupGemmInt8(std::vector<int32_t>(64, 0), 1, 1.0f, 128, w),
                    Catch::Contains("zero point 128"));
  CHECK_THROWS_WITH(GroupGemmInt8(std::vector<int32_t>(64, 0), 1, 1.0f, -129, w),
                    Catch::Contains("zero point -129"));
}
