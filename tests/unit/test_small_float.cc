// The small floating-point formats (small_float.h) checked exhaustively against the OCP
// definitions, with the formats' parameters and value formula written out here independently
// of the format table: OFP8 v1.0 (2023) for FP8 E4M3/E5M2, OCP MX v1.0 (2023) for FP6 E2M3/E3M2
// and FP4 E2M1; and IEEE 754 binary16 (Fp16Format) against its own formula.
//   normal (exponent field e > 0):  (-1)^s * 2^(e - bias) * (1 + m / 2^M)
//   subnormal (e = 0):              (-1)^s * 2^(1 - bias) * (m / 2^M)
// E4M3 has no infinities and one NaN per sign, S.1111.111; E5M2 is IEEE-like (S.11111.00 is
// infinity, S.11111.mm with mm != 0 NaN); FP6 and FP4 have neither.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fp16_test_util.h"
#include "quasar/models/error.h"
#include "quasar/models/small_float.h"

using namespace quasar;
using namespace quasar::models;

namespace {

struct Expected {
  const char* name;
  int e_bits, m_bits, bias;
  double max, min_subnormal;
};

// From the specifications' tables, not from the format table under test.
const std::vector<Expected>& ExpectedFormats() {
  static const std::vector<Expected> formats = {
      {"fp8_e4m3", 4, 3, 7, 448.0, std::ldexp(1.0, -9)},
      {"fp8_e5m2", 5, 2, 15, 57344.0, std::ldexp(1.0, -16)},
      {"fp6_e2m3", 2, 3, 1, 7.5, 0.125},
      {"fp6_e3m2", 3, 2, 3, 28.0, 0.0625},
      {"fp4_e2m1", 2, 1, 1, 6.0, 0.5},
  };
  return formats;
}

bool ExpectedNan(const Expected& x, uint32_t code) {
  const uint32_t magnitude = code & ((1u << (x.e_bits + x.m_bits)) - 1);
  const uint32_t e = magnitude >> x.m_bits;
  const uint32_t m = magnitude & ((1u << x.m_bits) - 1);
  if (std::string(x.name) == "fp8_e4m3") {
    return magnitude == 0x7f;
  }
  if (std::string(x.name) == "fp8_e5m2") {
    return e == 31 && m != 0;
  }
  return false;
}

bool ExpectedInfinity(const Expected& x, uint32_t code) {
  const uint32_t magnitude = code & 0x7f;
  return std::string(x.name) == "fp8_e5m2" && magnitude == 0x7c;
}

// The formula above, in double with std::pow.
double ExpectedValue(const Expected& x, uint32_t code) {
  const bool negative = ((code >> (x.e_bits + x.m_bits)) & 1u) != 0;
  const uint32_t e = (code >> x.m_bits) & ((1u << x.e_bits) - 1);
  const uint32_t m = code & ((1u << x.m_bits) - 1);
  const double fraction = static_cast<double>(m) / std::pow(2.0, x.m_bits);
  const double magnitude = e == 0 ? std::pow(2.0, 1 - x.bias) * fraction
                                  : std::pow(2.0, static_cast<int>(e) - x.bias) * (1.0 + fraction);
  return negative ? -magnitude : magnitude;
}

// The non-negative finite codes sorted by value.
std::vector<uint32_t> PositiveFiniteCodes(const Expected& x) {
  std::vector<uint32_t> codes;
  for (uint32_t c = 0; c < (1u << (x.e_bits + x.m_bits)); ++c) {
    if (!ExpectedNan(x, c) && !ExpectedInfinity(x, c)) {
      codes.push_back(c);
    }
  }
  std::sort(codes.begin(), codes.end(),
            [&](uint32_t a, uint32_t b) { return ExpectedValue(x, a) < ExpectedValue(x, b); });
  return codes;
}

}  // namespace

TEST_CASE("small float table matches the OCP parameters") {
  REQUIRE(SmallFloatFormats().size() == ExpectedFormats().size());
  for (const Expected& x : ExpectedFormats()) {
    INFO(x.name);
    const SmallFloatFormat& f = FindSmallFloat(x.name);
    CHECK(f.exponent_bits == x.e_bits);
    CHECK(f.mantissa_bits == x.m_bits);
    CHECK(f.bias == x.bias);
    CHECK(f.max_finite == x.max);
    CHECK(f.bits() == 1 + x.e_bits + x.m_bits);
  }
  CHECK_THROWS_AS(FindSmallFloat("fp8_e3m4"), InputError);
}

