#pragma once
// IEEE 754 binary16 values for the W4A16 kernel and array tests, decoded here from the bit
// fields (IEEE 754-2008, section 3.4: sign, 5-bit biased exponent (bias 15), 10-bit fraction;
// exponent field 0 is subnormal, 31 infinity or NaN), independently of the kernel's own check.

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace quasar::test {

// The value of a finite binary16 code (exponent field below 31).
inline float Fp16Value(uint16_t code) {
  const int exponent = (code >> 10) & 0x1F;
  const int fraction = code & 0x3FF;
  const float magnitude = exponent == 0
                              ? std::ldexp(static_cast<float>(fraction), -24)
                              : std::ldexp(static_cast<float>(1024 + fraction), exponent - 25);
  return (code & 0x8000) != 0 ? -magnitude : magnitude;
}

// Every finite binary16 code, -0 included: 2 * 31 * 1024 = 63,488.
inline std::vector<uint16_t> FiniteFp16Codes() {
  std::vector<uint16_t> codes;
  for (uint32_t c = 0; c < 0x10000; ++c) {
    if (((c >> 10) & 0x1F) != 0x1F) {
      codes.push_back(static_cast<uint16_t>(c));
    }
  }
  return codes;
}

// `count` random finite binary16 values, every finite code equally likely: magnitudes from
// 2^-24 to 65504, so a float32 running sum of them would round.
inline std::vector<float> RandomFp16Values(size_t count, std::mt19937& rng) {
  std::uniform_int_distribution<uint32_t> sign(0, 1), exponent(0, 30), fraction(0, 1023);
  std::vector<float> values(count);
  for (float& v : values) {
    v = Fp16Value(static_cast<uint16_t>(sign(rng) << 15 | exponent(rng) << 10 | fraction(rng)));
  }
  return values;
}

}  // namespace quasar::test
