// The golden FP8 MAC (fp8_mac.h) against independent computations in double and int128:
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
//  - NaN operands set the sticky flag and add nothing.
//  - every pair of E5M2 codes: the product times 2^-32 equals the double product (exact: at most
//    3 significant bits per operand, 6 in the product, magnitudes in [2^-32, 57344^2]), below
//    2^64 units (65 signed bits); seeded sequences into an 80-bit register equal the int128 sum
//    of the decoded products scaled by 2^32 (integers below 2^64, so each scaling is exact), in
//    any order, and their float output the int128 -> float conversion of that sum, scaled;
//    a 48-bit register, which single products overflow, wraps and saturates like the integer
//    MACs'; a 128-bit register at both ends; infinities count as non-finite.
//  - registers outside 8..128 bits, and formats whose products would not fit, are refused.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "int128_test_util.h"
#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/int128.h"
#include "quasar/models/small_float.h"
#include "quasar/models/tensor.h"

using namespace quasar;
using namespace quasar::models;

namespace {

constexpr int kE4m3FractionBits = 18;  // 2^-9 * 2^-9, the smallest E4M3 product, is one unit

bool IsE4m3Nan(uint32_t code) { return (code & 0x7f) == 0x7f; }  // OFP8 v1.0: S.1111.111

double DecodedProduct(const SmallFloatFormat& f, uint32_t a, uint32_t b) {
  return static_cast<double>(Decode(f, a)) * static_cast<double>(Decode(f, b));
}

// Random 8-bit codes for which `non_finite` is false (E4M3: IsE4m3Nan; E5M2: IsE5m2NonFinite).
std::vector<uint32_t> FiniteCodes(std::mt19937_64& rng, size_t n,
                                  bool (*non_finite)(uint32_t) = IsE4m3Nan) {
  std::uniform_int_distribution<uint32_t> code(0, 255);
  std::vector<uint32_t> v;
  while (v.size() < n) {
    const uint32_t c = code(rng);
    if (!non_finite(c)) {
      v.push_back(c);
    }
  }
  return v;
}

// The products a[i] * b[i] accumulated from zero in a random order.
Fp8MacState InShuffledOrder(const SmallFloatFormat& f, const std::vector<uint32_t>& a,
                            const std::vector<uint32_t>& b, const AccumulatorSpec& spec,
                            std::mt19937_64& rng, int64_t* events) {
  std::vector<size_t> order(a.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::shuffle(order.begin(), order.end(), rng);
  Fp8MacState r;
  for (size_t i : order) {
    r = Fp8MacStep(f, r, a[i], b[i], spec, events);
  }
  return r;
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
      const auto m = static_cast<int64_t>(s.acc < 0 ? -s.acc : s.acc);
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
    REQUIRE(InShuffledOrder(f, a, b, spec, rng, &events).acc == s.acc);
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
      s = Fp8MacStep(f, s, a[i], b[i], AccumulatorSpec{bits, OverflowMode::kSaturate}, &sat_events);
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

namespace {

constexpr int kE5m2FractionBits = 32;  // 2^-16 * 2^-16, the smallest E5M2 product, is one unit

// OFP8 v1.0: exponent field all ones is infinity (mantissa 00) or NaN (01, 10, 11).
bool IsE5m2NonFinite(uint32_t code) { return ((code >> 2) & 0x1f) == 0x1f; }

// The exact E5M2 product in units of 2^-32 from the decoded values: the double product is exact
// and an integer once scaled by 2^32, below 2^64, so the conversion is exact too.
int128 ScaledE5m2Product(const SmallFloatFormat& f, uint32_t a, uint32_t b) {
  return static_cast<int128>(std::ldexp(DecodedProduct(f, a, b), kE5m2FractionBits));
}

// `v` wrapped into a two's complement register of `bits` bits.
int128 Wrapped(int128 v, int bits) {
  const int unused = 128 - bits;
  return static_cast<int128>(static_cast<uint128>(v) << unused) >> unused;
}

}  // namespace

TEST_CASE("FP8 MAC: every E5M2 product is exact, an integer number of 2^-32 units, below 2^64") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e5m2");
  REQUIRE(Fp8ProductFractionBits(f) == kE5m2FractionBits);
  const AccumulatorSpec spec{80, OverflowMode::kWrap};
  int64_t mismatches = 0, non_finite_pairs = 0;
  int128 largest = 0, smallest_non_zero = ~RegisterMin(128);
  for (uint32_t a = 0; a < 256; ++a) {
    for (uint32_t b = 0; b < 256; ++b) {
      int64_t events = 0;
      const Fp8MacState s = Fp8MacStep(f, Fp8MacState{}, a, b, spec, &events);
      mismatches += Fp8NonFinite(f, a) != IsE5m2NonFinite(a);
      if (IsE5m2NonFinite(a) || IsE5m2NonFinite(b)) {
        ++non_finite_pairs;
        mismatches +=
            !s.nan || s.acc != 0 || events != 0 || !std::isnan(Fp8AccumulatorToFloat(f, s));
        continue;
      }
      const double want = DecodedProduct(f, a, b);
      mismatches += s.nan || events != 0 ||
                    std::ldexp(static_cast<double>(s.acc), -kE5m2FractionBits) != want ||
                    s.acc != Fp8Product(f, a, b) ||
                    Fp8AccumulatorToFloat(f, s) != static_cast<float>(want);
      const int128 m = s.acc < 0 ? -s.acc : s.acc;
      largest = std::max(largest, m);
      if (m != 0) {
        smallest_non_zero = std::min(smallest_non_zero, m);
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(non_finite_pairs == 256 * 8 * 2 - 8 * 8);  // 8 non-finite codes in either operand
  CHECK(smallest_non_zero == 1);
  CHECK(largest == int128{57344 * 57344LL} << kE5m2FractionBits);  // OFP8: max normal 57344
  CHECK(largest < int128{1} << 64);
  CHECK(largest >= int128{1} << 63);  // past a 64-bit register
  CHECK(Fp8ProductBits(f) == 65);
}

TEST_CASE("FP8 MAC: E5M2 accumulation is exact and order-independent in an 80-bit accumulator") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e5m2");
  const AccumulatorSpec spec{80, OverflowMode::kSaturate};
  std::mt19937_64 rng(52);
  int128 largest_sum = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + static_cast<size_t>(trial) * 5;
    const std::vector<uint32_t> a = FiniteCodes(rng, n, IsE5m2NonFinite),
                                b = FiniteCodes(rng, n, IsE5m2NonFinite);
    int128 exact = 0;
    Fp8MacState s;
    int64_t events = 0;
    for (size_t i = 0; i < n; ++i) {
      exact += ScaledE5m2Product(f, a[i], b[i]);
      s = Fp8MacStep(f, s, a[i], b[i], spec, &events);
    }
    REQUIRE(events == 0);  // |sum| <= 996 * 57344^2 * 2^32 < 2^74
    REQUIRE(s.acc == exact);
    // One rounding: the int128 -> float conversion rounds to nearest even; 2^-32 scales exactly.
    REQUIRE(Fp8AccumulatorToFloat(f, s) ==
            static_cast<float>(exact) * std::ldexp(1.0f, -kE5m2FractionBits));
    largest_sum = std::max(largest_sum, exact < 0 ? -exact : exact);
    REQUIRE(InShuffledOrder(f, a, b, spec, rng, &events).acc == s.acc);
  }
  CHECK(largest_sum > int128{1} << 64);  // sums beyond 64 bits were reached
}

TEST_CASE("FP8 MAC: a 48-bit E5M2 accumulator wraps modulo 2^48 or saturates at every step") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e5m2");
  const int bits = 48;  // below the 65-bit products: products from 2^47 units (2^15) overflow it
  const int128 lo = -(int128{1} << (bits - 1)), hi = (int128{1} << (bits - 1)) - 1;
  std::mt19937_64 rng(48);
  int64_t wrap_events = 0, sat_events = 0, at_hi = 0, at_lo = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const size_t n = 1 + static_cast<size_t>(trial);
    const std::vector<uint32_t> a = FiniteCodes(rng, n, IsE5m2NonFinite),
                                b = FiniteCodes(rng, n, IsE5m2NonFinite);
    Fp8MacState w, s;
    int128 exact = 0, clamped = 0;
    for (size_t i = 0; i < n; ++i) {
      const int128 p = ScaledE5m2Product(f, a[i], b[i]);
      exact += p;
      clamped = std::clamp(clamped + p, lo, hi);
      w = Fp8MacStep(f, w, a[i], b[i], AccumulatorSpec{bits, OverflowMode::kWrap}, &wrap_events);
      s = Fp8MacStep(f, s, a[i], b[i], AccumulatorSpec{bits, OverflowMode::kSaturate}, &sat_events);
    }
    REQUIRE(w.acc == Wrapped(exact, bits));
    REQUIRE(s.acc == clamped);
    at_hi += s.acc == hi;
    at_lo += s.acc == lo;
  }
  CHECK(wrap_events > 100);
  CHECK(sat_events > 100);
  CHECK(at_hi > 0);
  CHECK(at_lo > 0);
}

TEST_CASE(
    "FP8 MAC on binary16 (W4A16's attention): products exact in 81 bits of 2^-48, sums exact "
    "in 128 bits") {
  const SmallFloatFormat& f = Fp16Format();
  CHECK(Fp8ProductFractionBits(f) == 48);  // 2 * 15 + 2 * 10 - 2
  CHECK(Fp8ProductBits(f) == 81);          // 65504^2 < 2^32, so below 2^80 units
  const AccumulatorSpec acc{128, OverflowMode::kWrap};
  // Every 61st code and the ends of each range, both signs: the smallest and largest
  // subnormal, the smallest normal, 1 and 65504.
  std::vector<uint32_t> codes;
  for (uint32_t c = 0; c < 0x10000; c += 61) {
    codes.push_back(c);
  }
  for (const uint32_t c : {0x0001u, 0x03FFu, 0x0400u, 0x3C00u, 0x7BFFu}) {
    codes.push_back(c);
    codes.push_back(c | 0x8000u);
  }
  // The product of two binary16 values is exact in float32 (22 significant bits, 2^-48 ..
  // 2^32), so the MAC's one product, converted once, is that float (+0 for a zero product: the
  // register has no -0).
  int64_t products = 0, events = 0;
  for (const uint32_t a : codes) {
    const float fa = Decode(f, a);
    for (const uint32_t b : codes) {
      const float fb = Decode(f, b);
      if (!std::isfinite(fa) || !std::isfinite(fb)) {
        continue;
      }
      const float want = fa * fb == 0.0f ? 0.0f : fa * fb;
      const float got = Fp8AccumulatorToFloat(f, Fp8MacStep(f, Fp8MacState{}, a, b, acc, &events));
      REQUIRE(Float32Bits(got) == Float32Bits(want));
      ++products;
    }
  }
  CHECK(products > 1'000'000);
  CHECK(events == 0);
  // 65504^2 + 2^-48 - 65504^2: float32 sums lose the smallest product, the register keeps it.
  const uint32_t big = 0x7BFF, neg_big = 0xFBFF, tiny = 0x0001;
  Fp8MacState s;
  s = Fp8MacStep(f, s, big, big, acc, &events);
  s = Fp8MacStep(f, s, tiny, tiny, acc, &events);
  s = Fp8MacStep(f, s, neg_big, big, acc, &events);
  CHECK(Fp8AccumulatorToFloat(f, s) == std::ldexp(1.0f, -48));
  CHECK(events == 0);
}

TEST_CASE("FP8 MAC: a 128-bit accumulator wraps and saturates at both ends") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e5m2");
  const int128 lo = RegisterMin(128), hi = ~lo;
  const uint32_t max_code = 0x7b, neg_max_code = 0xfb;  // S.11110.11: +-57344
  const int128 p = Fp8Product(f, max_code, max_code);
  REQUIRE(p == int128{57344 * 57344LL} << kE5m2FractionBits);
  int64_t events = 0;
  const AccumulatorSpec wrap{128, OverflowMode::kWrap}, sat{128, OverflowMode::kSaturate};
  // hi + p leaves int128: wraps to lo + p - 1, saturates at hi.
  CHECK(Fp8MacStep(f, Fp8MacState{hi, false}, max_code, max_code, wrap, &events).acc ==
        lo + (p - 1));
  CHECK(Fp8MacStep(f, Fp8MacState{hi, false}, max_code, max_code, sat, &events).acc == hi);
  CHECK(Fp8MacStep(f, Fp8MacState{lo, false}, neg_max_code, max_code, wrap, &events).acc ==
        hi - (p - 1));
  CHECK(Fp8MacStep(f, Fp8MacState{lo, false}, neg_max_code, max_code, sat, &events).acc == lo);
  CHECK(events == 4);
  // Inside the range nothing overflows.
  CHECK(Fp8MacStep(f, Fp8MacState{hi - p, false}, max_code, max_code, sat, &events).acc == hi);
  CHECK(Fp8MacStep(f, Fp8MacState{lo + p, false}, neg_max_code, max_code, wrap, &events).acc == lo);
  CHECK(events == 4);
  // The float output at both ends: 2^127 * 2^-32, exact (hi rounds up to 2^127).
  CHECK(Fp8AccumulatorToFloat(f, Fp8MacState{hi, false}) == std::ldexp(1.0f, 95));
  CHECK(Fp8AccumulatorToFloat(f, Fp8MacState{lo, false}) == -std::ldexp(1.0f, 95));
}

