// The MX x MX golden GEMM (ref/mx_gemm.h): every pair of element codes as a one-element dot
// product is the exact product rounded once to float32; whole blocks equal the exact block sum
// rounded once; several blocks follow the stated order (recomputed here) and stay within the
// float32 summation bound of the exact result.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "mx_test_util.h"
#include "quasar/models/error.h"
#include "quasar/models/ref/mx_gemm.h"

using namespace quasar;
using namespace quasar::models;

namespace {

MxMatrix Matrix(const MxFormat& f, int64_t rows, int64_t cols, std::vector<uint32_t> codes,
                std::vector<uint32_t> scales) {
  MxMatrix m;
  m.format = &f;
  m.rows = rows;
  m.cols = cols;
  m.codes = std::move(codes);
  m.scales = std::move(scales);
  return m;
}

// Whether a block's products and their sum are exact in double: every product is a multiple of
// 2^(qa + qb) and the block sum stays below 32 * max_a * max_b; E5M2 x E5M2 spans 2^-32..2^37
// (69 bits) and is left to the bound test.
bool DoubleExact(const MxFormat& a, const MxFormat& b) {
  const int span = (MxElementEmax(a) + 1) + (MxElementEmax(b) + 1) + 5 -
                   (MxElementQuantumExp(a) + MxElementQuantumExp(b));
  return span <= 53;
}

}  // namespace

TEST_CASE("RoundScaledToFloat rounds once, to nearest even", "[mx_gemm]") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> value(-(int64_t{1} << 53), int64_t{1} << 53);
  std::uniform_int_distribution<int> exponent(-230, 80);
  for (int i = 0; i < 200000; ++i) {
    const int64_t v = value(rng) >> (i % 50);
    const int e = exponent(rng);
    // v * 2^e is exact in double; the cast rounds once (IEEE 754, to nearest even).
    const auto expected = static_cast<float>(std::ldexp(static_cast<double>(v), e));
    INFO(v << " * 2^" << e);
    REQUIRE(RoundScaledToFloat(v, e) == expected);
  }
  // Beyond 64 bits: 2^70 + 2^46 is the tie between 2^70 and 2^70 + 2^47: to the even 2^70; one
  // more unit rounds up.
  const int128 tie = (int128{1} << 70) + (int128{1} << 46);
  CHECK(RoundScaledToFloat(tie, 0) == std::ldexp(1.0f, 70));
  CHECK(RoundScaledToFloat(tie + 1, 0) == std::ldexp(1.0f, 70) + std::ldexp(1.0f, 47));
  CHECK(RoundScaledToFloat(-tie - 1, -10) == -(std::ldexp(1.0f, 60) + std::ldexp(1.0f, 37)));
  CHECK(std::isinf(RoundScaledToFloat(1, 128)));
  // The int128 extremes: 2^127 - 1 rounds to 2^127 (infinity at exponent 1, exact at -100);
  // -2^127 at -277 is -2^-150, the tie between 0 and 2^-149: 0; at -276 it is -2^-149.
  const int128 top = static_cast<int128>((uint128{1} << 127) - 1);
  CHECK(RoundScaledToFloat(top, -100) == std::ldexp(1.0f, 27));
  CHECK(std::isinf(RoundScaledToFloat(top, 1)));
  CHECK(RoundScaledToFloat(-top - 1, -277) == 0.0f);
  CHECK(RoundScaledToFloat(-top - 1, -276) == -std::ldexp(1.0f, -149));
  CHECK(RoundScaledToFloat(-top, -277) == 0.0f);                 // just below the tie
  CHECK(RoundScaledToFloat(1, -150) == 0.0f);                    // the tie below 2^-149
  CHECK(RoundScaledToFloat(3, -151) == std::ldexp(1.0f, -149));  // 0.75 of 2^-149
}

