#pragma once
// The accumulator register of a MAC unit: a two's complement register of 8..64 bits that either
// wraps or saturates, applied at every addition as hardware does, with a count of the additions
// that overflowed. Also the accumulator width a layer needs.

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
  int bits = 32;  // 8..64
  OverflowMode overflow = OverflowMode::kWrap;

  int64_t min() const { return bits == 64 ? INT64_MIN : -(int64_t{1} << (bits - 1)); }
  int64_t max() const { return bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1; }
  bool Holds(int64_t v) const { return v >= min() && v <= max(); }
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

// acc + v in an accumulator of `spec`: exact when the sum fits, otherwise wrapped modulo 2^bits or
// saturated, and *overflow_events incremented. `acc` must already be in range.
inline int64_t AccumulateAdd(int64_t acc, int64_t v, const AccumulatorSpec& spec,
                             int64_t* overflow_events) {
  const int128 sum = static_cast<int128>(acc) + v;
  if (sum >= spec.min() && sum <= spec.max()) {
    return static_cast<int64_t>(sum);
  }
  ++*overflow_events;
  if (spec.overflow == OverflowMode::kSaturate) {
    return sum < spec.min() ? spec.min() : spec.max();
  }
  // Two's complement wrap: keep the low `bits` bits and sign-extend.
  const auto low = static_cast<uint64_t>(static_cast<uint128>(sum));
  if (spec.bits == 64) {
    return static_cast<int64_t>(low);
  }
  const int unused = 64 - spec.bits;
  return static_cast<int64_t>(low << unused) >> unused;
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