TEST_CASE(
    "FP8 MAC: the float32 output of a wide accumulator rounds once to nearest, ties to even") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e5m2");
  const auto out = [&](int128 acc) { return Fp8AccumulatorToFloat(f, Fp8MacState{acc, false}); };
  const float scale = std::ldexp(1.0f, -kE5m2FractionBits);
  // At 2^100 float's spacing is 2^77: 2^100 + 2^76 is a tie to the even 2^100, 2^100 + 3 * 2^76
  // one to 2^100 + 2^78, and one unit more goes up.
  const int128 two100 = int128{1} << 100, half = int128{1} << 76;
  CHECK(out(two100 + half) == std::ldexp(1.0f, 100) * scale);
  CHECK(out(two100 + 3 * half) == (std::ldexp(1.0f, 100) + std::ldexp(1.0f, 78)) * scale);
  CHECK(out(two100 + half + 1) == (std::ldexp(1.0f, 100) + std::ldexp(1.0f, 77)) * scale);
  CHECK(out(-(two100 + half)) == -std::ldexp(1.0f, 100) * scale);
  CHECK(out(1) == scale);  // 2^-32, the smallest product
  // Random values of every width against the int128 -> float conversion (nearest even).
  std::mt19937_64 rng(128);
  int64_t mismatches = 0;
  for (int i = 0; i < 100000; ++i) {
    const auto v =
        static_cast<int128>((static_cast<uint128>(rng()) << 64) | rng()) >> (rng() % 127);
    mismatches += out(v) != static_cast<float>(v) * scale;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("FP8 MAC: an E5M2 infinity or NaN sets the sticky flag and adds nothing") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e5m2");
  const AccumulatorSpec spec{80, OverflowMode::kSaturate};
  int64_t events = 0;
  Fp8MacState s = Fp8MacStep(f, Fp8MacState{}, 0x3c, 0x3c, spec, &events);  // 1 * 1
  REQUIRE(s.acc == int128{1} << kE5m2FractionBits);
  REQUIRE(!s.nan);
  s = Fp8MacStep(f, s, 0x7c, 0x00, spec, &events);  // +infinity * 0: non-finite, not 0
  CHECK(s.nan);
  CHECK(s.acc == int128{1} << kE5m2FractionBits);
  s = Fp8MacStep(f, s, 0x40, 0x3c, spec, &events);  // 2 * 1: added, the flag stays
  CHECK(s.nan);
  CHECK(s.acc == int128{3} << kE5m2FractionBits);
  Fp8MacState t = Fp8MacStep(f, Fp8MacState{}, 0x3c, 0xfc, spec, &events);  // 1 * -infinity
  CHECK(t.nan);
  t = Fp8MacStep(f, Fp8MacState{}, 0x7d, 0x3c, spec, &events);  // NaN (S.11111.01) * 1
  CHECK(t.nan);
  CHECK(t.acc == 0);
  CHECK(std::isnan(Fp8AccumulatorToFloat(f, s)));
  CHECK(events == 0);
}

