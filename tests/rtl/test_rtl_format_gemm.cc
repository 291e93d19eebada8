// The number formats' GEMMs (sim/cycle/format_gemm.h) on the Verilated arrays: the same integer
// passes and post unit as on the C++ array, with the RTL doing every multiply-add. The built
// arrays have 9-bit signed lanes (-256..255), so the formats whose element units fit them run:
// MXINT8 (codes), MXFP6 E2M3 (up to 60 units of 2^-3), MXFP4 (12 units of 2^-1), W4A8 (int8
// codes times q - zero), FP6 E2M3 and FP4. Each must equal the golden kernel on every element,
// with the C++ array's cycles and no overflow. What does not fit (MXFP6 E3M2's elements, a block
// sum wider than the built register: MXFP8, or MXINT8 in 16 bits) is refused by name. One test case per array: SystemC
// elaborates once per process.

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "format_test_util.h"
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

using sim::cycle::FormatGemmResult;
using sim::cycle::PeConfig;

// Every element bit for bit (any NaN equals any NaN).
void RequireSameBits(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  int64_t differing = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    uint32_t g = 0, w = 0;
    std::memcpy(&g, &got[i], sizeof g);
    std::memcpy(&w, &want[i], sizeof w);
    const bool same = (std::isnan(got[i]) && std::isnan(want[i])) || g == w;
    if (!same && differing++ == 0) {
      FAIL_CHECK("element " << i << ": RTL " << got[i] << ", golden " << want[i]);
    }
  }
  REQUIRE(differing == 0);
}

// The RTL run equals the golden kernel and the C++ array's run of the same GEMM (its cycles,
// passes and register), without overflow.
void RequireSameRun(const FormatGemmResult& rtl, const FormatGemmResult& cpp,
                    const std::vector<float>& golden) {
  RequireSameBits(rtl.y, golden);
  RequireSameBits(cpp.y, golden);
  CHECK(rtl.cycles == cpp.cycles);
  CHECK(rtl.passes == cpp.passes);
  CHECK(rtl.accumulator_bits == cpp.accumulator_bits);
  CHECK(rtl.overflow_events == 0);
}

// Runs `body(array, shape, register bits)` on built array `model` inside a SystemC thread.
template <typename Body>
void OnRtlArray(const std::string& model, Body body) {
  const sim::rtl::RtlModelInfo* info = sim::rtl::FindModel(model);
  REQUIRE(info != nullptr);
  std::unique_ptr<sim::rtl::RtlArray> array = sim::rtl::MakeRtlArray(model, "");
  PeConfig shape;
  shape.rows = info->array.rows;
  shape.cols = info->array.cols;
  shape.dataflow = info->array.dataflow;
  RunInSystemCThread([&] { body(*array, shape, info->array.mac.acc_w); });
}

// MX x MX with both operands in `a_format` and `w_format`, M 3, K 70 (blocks of 32, 32, 6), N 5.
void CheckMx(sim::cycle::ArrayIf& rtl, const PeConfig& shape, int acc_w, const char* a_format,
             const char* w_format, std::mt19937& rng) {
  INFO(a_format << " x " << w_format);
  const MxMatrix a = RandomMx(models::FindMxFormat(a_format), 3, 70, true, rng);
  const MxMatrix wt = RandomMx(models::FindMxFormat(w_format), 5, 70, false, rng);
  sim::cycle::CppArray cpp;
  RequireSameRun(sim::cycle::MxGemmOnArray(rtl, shape, a, wt, acc_w),
                 sim::cycle::MxGemmOnArray(cpp, shape, a, wt, acc_w), models::MxGemm(a, wt));
}

// W4A8 with `bits`-bit asymmetric weights in groups of `group`, an activation zero point -3,
// M 3, K 2 * group + 9, N 6.
void CheckW4a8(sim::cycle::ArrayIf& rtl, const PeConfig& shape, int acc_w, int bits, int group,
               std::mt19937& rng) {
  INFO("W" << bits << "A8, groups of " << group);
  const int64_t m = 3, k = 2 * group + 9;
  const GroupQuantWeights w = RandomGroupWeights({bits, group, false}, k, 6, rng);
  std::uniform_int_distribution<int32_t> code(-128, 127);
  std::vector<int32_t> x(static_cast<size_t>(m * k));
  for (int32_t& v : x) {
    v = code(rng);
  }
  sim::cycle::CppArray cpp;
  RequireSameRun(sim::cycle::GroupGemmInt8OnArray(rtl, shape, x, m, 0.25f, -3, w, acc_w),
                 sim::cycle::GroupGemmInt8OnArray(cpp, shape, x, m, 0.25f, -3, w, acc_w),
                 models::GroupGemmInt8(x, m, 0.25f, -3, w));
}