TEST_CASE("every small float code decodes to the OCP formula") {
  for (const Expected& x : ExpectedFormats()) {
    INFO(x.name);
    const SmallFloatFormat& f = FindSmallFloat(x.name);
    double largest = 0.0, smallest_positive = std::numeric_limits<double>::infinity();
    for (uint32_t c = 0; c < f.code_count(); ++c) {
      INFO("code " << c);
      const float v = Decode(f, c);
      CHECK(IsNan(f, c) == ExpectedNan(x, c));
      CHECK(IsInfinity(f, c) == ExpectedInfinity(x, c));
      CHECK(std::signbit(v) == ((c & f.sign_mask()) != 0));
      if (ExpectedNan(x, c)) {
        CHECK(std::isnan(v));
      } else if (ExpectedInfinity(x, c)) {
        CHECK(std::isinf(v));
      } else {
        const double expected = ExpectedValue(x, c);
        CHECK(static_cast<double>(v) == expected);
        largest = std::max(largest, expected);
        if (expected > 0) {
          smallest_positive = std::min(smallest_positive, expected);
        }
      }
    }
    CHECK(largest == x.max);
    CHECK(smallest_positive == x.min_subnormal);
    CHECK_THROWS_AS(Decode(f, f.code_count()), std::invalid_argument);
  }
  // Named values: E2M1's magnitudes, and E4M3 S.1111.110 = 448, E5M2 S.11110.11 = 57344.
  const SmallFloatFormat& e2m1 = FindSmallFloat("fp4_e2m1");
  std::vector<float> magnitudes;
  for (uint32_t c = 0; c < 8; ++c) {
    magnitudes.push_back(Decode(e2m1, c));
  }
  CHECK(magnitudes == std::vector<float>{0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f});
  CHECK(Decode(FindSmallFloat("fp8_e4m3"), 0x7e) == 448.0f);
  CHECK(Decode(FindSmallFloat("fp8_e4m3"), 0xfe) == -448.0f);
  CHECK(Decode(FindSmallFloat("fp8_e4m3"), 0x01) == std::ldexp(1.0f, -9));
  CHECK(Decode(FindSmallFloat("fp8_e5m2"), 0x7b) == 57344.0f);
  CHECK(Decode(FindSmallFloat("fp8_e5m2"), 0x01) == std::ldexp(1.0f, -16));
  CHECK(Decode(FindSmallFloat("fp6_e2m3"), 0x1f) == 7.5f);
  CHECK(Decode(FindSmallFloat("fp6_e3m2"), 0x1f) == 28.0f);
}

TEST_CASE("encoding a decoded small float gives the code back") {
  for (const Expected& x : ExpectedFormats()) {
    INFO(x.name);
    const SmallFloatFormat& f = FindSmallFloat(x.name);
    for (uint32_t c = 0; c < f.code_count(); ++c) {
      INFO("code " << c);
      if (ExpectedNan(x, c)) {
        continue;
      }
      CHECK(Encode(f, Decode(f, c), false) == c);  // +-0 keep their sign
      if (!ExpectedInfinity(x, c)) {
        CHECK(Encode(f, Decode(f, c), true) == c);
      }
    }
  }
}

