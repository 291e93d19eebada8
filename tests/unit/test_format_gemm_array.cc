// The block and group formats' GEMMs on the cycle model's PE array (sim/cycle/format_gemm.h)
// against the golden kernels, every output element compared bit for bit: every MX format (and
// mixed pairs, one of them split into halves), W4A8 and W4A16 groups (fp16 in three pieces), in
// the three dataflows on arrays small enough to fold many times; the register widths the array
// chooses or is given, and lanes narrower than the built arrays'. The small floats are in
// test_small_float_gemm_array.cc.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "format_array_test_util.h"
#include "format_test_util.h"
#include "fp16_test_util.h"
#include "quasar/models/error.h"
#include "quasar/models/ref/group_gemm.h"
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
using quasar::test::kDataflows;
using quasar::test::RandomGroupWeights;
using quasar::test::RandomInt8Codes;
using quasar::test::RandomMx;
using quasar::test::RequireSameBits;

namespace {

// The C++ array behind a check that every operand entering it fits a signed lane of
// `lane_bits`, as a Verilated array's lanes must (it also records the largest magnitude).
class LaneCheckingArray final : public sim::cycle::ArrayIf {
 public:
  explicit LaneCheckingArray(int lane_bits) : max_((int64_t{1} << (lane_bits - 1)) - 1) {}
  void Configure(const PeConfig& config) override {
    config_ = config;
    inner_.Configure(config);
  }
  void Cycle(const sim::cycle::EdgeIn& in, int64_t* south) override {
    Check(in.west, config_.rows * config_.pack);
    Check(in.north, config_.cols * config_.pack);
    inner_.Cycle(in, south);
  }
  int64_t overflow_events() const override { return inner_.overflow_events(); }
  int64_t Psum(int64_t r, int64_t c) const override { return inner_.Psum(r, c); }
  std::string Name() const override { return "lane-checking"; }
  int64_t largest() const { return largest_; }

 private:
  void Check(const int32_t* v, int64_t count) {
    for (int64_t i = 0; v != nullptr && i < count; ++i) {
      const int64_t x = v[i];
      largest_ = std::max(largest_, x < 0 ? -x : x);
      if (x < -max_ - 1 || x > max_) {
        throw std::runtime_error("operand " + std::to_string(x) + " past the lane");
      }
    }
  }
  CppArray inner_;
  PeConfig config_;
  int64_t max_;
  int64_t largest_ = 0;
};

}  // namespace

TEST_CASE("ExactSumBits: the signed register of a bounded sum", "[format_gemm]") {
  CHECK(ExactSumBits(127, 127, 1) == 15);   // 16129 < 2^14, plus the sign
  CHECK(ExactSumBits(128, 15, 32) == 17);   // 61440 < 2^16
  CHECK(ExactSumBits(128, 128, 32) == 21);  // 2^19 exactly needs 20 magnitude bits
  CHECK(ExactSumBits(0, 99, 99) == 1);
}

