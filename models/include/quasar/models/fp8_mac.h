#pragma once
// The golden FP8 multiply-accumulate step: the specification rtl/sv/quasar_fp8_mac.sv
// implements (docs/number-formats.md, "The FP8 MAC"; decision 60).
//
// a * b of two codes of one small-float format (a row of small_float.h; FP8 E4M3 is the one
// built and checked) is computed exactly as a signed integer in units of 2^-F, F the format's
// product fraction bits, and added into a two's complement fixed-point accumulator (Kulisch
// style, Kulisch & Miranker 1981) through AccumulateAdd (accumulator.h): exact while the sum
// fits, else wrapped or saturated, and counted. Integer addition is associative, so without
// overflow the result is bit-exact and independent of the order of the products.
//
// Why the product is an integer. A finite code is (-1)^s * sig * 2^(e' - bias - M), with
// sig = 2^M + m and e' = e for a normal code (e > 0), sig = m and e' = 1 for a subnormal one
// (OFP8 v1.0, its encoding tables; the formula of docs/number-formats.md). A product is then
// (-1)^(sa ^ sb) * sig_a * sig_b * 2^(e'_a + e'_b - 2 bias - 2M), and e'_a + e'_b >= 2, so with
//   F = 2 bias + 2M - 2
// it equals (sig_a * sig_b) << (e'_a + e'_b - 2) units of 2^-F: a non-negative shift of an
// integer. E4M3 (bias 7, M 3): F = 18, the smallest non-zero product 2^-9 * 2^-9 = 2^-18 is one
// unit, and the largest, 448^2 = 200704 < 2^18, is below 2^36 units: 37 signed bits.
// E5M2 (bias 15, M 2) would need F = 32 and 65 signed bits, more than the 64-bit accumulator
// register holds; Fp8ProductBits reports it and Fp8MacStep refuses such a format.
//
// NaN and infinity. A NaN operand (E4M3 S.1111.111) or an infinite one (E5M2 only; E4M3 has no
// infinity) makes the product non-finite: nothing is added to the accumulator and the sticky
// `nan` flag of the state is set; once set it stays set, and the output conversion gives NaN.

#include <cstdint>

#include "quasar/models/accumulator.h"
#include "quasar/models/small_float.h"

namespace quasar::models {

// F = 2 * bias + 2 * mantissa_bits - 2: a product of two finite codes is an integer number of
// units 2^-F.
int Fp8ProductFractionBits(const SmallFloatFormat& format);
// Two's complement bits that hold every finite product in units of 2^-F:
// 2 * (M + 1) + 2 * (E'max - 1) + 1, E'max the largest exponent field of a finite code
// (E4M3: 15, E5M2: 30). E4M3: 37; E5M2: 65.
int Fp8ProductBits(const SmallFloatFormat& format);
// Whether `code` is NaN or infinite.
bool Fp8NonFinite(const SmallFloatFormat& format, uint32_t code);
// The exact product of two finite codes in units of 2^-F (0 when either is NaN or infinite).
// Requires Fp8ProductBits(format) <= 64.
int64_t Fp8Product(const SmallFloatFormat& format, uint32_t a, uint32_t b);

// The register of an FP8 MAC: the fixed-point sum (units 2^-F) and the sticky NaN flag.
struct Fp8MacState {
  int64_t acc = 0;
  bool nan = false;
};

// One MAC step: state + a * b. A non-finite operand sets `nan` and adds nothing; otherwise the
// product goes through AccumulateAdd with `spec` (an overflow increments *overflow_events).
// Throws InputError naming the format when its products do not fit 64 bits (E5M2).
Fp8MacState Fp8MacStep(const SmallFloatFormat& format, Fp8MacState state, uint32_t a, uint32_t b,
                       const AccumulatorSpec& spec, int64_t* overflow_events);

// The output conversion: acc * 2^-F rounded once to the nearest float32, ties to even (IEEE
// 754-2019 section 4.3.1, roundTiesToEven); a quiet NaN when the `nan` flag is set. Exact scaling
// afterwards: |acc| < 2^63 and F <= 64 keep the value inside float32's normal range.
float Fp8AccumulatorToFloat(const SmallFloatFormat& format, const Fp8MacState& state);

}  // namespace quasar::models
