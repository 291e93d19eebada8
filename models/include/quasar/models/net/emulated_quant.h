#pragma once
// Quantization emulated in float32, for the precisions the golden integer path does not run: the
// number formats (FP8, MX) and group-quantized integer weights (docs/formats.md). Every weight and
// every activation tensor that owns parameters is replaced by its quantized value, dequantized
// (quantize-dequantize, "fake quantization", as the OCP MX reference library, microsoft/
// microxcaling, emulates MX), and the float reference pass runs on those values. The values are
// exactly the formats' (the encoders of small_float.h, mx_format.h and group_quant.h); only the
// sums are float32's rather than the hardware's (the golden kernels, ref/mx_gemm.h and
// ref/group_gemm.h, add exact block or group sums in float32), a rounding far below the
// quantization error these measurements are for.
//
// What each precision does:
//   - integer codes (linear, pow2, binary, ternary): the weights' quantizer and the activations'
//     calibrated parameters of the golden path (QuantizeWeights, the code's activation_params
//     over the same observed values), so an integer layer beside a format one is quantized as
//     the golden path quantizes it;
//   - linear weights per group: QuantizeGroupWeights over W[K, N] (K: a weight's input taps);
//     when the policy's activations beside them are 16-bit linear, those are fp16
//     (IsFp16Activation): W4A16 as GPTQ/AWQ
//     inference runs it and the golden kernel takes it (ref/group_gemm.h, GroupGemmFp16), each
//     value rounded to the nearest binary16 value (Fp16Format, saturating at 65504, as FP8
//     saturates), with no calibrated grid to clip it;
//   - FP8: a float scale, max |x| / the format's largest finite value, per output channel for
//     weights quantized per channel, else per tensor; activations per tensor over the
//     calibration set; encode saturating (OFP8's saturating mode);
//   - MX: blocks of 32 along K. A weight's blocks run along its input taps. An activation is
//     quantized where each computing layer reads it, not where it is produced: a GEMM's operand
//     along the axis the GEMM reduces over (GemmReductionAxis: a matmul's first operand along its
//     last axis, its second along its second-to-last, a convolution's input along its channels),
//     as the OCP MX reference library quantizes a matmul's operands "along the dot product
//     dimension" (microsoft/microxcaling, mx/matmul.py, MatMulFunction.forward: in1 on axis -1,
//     in2 on axis -2); any other computing layer's input, and the network output, along the
//     channels of a 4-D (NCHW) tensor and the last axis otherwise. A layer that only moves data
//     (a reshape, a transpose) passes the values through, so the GEMM after it blocks them.
// A layer that only moves data keeps its input's quantization, and its output is put on that
// grid as it is produced (an average pool's new values; the others' are on it already), as the
// golden path's pool rounds to its input's grid. Biases stay float.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/mx_format.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/rounding.h"
#include "quasar/models/small_float.h"

namespace quasar::models {

// The FP8 scale that maps max |x| = `amax` onto the format's largest finite value (1 when all
// are zero): the emulation's FP8 tensors and a stored input's (input_storage.h).
float Fp8TensorScale(const SmallFloatFormat& format, double amax);

// Whether `net` has a precision only the emulation runs: a number format or weights quantized
// per group.
bool NeedsEmulation(const NetworkSpec& net);

// Whether an activation of precision `p` in `net` is fp16: a 16-bit linear one in a network
// whose policy is W4A16, weights per group and 16-bit linear activations (above). A 16-bit
// tensor the policy does not give (an override, --kv-bits 16 beside w4a8g128) stays integer.
bool IsFp16Activation(const NetworkSpec& net, const OperandPrecision& p);

// How one activation tensor is quantize-dequantized.
struct EmulatedTensor {
  OperandPrecision precision;
  QuantParams params;  // integer codes: the calibrated grid
  float scale = 1;     // FP8: max |x| / max finite over the calibration set (1 if all zero)
  bool fp16 = false;   // IsFp16Activation: rounded to binary16, `params` unused
};

struct EmulatedNetwork {
  FloatNetParams params;                          // weights quantize-dequantized
  std::map<std::string, EmulatedTensor> tensors;  // every tensor that owns parameters
  RoundingMode rounding = RoundingMode::kTflite;
};

// Calibrates on `calibration` (float forward passes of `params`, every owning tensor observed) and
// quantize-dequantizes the weights. InputError for a network that fixes its own quantization
// (fixed_quant.h), which the golden path runs instead.
EmulatedNetwork EmulateQuantization(
    const NetworkSpec& net, const FloatNetParams& params,
    const std::vector<std::map<std::string, FloatTensor>>& calibration);

// `x` quantize-dequantized in MX blocks of `f` along `axis` (the blocks of each line along it).
FloatTensor MxQuantizeDequantizeAlong(const MxFormat& f, const FloatTensor& x, int axis);

// The value computing layer `l` reads at input `slot` when that tensor's precision is an MX
// code: `x` quantize-dequantized along the layer's K, or along the tensor's default axis (above);
// nullopt for another precision or a layer that only moves data.
std::optional<FloatTensor> MxOperand(const NetworkSpec& net, const NetLayer& l, size_t slot,
                                     const FloatTensor& x);

// One tensor's quantize-dequantize (above; an MX tensor along its default axis).
FloatTensor QuantizeDequantize(const EmulatedTensor& t, const FloatTensor& x,
                               RoundingMode rounding);
// A weight tensor's, by its layer's weight precision (`percentile` for the integer codes'
// percentile calibration, the policy's).
FloatTensor QuantizeDequantizeWeights(const FloatTensor& w, const OperandPrecision& p,
                                      double percentile);

// The float reference pass on the emulated network: the inputs and every owning tensor
// quantize-dequantized as they are produced, or as they are read for MX (above). The returned
// tensors are as stored: an MX one unquantized, but for the network output.
// `compute`, when given, is the float run's hook of that name (float_net.h): a layer's output
// computed otherwise than by the float kernel (the number formats' golden kernels,
// sim/cycle/format_network.h).
std::map<std::string, FloatTensor> RunEmulatedNetwork(
    const NetworkSpec& net, const EmulatedNetwork& e,
    const std::map<std::string, FloatTensor>& inputs,
    const decltype(FloatRunHooks::compute)& compute = {});

}  // namespace quasar::models