TEST_CASE("MX GEMMs on the PE array equal MxGemm on every element", "[format_gemm]") {
  std::mt19937 rng(20261206);
  std::uniform_int_distribution<int64_t> dim(1, 9), arr(1, 4);
  const int64_t ks[] = {1, 7, 32, 33, 70, 96};
  int64_t cases = 0, nan_outputs = 0;
  for (const MxFormat& f : MxFormats()) {
    // E5M2 elements are wider than a lane: two halves each, four passes per block.
    const int64_t passes_per_block = std::string(f.name) == "mxfp8_e5m2" ? 4 : 1;
    for (const Dataflow df : kDataflows) {
      for (const int64_t k : ks) {
        const PeConfig shape = ArrayShape(df, arr(rng), arr(rng));
        const int64_t m = dim(rng), n = dim(rng);
        const bool nan_scales = k == 70;
        const MxMatrix a = RandomMx(f, m, k, nan_scales, rng);
        const MxMatrix wt = RandomMx(f, n, k, nan_scales, rng);
        CppArray array;
        const FormatGemmResult r = sim::cycle::MxGemmOnArray(array, shape, a, wt);
        INFO(f.name << " dataflow " << static_cast<int>(df) << " array " << shape.rows << "x"
                    << shape.cols << " M " << m << " K " << k << " N " << n);
        const std::vector<float> want = MxGemm(a, wt);
        RequireSameBits(r.y, want);
        CHECK(r.passes == passes_per_block * ((k + 31) / 32));
        CHECK(r.cycles == passes_per_block * BlockCycles(shape, m, k, n, 32));
        for (const float y : want) {
          nan_outputs += std::isnan(y) ? 1 : 0;
        }
        ++cases;
      }
    }
  }
  // Operands of two formats (the block sizes agree): MXFP8 E4M3 activations, MXFP4 weights.
  const MxMatrix a = RandomMx(FindMxFormat("mxfp8_e4m3"), 5, 75, false, rng);
  const MxMatrix wt = RandomMx(FindMxFormat("mxfp4_e2m1"), 6, 75, false, rng);
  for (const Dataflow df : kDataflows) {
    CppArray array;
    RequireSameBits(sim::cycle::MxGemmOnArray(array, ArrayShape(df, 3, 2), a, wt).y, MxGemm(a, wt));
  }
  // One operand split, the other not: MXFP8 E5M2 activations, MXINT8 weights, two passes a block.
  const MxMatrix a5 = RandomMx(FindMxFormat("mxfp8_e5m2"), 4, 70, false, rng);
  const MxMatrix w8 = RandomMx(FindMxFormat("mxint8"), 3, 70, false, rng);
  for (const Dataflow df : kDataflows) {
    CppArray array;
    const FormatGemmResult r = sim::cycle::MxGemmOnArray(array, ArrayShape(df, 2, 3), a5, w8);
    RequireSameBits(r.y, MxGemm(a5, w8));
    CHECK(r.passes == 2 * 3);
  }
  CHECK(cases == 6 * 3 * 6);
  CHECK(nan_outputs > 0);  // the NaN scales reached the outputs
}

TEST_CASE("the block-sum register is as wide as the format's largest block sum", "[format_gemm]") {
  std::mt19937 rng(5);
  CppArray array;
  // MXINT8: 32 products of at most 128 * 128 units: 2^19, 21 signed bits.
  const MxMatrix a = RandomMx(FindMxFormat("mxint8"), 2, 40, false, rng);
  CHECK(sim::cycle::MxGemmOnArray(array, ArrayShape(Dataflow::kWeightStationary, 2, 2), a, a)
            .accumulator_bits == 21);
  // MXFP8 E4M3: 448 = 229376 units of 2^-9, squared times 32: 2^40.6, 42 signed bits.
  const MxMatrix b = RandomMx(FindMxFormat("mxfp8_e4m3"), 2, 40, false, rng);
  CHECK(sim::cycle::MxGemmOnArray(array, ArrayShape(Dataflow::kWeightStationary, 2, 2), b, b)
            .accumulator_bits == 42);
  // MXFP8 E5M2, in halves of at most 2^16 - 1: 32 products of two halves, 2^37, 38 signed bits.
  const MxMatrix c = RandomMx(FindMxFormat("mxfp8_e5m2"), 2, 40, false, rng);
  CHECK(sim::cycle::MxGemmOnArray(array, ArrayShape(Dataflow::kWeightStationary, 2, 2), c, c)
            .accumulator_bits == 38);
}

