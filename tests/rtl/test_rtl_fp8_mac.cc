// The RTL FP8 MAC (rtl/sv/quasar_fp8_mac.sv, Verilated without SystemC as Vfp8_e4m3_acc48 and
// Vfp8_e4m3_acc30) against the golden step Fp8MacStep (models/include/quasar/models/fp8_mac.h):
//  - every pair of E4M3 codes (65,536, NaN codes included), added into accumulator values at
//    and around both ends of the register's range, in wrap and in saturate mode, with the NaN
//    flag in clear (and set, from a zero accumulator): result, NaN flag and overflow compared
//    for every pair;
//  - seeded random sequences of up to 400 steps with the result fed back, in both modes, at the
//    48-bit width and at a 30-bit width that single products overflow.
// The model itself is checked against double arithmetic in tests/unit/test_fp8_mac.cc.

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "Vfp8_e4m3_acc30.h"
#include "Vfp8_e4m3_acc48.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/small_float.h"

namespace quasar::test {
namespace {

using models::AccumulatorSpec;
using models::Fp8MacState;
using models::OverflowMode;

// One Verilated unit: drives its inputs, evaluates, reads its outputs.
template <typename Model>
struct Unit {
  Model m;
  int acc_w = 0;

  Unit() {
    m.eval();  // the identification outputs are set by the first evaluation
    acc_w = static_cast<int>(m.p_acc_w);
  }

  Fp8MacState Step(bool saturate, uint32_t a, uint32_t b, Fp8MacState in, bool* ovf) {
    const uint64_t mask = acc_w == 64 ? ~uint64_t{0} : (uint64_t{1} << acc_w) - 1;
    m.saturate = saturate;
    m.a = static_cast<uint8_t>(a);
    m.b = static_cast<uint8_t>(b);
    m.acc_in = static_cast<std::remove_reference_t<decltype(m.acc_in)>>(static_cast<uint64_t>(in.acc) & mask);
    m.nan_in = in.nan;
    m.eval();
    const int unused = 64 - acc_w;
    Fp8MacState out;
    out.acc = static_cast<int64_t>(static_cast<uint64_t>(m.acc_out) << unused) >> unused;
    out.nan = m.nan_out != 0;
    *ovf = m.ovf != 0;
    return out;
  }
};

struct Tally {
  int64_t compared = 0, mismatches = 0, overflows = 0, at_max = 0, at_min = 0, nans = 0;
  std::string first;