TEST_CASE("small float ties go to the even code, other values to the nearer one") {
  for (const Expected& x : ExpectedFormats()) {
    INFO(x.name);
    const SmallFloatFormat& f = FindSmallFloat(x.name);
    const std::vector<uint32_t> codes = PositiveFiniteCodes(x);
    const uint32_t sign = 1u << (x.e_bits + x.m_bits);
    for (size_t i = 0; i + 1 < codes.size(); ++i) {
      const uint32_t lo = codes[i], hi = codes[i + 1];
      const double a = ExpectedValue(x, lo), b = ExpectedValue(x, hi);
      const double mid = (a + b) / 2;  // exact in double
      const uint32_t even = (lo % 2 == 0) ? lo : hi;
      INFO("between " << a << " and " << b);
      REQUIRE(lo % 2 != hi % 2);
      for (bool saturate : {false, true}) {
        CHECK(Encode(f, mid, saturate) == even);
        CHECK(Encode(f, -mid, saturate) == (even | sign));
        CHECK(Encode(f, std::nextafter(mid, 0.0), saturate) == lo);
        CHECK(Encode(f, std::nextafter(mid, 1e300), saturate) == hi);
        CHECK(Encode(f, -std::nextafter(mid, 0.0), saturate) == (lo | sign));
        CHECK(Encode(f, -std::nextafter(mid, 1e300), saturate) == (hi | sign));
        // The same in float, as QuantizeLinear passes a float32 quotient.
        CHECK(Encode(f, static_cast<float>(mid), saturate) == even);
      }
    }
  }
  // Below the smallest subnormal: its half is a tie with +0 (even), anything above rounds up.
  const SmallFloatFormat& e4m3 = FindSmallFloat("fp8_e4m3");
  CHECK(Encode(e4m3, std::ldexp(1.0, -10), true) == 0x00);
  CHECK(Encode(e4m3, -std::ldexp(1.0, -10), true) == 0x80);
  CHECK(Encode(e4m3, std::nextafter(std::ldexp(1.0, -10), 1.0), true) == 0x01);
  CHECK(Encode(e4m3, 1e-30, true) == 0x00);
}

TEST_CASE("small float overflow saturates or gives inf or NaN") {
  const SmallFloatFormat& e4m3 = FindSmallFloat("fp8_e4m3");
  const SmallFloatFormat& e5m2 = FindSmallFloat("fp8_e5m2");
  const double inf = std::numeric_limits<double>::infinity();
  // E4M3: above 448 the next step would be 480 (S.1111.111 is NaN); 464 is the tie, 448 is even.
  CHECK(Encode(e4m3, 464.0, false) == 0x7e);
  CHECK(Encode(e4m3, std::nextafter(464.0, 1e9), false) == 0x7f);  // NaN
  CHECK(Encode(e4m3, std::nextafter(464.0, 1e9), true) == 0x7e);
  CHECK(Encode(e4m3, -1e6, false) == 0xff);
  CHECK(Encode(e4m3, -1e6, true) == 0xfe);
  CHECK(Encode(e4m3, inf, true) == 0x7e);
  CHECK(Encode(e4m3, -inf, true) == 0xfe);
  CHECK(Encode(e4m3, inf, false) == 0x7f);
  CHECK(Encode(e4m3, -inf, false) == 0xff);
  // E5M2: the step above 57344 is 65536 (infinity); the tie 61440 goes to the even code 0x7c.
  CHECK(Encode(e5m2, std::nextafter(61440.0, 0.0), false) == 0x7b);
  CHECK(Encode(e5m2, 61440.0, false) == 0x7c);
  CHECK(Encode(e5m2, 61440.0, true) == 0x7b);
  CHECK(Encode(e5m2, -1e6, false) == 0xfc);
  CHECK(Encode(e5m2, -1e6, true) == 0xfb);
  CHECK(Encode(e5m2, inf, true) == 0x7b);
  CHECK(Encode(e5m2, -inf, true) == 0xfb);
  CHECK(Encode(e5m2, inf, false) == 0x7c);
  CHECK(Encode(e5m2, -inf, false) == 0xfc);
  // FP6/FP4 have no inf or NaN: out of range saturates whatever the flag.
  for (const char* name : {"fp6_e2m3", "fp6_e3m2", "fp4_e2m1"}) {
    INFO(name);
    const SmallFloatFormat& f = FindSmallFloat(name);
    const uint32_t max_code = f.sign_mask() - 1;  // S.11..1 is the largest finite value
    for (bool saturate : {false, true}) {
      CHECK(Encode(f, 1e9, saturate) == max_code);
      CHECK(Encode(f, -1e9, saturate) == (max_code | f.sign_mask()));
      CHECK(Encode(f, inf, saturate) == max_code);
      CHECK(Encode(f, -inf, saturate) == (max_code | f.sign_mask()));
    }
  }
  CHECK(Encode(FindSmallFloat("fp4_e2m1"), 7.0, false) == 0x7);  // tie of 6 and "8": saturates
  CHECK(Encode(FindSmallFloat("fp4_e2m1"), 5.0, false) == 0x6);  // tie of 4 (even) and 6
}