TEST_CASE("a wider built-in register runs the same GEMM and a narrower one is refused", "[format_gemm]") {
  std::mt19937 rng(8);
  CppArray array;
  const PeConfig shape = ArrayShape(Dataflow::kOutputStationary, 3, 2);
  const MxMatrix a = RandomMx(FindMxFormat("mxint8"), 4, 70, false, rng);
  const MxMatrix wt = RandomMx(FindMxFormat("mxint8"), 3, 70, false, rng);
  const FormatGemmResult least = sim::cycle::MxGemmOnArray(array, shape, a, wt);
  REQUIRE(least.accumulator_bits == 21);
  const FormatGemmResult wide = sim::cycle::MxGemmOnArray(array, shape, a, wt, {32, 32});
  CHECK(wide.accumulator_bits == 32);
  RequireSameBits(wide.y, least.y);
  CHECK(wide.cycles == least.cycles);
  CHECK(sim::cycle::MxGemmOnArray(array, shape, a, wt, {32, 21}).accumulator_bits == 21);
  REQUIRE_THROWS_WITH(sim::cycle::MxGemmOnArray(array, shape, a, wt, {32, 20}),
                      Catch::Contains("needs a 21-bit register") && Catch::Contains("has 20 bits"));
  // The group GEMMs take the same register rule.
  const GroupQuantWeights w = RandomGroupWeights({4, 32, false}, 40, 3, rng);
  const std::vector<int32_t> x(4 * 40, -7);
  RequireSameBits(sim::cycle::GroupGemmInt8OnArray(array, shape, x, 4, 0.5f, 2, w, {32, 40}).y,
                  GroupGemmInt8(x, 4, 0.5f, 2, w));
  REQUIRE_THROWS_WITH(sim::cycle::GroupGemmInt8OnArray(array, shape, x, 4, 0.5f, 2, w, {32, 16}),
                      Catch::Contains("needs a 17-bit register"));
  const std::vector<float> h(4 * 40, -1.5f);
  RequireSameBits(sim::cycle::GroupGemmFp16OnArray(array, shape, h, 4, w, {32, 64}).y,
                  GroupGemmFp16(h, 4, w));
}

TEST_CASE("narrow lanes run every MX and group format in pieces of the lane", "[format_gemm]") {
  // Lanes of 9 bits (the Verilated arrays') take pieces of 8; of 5 bits, pieces of 4. The
  // passes per block are (pieces of A) x (pieces of B), worked out here from each element's
  // largest magnitude in units of its quantum (number-formats.md): MXINT8 128 (8 bits), E4M3
  // 448 / 2^-9 = 229,376 (18 bits), E5M2 57,344 / 2^-16 (32 bits), E2M3 7.5 / 2^-3 = 60 (6
  // bits), E3M2 28 / 2^-4 = 448 (9 bits), E2M1 6 / 2^-1 = 12 (4 bits). One piece while the
  // magnitude fits the piece's bits, else ceil(bits / piece bits).
  struct Expected {
    const char* name;
    int64_t passes_9, passes_5;  // per block, on 9- and on 5-bit lanes
  };
  const Expected expected[] = {{"mxint8", 1, 2 * 2},         {"mxfp8_e4m3", 3 * 3, 5 * 5},
                               {"mxfp8_e5m2", 4 * 4, 8 * 8}, {"mxfp6_e2m3", 1, 2 * 2},
                               {"mxfp6_e3m2", 2 * 2, 3 * 3}, {"mxfp4_e2m1", 1, 1}};
  std::mt19937 rng(9);
  int64_t runs = 0;
  for (const int lane_bits : {9, 5}) {
    const int piece = lane_bits - 1;
    for (const Expected& x : expected) {
      INFO(x.name << " on " << lane_bits << "-bit lanes");
      const MxFormat& f = FindMxFormat(x.name);
      const MxMatrix a = RandomMx(f, 3, 40, true, rng);
      const MxMatrix wt = RandomMx(f, 2, 40, false, rng);
      LaneCheckingArray array(lane_bits);
      const PeConfig shape = ArrayShape(kDataflows[runs % 3], 2, 3);
      const FormatGemmResult r = sim::cycle::MxGemmOnArray(array, shape, a, wt, {lane_bits, 0});
      RequireSameBits(r.y, MxGemm(a, wt));
      CHECK(r.passes == 2 * (lane_bits == 9 ? x.passes_9 : x.passes_5));  // two blocks
      CHECK(array.largest() < (int64_t{1} << piece));
      ++runs;
    }
    // Two groups of K (40 in groups of 32). fp16 activations reach 2047 * 2^29 units of 2^-24
    // (40 bits: 5 pieces of 8, 10 of 4); 8-bit asymmetric weights q - zero reach 255 (8 bits:
    // 1 piece of 8, 2 of 4); int8 activation codes 128 (8 bits).
    INFO("W4A16 and W8A8 groups on " << lane_bits << "-bit lanes");
    const GroupQuantWeights w = RandomGroupWeights({8, 32, false}, 40, 3, rng);
    const std::vector<float> h = test::RandomFp16Values(2 * 40, rng);
    LaneCheckingArray array(lane_bits);
    const PeConfig shape = ArrayShape(Dataflow::kWeightStationary, 3, 2);
    const FormatGemmResult r16 =
        sim::cycle::GroupGemmFp16OnArray(array, shape, h, 2, w, {lane_bits, 0});
    RequireSameBits(r16.y, GroupGemmFp16(h, 2, w));
    CHECK(r16.passes == 2 * (lane_bits == 9 ? 5 * 1 : 10 * 2));
    const std::vector<int32_t> x = RandomInt8Codes(2 * 40, rng);
    const FormatGemmResult r8 =
        sim::cycle::GroupGemmInt8OnArray(array, shape, x, 2, 0.5f, 7, w, {lane_bits, 0});
    RequireSameBits(r8.y, GroupGemmInt8(x, 2, 0.5f, 7, w));
    CHECK(r8.passes == 2 * (lane_bits == 9 ? 1 * 1 : 2 * 2));
    CHECK(array.largest() < (int64_t{1} << piece));
  }
  CHECK(runs == 12);
  CppArray array;
  REQUIRE_THROWS_WITH(
      sim::cycle::MxGemmOnArray(array, ArrayShape(Dataflow::kWeightStationary, 2, 2),
                                RandomMx(FindMxFormat("mxint8"), 1, 8, false, rng),
                                RandomMx(FindMxFormat("mxint8"), 1, 8, false, rng), {1, 0}),
      Catch::Contains("2 to 32 bits wide, got 1"));
}