  void Compare(const Fp8MacState& in, uint32_t a, uint32_t b, bool saturate,
               const Fp8MacState& rtl, bool rtl_ovf, const Fp8MacState& want, int64_t events,
               const AccumulatorSpec& spec) {
    ++compared;
    overflows += events;
    nans += want.nan;
    at_max += events > 0 && want.acc == spec.max();
    at_min += events > 0 && want.acc == spec.min();
    if (rtl.acc != want.acc || rtl.nan != want.nan || static_cast<int64_t>(rtl_ovf) != events) {
      if (mismatches++ == 0) {
        first = "acc " + std::to_string(in.acc) + (in.nan ? " (NaN set)" : "") + " + code " +
                std::to_string(a) + " * code " + std::to_string(b) +
                (saturate ? " (saturate)" : " (wrap)") + ": RTL " + std::to_string(rtl.acc) +
                " nan " + std::to_string(rtl.nan) + " ovf " + std::to_string(rtl_ovf) +
                ", golden " + std::to_string(want.acc) + " nan " + std::to_string(want.nan) +
                " ovf " + std::to_string(events);
      }
    }
  }
};

const models::SmallFloatFormat& E4m3() { return models::FindSmallFloat("fp8_e4m3"); }

// The largest |product| in units of 2^-18: 448^2 (OFP8 v1.0: E4M3's max normal is 448).
constexpr int64_t kMaxProduct = int64_t{448 * 448} << 18;

// Accumulator values at and near both ends of a `bits`-bit register, and a few inside.
std::vector<int64_t> BoundaryValues(int bits) {
  const AccumulatorSpec s{bits, OverflowMode::kWrap};
  std::vector<int64_t> v = {s.min(), s.min() + 1, -1, 0, 1, s.max() - 1, s.max()};
  for (int64_t d : {kMaxProduct / 2, kMaxProduct}) {
    if (s.Holds(s.max() - d)) {
      v.push_back(s.max() - d);
    }
    if (s.Holds(s.min() + d)) {
      v.push_back(s.min() + d);
    }
  }
  return v;
}

template <typename Model>
void Exhaustive(int acc_bits) {
  Unit<Model> unit;
  REQUIRE(unit.acc_w == acc_bits);
  REQUIRE(static_cast<int>(unit.m.p_frac_bits) == models::Fp8ProductFractionBits(E4m3()));
  Tally t;
  for (bool saturate : {false, true}) {
    const AccumulatorSpec spec{acc_bits, saturate ? OverflowMode::kSaturate : OverflowMode::kWrap};
    std::vector<Fp8MacState> starts;
    for (int64_t acc : BoundaryValues(acc_bits)) {
      starts.push_back(Fp8MacState{acc, false});
    }
    starts.push_back(Fp8MacState{0, true});
    for (const Fp8MacState& in : starts) {
      for (uint32_t a = 0; a < 256; ++a) {
        for (uint32_t b = 0; b < 256; ++b) {
          bool ovf = false;
          const Fp8MacState rtl = unit.Step(saturate, a, b, in, &ovf);
          int64_t events = 0;
          const Fp8MacState want = models::Fp8MacStep(E4m3(), in, a, b, spec, &events);
          t.Compare(in, a, b, saturate, rtl, ovf, want, events, spec);
        }
      }
    }
  }
  INFO(t.first);
  CHECK(t.mismatches == 0);
  CHECK(t.compared == 2 * (static_cast<int64_t>(BoundaryValues(acc_bits).size()) + 1) * 65536);
  // Both ends were reached and the NaN codes seen.
  CHECK(t.overflows > 0);
  CHECK(t.at_max > 0);
  CHECK(t.at_min > 0);
  CHECK(t.nans > 0);
}

template <typename Model>
void RandomSequences(int acc_bits, uint64_t seed, int64_t min_overflows) {
  Unit<Model> unit;
  REQUIRE(unit.acc_w == acc_bits);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> code(0, 255);
  Tally t;
  for (bool saturate : {false, true}) {
    const AccumulatorSpec spec{acc_bits, saturate ? OverflowMode::kSaturate : OverflowMode::kWrap};
    for (int sequence = 0; sequence < 100; ++sequence) {
      Fp8MacState rtl, golden;
      const int steps = 1 + static_cast<int>(rng() % 400);
      for (int i = 0; i < steps; ++i) {
        const uint32_t a = code(rng), b = code(rng);
        bool ovf = false;
        const Fp8MacState in = golden;
        rtl = unit.Step(saturate, a, b, rtl, &ovf);
        int64_t events = 0;
        golden = models::Fp8MacStep(E4m3(), golden, a, b, spec, &events);
        t.Compare(in, a, b, saturate, rtl, ovf, golden, events, spec);
      }
    }
  }
  INFO(t.first);
  CHECK(t.mismatches == 0);
  CHECK(t.overflows >= min_overflows);
  CHECK(t.nans > 0);  // a NaN code turns up in about one step in 128
}

}  // namespace

TEST_CASE("RTL FP8 MAC: every E4M3 operand pair into a 48-bit accumulator equals the golden step",
          "[rtl][fp8]") {
  Exhaustive<Vfp8_e4m3_acc48>(48);
}

TEST_CASE("RTL FP8 MAC: every E4M3 operand pair into a 30-bit accumulator equals the golden step",
          "[rtl][fp8]") {
  Exhaustive<Vfp8_e4m3_acc30>(30);
}

TEST_CASE("RTL FP8 MAC: random E4M3 sequences, wrapping and saturating, equal the golden steps",
          "[rtl][fp8]") {
  // 48 bits: about 2^11 of the largest products fit, so sequences of 400 rarely overflow.
  RandomSequences<Vfp8_e4m3_acc48>(48, 48, 0);
  // 30 bits: products from 2^29 units (2^11) up overflow it on their own.
  RandomSequences<Vfp8_e4m3_acc30>(30, 30, 1000);
}

}  // namespace quasar::test
