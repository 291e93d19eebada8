// The small floats' GEMMs on the cycle model's PE array (sim/cycle/format_gemm.h) against the
// golden FP8 MAC, every output element compared bit for bit: every pair of finite codes of FP8,
// FP6 and FP4 (E5M2's in halves), then whole reductions through narrow wrapping and saturating
// registers, in the three dataflows. Then what the array refuses.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "format_array_test_util.h"
#include "format_test_util.h"
#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/ref/mx_gemm.h"
#include "quasar/sim/cycle/cpp_array.h"
#include "quasar/sim/cycle/format_gemm.h"

using namespace quasar;
using namespace quasar::models;
using quasar::sim::cycle::CppArray;
using quasar::sim::cycle::ExactSumBits;
using quasar::sim::cycle::FormatGemmResult;
using quasar::sim::cycle::PeConfig;
using quasar::test::ArrayShape;
using quasar::test::BlockCycles;
using quasar::test::FiniteSmallFloatCodes;
using quasar::test::kDataflows;
using quasar::test::RandomMx;
using quasar::test::RequireSameBits;

namespace {

// The first NaN or infinite code of a small float, for the refusal tests.
uint32_t FirstNonFinite(const SmallFloatFormat& f) {
  for (uint32_t c = 0; c < f.code_count(); ++c) {
    if (!std::isfinite(Decode(f, c))) {
      return c;
    }
  }
  return 0;
}

// The golden FP8 MAC over a (M x K) and b (K x N): per output, K products in K order through
// the register (Fp8MacStep), converted once; overflows counted into *events.
std::vector<float> GoldenFp8Gemm(const SmallFloatFormat& f, const std::vector<uint32_t>& a,
                                 const std::vector<uint32_t>& b, int64_t m, int64_t k, int64_t n,
                                 const AccumulatorSpec& acc, int64_t* events) {
  std::vector<float> y;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      Fp8MacState s;
      for (int64_t kk = 0; kk < k; ++kk) {
        s = Fp8MacStep(f, s, a[static_cast<size_t>(i * k + kk)], b[static_cast<size_t>(kk * n + j)],
                       acc, events);
      }
      y.push_back(Fp8AccumulatorToFloat(f, s));
    }
  }
  return y;
}

// The reduction tests' GEMM: M x K times K x N of random finite codes, K long enough to overflow
// a narrow register.
constexpr int64_t kRedM = 4, kRedK = 57, kRedN = 5;

// One random reduction on a 3 x 2 array in dataflow df, and the golden FP8 MAC's answer to it.
struct Reduction {
  FormatGemmResult got;
  std::vector<float> want;
  int64_t want_events = 0;
  int64_t block_cycles = 0;  // one pass over the GEMM
};

Reduction RandomReduction(const SmallFloatFormat& f, const AccumulatorSpec& acc, Dataflow df,
                          std::mt19937& rng) {
  const std::vector<uint32_t> a = FiniteSmallFloatCodes(f, kRedM * kRedK, rng);
  const std::vector<uint32_t> b = FiniteSmallFloatCodes(f, kRedK * kRedN, rng);
  Reduction r;
  r.want = GoldenFp8Gemm(f, a, b, kRedM, kRedK, kRedN, acc, &r.want_events);
  CppArray array;
  const PeConfig shape = ArrayShape(df, 3, 2);
  r.got = sim::cycle::SmallFloatGemmOnArray(array, shape, f, a, b, kRedM, kRedK, kRedN, acc);
  r.block_cycles = BlockCycles(shape, kRedM, kRedK, kRedN, kRedK);
  return r;
}

}  // namespace