TEST_CASE("MX GEMM: every pair of element codes is the exact product", "[mx_gemm]") {
  for (const MxFormat& fa : MxFormats()) {
    for (const MxFormat& fb : MxFormats()) {
      INFO(fa.name << " x " << fb.name);
      // Scales 2^-3 and 2^5 keep every product in float32's normal range or at exact zero.
      const uint32_t sa = 124;
      const uint32_t sb = 132;
      for (uint32_t ca = 0; ca < MxElementCodeCount(fa); ++ca) {
        for (uint32_t cb = 0; cb < MxElementCodeCount(fb); ++cb) {
          const double exact = double{DecodeMxElement(fa, ca)} * double{DecodeMxElement(fb, cb)} *
                               std::ldexp(1.0, 2);
          const float got = MxGemm(Matrix(fa, 1, 1, {ca}, {sa}), Matrix(fb, 1, 1, {cb}, {sb}))[0];
          if (std::isnan(exact)) {
            REQUIRE(std::isnan(got));
          } else {
            REQUIRE(double{got} == exact);  // every product has at most 8 significant bits
          }
        }
      }
    }
  }
  const MxFormat& f = FindMxFormat("mxint8");
  CHECK(std::isnan(MxGemm(Matrix(f, 1, 1, {1}, {0xFF}), Matrix(f, 1, 1, {1}, {127}))[0]));
}

TEST_CASE("MX GEMM: one block is its exact sum rounded once", "[mx_gemm]") {
  std::mt19937 rng(32);
  std::uniform_int_distribution<uint32_t> scale(100, 150);
  for (const MxFormat& fa : MxFormats()) {
    for (const MxFormat& fb : MxFormats()) {
      if (!DoubleExact(fa, fb)) {
        continue;
      }
      INFO(fa.name << " x " << fb.name);
      for (int trial = 0; trial < 200; ++trial) {
        const std::vector<uint32_t> a = test::RandomFiniteMxCodes(fa, 32, rng);
        const std::vector<uint32_t> b = test::RandomFiniteMxCodes(fb, 32, rng);
        const uint32_t sa = scale(rng);
        const uint32_t sb = scale(rng);
        double exact = 0.0;
        for (size_t k = 0; k < 32; ++k) {
          exact += double{DecodeMxElement(fa, a[k])} * double{DecodeMxElement(fb, b[k])};
        }
        exact = std::ldexp(exact, static_cast<int>(sa + sb) - 254);
        const float got = MxGemm(Matrix(fa, 1, 32, a, {sa}), Matrix(fb, 1, 32, b, {sb}))[0];
        REQUIRE(got == static_cast<float>(exact));
      }
    }
  }
}

TEST_CASE("MX GEMM: blocks summed in float32 in K order, within the bound", "[mx_gemm]") {
  std::mt19937 rng(58);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  const int64_t m = 3;
  const int64_t n = 4;
  const int64_t k = 100;  // blocks of 32, 32, 32 and 4
  std::vector<float> x(static_cast<size_t>(m * k));
  std::vector<float> w(static_cast<size_t>(n * k));
  // Blocks of very different magnitudes, so that the float32 sums across blocks round.
  const int block_shift[] = {0, -9, -17, 6};
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = std::ldexp(dist(rng) * 3.0f, block_shift[(i % static_cast<size_t>(k)) / 32]);
  }
  for (float& v : w) {
    v = dist(rng) * 0.02f;
  }
  for (const MxFormat& fa : MxFormats()) {
    for (const MxFormat& fb : MxFormats()) {
      INFO(fa.name << " x " << fb.name);
      const MxMatrix a = QuantizeMx(fa, x, m, k);
      const MxMatrix b = QuantizeMx(fb, w, n, k);
      const std::vector<float> da = DequantizeMx(a);
      const std::vector<float> db = DequantizeMx(b);
      const std::vector<float> y = MxGemm(a, b);
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          // Block sums from the dequantized operands (exact in double where DoubleExact; the
          // dequantized values are exact here: no scale reaches float32's subnormals).
          float ordered = 0.0f;
          double exact = 0.0;
          double magnitude = 0.0;
          for (int64_t b0 = 0; b0 < k; b0 += 32) {
            double block = 0.0;
            for (int64_t kk = b0; kk < std::min<int64_t>(k, b0 + 32); ++kk) {
              const double product = double{da[static_cast<size_t>(i * k + kk)]} *
                                     double{db[static_cast<size_t>(j * k + kk)]};
              block += product;
              magnitude += std::fabs(product);
            }
            ordered += static_cast<float>(block);
            exact += block;
          }
          const float got = y[static_cast<size_t>(i * n + j)];
          if (DoubleExact(fa, fb)) {
            REQUIRE(got == ordered);
          }
          // Rounding each of the 4 block sums (u each) and 3 float32 additions:
          // |got - exact| <= gamma_4 * sum |block| <= gamma_4 * sum |product|, gamma_n =
          // n u / (1 - n u), u = 2^-24. The double reference (35 additions, u = 2^-53) is off by
          // at most gamma_35 of sum |product|; 40 * 2^-53 covers it.
          const double u = std::ldexp(1.0, -24);
          const double bound = (4 * u / (1 - 4 * u) + 40 * std::ldexp(1.0, -53)) * magnitude;
          REQUIRE(std::fabs(double{got} - exact) <= bound);
        }
      }
    }
  }
}

