#include "quasar/models/fp8_mac.h"

#include <cmath>
#include <limits>
#include <string>

#include "quasar/models/error.h"
#include "small_float_fields.h"

namespace quasar::models {
namespace {

// The largest exponent field of a finite code: all ones is reserved for infinities and NaN in
// an IEEE-style format (E5M2); in E4M3 it still holds finite codes (all but S.1111.111).
int MaxFiniteExponentField(const SmallFloatFormat& f) {
  const int all_ones = (1 << f.exponent_bits) - 1;
  return f.nan == NanCodes::kIeee ? all_ones - 1 : all_ones;
}

// Significand (hidden bit included) and effective exponent field of a finite code.
void Fields(const SmallFloatFormat& f, uint32_t code, uint64_t* sig, int* exponent) {
  const uint32_t e = ExponentField(f, code);
  const uint32_t m = MantissaField(f, code);
  *sig = e == 0 ? m : (uint64_t{1} << f.mantissa_bits) | m;
  *exponent = e == 0 ? 1 : static_cast<int>(e);
}

// |v| rounded to 24 significant bits, ties to even, as a float (exact: the result has at most
// 24 significant bits and |v| <= 2^127).
float RoundToFloat(uint128 magnitude) {
  if (magnitude == 0) {
    return 0.0f;
  }
  int top = 127;
  while ((magnitude >> top) == 0) {
    --top;
  }
  const int drop = top - 23;  // bits below float's 24-bit significand
  if (drop <= 0) {
    return static_cast<float>(static_cast<uint32_t>(magnitude));  // exact
  }
  uint128 kept = magnitude >> drop;
  const uint128 rest = magnitude & ((uint128{1} << drop) - 1);
  const uint128 half = uint128{1} << (drop - 1);
  if (rest > half || (rest == half && (kept & 1) != 0)) {
    ++kept;  // may carry into a 25th bit: 2^24, still exact in float
  }
  return std::ldexp(static_cast<float>(static_cast<uint32_t>(kept)), drop);
}

}  // namespace

int Fp8ProductFractionBits(const SmallFloatFormat& format) {
  return -2 * SmallFloatQuantumExp(format);  // 2 bias + 2 M - 2: two quanta 2^(1 - bias - M)
}

void CheckFp8Accumulator(const AccumulatorSpec& spec) {
  if (spec.bits < kMinFp8AccumulatorBits || spec.bits > kMaxFp8AccumulatorBits) {
    throw InputError(
        "FP8 MAC: the accumulator register must have " + std::to_string(kMinFp8AccumulatorBits) +
        ".." + std::to_string(kMaxFp8AccumulatorBits) + " bits, got " + std::to_string(spec.bits));
  }
}

int Fp8ProductBits(const SmallFloatFormat& format) {
  return 2 * (format.mantissa_bits + 1) + 2 * (MaxFiniteExponentField(format) - 1) + 1;
}

bool Fp8NonFinite(const SmallFloatFormat& format, uint32_t code) {
  return IsNan(format, code) || IsInfinity(format, code);
}

int128 Fp8Product(const SmallFloatFormat& format, uint32_t a, uint32_t b) {
  if (Fp8NonFinite(format, a) || Fp8NonFinite(format, b)) {
    return 0;
  }
  uint64_t sig_a = 0, sig_b = 0;
  int ea = 0, eb = 0;
  Fields(format, a, &sig_a, &ea);
  Fields(format, b, &sig_b, &eb);
  // < 2^(Fp8ProductBits - 1) <= 2^127 (checked by the caller).
  const auto magnitude = static_cast<int128>(static_cast<uint128>(sig_a * sig_b) << (ea + eb - 2));
  const bool negative = ((a ^ b) & format.sign_mask()) != 0;
  return negative ? -magnitude : magnitude;
}

Fp8MacState Fp8MacStep(const SmallFloatFormat& format, Fp8MacState state, uint32_t a, uint32_t b,
                       const AccumulatorSpec& spec, int64_t* overflow_events) {
  CheckFp8Accumulator(spec);
  if (Fp8ProductBits(format) > kMaxFp8AccumulatorBits || Fp8ProductFractionBits(format) > 126) {
    throw InputError(std::string("FP8 MAC: the exact products of ") + format.name + " need " +
                     std::to_string(Fp8ProductBits(format)) + " bits and " +
                     std::to_string(Fp8ProductFractionBits(format)) +
                     " fraction bits, more than the 128-bit register and float32's 126 hold");
  }
  if (Fp8NonFinite(format, a) || Fp8NonFinite(format, b)) {
    state.nan = true;
    return state;
  }
  const int128 product = Fp8Product(format, a, b);
  if (product != 0) {  // adding 0 never overflows, as in MacCycle (mac.h)
    state.acc = AccumulateAddWide(state.acc, product, spec.bits, spec.overflow, overflow_events);
  }
  return state;
}

float Fp8AccumulatorToFloat(const SmallFloatFormat& format, const Fp8MacState& state) {
  if (state.nan) {
    return std::numeric_limits<float>::quiet_NaN();
  }
  const bool negative = state.acc < 0;
  const uint128 magnitude =
      negative ? uint128{0} - static_cast<uint128>(state.acc) : static_cast<uint128>(state.acc);
  const float r = std::ldexp(RoundToFloat(magnitude), -Fp8ProductFractionBits(format));
  return negative ? -r : r;
}

}  // namespace quasar::models
