// Checks of the float16 helper (half.h) the float16-scale QLinearMatMul tests depend on: known
// encodings, every float16 value round-tripping, and round-to-nearest-even at every midpoint
// between adjacent float16 values, including the subnormal range and the overflow threshold.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "half.h"

namespace quasar::onnx_tests {
namespace {

float FromBits(uint32_t bits) {
  float f = 0.0f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint32_t ToBits(float f) {
  uint32_t bits = 0;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

}  // namespace

TEST_CASE("float16_rounding_helper_known_values", "[onnx][half]") {
  CHECK(FloatToHalfBits(1.0f) == 0x3c00);
  CHECK(FloatToHalfBits(-2.0f) == 0xc000);
  CHECK(FloatToHalfBits(0.1f) == 0x2e66);
  CHECK(FloatToHalfBits(1.0f / 3.0f) == 0x3555);
  CHECK(FloatToHalfBits(65504.0f) == 0x7bff);                        // largest finite
  CHECK(FloatToHalfBits(std::nextafter(65520.0f, 0.0f)) == 0x7bff);  // just below the midpoint
  CHECK(FloatToHalfBits(65520.0f) == 0x7c00);                        // midpoint: ties to even = inf
  CHECK(FloatToHalfBits(1e10f) == 0x7c00);
  CHECK(FloatToHalfBits(-std::numeric_limits<float>::infinity()) == 0xfc00);
  CHECK((FloatToHalfBits(std::numeric_limits<float>::quiet_NaN()) & 0x7c00) == 0x7c00);
  CHECK((FloatToHalfBits(std::numeric_limits<float>::quiet_NaN()) & 0x03ff) != 0);
  CHECK(FloatToHalfBits(std::ldexp(1.0f, -14)) == 0x0400);  // smallest normal
  CHECK(FloatToHalfBits(std::ldexp(1.0f, -24)) == 0x0001);  // smallest subnormal
  CHECK(FloatToHalfBits(std::ldexp(1.0f, -25)) == 0x0000);  // tie between 0 and 2^-24: even
  CHECK(FloatToHalfBits(std::nextafter(std::ldexp(1.0f, -25), 1.0f)) == 0x0001);
  CHECK(FloatToHalfBits(std::ldexp(3.0f, -25)) == 0x0002);     // 1.5 * 2^-24: tie to even 2
  CHECK(FloatToHalfBits(-std::ldexp(1.0f, -30)) == 0x8000);    // underflow keeps the sign
  CHECK(FloatToHalfBits(std::ldexp(1023.5f, -24)) == 0x0400);  // subnormal rounding into normal
  CHECK(HalfBitsToFloat(0x0001) == std::ldexp(1.0f, -24));
  CHECK(HalfBitsToFloat(0x03ff) == std::ldexp(1023.0f, -24));
  CHECK(HalfBitsToFloat(0x7bff) == 65504.0f);
  CHECK(std::isinf(HalfBitsToFloat(0x7c00)));
  CHECK(std::isnan(HalfBitsToFloat(0x7e00)));
  CHECK(RoundToHalf(0.1f) == 0.0999755859375f);
}

TEST_CASE("float16_rounding_helper_exhaustive", "[onnx][half]") {
  int failures = 0;
  for (uint32_t h = 0; h < 0x7c00; ++h) {  // every non-negative finite float16
    const float f = HalfBitsToFloat(static_cast<uint16_t>(h));
    const float negative = HalfBitsToFloat(static_cast<uint16_t>(h | 0x8000));
    // Round trip, both signs.
    if (FloatToHalfBits(f) != h || FloatToHalfBits(negative) != (h | 0x8000) || negative != -f) {
      ++failures;
      FAIL_CHECK("round trip of float16 0x" << std::hex << h);
    }
    // The midpoint to the next float16 (exact in float32) goes to the even neighbour, and the
    // float32 values just below and above it go to the nearer neighbour.
    const uint32_t next = h + 1;
    const float upper = next == 0x7c00 ? 65536.0f : HalfBitsToFloat(static_cast<uint16_t>(next));
    const float midpoint = (f + upper) / 2.0f;
    const uint32_t even = (h & 1u) == 0 ? h : next;
    if (FloatToHalfBits(midpoint) != even || FloatToHalfBits(FromBits(ToBits(midpoint) - 1)) != h ||
        FloatToHalfBits(FromBits(ToBits(midpoint) + 1)) != next) {
      ++failures;
      FAIL_CHECK("rounding between float16 0x" << std::hex << h << " and 0x" << next);
    }
    if (failures > 20) {
      break;
    }
  }
  CHECK(failures == 0);
}

}  // namespace quasar::onnx_tests
