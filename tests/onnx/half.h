#pragma once
// IEEE 754 binary16 (float16) conversions, to reproduce numpy's float16 arithmetic: numpy computes
// each float16 operation in float32 and rounds the result to float16, round to nearest, ties to
// even (numpy/core/src/umath/loops.c.src, HALF_* loops; numpy/core/src/npymath/halffloat.c
// npy_float_to_half). The ONNX reference evaluates a_scale * b_scale / y_scale this way for the
// float16-scale QLinearMatMul tests (onnx/reference/ops/op_qlinear_matmul.py).

#include <cmath>
#include <cstdint>
#include <cstring>

namespace quasar::onnx_tests {

// The float32 value of a float16 bit pattern (exact: every float16 is a float32).
inline float HalfBitsToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  uint32_t bits = 0;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float32.
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return (h & 0x8000u) != 0 ? -magnitude : magnitude;
  }
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN (payload kept)
  } else {
    bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  float f = 0.0f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// The float16 nearest to `f`, ties to even; overflow gives infinity, tiny values give subnormals
// or (signed) zero, NaN stays a (quiet) NaN.
inline uint16_t FloatToHalfBits(float f) {
  uint32_t bits = 0;
  std::memcpy(&bits, &f, sizeof bits);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) {
    return static_cast<uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));  // NaN
  }
  // 65520 = 0x477ff000 is halfway between 65504 (largest finite float16, odd significand) and
  // 2^16: it and everything above round to infinity.
  if (abs >= 0x477ff000u) {
    return static_cast<uint16_t>(sign | 0x7c00u);
  }
  const uint32_t exponent = abs >> 23;
  if (exponent < 113) {
    // Below 2^-14, the smallest normal float16: a subnormal m * 2^-24 with m = round(|f| / 2^-24).
    // |f| = significand * 2^(exponent - 150), so |f| / 2^-24 = significand >> (126 - exponent).
    // Everything at or below 2^-25 (exponent <= 102) rounds to zero (2^-25 is a tie to even 0).
    if (exponent < 102) {
      return sign;
    }
    const uint32_t significand = (abs & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - exponent;  // 14..24
    uint32_t m = significand >> shift;
    const uint32_t remainder = significand & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (remainder > half || (remainder == half && (m & 1u) != 0)) {
      ++m;  // may carry into 0x400, the smallest normal: still the right encoding
    }
    return static_cast<uint16_t>(sign | m);
  }
  // Normal: rebias the exponent, keep the top 10 mantissa bits, round the 13 dropped bits.
  uint32_t h = ((exponent - 127 + 15) << 10) | ((abs >> 13) & 0x3ffu);
  const uint32_t dropped = abs & 0x1fffu;
  if (dropped > 0x1000u || (dropped == 0x1000u && (h & 1u) != 0)) {
    ++h;  // a carry into the exponent is the correct next binade (never infinity, see above)
  }
  return static_cast<uint16_t>(sign | h);
}

// `f` rounded to float16 and back: numpy's float32 -> float16 -> float32 round trip.
inline float RoundToHalf(float f) { return HalfBitsToFloat(FloatToHalfBits(f)); }

}  // namespace quasar::onnx_tests