TEST_CASE("MX GEMM: MXINT8 blocks with equal scales sum exactly", "[mx_gemm]") {
  const MxFormat& f = FindMxFormat("mxint8");
  std::mt19937 rng(8);
  const std::vector<uint32_t> a = test::RandomFiniteMxCodes(f, 2 * 96, rng);
  const std::vector<uint32_t> b = test::RandomFiniteMxCodes(f, 3 * 96, rng);
  // Every block sum is an integer number of 2^-12 * 2^(4 + 2) below 2^19 units, and three of
  // them below 2^21: every float32 partial sum is exact.
  const std::vector<float> y = MxGemm(Matrix(f, 2, 96, a, std::vector<uint32_t>(6, 131)),
                                      Matrix(f, 3, 96, b, std::vector<uint32_t>(9, 129)));
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      double exact = 0.0;
      for (int64_t kk = 0; kk < 96; ++kk) {
        exact += double{DecodeMxElement(f, a[static_cast<size_t>(i * 96 + kk)])} * 16.0 *
                 double{DecodeMxElement(f, b[static_cast<size_t>(j * 96 + kk)])} * 4.0;
      }
      CHECK(double{y[static_cast<size_t>(i * 3 + j)]} == exact);
    }
  }
}

TEST_CASE("MX GEMM refuses malformed operands", "[mx_gemm]") {
  const MxFormat& fp4 = FindMxFormat("mxfp4_e2m1");
  const MxFormat& int8 = FindMxFormat("mxint8");
  const MxMatrix good = Matrix(fp4, 1, 2, {1, 2}, {127});
  CHECK_THROWS_WITH(MxGemm(Matrix(fp4, 1, 2, {1}, {127}), good),
                    Catch::Contains("codes has 1 entries, expected 2"));
  CHECK_THROWS_WITH(MxGemm(good, Matrix(fp4, 1, 2, {1, 2}, {})),
                    Catch::Contains("scales has 0 entries, expected 1"));
  CHECK_THROWS_WITH(MxGemm(good, Matrix(fp4, 1, 2, {1, 16}, {127})),
                    Catch::Contains("element code 16") && Catch::Contains("4 bits"));
  CHECK_THROWS_WITH(MxGemm(good, Matrix(fp4, 1, 2, {1, 2}, {256})),
                    Catch::Contains("E8M0 scale 256"));
  CHECK_THROWS_WITH(MxGemm(good, Matrix(int8, 1, 3, {1, 2, 3}, {127})),
                    Catch::Contains("differ in K"));
  CHECK_THROWS_AS(MxGemm(good, MxMatrix{}), InputError);
}
