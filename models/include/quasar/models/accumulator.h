#pragma once
// The accumulator register of a MAC unit: a two's complement register of 8..64 bits (the FP8
// MAC's, fp8_mac.h, up to 128) that either wraps or saturates, applied at every addition as
// hardware does, with a count of the additions that overflowed. Also the accumulator width a layer
// needs.

#include <cstdint>
#include <optional>
#include <string>

#include "quasar/models/int128.h"

namespace quasar::models {

enum class OverflowMode { kWrap, kSaturate };

std::string OverflowModeName(OverflowMode mode);
std::optional<OverflowMode> ParseOverflowMode(const std::string& name);  // "wrap" | "saturate"

// The widths an accumulator register may have, in every format that sets one.
inline constexpr int kMinAccumulatorBits = 8;
inline constexpr int kMaxAccumulatorBits = 64;

// Width and overflow behaviour of an accumulator register.
struct AccumulatorSpec {
  int bits = 32;  // 8..64; the FP8 MAC's register 8..128 (kMaxFp8AccumulatorBits, fp8_mac.h)
  OverflowMode overflow = OverflowMode::kWrap;

  int64_t min() const { return bits == 64 ? INT64_MIN : -(int64_t{1} << (bits - 1)); }
  int64_t max() const { return bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1; }
  bool Holds(int64_t v) const { return v >= min() && v <= max(); }  // min, max: bits <= 64
};

// A partial AccumulatorSpec: the fields an override (a layer's, or --acc-bits/--overflow) sets.
struct AccumulatorOverride {
  std::optional<int> bits;
  std::optional<OverflowMode> overflow;
  bool empty() const { return !bits && !overflow; }
  void ApplyTo(AccumulatorSpec* a) const {
    if (bits) {
      a->bits = *bits;
    }
    if (overflow) {
      a->overflow = *overflow;
    }
  }
};

// The smallest value of a two's complement register of `bits` bits (1..128); the largest is its
// complement, ~RegisterMin(bits).
inline int128 RegisterMin(int bits) { return static_cast<int128>(~uint128{0} << (bits - 1)); }

// acc + v in a two's complement register of `bits` bits (1..128): exact when the sum fits,
// otherwise wrapped modulo 2^bits (the low `bits` bits, sign-extended) or saturated to the nearer
// end, and *overflow_events incremented. `acc` must already be in range. The one home of the
// register rule: AccumulateAdd applies it to the integer MACs' 8..64-bit registers, the FP8 MAC
// (fp8_mac.h) to its register of up to 128 bits.
inline int128 AccumulateAddWide(int128 acc, int128 v, int bits, OverflowMode mode,
                                int64_t* overflow_events) {
  const int128 lo = RegisterMin(bits), hi = ~lo;
  int128 sum = 0;
  // When the sum leaves int128 itself, `sum` holds it modulo 2^128: the low bits a wrap keeps;
  // the sign of v then says which end a saturation takes.
  const bool beyond = __builtin_add_overflow(acc, v, &sum);
  if (!beyond && sum >= lo && sum <= hi) {
    return sum;
  }
  ++*overflow_events;
  if (mode == OverflowMode::kSaturate) {
    return (beyond ? v < 0 : sum < lo) ? lo : hi;
  }
  const int unused = 128 - bits;
  return static_cast<int128>(static_cast<uint128>(sum) << unused) >> unused;
}

// acc + v in an accumulator of `spec` (8..64 bits): AccumulateAddWide's rule, the in-range case
// inline.
inline int64_t AccumulateAdd(int64_t acc, int64_t v, const AccumulatorSpec& spec,
                             int64_t* overflow_events) {
  const int128 sum = static_cast<int128>(acc) + v;
  if (sum >= spec.min() && sum <= spec.max()) {
    return static_cast<int64_t>(sum);
  }
  return static_cast<int64_t>(AccumulateAddWide(acc, v, spec.bits, spec.overflow, overflow_events));
}

// Loads an initial value (the bias) into the register: an out-of-range value wraps or saturates
// like an addition to zero and counts as one overflow event.
inline int64_t AccumulateLoad(int64_t v, const AccumulatorSpec& spec, int64_t* overflow_events) {
  return AccumulateAdd(0, v, spec, overflow_events);
}

// Smallest two's complement width that holds every value in [-magnitude, magnitude].
int SignedBitsFor(uint64_t magnitude);

// The textbook worst case a_bits + w_bits + ceil(log2(K)) (DESIGN.md section 2; NVDLA sizes its
// accumulators as 2*bits + log2(atomic_C)).
int TextbookAccumulatorBits(int a_bits, int w_bits, int64_t k);

}  // namespace quasar::models
