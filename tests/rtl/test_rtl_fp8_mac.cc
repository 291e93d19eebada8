// The RTL FP8 MAC (rtl/sv/quasar_fp8_mac.sv, Verilated without SystemC as Vfp8_e4m3_acc48,
// Vfp8_e4m3_acc30, Vfp8_e5m2_acc80 and Vfp8_e5m2_acc48) against the golden step Fp8MacStep
// (models/include/quasar/models/fp8_mac.h):
//  - every pair of codes (65,536, NaN and infinity codes included) of E4M3 and of E5M2, added
//    into accumulator values at and around both ends of the register's range, in wrap and in
//    saturate mode, with the NaN flag clear (and set, from a zero accumulator): result, NaN flag
//    and overflow compared for every pair;
//  - seeded random sequences of up to 400 steps with the result fed back, in both modes, at a
//    width that holds every product (E4M3 48 bits, E5M2 80) and at one that single products
//    overflow (E4M3 30 bits, E5M2 48).
// Verilator gives the 80-bit ports as VlWide<3> (32-bit words, least significant first), the
// others as integers; the harness moves both to and from int128.
// The model itself is checked against double arithmetic in tests/unit/test_fp8_mac.cc.

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "Vfp8_e4m3_acc30.h"
#include "Vfp8_e4m3_acc48.h"
#include "Vfp8_e5m2_acc48.h"
#include "Vfp8_e5m2_acc80.h"
#include "int128_test_util.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/int128.h"
#include "quasar/models/small_float.h"

namespace quasar::test {
namespace {

using models::AccumulatorSpec;
using models::Fp8MacState;
using models::int128;
using models::OverflowMode;
using models::RegisterMin;
using models::uint128;

// A port of up to 64 bits: an integer of Verilator's choosing.
template <typename Port>
void SetPort(Port& port, uint128 v) {
  port = static_cast<Port>(v);
}
template <typename Port>
uint128 GetPort(const Port& port) {
  return static_cast<uint128>(port);
}
// A wider port: VlWide<N>, N 32-bit words, least significant first.
template <std::size_t N>
void SetPort(VlWide<N>& port, uint128 v) {
  static_assert(N <= 4, "ports of up to 128 bits");
  for (std::size_t i = 0; i < N; ++i) {
    port.at(i) = static_cast<uint32_t>(v >> (32 * i));
  }
}
template <std::size_t N>
uint128 GetPort(const VlWide<N>& port) {
  static_assert(N <= 4, "ports of up to 128 bits");
  uint128 v = 0;
  for (std::size_t i = 0; i < N; ++i) {
    v |= static_cast<uint128>(port.at(i)) << (32 * i);
  }
  return v;
}

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
    const int unused = 128 - acc_w;
    m.saturate = saturate;
    m.a = static_cast<uint8_t>(a);
    m.b = static_cast<uint8_t>(b);
    // The low acc_w bits; the unused bits of the top word stay zero, as Verilator requires.
    SetPort(m.acc_in, static_cast<uint128>(in.acc) << unused >> unused);
    m.nan_in = in.nan;
    m.eval();
    Fp8MacState out;
    out.acc = static_cast<int128>(GetPort(m.acc_out) << unused) >> unused;
    out.nan = m.nan_out != 0;
    *ovf = m.ovf != 0;
    return out;
  }
};

struct Tally {
  int64_t compared = 0, mismatches = 0, overflows = 0, at_max = 0, at_min = 0, nans = 0;
  std::string first;

  void Compare(const Fp8MacState& in, uint32_t a, uint32_t b, bool saturate, const Fp8MacState& rtl,
               bool rtl_ovf, const Fp8MacState& want, int64_t events, int bits) {
    ++compared;
    overflows += events;
    nans += want.nan;
    at_max += events > 0 && want.acc == ~RegisterMin(bits);
    at_min += events > 0 && want.acc == RegisterMin(bits);
    if (rtl.acc != want.acc || rtl.nan != want.nan || static_cast<int64_t>(rtl_ovf) != events) {
      if (mismatches++ == 0) {
        first = "acc " + Int128String(in.acc) + (in.nan ? " (NaN set)" : "") + " + code " +
                std::to_string(a) + " * code " + std::to_string(b) +
                (saturate ? " (saturate)" : " (wrap)") + ": RTL " + Int128String(rtl.acc) +
                " nan " + std::to_string(rtl.nan) + " ovf " + std::to_string(rtl_ovf) +
                ", golden " + Int128String(want.acc) + " nan " + std::to_string(want.nan) +
                " ovf " + std::to_string(events);
      }
    }
  }
};

// A format under test and its largest |product| in units of 2^-F (OFP8 v1.0: the max normals
// are 448 for E4M3, 57344 for E5M2; F = 18 and 32).
struct Format {
  const char* name;
  int128 max_product;
};
const Format kE4m3{"fp8_e4m3", int128{448 * 448} << 18};
const Format kE5m2{"fp8_e5m2", int128{57344 * 57344LL} << 32};

