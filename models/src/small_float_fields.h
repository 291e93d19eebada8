#pragma once
// Internal to quasar_models: the fields of a small float's code (small_float.cc, fp8_mac.cc).

#include <cstdint>

#include "quasar/models/small_float.h"

namespace quasar::models {

inline uint32_t ExponentField(const SmallFloatFormat& f, uint32_t code) {
  return (code >> f.mantissa_bits) & ((1u << f.exponent_bits) - 1);
}

inline uint32_t MantissaField(const SmallFloatFormat& f, uint32_t code) {
  return code & ((1u << f.mantissa_bits) - 1);
}

}  // namespace quasar::models