TEST_CASE("FP8 MAC: registers outside 8..128 bits and formats too wide for them are refused") {
  const SmallFloatFormat& e5m2 = FindSmallFloat("fp8_e5m2");
  const SmallFloatFormat& e4m3 = FindSmallFloat("fp8_e4m3");
  int64_t events = 0;
  // Code 0x01, the smallest subnormal of either format: its square is one unit, which even an
  // 8-bit register holds.
  for (const SmallFloatFormat* f : {&e5m2, &e4m3}) {
    INFO(f->name);
    for (int bits : {7, 129, 0}) {
      CHECK_THROWS_AS(Fp8MacStep(*f, Fp8MacState{}, 0x01, 0x01,
                                 AccumulatorSpec{bits, OverflowMode::kWrap}, &events),
                      InputError);
    }
    for (int bits : {8, 64, 65, 128}) {
      CHECK_NOTHROW(Fp8MacStep(*f, Fp8MacState{}, 0x01, 0x01,
                               AccumulatorSpec{bits, OverflowMode::kWrap}, &events));
    }
  }
  // bfloat16's layout (8 exponent bits, 7 mantissa bits, bias 127): products of 523 bits, F 266.
  const SmallFloatFormat bf16{"bf16", 8, 7, 127, true, NanCodes::kIeee, 3.39e38, "test"};
  CHECK(Fp8ProductBits(bf16) == 523);
  CHECK_THROWS_WITH(Fp8MacStep(bf16, Fp8MacState{}, 0x3f80, 0x3f80,
                               AccumulatorSpec{128, OverflowMode::kWrap}, &events),
                    Catch::Matchers::Contains("bf16") && Catch::Matchers::Contains("523 bits"));
  CHECK(events == 0);
}