// A small float's GEMM through the built register (wrapping), M 3, K 21, N 4.
void CheckSmallFloat(sim::cycle::ArrayIf& rtl, const PeConfig& shape, int acc_w,
                     const char* format, std::mt19937& rng) {
  INFO(format);
  const SmallFloatFormat& f = models::FindSmallFloat(format);
  const int64_t m = 3, k = 21, n = 4;
  const std::vector<uint32_t> a = FiniteSmallFloatCodes(f, m * k, rng);
  const std::vector<uint32_t> b = FiniteSmallFloatCodes(f, k * n, rng);
  const models::AccumulatorSpec acc{acc_w, models::OverflowMode::kWrap};
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
  RequireSameRun(sim::cycle::SmallFloatGemmOnArray(rtl, shape, f, a, b, m, k, n, acc),
                 sim::cycle::SmallFloatGemmOnArray(cpp, shape, f, a, b, m, k, n, acc), golden);
}

}  // namespace

TEST_CASE("RTL ws array runs the MX and W4A8 and small-float GEMMs its 9-bit lanes hold",
          "[rtl][format_gemm]") {
  std::mt19937 rng(2026);
  OnRtlArray("rtl_4x4_ws", [&](sim::cycle::ArrayIf& rtl, const PeConfig& shape, int acc_w) {
    REQUIRE(acc_w == 32);
    CheckMx(rtl, shape, acc_w, "mxint8", "mxint8", rng);
    CheckMx(rtl, shape, acc_w, "mxfp6_e2m3", "mxfp4_e2m1", rng);
    CheckMx(rtl, shape, acc_w, "mxfp4_e2m1", "mxfp4_e2m1", rng);
    CheckW4a8(rtl, shape, acc_w, 4, 32, rng);
    CheckW4a8(rtl, shape, acc_w, 8, 128, rng);
    CheckSmallFloat(rtl, shape, acc_w, "fp6_e2m3", rng);
    CheckSmallFloat(rtl, shape, acc_w, "fp4_e2m1", rng);
    // MXFP6 E3M2 elements reach 28 = 448 units of 2^-4: past the 9-bit lanes (its block sums,
    // 32 * 448^2 < 2^23, would fit the register).
    MxMatrix e3m2 = RandomMx(models::FindMxFormat("mxfp6_e3m2"), 2, 32, false, rng);
    e3m2.codes.assign(64, 0x1F);  // 0 111 11: 28, the largest E3M2 value
    REQUIRE_THROWS_WITH(sim::cycle::MxGemmOnArray(rtl, shape, e3m2, e3m2, acc_w),
                        Catch::Contains("448 does not fit the MAC's 9-bit signed lane"));
    // MXFP8 E4M3 block sums reach 32 * (448 * 2^9)^2 units: 42 bits, past the built 32.
    const MxMatrix e4m3 = RandomMx(models::FindMxFormat("mxfp8_e4m3"), 2, 32, false, rng);
    REQUIRE_THROWS_WITH(sim::cycle::MxGemmOnArray(rtl, shape, e4m3, e4m3, acc_w),
                        Catch::Contains("needs a 42-bit register") &&
                            Catch::Contains("has 32 bits"));
  });
}

TEST_CASE("RTL is array runs MXINT8 and W4A8 bit-exactly", "[rtl][format_gemm]") {
  std::mt19937 rng(2027);
  OnRtlArray("rtl_4x4_is", [&](sim::cycle::ArrayIf& rtl, const PeConfig& shape, int acc_w) {
    REQUIRE(acc_w == 32);
    CheckMx(rtl, shape, acc_w, "mxint8", "mxfp6_e2m3", rng);
    CheckW4a8(rtl, shape, acc_w, 4, 64, rng);
    CheckSmallFloat(rtl, shape, acc_w, "fp4_e2m1", rng);
  });
}

TEST_CASE("RTL os array runs MXFP4 and 2-bit W4A8 in its 16-bit register and refuses MXINT8",
          "[rtl][format_gemm]") {
  std::mt19937 rng(2028);
  OnRtlArray("rtl_4x4_os", [&](sim::cycle::ArrayIf& rtl, const PeConfig& shape, int acc_w) {
    REQUIRE(acc_w == 16);
    // MXFP4 blocks: 32 * 12 * 12 = 4608, 14 bits; W2A8 groups of 32: 32 * 128 * 3, 15 bits.
    CheckMx(rtl, shape, acc_w, "mxfp4_e2m1", "mxfp4_e2m1", rng);
    CheckW4a8(rtl, shape, acc_w, 2, 32, rng);
    CheckSmallFloat(rtl, shape, acc_w, "fp4_e2m1", rng);
    // An MXINT8 block sum reaches 32 * 128 * 128 = 2^19: 21 bits.
    const MxMatrix i8 = RandomMx(models::FindMxFormat("mxint8"), 2, 32, false, rng);
    REQUIRE_THROWS_WITH(sim::cycle::MxGemmOnArray(rtl, shape, i8, i8, acc_w),
                        Catch::Contains("needs a 21-bit register") &&
                            Catch::Contains("has 16 bits"));
  });
}

}  // namespace quasar::test
