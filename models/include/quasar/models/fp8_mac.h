#pragma once
// The golden FP8 multiply-accumulate step: the specification rtl/sv/quasar_fp8_mac.sv
// implements (docs/number-formats.md, "The FP8 MAC"; decision 60).
//
// a * b of two codes of one small-float format (a row of small_float.h; FP8 E4M3 and E5M2 are
// the ones built and checked) is computed exactly as a signed integer in units of 2^-F, F the
// format's product fraction bits, and added into a two's complement fixed-point accumulator of
// 8..128 bits (Kulisch style, Kulisch & Miranker 1981) through AccumulateAddWide
// (accumulator.h), the integer MACs' register rule: exact while the sum fits, else wrapped or
// saturated, and counted. Integer addition is associative, so without overflow the result is
// bit-exact and independent of the order of the products.
//
// Why the product is an integer. A finite code is (-1)^s * sig * 2^(e' - bias - M), with
// sig = 2^M + m and e' = e for a normal code (e > 0), sig = m and e' = 1 for a subnormal one
// (OFP8 v1.0, its encoding tables; the formula of docs/number-formats.md). A product is then
// (-1)^(sa ^ sb) * sig_a * sig_b * 2^(e'_a + e'_b - 2 bias - 2M), and e'_a + e'_b >= 2, so with
//   F = 2 bias + 2M - 2
// it equals (sig_a * sig_b) << (e'_a + e'_b - 2) units of 2^-F: a non-negative shift of an
// integer. E4M3 (bias 7, M 3): F = 18, the smallest non-zero product 2^-9 * 2^-9 = 2^-18 is one
// unit, and the largest, 448^2 = 200704 < 2^18, is below 2^36 units: 37 signed bits.
// E5M2 (bias 15, M 2): F = 32, the smallest product 2^-16 * 2^-16 = 2^-32 is one unit, and the
// largest, 57344^2 = 1.75^2 * 2^30, is below 2^64 units: 65 signed bits, past a 64-bit register,
// hence the int128 state and the widths up to 128 (an 80-bit register holds 2^15 of the largest
// products). Fp8MacStep refuses a format whose products would not fit 128 bits or whose F
// exceeds 126 (see Fp8AccumulatorToFloat); no row of the table comes near either.
//
// NaN and infinity. A NaN operand (E4M3 S.1111.111, E5M2 S.11111.{01,10,11}) or an infinite one
// (E5M2 S.11111.00; E4M3 has no infinity) makes the product non-finite: nothing is added to the
// accumulator and the sticky `nan` flag of the state is set; once set it stays set, and the output
// conversion gives NaN.

#include <cstdint>

#include "quasar/models/accumulator.h"
#include "quasar/models/int128.h"
#include "quasar/models/small_float.h"

namespace quasar::models {

// The widths of the FP8 MAC's accumulator register (AccumulatorSpec::bits).
inline constexpr int kMinFp8AccumulatorBits = kMinAccumulatorBits;
inline constexpr int kMaxFp8AccumulatorBits = 128;

// F = 2 * bias + 2 * mantissa_bits - 2 = -2 * SmallFloatQuantumExp: a product of two finite codes
// is an integer number of units 2^-F, the product of two quanta.
int Fp8ProductFractionBits(const SmallFloatFormat& format);
// Throws InputError naming the width when spec.bits is outside
// kMinFp8AccumulatorBits..kMaxFp8AccumulatorBits.
void CheckFp8Accumulator(const AccumulatorSpec& spec);
// Two's complement bits that hold every finite product in units of 2^-F:
// 2 * (M + 1) + 2 * (E'max - 1) + 1, E'max the largest exponent field of a finite code
// (E4M3: 15, E5M2: 30). E4M3: 37; E5M2: 65.
int Fp8ProductBits(const SmallFloatFormat& format);
// Whether `code` is NaN or infinite.
bool Fp8NonFinite(const SmallFloatFormat& format, uint32_t code);
// The exact product of two finite codes in units of 2^-F (0 when either is NaN or infinite).
// Requires Fp8ProductBits(format) <= 128.
int128 Fp8Product(const SmallFloatFormat& format, uint32_t a, uint32_t b);

// The register of an FP8 MAC: the fixed-point sum (units 2^-F, in the range of the spec's
// `bits`, up to 128) and the sticky NaN flag.
struct Fp8MacState {
  int128 acc = 0;
  bool nan = false;
};

// One MAC step: state + a * b. A non-finite operand sets `nan` and adds nothing; otherwise the
// product goes through AccumulateAddWide with spec.bits and spec.overflow (an overflow
// increments *overflow_events). Throws InputError when spec.bits is outside
// kMinFp8AccumulatorBits..kMaxFp8AccumulatorBits, or naming the format when its products would
// not fit 128 bits or F exceeds 126 (no row of the table: E5M2, the widest, needs 65 and F = 32).
Fp8MacState Fp8MacStep(const SmallFloatFormat& format, Fp8MacState state, uint32_t a, uint32_t b,
                       const AccumulatorSpec& spec, int64_t* overflow_events);

// The output conversion: acc * 2^-F rounded once to the nearest float32, ties to even (IEEE
// 754-2019 section 4.3.1, roundTiesToEven); a quiet NaN when the `nan` flag is set. The
// magnitude is rounded to 24 significant bits on the integer, then scaled by 2^-F, exactly:
// |acc| <= 2^127 (a 128-bit register) and F >= 0 keep the result <= 2^127, below float32's
// largest finite value (2^128 - 2^104), and F <= 126 keeps its lowest bit, at least 2^-F, inside
// float32's normal range (IEEE 754-2019 table 3.5, binary32: emax 127, emin -126, p 24).
float Fp8AccumulatorToFloat(const SmallFloatFormat& format, const Fp8MacState& state);

}  // namespace quasar::models
