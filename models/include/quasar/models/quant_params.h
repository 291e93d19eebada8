#pragma once
// Quantization parameters of one tensor: element type, and scale and zero point either per tensor
// (one value) or per channel (one value per channel along the tensor's channel axis).

#include <cstdint>
#include <string>
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

// Scales are float32, as TFLite and ONNX store them. A usable one is finite and normal: at least
// FLT_MIN (1.17549435e-38) and at most FLT_MAX, so that storing it neither flushes it to 0 nor
// makes it a subnormal whose requantization multiplier overflows. Returns "" for a usable scale,
// else why not, the value printed exactly ("1e-310", never "0.000000"). One rule for the layer
// spec, the ONNX importer and the requantizer.
std::string ScaleError(double scale);

}  // namespace quasar::models
