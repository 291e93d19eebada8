// The number formats' GEMMs (sim/cycle/format_gemm.h) on the Verilated arrays: the same integer
// passes and post unit as on the C++ array, with the RTL doing every multiply-add, through the
// register each array was built with. The arrays' lanes are 9-bit signed (-256..255), so an
// element wider than that runs in pieces of 8 bits, one pass per pair of pieces: MXFP8 E4M3
// (up to 2^17.8 units) in three, E5M2 (2^31.8) in four, fp16 activations (2^40) in five. Every
// MX format, W4A8 and W4A16 must equal the golden kernel on every element, with the C++
// array's cycles and passes (the same pieces) and no overflow; FP6 (E3M2 in two pieces) and FP4
// run through the FP8 MAC's register rule. What does not fit is refused by name: FP8 E4M3, whose pieces'
// sums the FP8 register would have to hold whole (42 bits, built 32), and block sums wider
// than the built register (os's 16 bits). One test case per array: SystemC elaborates once
// per process.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "format_array_test_util.h"
#include "format_test_util.h"
#include "fp16_test_util.h"
#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/ref/group_gemm.h"
#include "quasar/models/ref/mx_gemm.h"
#include "quasar/sim/cycle/cpp_array.h"
#include "quasar/sim/cycle/format_gemm.h"
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

// A small float's GEMM through the built register (wrapping), M 3, K 21, N 4.
void CheckSmallFloat(sim::cycle::ArrayIf& rtl, const PeConfig& shape, const ArrayWidths& widths,
                     const char* format, std::mt19937& rng) {
  INFO(format);
  const SmallFloatFormat& f = models::FindSmallFloat(format);
  const int64_t m = 3, k = 21, n = 4;
  const std::vector<uint32_t> a = FiniteSmallFloatCodes(f, m * k, rng);
  const std::vector<uint32_t> b = FiniteSmallFloatCodes(f, k * n, rng);
  const models::AccumulatorSpec acc{widths.register_bits, models::OverflowMode::kWrap};
  std::vector<float> golden;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      models::Fp8MacState s;
      int64_t events = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        s = models::Fp8MacStep(f, s, a[static_cast<size_t>(i * k + kk)],
                               b[static_cast<size_t>(kk * n + j)], acc, &events);
      }
      golden.push_back(models::Fp8AccumulatorToFloat(f, s));
    }
  }
  sim::cycle::CppArray cpp;
  RequireSameRun(sim::cycle::SmallFloatGemmOnArray(rtl, shape, f, a, b, m, k, n, acc, widths),
                 sim::cycle::SmallFloatGemmOnArray(cpp, shape, f, a, b, m, k, n, acc, widths),
                 golden);
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
