#pragma once
// The framework rounding conventions Quasar reproduces bit-exactly, and the integer rounding
// primitives they are built from.
//
// Each mode names one framework's integer inference arithmetic (DESIGN.md section 2 and
// docs/quantization.md give the formulas and the source files they come from):
//   tflite         TFLite reference kernels, default build: gemmlowp double rounding.
//   tflite-single  TFLite built with TFLITE_SINGLE_ROUNDING=1: one rounding shift.
//   onnx           ONNX reference evaluator: float32 ratio, float64 product, round half to even.
//   torch-qnnpack  PyTorch quantized ops on the QNNPACK engine: float32 reciprocal multiplier.

#include <cstdint>
#include <optional>
#include <string>

namespace quasar::models {

enum class RoundingMode { kTflite, kTfliteSingle, kOnnx, kTorchQnnpack };

std::string RoundingModeName(RoundingMode mode);
std::optional<RoundingMode> ParseRoundingMode(const std::string& name);
// "tflite, tflite-single, onnx, torch-qnnpack", for error messages.
const char* RoundingModeChoices();

// gemmlowp fixedpoint.h SaturatingRoundingDoublingHighMul (the ARM VQRDMULH instruction):
// (a*b + nudge) / 2^31 with C++ truncating division and nudge = 2^30 for a*b >= 0, 1 - 2^30
// otherwise. Positive ties round up and negative ties round toward zero, i.e. ties go to +inf.
// The only overflow, a = b = INT32_MIN, saturates to INT32_MAX.
int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b);

// gemmlowp fixedpoint.h RoundingDivideByPOT: x / 2^exponent, ties away from zero.
// exponent in [0, 31].
int32_t RoundingDivideByPOT(int32_t x, int exponent);

// Round to nearest, ties away from zero (std::round, TFLite's TfLiteRound).
double RoundHalfAwayFromZero(double x);
// Round to nearest, ties to even (std::nearbyint in the default FE_TONEAREST mode, numpy.rint).
double RoundHalfToEven(double x);

// Converts a double to int64 with saturation (NaN maps to 0).
int64_t SaturatingToInt64(double x);

}  // namespace quasar::models