TEST_CASE("W4A8 group GEMMs on the PE array equal GroupGemmInt8 on every element",
          "[format_gemm]") {
  std::mt19937 rng(1206);
  std::uniform_real_distribution<float> any(0.0625f, 1.0f);
  std::uniform_int_distribution<int64_t> arr(1, 4);
  int64_t cases = 0;
  for (const int bits : {2, 4, 8}) {
    for (const bool symmetric : {false, true}) {
      for (const int group : {32, 64, 128}) {
        const Dataflow df = kDataflows[cases % 3];
        const int64_t m = 3 + cases % 4, k = group * 2 + 17, n = 2 + cases % 5;
        const GroupQuantWeights w = RandomGroupWeights({bits, group, symmetric}, k, n, rng);
        const std::vector<int32_t> x = RandomInt8Codes(static_cast<size_t>(m * k), rng);
        const float a_scale = any(rng);
        const PeConfig shape = ArrayShape(df, arr(rng), arr(rng));
        CppArray array;
        const FormatGemmResult r =
            sim::cycle::GroupGemmInt8OnArray(array, shape, x, m, a_scale, 0, w);
        INFO("bits " << bits << " symmetric " << symmetric << " group " << group << " dataflow "
                     << static_cast<int>(df));
        RequireSameBits(r.y, GroupGemmInt8(x, m, a_scale, 0, w));
        CHECK(r.passes == 3);
        CHECK(r.cycles == BlockCycles(shape, m, k, n, group));
        ++cases;
      }
    }
  }
  CHECK(cases == 18);
}

TEST_CASE(
    "W4A8 with an activation zero point on the PE array equals GroupGemmInt8 on every element",
    "[format_gemm]") {
  // The PEs multiply the raw codes and the post unit subtracts a_zero times the group's weight
  // sum; the golden kernel multiplies the offsets. The integers agree, so every bit does.
  std::mt19937 rng(1207);
  std::uniform_real_distribution<float> any(0.0625f, 1.0f);
  std::uniform_int_distribution<int64_t> arr(1, 4);
  int64_t cases = 0;
  for (const int bits : {4, 8}) {
    for (const int32_t a_zero : {-128, -3, 127}) {
      const Dataflow df = kDataflows[cases % 3];
      const int group = cases % 2 == 0 ? 32 : 128;
      const int64_t m = 3 + cases % 4, k = group * 2 + 17, n = 2 + cases % 5;
      const GroupQuantWeights w = RandomGroupWeights({bits, group, false}, k, n, rng);
      const std::vector<int32_t> x = RandomInt8Codes(static_cast<size_t>(m * k), rng);
      const float a_scale = any(rng);
      const PeConfig shape = ArrayShape(df, arr(rng), arr(rng));
      CppArray array;
      const FormatGemmResult r =
          sim::cycle::GroupGemmInt8OnArray(array, shape, x, m, a_scale, a_zero, w);
      INFO("bits " << bits << " activation zero point " << a_zero << " group " << group
                   << " dataflow " << static_cast<int>(df));
      RequireSameBits(r.y, GroupGemmInt8(x, m, a_scale, a_zero, w));
      // The zero point changes the outputs: the check above is not the symmetric case again.
      const std::vector<float> symmetric = GroupGemmInt8(x, m, a_scale, 0, w);
      int64_t differ = 0;
      for (size_t e = 0; e < r.y.size(); ++e) {
        differ += r.y[e] != symmetric[e];
      }
      CHECK(differ * 2 > static_cast<int64_t>(r.y.size()));
      CHECK(r.passes == 3);
      CHECK(r.cycles == BlockCycles(shape, m, k, n, group));
      ++cases;
    }
  }
  CHECK(cases == 6);
}

