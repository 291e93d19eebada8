#pragma once
// Golden quantized max/average pooling, residual add of two quantized tensors, and activation
// clamps on quantized tensors.

#include <cstdint>
#include <utility>

#include "quasar/models/output_stage.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// Window and geometry of a 2-D pooling layer (geometry.groups and dilation are ignored).
struct PoolParams {
  int64_t kernel_h = 2, kernel_w = 2;
  Conv2dGeometry geometry;
  bool count_include_pad = false;  // average pooling: divide by the full window, padding included
};

// Max over the in-bounds taps of each window (padding never wins). Input and output share
// quantization, so no requantization happens.
IntTensor MaxPool2d(const IntTensor& x, const PoolParams& params);

// Average of each window, input and output sharing scale and zero point.
//   tflite modes: sum the raw values, divide by the count rounding half away from zero
//     (tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h AveragePool).
//   onnx, torch-qnnpack: round_half_even(sum(q - z) / count) + z, the real-valued definition.
IntTensor AvgPool2d(const IntTensor& x, const PoolParams& params, int32_t zero_point,
                    IntType type, RoundingMode mode);

// y = a + b of two same-shape quantized tensors with their own scales, into `out`.
//   tflite modes: TFLite's integer add, left shift 20, three multipliers
//     (tensorflow/lite/kernels/add.cc Prepare, reference/integer_ops/add.h), each applied with the
//     mode's MultiplyByQuantizedMultiplier.
//   onnx: (s_a*(a - z_a) + s_b*(b - z_b)) / s_y in float32, round half to even, + z_y
//     (com.microsoft QLinearAdd definition).
//   torch-qnnpack: the same float32 dequantize-add-quantize, with the reciprocal-multiply
//     quantize of ATen quantize_val (PyTorch's reference quantized add).
IntTensor AddQuantized(const IntTensor& a, const QuantParams& qa, const IntTensor& b,
                       const QuantParams& qb, const QuantParams& out, RoundingMode mode,
                       Activation activation);

// Clamps every element into [lo, hi]: a ReLU/ReLU6 on a quantized tensor, with the bounds of
// MakeOutputStage(...).lo/.hi.
IntTensor Clamp(const IntTensor& x, int32_t lo, int32_t hi);

}  // namespace quasar::models