TEST_CASE("small-float GEMMs on the PE array: every pair of finite codes, exact", "[format_gemm]") {
  // One GEMM of M x 1 times 1 x N holds every pair once: each output is one product in the FP8
  // MAC's register, converted once (Fp8MacStep then Fp8AccumulatorToFloat).
  for (const char* name : {"fp8_e4m3", "fp8_e5m2", "fp6_e2m3", "fp6_e3m2", "fp4_e2m1"}) {
    const SmallFloatFormat& f = FindSmallFloat(name);
    const bool halves = std::string(name) == "fp8_e5m2";  // 2^31.8 units: two halves each
    std::vector<uint32_t> codes;
    for (uint32_t c = 0; c < f.code_count(); ++c) {
      if (std::isfinite(Decode(f, c))) {
        codes.push_back(c);
      }
    }
    const int64_t count = static_cast<int64_t>(codes.size());
    // E5M2's products need 65 bits (fp8_mac.h); an 80-bit register holds any one.
    const AccumulatorSpec acc{halves ? 80 : 64, OverflowMode::kWrap};
    std::vector<float> want;
    for (const uint32_t a : codes) {
      for (const uint32_t b : codes) {
        int64_t events = 0;
        want.push_back(Fp8AccumulatorToFloat(f, Fp8MacStep(f, Fp8MacState{}, a, b, acc, &events)));
      }
    }
    for (const Dataflow df : kDataflows) {
      CppArray array;
      INFO(name << " dataflow " << static_cast<int>(df));
      const FormatGemmResult r = sim::cycle::SmallFloatGemmOnArray(
          array, ArrayShape(df, 4, 3), f, codes, codes, count, 1, count, acc);
      RequireSameBits(r.y, want);
      CHECK(r.overflow_events == 0);
      CHECK(r.passes == (halves ? 4 : 1));
    }
  }
}

TEST_CASE("FP8 E4M3 reductions through narrow registers wrap and saturate as the FP8 MAC does",
          "[format_gemm]") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e4m3");
  std::mt19937 rng(99);
  int64_t cases = 0, overflowing = 0;
  for (const int bits : {30, 36, 40, 64}) {
    for (const OverflowMode mode : {OverflowMode::kWrap, OverflowMode::kSaturate}) {
      for (const Dataflow df : kDataflows) {
        const Reduction r = RandomReduction(f, AccumulatorSpec{bits, mode}, df, rng);
        INFO("bits " << bits << " saturate " << (mode == OverflowMode::kSaturate) << " dataflow "
                     << static_cast<int>(df));
        RequireSameBits(r.got.y, r.want);
        CHECK(r.got.overflow_events == r.want_events);
        CHECK(r.got.cycles == r.block_cycles);
        overflowing += r.want_events > 0 ? 1 : 0;
        ++cases;
      }
    }
  }
  CHECK(cases == 24);
  CHECK(overflowing >= 6);  // the 30-bit registers at least
}

TEST_CASE("FP8 E5M2 reductions run in halves and equal the FP8 MAC's register", "[format_gemm]") {
  const SmallFloatFormat& f = FindSmallFloat("fp8_e5m2");
  std::mt19937 rng(5206);
  int64_t cases = 0;
  for (const OverflowMode mode : {OverflowMode::kWrap, OverflowMode::kSaturate}) {
    for (const Dataflow df : kDataflows) {
      // 57 products of up to 2^63.6 units: 71 bits hold them; the register has 80.
      const Reduction r = RandomReduction(f, AccumulatorSpec{80, mode}, df, rng);
      INFO("saturate " << (mode == OverflowMode::kSaturate) << " dataflow "
                       << static_cast<int>(df));
      RequireSameBits(r.got.y, r.want);
      CHECK(r.want_events == 0);
      CHECK(r.got.overflow_events == 0);
      CHECK(r.got.passes == 4);
      CHECK(r.got.cycles == 4 * r.block_cycles);
      CHECK(r.got.accumulator_bits == ExactSumBits(65535, 65535, kRedK));
      ++cases;
    }
  }
  CHECK(cases == 6);
}

