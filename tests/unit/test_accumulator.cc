// The accumulator register model: wrap and saturate at the boundary, event counts, widths.

#include <catch2/catch.hpp>
#include <random>

#include "quasar/models/accumulator.h"

using namespace quasar::models;

TEST_CASE("wrap and saturate at the accumulator boundary") {
  const AccumulatorSpec wrap8{8, OverflowMode::kWrap};
  const AccumulatorSpec sat8{8, OverflowMode::kSaturate};
  int64_t events = 0;
  CHECK(AccumulateAdd(126, 1, wrap8, &events) == 127);
  CHECK(events == 0);
  CHECK(AccumulateAdd(127, 1, wrap8, &events) == -128);
  CHECK(events == 1);
  CHECK(AccumulateAdd(-128, -1, wrap8, &events) == 127);
  CHECK(AccumulateAdd(100, 300, wrap8, &events) == 400 - 512);  // 400 mod 256 = 144 -> -112
  CHECK(events == 3);
  CHECK(AccumulateAdd(127, 1, sat8, &events) == 127);
  CHECK(AccumulateAdd(-128, -1000, sat8, &events) == -128);
  CHECK(events == 5);
  const AccumulatorSpec wrap64{64, OverflowMode::kWrap};
  const AccumulatorSpec sat64{64, OverflowMode::kSaturate};
  CHECK(AccumulateAdd(INT64_MAX, 1, wrap64, &events) == INT64_MIN);
  CHECK(AccumulateAdd(INT64_MIN, -1, sat64, &events) == INT64_MIN);
  CHECK(AccumulateAdd(INT64_MAX, INT64_MIN, sat64, &events) == -1);
  CHECK(events == 7);
  CHECK(AccumulateLoad(40000, AccumulatorSpec{16, OverflowMode::kWrap}, &events) == 40000 - 65536);
  CHECK(events == 8);
}

TEST_CASE("the wide register rule is AccumulateAdd's up to 64 bits and holds up to 128") {
  std::mt19937_64 rng(128);
  int64_t narrow_events = 0, wide_events = 0;
  for (int bits = 8; bits <= 64; ++bits) {
    for (OverflowMode mode : {OverflowMode::kWrap, OverflowMode::kSaturate}) {
      const AccumulatorSpec spec{bits, mode};
      for (int i = 0; i < 200; ++i) {
        const int64_t acc = static_cast<int64_t>(rng()) >> (64 - bits);  // in range
        const int64_t v = static_cast<int64_t>(rng()) >> (rng() % 64);
        const int64_t want = AccumulateAdd(acc, v, spec, &narrow_events);
        INFO("bits " << bits << " acc " << acc << " v " << v);
        REQUIRE(AccumulateAddWide(acc, v, bits, mode, &wide_events) == int128{want});
      }
    }
  }
  CHECK(wide_events == narrow_events);
  CHECK(narrow_events > 1000);
  // 80 and 128 bits at both ends.
  int64_t events = 0;
  const int128 max80 = (int128{1} << 79) - 1, min80 = -(int128{1} << 79);
  CHECK(RegisterMin(80) == min80);
  CHECK(AccumulateAddWide(max80, 1, 80, OverflowMode::kWrap, &events) == min80);
  CHECK(AccumulateAddWide(max80, 1, 80, OverflowMode::kSaturate, &events) == max80);
  CHECK(AccumulateAddWide(min80, -3, 80, OverflowMode::kWrap, &events) == max80 - 2);
  CHECK(AccumulateAddWide(min80, -3, 80, OverflowMode::kSaturate, &events) == min80);
  CHECK(AccumulateAddWide(max80 - 1, 1, 80, OverflowMode::kSaturate, &events) == max80);
  CHECK(events == 4);
  const int128 min128 = RegisterMin(128), max128 = ~min128;
  CHECK(max128 > 0);
  CHECK(max128 + min128 == -1);
  // The sum leaves int128 itself.
  CHECK(AccumulateAddWide(max128, 2, 128, OverflowMode::kWrap, &events) == min128 + 1);
  CHECK(AccumulateAddWide(max128, max128, 128, OverflowMode::kSaturate, &events) == max128);
  CHECK(AccumulateAddWide(min128, -1, 128, OverflowMode::kWrap, &events) == max128);
  CHECK(AccumulateAddWide(min128, min128, 128, OverflowMode::kSaturate, &events) == min128);
  CHECK(AccumulateAddWide(max128, min128, 128, OverflowMode::kSaturate, &events) == -1);
  CHECK(events == 8);
}

TEST_CASE("a wrapping accumulator computes the exact sum modulo 2^bits") {
  std::mt19937_64 rng(7);
  for (int bits : {8, 12, 16, 24, 33}) {
    const AccumulatorSpec spec{bits, OverflowMode::kWrap};
    int64_t acc = 0, exact = 0, events = 0;
    for (int i = 0; i < 5000; ++i) {
      const int64_t v = static_cast<int64_t>(rng() % 2001) - 1000;
      acc = AccumulateAdd(acc, v, spec, &events);
      exact += v;
    }
    const int64_t modulus = int64_t{1} << bits;
    int64_t expected = ((exact % modulus) + modulus) % modulus;  // in [0, 2^bits)
    if (expected >= modulus / 2) {
      expected -= modulus;
    }
    INFO("bits " << bits);
    CHECK(acc == expected);
    if (bits <= 12) {
      CHECK(events > 0);  // |steps| up to 1000 leave [-2048, 2047] almost at once
    }
    if (bits == 33) {
      CHECK(events == 0);  // 5000 steps of at most 1000 never reach 2^32
    }
  }
}

TEST_CASE("required widths") {
  CHECK(SignedBitsFor(0) == 1);
  CHECK(SignedBitsFor(1) == 2);
  CHECK(SignedBitsFor(127) == 8);
  CHECK(SignedBitsFor(128) == 9);
  CHECK(SignedBitsFor(2147483647) == 32);
  CHECK(SignedBitsFor(2147483648ull) == 33);
  CHECK(SignedBitsFor(uint64_t{INT64_MAX}) == 64);
  CHECK(SignedBitsFor(uint64_t{INT64_MAX} + 1) == 65);
  // DESIGN.md section 2: int8 3x3x256 needs 28 bits by the textbook formula.
  CHECK(TextbookAccumulatorBits(8, 8, 3 * 3 * 256) == 28);
  CHECK(TextbookAccumulatorBits(4, 4, 1) == 8);
}
