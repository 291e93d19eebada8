#pragma once
// Quantization parameters of one tensor: element type, and scale and zero point either per tensor
// (one value) or per channel (one value per channel along the tensor's channel axis).

#include <cstdint>
#include <vector>

#include "quasar/models/int_type.h"

namespace quasar::models {

// The affine quantization x ~= scale * (q - zero_point) of one tensor.
struct QuantParams {
  IntType type;
  std::vector<float> scales{1.0f};        // size 1 (per tensor) or one per channel
  std::vector<int32_t> zero_points{0};    // size 1 (per tensor) or one per channel

  float scale(int64_t channel) const {
    return scales.size() == 1 ? scales[0] : scales[static_cast<size_t>(channel)];
  }
  int32_t zero_point(int64_t channel) const {
    return zero_points.size() == 1 ? zero_points[0] : zero_points[static_cast<size_t>(channel)];
  }
};

}  // namespace quasar::models
