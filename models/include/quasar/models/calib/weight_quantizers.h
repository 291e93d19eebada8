#pragma once
// Post-training weight quantizers: linear (affine, by a calibration method), binary (XNOR-Net),
// ternary (TWN) and power-of-two (logarithmic) codes, per tensor or per output channel (axis 0 of
// an OIHW or [O, K] weight tensor).

#include <optional>
#include <string>

#include "quasar/models/calib/calibration.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// A quantized weight tensor: integer values (same shape as the float weights) and their
// parameters, per output channel (axis 0) or per tensor. w ~= scale_c * (q - z_c).
struct QuantizedWeights {
  IntTensor values;
  QuantParams params;
};

// Linear: one range per output channel (or one) by ChooseRange(opt), AffineParams, then every
// value q = clamp(round_half_away(f32(w / s)) + z) into GridLimits(type, symmetric) (symmetric
// signed grids are narrow: [-qmax, qmax]). The rounding is TFLite's AffineQuantize
// (tensorflow/lite/kernels/internal/reference/quantize.h: TfLiteRound, half away from zero).
QuantizedWeights QuantizeWeightsLinear(const FloatTensor& w, const IntType& type, bool symmetric,
                                       bool per_channel, const CalibOptions& opt);

// Binary (XNOR-Net, Rastegari et al., ECCV 2016, Sec. 3.1: B = sign(W), alpha = ||W||_1 / n):
// q = +1 if w >= 0 else -1 (sign(0) = +1, as IntType::Saturate), scale alpha_c = mean |W_c|,
// zero point 0, type binary. An all-zero channel gets the smallest normal float as its scale
// (its reconstruction is then ~0; a scale must be positive).
QuantizedWeights QuantizeWeightsBinary(const FloatTensor& w, bool per_channel);

// Ternary (TWN, Li and Liu, "Ternary Weight Networks", arXiv:1605.04711, 2016, the approximated
// solution: Delta* = 0.7 * E(|W|), alpha* = mean of |W_i| over I_Delta = {i : |W_i| > Delta*}):
// q = sign(w) if |w| > Delta_c else 0, scale alpha_c, zero point 0, type ternary. I_Delta is empty
// only for an all-zero channel (|w| <= 0.7 mean|W| for all w forces mean|W| = 0); every q is 0
// then and the scale is 1, as AffineParams does for a zero-width range.
QuantizedWeights QuantizeWeightsTernary(const FloatTensor& w, bool per_channel);

// Power-of-two / logarithmic weights (Miyashita, Lee and Murmann, "Convolutional Neural Networks
// using Logarithmic Data Representation", arXiv:1603.01025, 2016: round log2|w| and clip the
// exponent). Quasar's b-bit code is a sign bit and b-1 bits naming one of {0, 2^0, ..., 2^E},
// E = 2^(b-1) - 2, so q in {0, +-1, +-2, ..., +-2^E}, held in IntType::Signed(E + 2).
// Scale s_c = max|W_c| / 2^E (1 for an all-zero channel); q = 0 when |w| / s < 0.5, else
// sign(w) * 2^clamp(round_half_away(log2(|w| / s)), 0, E). Zero point 0. bits in 2..5.
QuantizedWeights QuantizeWeightsPow2(const FloatTensor& w, int bits, bool per_channel);
// The type of b-bit pow2 codes: IntType::Signed(E + 2), E = 2^(b-1) - 2.
IntType Pow2WeightType(int bits);

// The code's quantizer (its row's quantize_weights, quant_code.h): linear uses type_for_linear,
// symmetric and opt; pow2 uses bits; binary and ternary use neither.
QuantizedWeights QuantizeWeights(const FloatTensor& w, QuantCode code,
                                 const IntType& type_for_linear, int bits, bool symmetric,
                                 bool per_channel, const CalibOptions& opt);

// The float weights the code represents: f32(q - z_c) * s_c (Dequantize), channel = axis 0 when
// the parameters are per channel.
FloatTensor DequantizeWeights(const QuantizedWeights& qw);

// Every quantizer throws InputError for a weight tensor of rank 0, with no element, whose data
// size does not match its shape, or holding a non-finite value.

}  // namespace quasar::models
