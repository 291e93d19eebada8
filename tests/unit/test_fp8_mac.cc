// The golden FP8 MAC (fp8_mac.h) against independent computations in double:
//  - every pair of E4M3 codes (65,536): the fixed-point product times 2^-18 equals
//    double(Decode(a)) * double(Decode(b)). That double product is exact: each operand has at
//    most 4 significant bits (1 + 3 mantissa bits), so the product has at most 8, far inside
//    double's 53, and its magnitude lies in [2^-18, 448^2], inside double's normal range.
//  - random seeded sequences into a 64-bit accumulator: the sum equals the double sum of the
//    decoded products (exact too: every partial sum is a multiple of 2^-18 below 2^28, i.e. an
//    integer below 2^46 units), whatever the order; the float output equals float(double sum)
//    (one rounding, to nearest even).
//  - narrow accumulators: wrap gives the exact sum modulo 2^bits, saturate the sum clamped at
//    every step.
//  - NaN operands set the sticky flag and add nothing; E5M2's products do not fit 64 bits.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/small_float.h"

using namespace quasar;
using namespace quasar::models;

namespace {

constexpr int kE4m3FractionBits = 18;  // 2^-9 * 2^-9, the smallest E4M3 product, is one unit

bool IsE4m3Nan(uint32_t code) { return (code & 0x7f) == 0x7f; }  // OFP8 v1.0: S.1111.111

double DecodedProduct(const SmallFloatFormat& f, uint32_t a, uint32_t b) {
  return static_cast<double>(Decode(f, a)) * static_cast<double>(Decode(f, b));
}

// Random finite E4M3 codes.
std::vector<uint32_t> FiniteCodes(std::mt19937_64& rng, size_t n) {
  std::uniform_int_distribution<uint32_t> code(0, 255);
  std::vector<uint32_t> v;
  while (v.size() < n) {
    const uint32_t c = code(rng);
    if (!IsE4m3Nan(c)) {
      v.push_back(c);
    }
  }
  return v;
}

}  // namespace

TEST_CASE("FP8 MAC: every E4M3 product is exact, an integer number of 2^-18 units, below 2^36") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e4m3");
  REQUIRE(Fp8ProductFractionBits(f) == kE4m3FractionBits);
  int64_t mismatches = 0, largest = 0, smallest_non_zero = INT64_MAX, nan_pairs = 0;
  for (uint32_t a = 0; a < 256; ++a) {
    for (uint32_t b = 0; b < 256; ++b) {
      int64_t events = 0;
      const Fp8MacState s =
          Fp8MacStep(f, Fp8MacState{}, a, b, AccumulatorSpec{64, OverflowMode::kWrap}, &events);
      if (IsE4m3Nan(a) || IsE4m3Nan(b)) {
        ++nan_pairs;
        mismatches += !s.nan || s.acc != 0 || !std::isnan(Fp8AccumulatorToFloat(f, s));
        continue;
      }
      const double want = DecodedProduct(f, a, b);
      mismatches += s.nan || events != 0 || std::ldexp(static_cast<double>(s.acc), -18) != want ||
                    Fp8AccumulatorToFloat(f, s) != static_cast<float>(want);
      const int64_t m = s.acc < 0 ? -s.acc : s.acc;
      largest = std::max(largest, m);
      if (m != 0) {
        smallest_non_zero = std::min(smallest_non_zero, m);
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(nan_pairs == 256 * 4 - 4);  // two NaN codes in either operand
  CHECK(smallest_non_zero == 1);
  CHECK(largest == int64_t{448 * 448} << 18);
  CHECK(largest < int64_t{1} << 36);  // 37 signed bits
  CHECK(Fp8ProductBits(f) == 37);
}

TEST_CASE("FP8 MAC: accumulation is exact and order-independent in a 64-bit accumulator") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e4m3");
  const AccumulatorSpec spec{64, OverflowMode::kWrap};
  std::mt19937_64 rng(20);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + static_cast<size_t>(trial) * 5;
    const std::vector<uint32_t> a = FiniteCodes(rng, n), b = FiniteCodes(rng, n);
    double sum = 0.0;
    Fp8MacState s;
    int64_t events = 0;
    for (size_t i = 0; i < n; ++i) {
      sum += DecodedProduct(f, a[i], b[i]);
      s = Fp8MacStep(f, s, a[i], b[i], spec, &events);
    }
    REQUIRE(events == 0);
    REQUIRE(std::ldexp(static_cast<double>(s.acc), -18) == sum);
    REQUIRE(Fp8AccumulatorToFloat(f, s) == static_cast<float>(sum));
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) {
      order[i] = i;
    }
    std::shuffle(order.begin(), order.end(), rng);
    Fp8MacState r;
    for (size_t i : order) {
      r = Fp8MacStep(f, r, a[i], b[i], spec, &events);
    }
    REQUIRE(r.acc == s.acc);
  }
}

