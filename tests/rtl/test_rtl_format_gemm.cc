// The number formats' GEMMs (sim/cycle/format_gemm.h) on the Verilated arrays: the same integer
// passes and post unit as on the C++ array, with the RTL doing every multiply-add, through the
// register each array was built with. The arrays' lanes are 9-bit signed (-256..255), so an
// element wider than that runs in pieces of 8 bits, one pass per pair of pieces: MXFP8 E4M3
// (up to 2^17.8 units) in three, E5M2 (2^31.8) in four, fp16 activations (2^40) in five. Every
// MX format, W4A8 and W4A16 must equal the golden kernel on every element, with the C++
// array's cycles and passes (the same pieces) and no overflow; FP6 (E3M2 in two pieces) and FP4
// run through the FP8 MAC's register rule. What does not fit is refused by name: FP8 E4M3, whose
// pieces' sums the FP8 register would have to hold whole (42 bits, built 32), and block sums wider
// than the built register (os's 16 bits). The ws array built with the FP8 E4M3 MAC's 48-bit
// register (rtl_4x4_ws_acc48) runs FP8 E4M3 through it, up to the largest K whose sums it holds,
// and refuses E5M2 (a single product needs 65 bits); its 48-bit partial sums cross the ports'
// 32-bit words. One test case per array: SystemC elaborates once per process.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "format_array_test_util.h"
#include "format_test_util.h"
#include "fp16_test_util.h"
#include "quasar/models/accumulator.h"
#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/ref/group_gemm.h"
#include "quasar/models/ref/mx_gemm.h"
#include "quasar/models/small_float.h"
#include "quasar/sim/cycle/cpp_array.h"
#include "quasar/sim/cycle/format_gemm.h"
#include "quasar/sim/cycle/tile_runner.h"
#include "quasar/sim/rtl/rtl_models.h"
#include "rtl_test_util.h"

