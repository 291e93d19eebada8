#pragma once
// Requantization (accumulator -> output integer), quantization (float -> integer), dequantization
// and bias quantization, each bit-exact to the framework named by a RoundingMode.
//
// Requantize() is the one requantization function of Quasar: every kernel's output stage, every
// backend and every test goes through it. Its multiplier is prepared once per output channel by
// MakeMultiplier(), exactly as the framework prepares it from the float scales.

#include <cstdint>
#include <optional>
#include <vector>

#include "quasar/models/int_type.h"
#include "quasar/models/rounding.h"

namespace quasar::models {

// The prepared real multiplier M = s_x * s_w / s_y of one output channel, in the representation
// its rounding mode computes with.
struct Multiplier {
  RoundingMode mode = RoundingMode::kTflite;
  int32_t fixed = 0;  // tflite modes: Q0.31 significand in [2^30, 2^31) (0 for M = 0)
  int shift = 0;      // tflite modes: M = fixed * 2^(shift - 31)
  double real = 0.0;  // onnx: the float32 ratio as float64; torch-qnnpack: the float32 multiplier
};

// TFLite QuantizeMultiplier (tensorflow/lite/kernels/internal/quantization_util.cc): frexp, then
// significand = round_half_away(frac * 2^31), renormalised if it reaches 2^31; shift < -31
// flushes to zero; with single rounding the shift saturates at 30 (significand 2^31 - 1).
void QuantizeMultiplier(double real_multiplier, bool single_rounding, int32_t* fixed, int* shift);

// Prepares M exactly as the framework does from float scales:
//   tflite, tflite-single: double(s_x) * double(s_w) / double(s_y), then QuantizeMultiplier
//     (tensorflow/lite/kernels/kernel_util.cc, PopulateConvolutionQuantizationParams).
//   onnx: float32 ratio s_x * s_w / s_y, evaluated in float32 (onnx/reference/ops/
//     op_qlinear_conv.py, op_qlinear_matmul.py: x_scale * w_scale / y_scale on float32 arrays).
//   torch-qnnpack: f32(f32(s_w * s_x) * f32(1 / s_y)) (aten/src/ATen/native/quantized/cpu/
//     QnnpackUtils.h, generate_requantization_scales).
// Throws InputError if a scale is not finite and positive or M is outside [0, 2^31).
Multiplier MakeMultiplier(RoundingMode mode, float s_x, float s_w, float s_y);

// Wraps an already computed real multiplier (for example one a framework computed in float16).
Multiplier MultiplierFromReal(RoundingMode mode, double real_multiplier);

// R(acc * M): the rounded, scaled accumulator, before the zero point and the clamp.
//   tflite: RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc * 2^max(shift,0), fixed),
//     max(-shift,0)) (tensorflow/lite/kernels/internal/common.cc, double-rounding
//     MultiplyByQuantizedMultiplier).
//   tflite-single: (acc * fixed + 2^(30 - shift)) >> (31 - shift), arithmetic shift
//     (common.cc, TFLITE_SINGLE_ROUNDING branch).
//   onnx: round_half_even(double(acc) * M).
//   torch-qnnpack: round_half_even(f32(f32(acc) * M)).
// TFLite defines its kernels for int32 accumulators only; for a wider accumulator or an
// intermediate that would overflow int32 (undefined behaviour in TFLite's C++), Quasar applies the
// same roundings in exact 128-bit arithmetic, which agrees with TFLite wherever TFLite is defined.
int64_t ScaleAccumulator(int64_t acc, const Multiplier& m);

// The requantization function: clamp(R(acc * M) + zero_point, lo, hi). In the onnx mode the zero
// point is added in float64 before rounding, as the ONNX reference does (op_qlinear_conv.py:
// R = res * ratio; R += y_zero_point; round), which differs from rounding first when acc * M lies
// within one float64 ulp below a tie.
int32_t Requantize(int64_t acc, const Multiplier& m, int32_t zero_point, int32_t lo, int32_t hi);

// Quantizes one float value: clamp(R(x / s) + zero_point) into `type`.
//   tflite: round_half_away(f32(x / s)) (reference/quantize.h AffineQuantize).
//   onnx: round_half_even(f32(x / s)) (QuantizeLinear).
//   torch-qnnpack: round_half_even(f32(x * f32(1 / s))) (ATen AffineQuantizerBase.cpp
//     quantize_val).
int32_t Quantize(float x, float scale, int32_t zero_point, IntType type, RoundingMode mode);

// Dequantizes one value: f32(q - zero_point) * scale, in float32 (DequantizeLinear).
float Dequantize(int32_t q, float scale, int32_t zero_point);

// Quantizes a float bias to int32 with scale s_x * s_w, by the framework's own rule:
//   tflite, tflite-single: inv = f32(1.0 / f32(s_x * s_w)); round_half_away(f32(b * inv)),
//     clamped to [-INT32_MAX, INT32_MAX] (tensorflow/lite/tools/optimize/quantization_utils.cc
//     SymmetricBiasQuantize).
//   onnx: round_half_even(f32(b / f32(s_x * s_w))), saturated to int32 (onnxruntime
//     quantization/onnx_quantizer.py quantize_bias_static).
//   torch-qnnpack: round_half_even(f32(b * f32(1 / f32(s_w * s_x)))), saturated to int32
//     (aten/src/ATen/native/quantized/cpu/QuantUtils.h QuantizeBias -> quantize_val).
int32_t QuantizeBias(float bias, float s_x, float s_w, RoundingMode mode);

// The first accumulator whose requantized value is >= 0: Requantize(acc, m, zero_point, ...)
// >= 0 exactly for acc >= the result (Requantize is monotonic in acc), found by evaluating
// Requantize itself, so it holds whatever the mode rounds. A layer whose output is binary (±1;
// IntType::Saturate: a negative requantized value gives -1) adds it to its quantized bias, so that
// its output is the sign of its accumulator (acc >= 0 gives +1, as QONNX BipolarQuant: x >= 0) on
// the same integers as any other layer: a folded threshold, as FINN folds batch norm and sign
// into thresholds. nullopt for a multiplier that is zero (every requantized value is zero_point).
std::optional<int64_t> FirstNonNegativeAccumulator(const Multiplier& m, int32_t zero_point);

}  // namespace quasar::models