TEST_CASE("FP8 MAC: a narrow accumulator wraps modulo 2^bits or saturates at every step") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e4m3");
  const int bits = 30;  // below the 37-bit products: single large products overflow it
  const int64_t lo = -(int64_t{1} << (bits - 1)), hi = (int64_t{1} << (bits - 1)) - 1;
  std::mt19937_64 rng(60);
  int64_t wrap_events = 0, sat_events = 0, at_hi = 0, at_lo = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const size_t n = 1 + static_cast<size_t>(trial);
    const std::vector<uint32_t> a = FiniteCodes(rng, n), b = FiniteCodes(rng, n);
    Fp8MacState w, s;
    int64_t exact = 0, clamped = 0;
    for (size_t i = 0; i < n; ++i) {
      const auto p = static_cast<int64_t>(std::ldexp(DecodedProduct(f, a[i], b[i]), 18));
      exact += p;
      clamped = std::clamp(clamped + p, lo, hi);
      w = Fp8MacStep(f, w, a[i], b[i], AccumulatorSpec{bits, OverflowMode::kWrap}, &wrap_events);
      s = Fp8MacStep(f, s, a[i], b[i], AccumulatorSpec{bits, OverflowMode::kSaturate},
                     &sat_events);
    }
    const auto wrapped =
        static_cast<int64_t>(static_cast<uint64_t>(exact) << (64 - bits)) >> (64 - bits);
    REQUIRE(w.acc == wrapped);
    REQUIRE(s.acc == clamped);
    at_hi += s.acc == hi;
    at_lo += s.acc == lo;
  }
  CHECK(wrap_events > 100);
  CHECK(sat_events > 100);
  CHECK(at_hi > 0);
  CHECK(at_lo > 0);
}

TEST_CASE("FP8 MAC: a NaN operand sets the sticky flag and adds nothing") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e4m3");
  const AccumulatorSpec spec{48, OverflowMode::kSaturate};
  int64_t events = 0;
  Fp8MacState s = Fp8MacStep(f, Fp8MacState{}, 0x38, 0x38, spec, &events);  // 1 * 1
  REQUIRE(s.acc == int64_t{1} << 18);
  s = Fp8MacStep(f, s, 0xff, 0x38, spec, &events);  // -NaN * 1
  CHECK(s.nan);
  CHECK(s.acc == int64_t{1} << 18);
  s = Fp8MacStep(f, s, 0x40, 0x38, spec, &events);  // 2 * 1: added, the flag stays
  CHECK(s.nan);
  CHECK(s.acc == int64_t{3} << 18);
  CHECK(std::isnan(Fp8AccumulatorToFloat(f, s)));
  CHECK(events == 0);
}

TEST_CASE("FP8 MAC: the float32 output rounds once to nearest, ties to even") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e4m3");
  const auto out = [&](int64_t acc) { return Fp8AccumulatorToFloat(f, Fp8MacState{acc, false}); };
  const float two24 = 16777216.0f;  // 2^24: float's spacing there is 2
  const float scale = std::ldexp(1.0f, -18);
  // 2^24 + 1 lies halfway between 2^24 and 2^24 + 2: the even significand (2^24) wins;
  // 2^24 + 3 halfway between 2^24 + 2 and 2^24 + 4: 2^24 + 4 (significand 2^23 + 2, even).
  CHECK(out((int64_t{1} << 24) + 1) == two24 * scale);
  CHECK(out((int64_t{1} << 24) + 3) == (two24 + 4.0f) * scale);
  CHECK(out(-(int64_t{1} << 24) - 3) == -(two24 + 4.0f) * scale);
  CHECK(out((int64_t{1} << 24) + 5) == (two24 + 4.0f) * scale);  // tie, 2^24 + 4 is even
  CHECK(out(INT64_MIN) == -std::ldexp(1.0f, 63 - 18));
  CHECK(out(INT64_MAX) == std::ldexp(1.0f, 63 - 18));  // 2^63 - 1 rounds up to 2^63
  CHECK(out(0) == 0.0f);
  // Random values against the hardware's int64 -> float conversion (round to nearest even).
  std::mt19937_64 rng(32);
  int64_t mismatches = 0;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<int64_t>(rng()) >> (rng() % 63);
    mismatches += out(v) != static_cast<float>(v) * scale;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("FP8 MAC: E5M2's exact products need 65 bits and are refused") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e5m2");
  CHECK(Fp8ProductFractionBits(f) == 32);  // 2^-16 * 2^-16
  CHECK(Fp8ProductBits(f) == 65);          // 57344^2 = 1.75^2 * 2^30 -> below 2^64 units
  int64_t events = 0;
  CHECK_THROWS_AS(Fp8MacStep(f, Fp8MacState{}, 0x3c, 0x3c, AccumulatorSpec{}, &events),
                  InputError);
}