namespace quasar::test {
namespace {

using sim::cycle::ArrayWidths;
using sim::cycle::FormatGemmResult;
using sim::cycle::PeConfig;

// The RTL run equals the golden kernel and the C++ array's run of the same GEMM (its cycles,
// passes and register), without overflow.
void RequireSameRun(const FormatGemmResult& rtl, const FormatGemmResult& cpp,
                    const std::vector<float>& golden) {
  RequireSameBits(rtl.y, golden, "RTL");
  RequireSameBits(cpp.y, golden, "C++ array");
  CHECK(rtl.cycles == cpp.cycles);
  CHECK(rtl.passes == cpp.passes);
  CHECK(rtl.accumulator_bits == cpp.accumulator_bits);
  CHECK(rtl.overflow_events == 0);
}

// Runs `body(array, shape, widths)` on built array `model` inside a SystemC thread.
template <typename Body>
void OnRtlArray(const std::string& model, Body body) {
  const sim::rtl::RtlModelInfo* info = sim::rtl::FindModel(model);
  REQUIRE(info != nullptr);
  std::unique_ptr<sim::rtl::RtlArray> array = sim::rtl::MakeRtlArray(model, "");
  const PeConfig shape = ArrayShape(info->array.dataflow, info->array.rows, info->array.cols);
  const ArrayWidths widths{std::min(info->array.mac.a_w, info->array.mac.w_w),
                           info->array.mac.acc_w};
  RunInSystemCThread([&] { body(*array, shape, widths); });
}

// MX x MX with both operands in `a_format` and `w_format`, M 3, K 70 (blocks of 32, 32, 6), N 5.
void CheckMx(sim::cycle::ArrayIf& rtl, const PeConfig& shape, const ArrayWidths& widths,
             const char* a_format, const char* w_format, std::mt19937& rng) {
  INFO(a_format << " x " << w_format);
  const MxMatrix a = RandomMx(models::FindMxFormat(a_format), 3, 70, true, rng);
  const MxMatrix wt = RandomMx(models::FindMxFormat(w_format), 5, 70, false, rng);
  sim::cycle::CppArray cpp;
  RequireSameRun(sim::cycle::MxGemmOnArray(rtl, shape, a, wt, widths),
                 sim::cycle::MxGemmOnArray(cpp, shape, a, wt, widths), models::MxGemm(a, wt));
}

// W4A8 with `bits`-bit asymmetric weights in groups of `group`, an activation zero point -3,
// M 3, K 2 * group + 9, N 6.
void CheckW4a8(sim::cycle::ArrayIf& rtl, const PeConfig& shape, const ArrayWidths& widths, int bits,
               int group, std::mt19937& rng) {
  INFO("W" << bits << "A8, groups of " << group);
  const int64_t m = 3, k = 2 * group + 9;
  const GroupQuantWeights w = RandomGroupWeights({bits, group, false}, k, 6, rng);
  const std::vector<int32_t> x = RandomInt8Codes(static_cast<size_t>(m * k), rng);
  sim::cycle::CppArray cpp;
  RequireSameRun(sim::cycle::GroupGemmInt8OnArray(rtl, shape, x, m, 0.25f, -3, w, widths),
                 sim::cycle::GroupGemmInt8OnArray(cpp, shape, x, m, 0.25f, -3, w, widths),
                 models::GroupGemmInt8(x, m, 0.25f, -3, w));
}

// W4A16 with `bits`-bit asymmetric weights in groups of `group`, M 2, K 2 * group + 9, N 5;
// activations over the whole fp16 range.
void CheckW4a16(sim::cycle::ArrayIf& rtl, const PeConfig& shape, const ArrayWidths& widths,
                int bits, int group, std::mt19937& rng) {
  INFO("W" << bits << "A16, groups of " << group);
  const int64_t m = 2, k = 2 * group + 9;
  const GroupQuantWeights w = RandomGroupWeights({bits, group, false}, k, 5, rng);
  const std::vector<float> x = RandomFp16Values(static_cast<size_t>(m * k), rng);
  sim::cycle::CppArray cpp;
  RequireSameRun(sim::cycle::GroupGemmFp16OnArray(rtl, shape, x, m, w, widths),
                 sim::cycle::GroupGemmFp16OnArray(cpp, shape, x, m, w, widths),
                 models::GroupGemmFp16(x, m, w));
}

// The FP8 MAC's outputs (Fp8MacStep over K in K order from 0, then Fp8AccumulatorToFloat) of
// codes a (M x K) and b (K x N) through `acc`; *events counts its overflows.
std::vector<float> Fp8MacGolden(const SmallFloatFormat& f, const std::vector<uint32_t>& a,
                                const std::vector<uint32_t>& b, int64_t m, int64_t k, int64_t n,
                                const models::AccumulatorSpec& acc, int64_t* events) {
  std::vector<float> golden;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      models::Fp8MacState s;
      for (int64_t kk = 0; kk < k; ++kk) {
        s = models::Fp8MacStep(f, s, a[static_cast<size_t>(i * k + kk)],
                               b[static_cast<size_t>(kk * n + j)], acc, events);
      }
      golden.push_back(models::Fp8AccumulatorToFloat(f, s));
    }
  }
  return golden;
}

// A small float's GEMM of random finite codes through the built register (wrapping unless told),
// M 3, K `k` (21 unless told), N 4.
void CheckSmallFloat(sim::cycle::ArrayIf& rtl, const PeConfig& shape, const ArrayWidths& widths,
                     const char* format, std::mt19937& rng, int64_t k = 21,
                     models::OverflowMode mode = models::OverflowMode::kWrap) {
  INFO(format << ", K " << k << ", " << models::OverflowModeName(mode));
  const SmallFloatFormat& f = models::FindSmallFloat(format);
  const int64_t m = 3, n = 4;
  const std::vector<uint32_t> a = FiniteSmallFloatCodes(f, m * k, rng);
  const std::vector<uint32_t> b = FiniteSmallFloatCodes(f, k * n, rng);
  const models::AccumulatorSpec acc{widths.register_bits, mode};
  int64_t events = 0;
  const std::vector<float> golden = Fp8MacGolden(f, a, b, m, k, n, acc, &events);
  sim::cycle::CppArray cpp;
  RequireSameRun(sim::cycle::SmallFloatGemmOnArray(rtl, shape, f, a, b, m, k, n, acc, widths),
                 sim::cycle::SmallFloatGemmOnArray(cpp, shape, f, a, b, m, k, n, acc, widths),
                 golden);
}