TEST_CASE("W4A16 group GEMMs on the PE array equal GroupGemmFp16 on every element",
          "[format_gemm]") {
  std::mt19937 rng(1207);
  std::uniform_int_distribution<int64_t> arr(1, 4);
  int64_t cases = 0;
  for (const int bits : {4, 8}) {
    for (const bool symmetric : {false, true}) {
      for (const int group : {32, 128}) {
        const Dataflow df = kDataflows[cases % 3];
        const int64_t m = 3 + cases % 4, k = group * 2 + 17, n = 2 + cases % 5;
        const GroupQuantWeights w = RandomGroupWeights({bits, group, symmetric}, k, n, rng);
        // Every finite fp16 code equally likely: all three 16-bit pieces carry data.
        const std::vector<float> x = test::RandomFp16Values(static_cast<size_t>(m * k), rng);
        const PeConfig shape = ArrayShape(df, arr(rng), arr(rng));
        CppArray array;
        const FormatGemmResult r = sim::cycle::GroupGemmFp16OnArray(array, shape, x, m, w);
        INFO("bits " << bits << " symmetric " << symmetric << " group " << group << " dataflow "
                     << static_cast<int>(df));
        RequireSameBits(r.y, GroupGemmFp16(x, m, w));
        // Three groups, each three passes (an fp16 value's three pieces).
        CHECK(r.passes == 9);
        CHECK(r.cycles == 3 * BlockCycles(shape, m, k, n, group));
        ++cases;
      }
    }
  }
  CHECK(cases == 8);
}

TEST_CASE("W4A16 on the PE array: every finite fp16 value times every 4-bit weight code",
          "[format_gemm]") {
  // K = 1: M = every finite fp16 value, N = every weight code, in one weight-stationary tile.
  const std::vector<uint16_t> codes = test::FiniteFp16Codes();
  std::vector<float> x;
  for (const uint16_t c : codes) {
    x.push_back(test::Fp16Value(c));
  }
  GroupQuantWeights w;
  w.spec = {4, 32, false};
  w.k = 1;
  for (int32_t q = GroupCodeMin(w.spec); q <= GroupCodeMax(w.spec); ++q) {
    w.codes.push_back(q);
    w.scales.push_back(0.5f);
    w.zero_points.push_back(5);
  }
  w.n = static_cast<int64_t>(w.codes.size());
  const int64_t m = static_cast<int64_t>(x.size());
  CppArray array;
  const FormatGemmResult r = sim::cycle::GroupGemmFp16OnArray(
      array, ArrayShape(Dataflow::kWeightStationary, 1, w.n), x, m, w);
  RequireSameBits(r.y, GroupGemmFp16(x, m, w));
  CHECK(r.passes == 3);
  // A value that is not fp16 is refused before the array runs, named by its position.
  x[7] = 1.0f + std::ldexp(1.0f, -12);
  REQUIRE_THROWS_WITH(sim::cycle::GroupGemmFp16OnArray(
                          array, ArrayShape(Dataflow::kWeightStationary, 1, w.n), x, m, w),
                      Catch::Contains("(7, 0)") && Catch::Contains("binary16"));
}
