// The RTL MAC (rtl/sv/quasar_mac.sv, Verilated as quasar_mac_bank) against the golden MAC step
// (models/mac.h) on every operand combination: every pair of 8-bit operands (signed and
// unsigned), every pair of pairs of 4-bit operands (two lanes, precision scaled), every
// combination of four lanes of 2-bit operands, and every combination of four binary lanes
// (+1, -1, or empty) in XNOR-popcount mode, every pair of 9-bit operands (the arrays' lanes),
// and every 8-bit pair into a 64-bit accumulator. Each combination is added into accumulator values
// at and around both ends of the register's range, in wrap and in saturate mode, and the
// result and overflow count of every unit are compared. The 16-lane MAC of the RTL arrays gets
// a random sample.

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "quasar/models/mac.h"
#include "quasar/sim/rtl/rtl_models.h"
#include "rtl_test_util.h"

namespace quasar::test {
namespace {

using models::AccumulatorSpec;
using models::OverflowMode;

struct Tally {
  int64_t compared = 0, mismatches = 0, overflows = 0, at_max = 0, at_min = 0;
  std::string first;
};

// Accumulator values at and near both ends of a `bits`-bit register, and a few inside.
std::vector<int64_t> BoundaryValues(int bits, int64_t max_product) {
  const AccumulatorSpec s{bits, OverflowMode::kWrap};
  std::vector<int64_t> v = {s.min(), s.min() + 1, -1, 0, 1, s.max() - 1, s.max()};
  for (int64_t d : {max_product / 2, max_product}) {
    if (s.Holds(s.max() - d)) {
      v.push_back(s.max() - d);
    }
    if (s.Holds(s.min() + d)) {
      v.push_back(s.min() + d);
    }
  }
  return v;
}

// Runs every combination in `ops` (count x lanes activation and weight operands) through the
// bank, against MacCycle, for every boundary accumulator value and both overflow modes.
void CheckCombinations(sim::rtl::MacBank& bank, const std::vector<int32_t>& a,
                       const std::vector<int32_t>& w, bool xnor, int64_t max_product, Tally* t) {
  const quasar::rtl::MacParams p = bank.ReportedParams();
  const int64_t n = bank.units(), lanes = p.lanes;
  const int64_t combos = static_cast<int64_t>(a.size()) / lanes;
  std::vector<int64_t> acc_in(static_cast<size_t>(n)), acc_out(static_cast<size_t>(n));
  std::vector<int32_t> ovf(static_cast<size_t>(n));
  for (OverflowMode mode : {OverflowMode::kWrap, OverflowMode::kSaturate}) {
    const AccumulatorSpec spec{p.acc_w, mode};
    for (int64_t acc : BoundaryValues(p.acc_w, max_product)) {
      for (int64_t first = 0; first < combos; first += n) {
        const int64_t count = std::min(n, combos - first);
        std::fill(acc_in.begin(), acc_in.end(), acc);
        bank.Eval(mode == OverflowMode::kSaturate, xnor, count, &a[first * lanes],
                  &w[first * lanes], acc_in.data(), acc_out.data(), ovf.data());
        for (int64_t u = 0; u < count; ++u) {
          int64_t events = 0;
          const int64_t want =
              models::MacCycle(acc, &a[(first + u) * lanes], &w[(first + u) * lanes],
                               static_cast<int>(lanes), xnor, spec, &events);
          ++t->compared;
          t->overflows += events;
          t->at_max += events > 0 && want == spec.max();
          t->at_min += events > 0 && want == spec.min();
          if (acc_out[u] != want || ovf[u] != events) {
            if (t->mismatches++ == 0) {
              t->first = "acc " + std::to_string(acc) + " combination " +
                         std::to_string(first + u) + " (" + OverflowModeName(mode) + "): RTL " +
                         std::to_string(acc_out[u]) + " / " + std::to_string(ovf[u]) +
                         " overflows, golden " + std::to_string(want) + " / " +
                         std::to_string(events);
            }
          }
        }
      }
    }
  }
}

// Every combination of `lanes` activation and `lanes` weight operands of `bits` bits.
void AllOperands(int bits, int lanes, bool is_signed, std::vector<int32_t>* a,
                 std::vector<int32_t>* w) {
  const int64_t values = int64_t{1} << bits;
  const int64_t combos = int64_t{1} << (2 * bits * lanes);
  auto decode = [&](int64_t field) {
    return static_cast<int32_t>(is_signed && field >= values / 2 ? field - values : field);
  };
  for (int64_t x = 0; x < combos; ++x) {
    for (int l = 0; l < lanes; ++l) {
      a->push_back(decode((x >> (bits * l)) % values));
      w->push_back(decode((x >> (bits * (lanes + l))) % values));
    }
  }
}

void ExhaustiveCase(const char* model, int bits, int lanes, bool is_signed, int acc_bits) {
  std::unique_ptr<sim::rtl::MacBank> bank = sim::rtl::MakeMacBank(model);
  Tally t;
  RunInSystemCThread([&] {
    const quasar::rtl::MacParams p = bank->ReportedParams();
    REQUIRE(p.a_w == bits);
    REQUIRE(p.lanes == lanes);
    REQUIRE(p.is_signed == is_signed);
    REQUIRE(p.acc_w == acc_bits);
    std::vector<int32_t> a, w;
    AllOperands(bits, lanes, is_signed, &a, &w);
    const int64_t max_product =
        is_signed ? (int64_t{1} << (2 * bits - 2)) * lanes
                  : ((int64_t{1} << bits) - 1) * ((int64_t{1} << bits) - 1) * lanes;
    CheckCombinations(*bank, a, w, false, max_product, &t);
  });
  INFO(t.first);
  CHECK(t.mismatches == 0);
  // Every combination, at 9+ accumulator values and in both modes.
  CHECK(t.compared >= (int64_t{1} << (2 * bits * lanes)) * 9 * 2);
  // The boundaries were reached in both directions, and saturation held at both ends.
  CHECK(t.overflows > 0);
  CHECK(t.at_max > 0);
  if (is_signed) {
    CHECK(t.at_min > 0);
  }
}

TEST_CASE("RTL MAC equals the golden MAC on every pair of signed 8-bit operands", "[rtl][mac]") {
  ExhaustiveCase("mac_s8", 8, 1, true, 16);
}

TEST_CASE("RTL MAC equals the golden MAC on every pair of unsigned 8-bit operands", "[rtl][mac]") {
  ExhaustiveCase("mac_u8", 8, 1, false, 16);
}

TEST_CASE("RTL MAC equals the golden MAC on every pair of 9-bit operands (the arrays' lanes)",
          "[rtl][mac]") {
  ExhaustiveCase("mac_s9", 9, 1, true, 20);
}

TEST_CASE("RTL MAC with a 64-bit accumulator equals the golden MAC on every 8-bit pair",
          "[rtl][mac]") {
  ExhaustiveCase("mac_s8_acc64", 8, 1, true, 64);
}

TEST_CASE("RTL MAC equals the golden MAC on every two-lane combination of 4-bit operands",
          "[rtl][mac]") {
  ExhaustiveCase("mac_s4x2", 4, 2, true, 10);
}

TEST_CASE("RTL MAC equals the golden MAC on every four-lane combination of 2-bit operands",
          "[rtl][mac]") {
  ExhaustiveCase("mac_s2x4", 2, 4, true, 8);
}

TEST_CASE("RTL MAC in XNOR mode equals the golden popcount on every four-lane binary pattern",
          "[rtl][mac]") {
  std::unique_ptr<sim::rtl::MacBank> bank = sim::rtl::MakeMacBank("mac_s2x4");
  Tally t;
  RunInSystemCThread([&] {
    std::vector<int32_t> a, w;
    const int32_t values[3] = {-1, 0, 1};
    for (int x = 0; x < 6561; ++x) {  // 3^8: four activation and four weight lanes
      int rest = x;
      for (int l = 0; l < 8; ++l) {
        (l < 4 ? a : w).push_back(values[rest % 3]);
        rest /= 3;
      }
    }
    CheckCombinations(*bank, a, w, true, 4, &t);
  });
  INFO(t.first);
  CHECK(t.mismatches == 0);
  CHECK(t.compared == 6561 * 2 * static_cast<int64_t>(BoundaryValues(8, 4).size()));
  CHECK(t.at_max > 0);
  CHECK(t.at_min > 0);
}

TEST_CASE("RTL 16-lane MAC of the RTL arrays equals the golden MAC on random operands",
          "[rtl][mac]") {
  std::unique_ptr<sim::rtl::MacBank> bank = sim::rtl::MakeMacBank("mac_rtl_4x4_os");
  Tally t;
  RunInSystemCThread([&] {
    const quasar::rtl::MacParams p = bank->ReportedParams();
    REQUIRE(p.lanes == 16);
    std::mt19937 rng(7);
    for (bool xnor : {false, true}) {
      std::vector<int32_t> a, w;
      const int32_t lo = xnor ? -1 : -(1 << (p.a_w - 1)), hi = xnor ? 1 : (1 << (p.a_w - 1)) - 1;
      std::uniform_int_distribution<int32_t> value(lo, hi);
      for (int i = 0; i < 16 * 4096; ++i) {
        a.push_back(value(rng));
        w.push_back(value(rng));
      }
      CheckCombinations(*bank, a, w, xnor, xnor ? 16 : (int64_t{1} << 16) * 16, &t);
    }
  });
  INFO(t.first);
  CHECK(t.mismatches == 0);
  CHECK(t.at_max > 0);
  CHECK(t.at_min > 0);
}

}  // namespace
}  // namespace quasar::test