// One integer tile through the built register in `mode`, from initial accumulators (the partial
// sums entering the array's top edge) spread over the register's whole range, some next to its
// ends so that the products carry them over: each result equals the integer MAC's register rule
// (AccumulateAdd per product, in K order), with as many overflows, on the RTL and the C++ array.
// M 3, K 10, N 5 on 4 x 4: three row folds, whose results re-enter the top edge, and two column
// folds.
void CheckWideRegisterTile(sim::cycle::ArrayIf& rtl, const PeConfig& shape,
                           const ArrayWidths& widths, models::OverflowMode mode,
                           std::mt19937& rng) {
  INFO("integer tile, " << widths.register_bits << "-bit register, "
                        << models::OverflowModeName(mode));
  const int64_t m = 3, k = 10, n = 5;
  PeConfig cfg = shape;
  cfg.acc = {widths.register_bits, mode};
  const int64_t lane_max = (int64_t{1} << (widths.lane_bits - 1)) - 1;
  std::uniform_int_distribution<int32_t> lane(static_cast<int32_t>(-lane_max - 1),
                                              static_cast<int32_t>(lane_max));
  std::vector<int32_t> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n));
  for (int32_t& v : a) {
    v = lane(rng);
  }
  for (int32_t& v : b) {
    v = lane(rng);
  }
  // A third anywhere in the register, a third within 2^19 (more than K products of 2^16) of
  // its largest value, a third as near its smallest.
  std::uniform_int_distribution<int64_t> anywhere(cfg.acc.min(), cfg.acc.max());
  std::uniform_int_distribution<int64_t> near(0, int64_t{1} << 19);
  std::vector<int64_t> init(static_cast<size_t>(m * n));
  for (size_t o = 0; o < init.size(); ++o) {
    init[o] = o % 3 == 0   ? anywhere(rng)
              : o % 3 == 1 ? cfg.acc.max() - near(rng)
                           : cfg.acc.min() + near(rng);
  }
  std::vector<int64_t> golden = init;
  int64_t golden_events = 0;
  int64_t beyond_32_bits = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int64_t& v = golden[static_cast<size_t>(i * n + j)];
      for (int64_t kk = 0; kk < k; ++kk) {
        v = models::AccumulateAdd(
            v, int64_t{a[static_cast<size_t>(i * k + kk)]} * b[static_cast<size_t>(kk * n + j)],
            cfg.acc, &golden_events);
      }
      beyond_32_bits += v < INT32_MIN || v > INT32_MAX;
    }
  }
  // The check is not vacuous: the register's ends are crossed, and results need its upper bits.
  CHECK(golden_events > 0);
  CHECK(beyond_32_bits > 0);
  auto run = [&](sim::cycle::ArrayIf& array, std::vector<int64_t>* acc) {
    array.Configure(cfg);
    sim::cycle::TileRunner runner(array, cfg);
    *acc = init;
    sim::cycle::TileOperands t;
    t.m = m;
    t.k = k;
    t.n = n;
    t.a = a.data();
    t.b = b.data();
    t.acc = acc->data();
    return runner.Run(t).cycles;
  };
  sim::cycle::CppArray cpp;
  std::vector<int64_t> rtl_acc, cpp_acc;
  const int64_t rtl_cycles = run(rtl, &rtl_acc);
  const int64_t cpp_cycles = run(cpp, &cpp_acc);
  REQUIRE(rtl_acc.size() == golden.size());
  for (size_t o = 0; o < golden.size(); ++o) {
    INFO("output " << o << ", initial " << init[o]);
    CHECK(rtl_acc[o] == golden[o]);
    CHECK(cpp_acc[o] == golden[o]);
  }
  CHECK(rtl.overflow_events() == golden_events);
  CHECK(cpp.overflow_events() == golden_events);
  CHECK(rtl_cycles == cpp_cycles);
}

}  // namespace