TEST_CASE("the PE array refuses what its integer lanes cannot hold", "[format_gemm]") {
  CppArray array;
  const PeConfig shape = ArrayShape(Dataflow::kWeightStationary, 2, 2);
  std::mt19937 rng(3);
  // E5M2 runs in halves, so its register must hold the whole sum: one product of 57344^2 is
  // 2^63.6 units of 2^-32, 65 signed bits.
  const SmallFloatFormat& e5m2 = FindSmallFloat("fp8_e5m2");
  const std::vector<uint32_t> one{0x3C};  // 1.0
  REQUIRE_THROWS_WITH(sim::cycle::SmallFloatGemmOnArray(array, shape, e5m2, one, one, 1, 1, 1,
                                                        {64, OverflowMode::kWrap}),
                      Catch::Contains("fp8_e5m2") && Catch::Contains("65 bits") &&
                          Catch::Contains("the register has 64"));
  CHECK(sim::cycle::SmallFloatGemmOnArray(array, shape, e5m2, one, one, 1, 1, 1,
                                          {65, OverflowMode::kWrap})
            .y == std::vector<float>{1.0f});
  // Past 48 bits: a 1-6-1 float (bias 31) reaches 1.5 * 2^62 units of 2^-31.
  const SmallFloatFormat e6m1{"e6m1", 6, 1, 31, true, NanCodes::kIeee, 3221225472.0, "test"};
  REQUIRE_THROWS_WITH(sim::cycle::SmallFloatGemmOnArray(array, shape, e6m1, one, one, 1, 1, 1,
                                                        {128, OverflowMode::kWrap}),
                      Catch::Contains("e6m1") && Catch::Contains("at most 48 bits"));
  // A NaN element, named by its position.
  const SmallFloatFormat& e4 = FindSmallFloat("fp8_e4m3");
  const std::vector<uint32_t> a{0x38, FirstNonFinite(e4)};
  REQUIRE_THROWS_WITH(
      sim::cycle::SmallFloatGemmOnArray(array, shape, e4, a, a, 1, 2, 1, {64, OverflowMode::kWrap}),
      Catch::Contains("A element (0, 1)") && Catch::Contains("NaN"));
  // A register past the array's 64-bit partial sums holds any sum of these K products, so the GEMM
  // runs as exact passes and equals the golden MAC's with that register, on every element.
  for (const int bits : {65, 128}) {
    const AccumulatorSpec wide{bits, OverflowMode::kSaturate};
    const std::vector<uint32_t> ra = FiniteSmallFloatCodes(e4, kRedM * kRedK, rng);
    const std::vector<uint32_t> rb = FiniteSmallFloatCodes(e4, kRedK * kRedN, rng);
    int64_t events = 0;
    const std::vector<float> want = GoldenFp8Gemm(e4, ra, rb, kRedM, kRedK, kRedN, wide, &events);
    const FormatGemmResult got =
        sim::cycle::SmallFloatGemmOnArray(array, shape, e4, ra, rb, kRedM, kRedK, kRedN, wide);
    RequireSameBits(got.y, want);
    CHECK(got.overflow_events == events);
    CHECK(got.accumulator_bits <= 64);
  }
  // Below the register's least width.
  REQUIRE_THROWS_AS(sim::cycle::SmallFloatGemmOnArray(array, shape, e4, one, one, 1, 1, 1,
                                                      {4, OverflowMode::kWrap}),
                    InputError);
  // Packed operands (precision scaling) are not a format MAC's.
  PeConfig packed = shape;
  packed.pack = 2;
  const MxMatrix i8 = RandomMx(FindMxFormat("mxint8"), 2, 8, false, rng);
  REQUIRE_THROWS_WITH(sim::cycle::MxGemmOnArray(array, packed, i8, i8), Catch::Contains("pack"));
  // The golden kernels' own checks come first: a K mismatch.
  const MxMatrix short_k = RandomMx(FindMxFormat("mxint8"), 2, 7, false, rng);
  REQUIRE_THROWS_AS(sim::cycle::MxGemmOnArray(array, shape, i8, short_k), InputError);
}