TEST_CASE("small float NaN inputs") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (bool saturate : {false, true}) {
    CHECK(Encode(FindSmallFloat("fp8_e4m3"), nan, saturate) == 0x7f);
    CHECK(Encode(FindSmallFloat("fp8_e4m3"), -nan, saturate) == 0xff);
    CHECK(Encode(FindSmallFloat("fp8_e5m2"), nan, saturate) == 0x7f);
    CHECK(Encode(FindSmallFloat("fp8_e5m2"), -nan, saturate) == 0xff);
    for (const char* name : {"fp6_e2m3", "fp6_e3m2", "fp4_e2m1"}) {
      CHECK_THROWS_AS(Encode(FindSmallFloat(name), nan, saturate), InputError);
    }
  }
}

TEST_CASE("small float quantizer divides in float32 then encodes") {
  const SmallFloatFormat& e4m3 = FindSmallFloat("fp8_e4m3");
  // 200 / 2 = 100 = 2^6 * 1.5625: between 96 (m = 4) and 104 (m = 5), a tie to 96 = S.1101.100.
  CHECK(QuantizeSmallFloat(e4m3, 200.0f, 2.0f, true) == 0x6c);
  CHECK(QuantizeSmallFloat(e4m3, 1e6f, 2.0f, true) == 0x7e);
  CHECK(QuantizeSmallFloat(e4m3, 1e6f, 2.0f, false) == 0x7f);
  CHECK(DequantizeSmallFloat(e4m3, 0x6c, 0.5f) == 48.0f);
  CHECK(DequantizeSmallFloat(FindSmallFloat("fp4_e2m1"), 0xf, 2.0f) == -12.0f);
}

TEST_CASE("binary16 (Fp16Format): every code against IEEE 754, ties to even, overflow") {
  // IEEE 754-2008, Table 3.5 and section 3.4, written out in fp16_test_util.h's Fp16Value.
  const SmallFloatFormat& f = Fp16Format();
  CHECK(f.bits() == 16);
  CHECK(f.max_finite == 65504.0);
  // Not a row of the table (whose tests pair every code with every other).
  CHECK_THROWS_AS(FindSmallFloat("fp16"), InputError);
  CHECK(std::none_of(SmallFloatFormats().begin(), SmallFloatFormats().end(),
                     [&](const SmallFloatFormat& g) { return std::string(g.name) == f.name; }));
  std::vector<float> positive;  // the finite positive values in code order
  for (uint32_t c = 0; c < 0x10000; ++c) {
    const bool special = ((c >> 10) & 0x1F) == 0x1F;
    const float v = Decode(f, c);
    if (special) {
      CHECK(((c & 0x3FF) == 0 ? std::isinf(v) : std::isnan(v)));
      continue;
    }
    const float want = test::Fp16Value(static_cast<uint16_t>(c));
    REQUIRE(std::signbit(v) == std::signbit(want));
    REQUIRE(v == want);
    REQUIRE(Encode(f, v, true) == c);
    if (c < 0x7C00) {
      positive.push_back(v);
    }
  }
  REQUIRE(positive.size() == 31744);
  for (uint32_t lo = 0; lo + 1 < positive.size(); ++lo) {
    const double a = positive[lo], b = positive[lo + 1], mid = (a + b) / 2;
    REQUIRE(Encode(f, mid, true) == (lo % 2 == 0 ? lo : lo + 1));
    REQUIRE(Encode(f, std::nextafter(mid, 0.0), true) == lo);
    REQUIRE(Encode(f, std::nextafter(mid, 1e9), true) == lo + 1);
    REQUIRE(Encode(f, -mid, true) == ((lo % 2 == 0 ? lo : lo + 1) | 0x8000));
  }
  // 65520 is the tie between 65504 and 2^16: rounding gives 2^16, past the largest, so it
  // saturates to 65504 or overflows to infinity; just below it stays 65504.
  CHECK(Encode(f, 65520.0, true) == 0x7BFF);
  CHECK(Encode(f, 65520.0, false) == 0x7C00);
  CHECK(Encode(f, -65520.0, false) == 0xFC00);
  CHECK(Encode(f, std::nextafter(65520.0, 0.0), false) == 0x7BFF);
}