TEST_CASE("RTL ws array runs every MX format and W4A8 and W4A16 in pieces of its lanes",
          "[rtl][format_gemm]") {
  std::mt19937 rng(2026);
  OnRtlArray("rtl_4x4_ws", [&](sim::cycle::ArrayIf& rtl, const PeConfig& shape,
                               const ArrayWidths& widths) {
    REQUIRE(widths.lane_bits == 9);
    REQUIRE(widths.register_bits == 32);
    CheckMx(rtl, shape, widths, "mxint8", "mxint8", rng);
    CheckMx(rtl, shape, widths, "mxfp8_e4m3", "mxfp8_e4m3", rng);
    CheckMx(rtl, shape, widths, "mxfp8_e5m2", "mxfp8_e4m3", rng);
    CheckMx(rtl, shape, widths, "mxfp6_e3m2", "mxfp6_e2m3", rng);
    CheckMx(rtl, shape, widths, "mxfp4_e2m1", "mxfp4_e2m1", rng);
    CheckW4a8(rtl, shape, widths, 4, 32, rng);
    CheckW4a8(rtl, shape, widths, 8, 128, rng);
    CheckW4a16(rtl, shape, widths, 8, 128, rng);
    CheckSmallFloat(rtl, shape, widths, "fp6_e2m3", rng);
    CheckSmallFloat(rtl, shape, widths, "fp4_e2m1", rng);
    // FP6 E3M2 (448 units) in two pieces of 8 bits, through the built register; the FP8 register
    // (32 bits) holds its whole sum (21 * 448^2 < 2^23).
    CheckSmallFloat(rtl, shape, widths, "fp6_e3m2", rng);
    // FP8 E4M3 elements (2^17.8 units) run in pieces, whose separate sums the FP8 MAC's wrapping
    // register cannot reproduce: it must hold any sum of K products, 42 bits for 21 of them.
    const SmallFloatFormat& e4m3 = models::FindSmallFloat("fp8_e4m3");
    const std::vector<uint32_t> codes = FiniteSmallFloatCodes(e4m3, 21, rng);
    REQUIRE_THROWS_WITH(sim::cycle::SmallFloatGemmOnArray(
                            rtl, shape, e4m3, codes, codes, 1, 21, 1,
                            {widths.register_bits, models::OverflowMode::kWrap}, widths),
                        Catch::Contains("42 bits, the register has 32"));
  });
}

