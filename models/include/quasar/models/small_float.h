#pragma once
// Small floating-point element formats: FP8 (E4M3, E5M2) per the OCP 8-bit Floating Point
// Specification (OFP8) v1.0 (2023), and FP6 (E2M3, E3M2) and FP4 (E2M1) per the OCP
// Microscaling Formats (MX) Specification v1.0 (2023). docs/number-formats.md tabulates them.
//
// Every format is one row of a table (small_float.cc): sign bit, exponent and mantissa widths,
// bias, whether it encodes infinities, which codes are NaN, and the largest finite value. One
// generic Decode/Encode reads the row, so a new format is a new row, not new code.
//
// Encoding rounds to nearest, ties to even, as if the exponent range were unbounded; a rounded
// magnitude above the row's max_finite overflows (OFP8 v1.0, conversion to FP8 with and without
// saturation; ONNX Cast's float8 tables in onnx/docs/Operators.md):
//   saturate = true:  overflow and +-inf give +-max_finite;
//   saturate = false: overflow and +-inf give +-inf where the format has infinities (E5M2), else
//                     NaN where it has NaN (E4M3: S.1111.111), else +-max_finite (FP6/FP4 have
//                     neither, so they saturate, as ONNX casts to them: "Downcasting RNE with
//                     saturation", onnx.ai/onnx/technical/float6.html).
// NaN gives the format's NaN with the input's sign (E4M3 S.1111.111, E5M2 S.11111.11, as
// onnx/helper.py float32_to_float8e4m3 / float32_to_float8e5m2 return); a format without NaN
// (FP6/FP4) rejects it with an InputError. Zeros keep their sign.

#include <cstdint>
#include <string>
#include <vector>

namespace quasar::models {

// Which codes of a format are NaN.
enum class NanCodes {
  kNone,     // no NaN (MX FP6/FP4)
  kAllOnes,  // only S.1...1 (OFP8 E4M3: S.1111.111)
  kIeee,     // exponent all ones, mantissa non-zero (OFP8 E5M2, IEEE 754 style)
};

// One small floating-point format: one sign bit, then exponent, then mantissa, in the low
// 1 + exponent_bits + mantissa_bits bits of a code.
struct SmallFloatFormat {
  const char* name;  // "fp8_e4m3", "fp8_e5m2", "fp6_e2m3", "fp6_e3m2", "fp4_e2m1"
  int exponent_bits;
  int mantissa_bits;
  int bias;
  bool has_infinity;  // exponent all ones, mantissa zero (only with NanCodes::kIeee)
  NanCodes nan;
  double max_finite;   // as the specification states it
  const char* source;  // the specification that defines it

  int bits() const { return 1 + exponent_bits + mantissa_bits; }
  uint32_t sign_mask() const { return 1u << (exponent_bits + mantissa_bits); }
  uint32_t code_count() const { return 1u << bits(); }
};

// The format table, in the order above.
const std::vector<SmallFloatFormat>& SmallFloatFormats();
// IEEE 754 binary16 (fp16): 5 exponent bits, 10 fraction bits, bias 15, infinities and NaNs
// as E5M2's, largest finite 65504 (IEEE 754-2008, Table 3.5: p = 11, emax = 15). The
// activations of W4A16 (ref/group_gemm.h, net/emulated_quant.h); not a row of the table above,
// which lists the elements of the number formats (and whose tests pair every code with every
// other).
const SmallFloatFormat& Fp16Format();
// The row named `name`; throws InputError listing the names for any other.
const SmallFloatFormat& FindSmallFloat(const std::string& name);

bool IsNan(const SmallFloatFormat& format, uint32_t code);
bool IsInfinity(const SmallFloatFormat& format, uint32_t code);

// The exact value of `code` (bits above bits() must be zero; throws std::invalid_argument
// otherwise). NaN codes give a quiet float NaN with the code's sign.
float Decode(const SmallFloatFormat& format, uint32_t code);

// Every finite value is an integer multiple of 2^SmallFloatQuantumExp, the smallest subnormal:
// 2^(1 - bias - M).
int SmallFloatQuantumExp(const SmallFloatFormat& format);
// A finite code's value in units of that quantum, exact (E5M2's 57344 = 2^15.81 is the largest:
// 2^31.81 units of 2^-16); `finite` is set false (and 0 returned) for NaN and infinity codes.
int64_t SmallFloatUnits(const SmallFloatFormat& format, uint32_t code, bool& finite);

// The code nearest to `x` (float inputs convert to double exactly), by the rules above.
uint32_t Encode(const SmallFloatFormat& format, double x, bool saturate);

// Quantizer from float: Encode(float32(x / scale), saturate), the quotient rounded to float32
// first as ONNX QuantizeLinear computes it (onnx/reference/ops/op_quantize_linear.py).
uint32_t QuantizeSmallFloat(const SmallFloatFormat& format, float x, float scale, bool saturate);
// float32(Decode(code) * scale) (onnx/reference/ops/op_dequantize_linear.py).
float DequantizeSmallFloat(const SmallFloatFormat& format, uint32_t code, float scale);

}  // namespace quasar::models