// Accumulator values at and near both ends of a `bits`-bit register, and a few inside.
std::vector<int128> BoundaryValues(int bits, int128 max_product) {
  const int128 lo = RegisterMin(bits), hi = ~lo;
  std::vector<int128> v = {lo, lo + 1, -1, 0, 1, hi - 1, hi};
  for (int128 d : {max_product / 2, max_product}) {
    if (hi - d >= lo) {
      v.push_back(hi - d);
    }
    if (lo + d <= hi) {
      v.push_back(lo + d);
    }
  }
  return v;
}

template <typename Model>
void Exhaustive(const Format& format, int acc_bits) {
  const models::SmallFloatFormat& f = models::FindSmallFloat(format.name);
  Unit<Model> unit;
  REQUIRE(unit.acc_w == acc_bits);
  REQUIRE(static_cast<int>(unit.m.p_frac_bits) == models::Fp8ProductFractionBits(f));
  const std::vector<int128> boundary = BoundaryValues(acc_bits, format.max_product);
  Tally t;
  for (bool saturate : {false, true}) {
    const AccumulatorSpec spec{acc_bits, saturate ? OverflowMode::kSaturate : OverflowMode::kWrap};
    std::vector<Fp8MacState> starts;
    for (int128 acc : boundary) {
      starts.push_back(Fp8MacState{acc, false});
    }
    starts.push_back(Fp8MacState{0, true});
    for (const Fp8MacState& in : starts) {
      for (uint32_t a = 0; a < 256; ++a) {
        for (uint32_t b = 0; b < 256; ++b) {
          bool ovf = false;
          const Fp8MacState rtl = unit.Step(saturate, a, b, in, &ovf);
          int64_t events = 0;
          const Fp8MacState want = models::Fp8MacStep(f, in, a, b, spec, &events);
          t.Compare(in, a, b, saturate, rtl, ovf, want, events, acc_bits);
        }
      }
    }
  }
  INFO(t.first);
  CHECK(t.mismatches == 0);
  CHECK(t.compared == 2 * (static_cast<int64_t>(boundary.size()) + 1) * 65536);
  // Both ends were reached and the non-finite codes seen.
  CHECK(t.overflows > 0);
  CHECK(t.at_max > 0);
  CHECK(t.at_min > 0);
  CHECK(t.nans > 0);
}

template <typename Model>
void RandomSequences(const Format& format, int acc_bits, uint64_t seed, int64_t min_overflows) {
  const models::SmallFloatFormat& f = models::FindSmallFloat(format.name);
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
        golden = models::Fp8MacStep(f, golden, a, b, spec, &events);
        t.Compare(in, a, b, saturate, rtl, ovf, golden, events, acc_bits);
      }
    }
  }
  INFO(t.first);
  CHECK(t.mismatches == 0);
  CHECK(t.overflows >= min_overflows);
  CHECK(t.nans > 0);  // a NaN code turns up in about one step in 128 (E5M2: 8 codes in 256)
}

}  // namespace

TEST_CASE("RTL FP8 MAC: every E4M3 operand pair into a 48-bit accumulator equals the golden step",
          "[rtl][fp8]") {
  Exhaustive<Vfp8_e4m3_acc48>(kE4m3, 48);
}

TEST_CASE("RTL FP8 MAC: every E4M3 operand pair into a 30-bit accumulator equals the golden step",
          "[rtl][fp8]") {
  Exhaustive<Vfp8_e4m3_acc30>(kE4m3, 30);
}

TEST_CASE("RTL FP8 MAC: random E4M3 sequences, wrapping and saturating, equal the golden steps",
          "[rtl][fp8]") {
  // 48 bits: about 2^11 of the largest products fit, so sequences of 400 rarely overflow.
  RandomSequences<Vfp8_e4m3_acc48>(kE4m3, 48, 48, 0);
  // 30 bits: products from 2^29 units (2^11) up overflow it on their own.
  RandomSequences<Vfp8_e4m3_acc30>(kE4m3, 30, 30, 1000);
}

TEST_CASE("RTL FP8 MAC: every E5M2 operand pair into an 80-bit accumulator equals the golden step",
          "[rtl][fp8]") {
  Exhaustive<Vfp8_e5m2_acc80>(kE5m2, 80);
}

TEST_CASE("RTL FP8 MAC: every E5M2 operand pair into a 48-bit accumulator equals the golden step",
          "[rtl][fp8]") {
  Exhaustive<Vfp8_e5m2_acc48>(kE5m2, 48);
}

TEST_CASE("RTL FP8 MAC: random E5M2 sequences, wrapping and saturating, equal the golden steps",
          "[rtl][fp8]") {
  // 80 bits: 2^15 of the largest products fit, so sequences of 400 never overflow.
  RandomSequences<Vfp8_e5m2_acc80>(kE5m2, 80, 80, 0);
  // 48 bits: products from 2^47 units (2^15) up overflow it on their own.
  RandomSequences<Vfp8_e5m2_acc48>(kE5m2, 48, 5248, 1000);
}

}  // namespace quasar::test