TEST_CASE("RTL ws array with the FP8 E4M3 MAC's 48-bit register runs FP8 E4M3 in pieces",
          "[rtl][format_gemm]") {
  std::mt19937 rng(2029);
  OnRtlArray("rtl_4x4_ws_acc48", [&](sim::cycle::ArrayIf& rtl, const PeConfig& shape,
                                     const ArrayWidths& widths) {
    REQUIRE(widths.lane_bits == 9);
    REQUIRE(widths.register_bits == 48);
    // The register itself, through ports whose 48-bit fields cross 32-bit words.
    CheckWideRegisterTile(rtl, shape, widths, models::OverflowMode::kWrap, rng);
    CheckWideRegisterTile(rtl, shape, widths, models::OverflowMode::kSaturate, rng);
    // FP8 E4M3 elements (2^17.8 units) in 3 x 3 passes of 8-bit pieces, the FP8 register (the
    // built 48 bits) holding any sum of K products: 42 bits for 21, 44 for 128. No sum overflows
    // it, so saturating gives what wrapping gives, and both are the FP8 MAC's.
    CheckSmallFloat(rtl, shape, widths, "fp8_e4m3", rng);
    CheckSmallFloat(rtl, shape, widths, "fp8_e4m3", rng, 64);
    CheckSmallFloat(rtl, shape, widths, "fp8_e4m3", rng, 128);
    CheckSmallFloat(rtl, shape, widths, "fp8_e4m3", rng, 128, models::OverflowMode::kSaturate);
    // FP6 and FP4 too: E2M3 and E2M1 fit a lane and run through the 48 bits as the FP8 MAC's
    // register, E3M2 in 2 x 2 pieces.
    CheckSmallFloat(rtl, shape, widths, "fp6_e2m3", rng, 64);
    CheckSmallFloat(rtl, shape, widths, "fp6_e3m2", rng, 64);
    CheckSmallFloat(rtl, shape, widths, "fp4_e2m1", rng, 64, models::OverflowMode::kSaturate);

    // The largest K the register holds. E4M3's largest magnitude, 448, is 448 * 2^9 = 229,376
    // units of 2^-9, so the largest product is 229,376^2 units of 2^-18 and K of them need
    // K * 229,376^2 < 2^47: K <= 2674. At K = 2674, products of the largest magnitude all of one
    // sign bring the sum to within 2^36 of the register's end; a mix of signs and random codes
    // fills the other outputs. Rows of A: all +448, all -448, random; columns of B: all +448,
    // alternating -448 and +448, random.
    const SmallFloatFormat& e4m3 = models::FindSmallFloat("fp8_e4m3");
    const uint32_t plus = models::Encode(e4m3, 448.0, false);
    const uint32_t minus = models::Encode(e4m3, -448.0, false);
    bool finite = false;
    REQUIRE(models::SmallFloatUnits(e4m3, plus, finite) == 448 * 512);
    const int64_t largest = int64_t{448} * 512 * 448 * 512;
    const int64_t k_max = 2674;
    REQUIRE(k_max * largest < (int64_t{1} << 47));
    REQUIRE((k_max + 1) * largest >= (int64_t{1} << 47));
    {
      const int64_t m = 3, k = k_max, n = 3;
      const std::vector<uint32_t> random = FiniteSmallFloatCodes(e4m3, 2 * k, rng);
      std::vector<uint32_t> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n));
      for (int64_t kk = 0; kk < k; ++kk) {
        a[static_cast<size_t>(kk)] = plus;
        a[static_cast<size_t>(k + kk)] = minus;
        a[static_cast<size_t>(2 * k + kk)] = random[static_cast<size_t>(kk)];
        b[static_cast<size_t>(kk * n)] = plus;
        b[static_cast<size_t>(kk * n + 1)] = kk % 2 == 0 ? minus : plus;
        b[static_cast<size_t>(kk * n + 2)] = random[static_cast<size_t>(k + kk)];
      }
      for (const models::OverflowMode mode :
           {models::OverflowMode::kWrap, models::OverflowMode::kSaturate}) {
        INFO("fp8_e4m3, K " << k << ", " << models::OverflowModeName(mode));
        const models::AccumulatorSpec acc{widths.register_bits, mode};
        int64_t events = 0;
        const std::vector<float> golden = Fp8MacGolden(e4m3, a, b, m, k, n, acc, &events);
        CHECK(events == 0);
        // The all-+448 output is the whole sum, K * 448^2 exactly (a float32 up to its 24 bits).
        CHECK(golden[0] == static_cast<float>(static_cast<double>(k) * 448.0 * 448.0));
        sim::cycle::CppArray cpp;
        const FormatGemmResult r =
            sim::cycle::SmallFloatGemmOnArray(rtl, shape, e4m3, a, b, m, k, n, acc, widths);
        RequireSameRun(
            r, sim::cycle::SmallFloatGemmOnArray(cpp, shape, e4m3, a, b, m, k, n, acc, widths),
            golden);
        CHECK(r.passes == 3 * 3);
        CHECK(r.accumulator_bits == 48);
      }
    }
    // One more product and the register could not hold every sum: refused before it runs, in
    // either mode, naming both widths.
    for (const models::OverflowMode mode :
         {models::OverflowMode::kWrap, models::OverflowMode::kSaturate}) {
      const std::vector<uint32_t> codes = FiniteSmallFloatCodes(e4m3, k_max + 1, rng);
      REQUIRE_THROWS_WITH(
          sim::cycle::SmallFloatGemmOnArray(rtl, shape, e4m3, codes, codes, 1, k_max + 1, 1,
                                            {widths.register_bits, mode}, widths),
          Catch::Contains("fp8_e4m3") && Catch::Contains("49 bits, the register has 48"));
    }
    // FP8 E5M2 elements (57,344 = 2^31.8 units of 2^-16) in 4 x 4 pieces: one product needs 65
    // bits, 21 of them 70, past the 48-bit register (E5M2's FP8 MAC is built with 80).
    const SmallFloatFormat& e5m2 = models::FindSmallFloat("fp8_e5m2");
    const std::vector<uint32_t> e5 = FiniteSmallFloatCodes(e5m2, 21, rng);
    REQUIRE_THROWS_WITH(
        sim::cycle::SmallFloatGemmOnArray(rtl, shape, e5m2, e5, e5, 1, 21, 1,
                                          {widths.register_bits, models::OverflowMode::kWrap},
                                          widths),
        Catch::Contains("fp8_e5m2") && Catch::Contains("70 bits, the register has 48"));
    // The block formats through the 48-bit register once: its pass sums are those of the 32-bit
    // register, in a wider register.
    CheckMx(rtl, shape, widths, "mxfp8_e4m3", "mxfp8_e5m2", rng);
    CheckMx(rtl, shape, widths, "mxint8", "mxfp4_e2m1", rng);
    CheckW4a8(rtl, shape, widths, 4, 32, rng);
    CheckW4a16(rtl, shape, widths, 4, 32, rng);
  });
}

TEST_CASE("RTL is array runs MX and W4A8 and W4A16 in pieces of its lanes", "[rtl][format_gemm]") {
  std::mt19937 rng(2027);
  OnRtlArray("rtl_4x4_is",
             [&](sim::cycle::ArrayIf& rtl, const PeConfig& shape, const ArrayWidths& widths) {
               REQUIRE(widths.register_bits == 32);
               CheckMx(rtl, shape, widths, "mxint8", "mxfp6_e2m3", rng);
               CheckMx(rtl, shape, widths, "mxfp8_e5m2", "mxfp4_e2m1", rng);
               CheckW4a8(rtl, shape, widths, 4, 64, rng);
               CheckW4a16(rtl, shape, widths, 4, 32, rng);
               CheckSmallFloat(rtl, shape, widths, "fp4_e2m1", rng);
             });
}

TEST_CASE("RTL os array runs MXFP4 and 2-bit W4A8 in its 16-bit register and refuses wider sums",
          "[rtl][format_gemm]") {
  std::mt19937 rng(2028);
  OnRtlArray("rtl_4x4_os",
             [&](sim::cycle::ArrayIf& rtl, const PeConfig& shape, const ArrayWidths& widths) {
               REQUIRE(widths.register_bits == 16);
               // MXFP4 blocks: 32 * 12 * 12 = 4608, 14 bits; W2A8 groups of 32: 32 * 128 * 3, 15
               // bits.
               CheckMx(rtl, shape, widths, "mxfp4_e2m1", "mxfp4_e2m1", rng);
               CheckW4a8(rtl, shape, widths, 2, 32, rng);
               CheckSmallFloat(rtl, shape, widths, "fp4_e2m1", rng);
               // An MXINT8 block sum reaches 32 * 128 * 128 = 2^19: 21 bits. MXFP8 E4M3's pieces of
               // 8 bits reach 32 * 255 * 255 per pass: 22 bits.
               const MxMatrix i8 = RandomMx(models::FindMxFormat("mxint8"), 2, 32, false, rng);
               REQUIRE_THROWS_WITH(
                   sim::cycle::MxGemmOnArray(rtl, shape, i8, i8, widths),
                   Catch::Contains("needs a 21-bit register") && Catch::Contains("has 16 bits"));
               const MxMatrix e4 = RandomMx(models::FindMxFormat("mxfp8_e4m3"), 2, 32, false, rng);
               REQUIRE_THROWS_WITH(sim::cycle::MxGemmOnArray(rtl, shape, e4, e4, widths),
                                   Catch::Contains("needs a 22-bit register"));
             });
}

}  // namespace quasar::test
