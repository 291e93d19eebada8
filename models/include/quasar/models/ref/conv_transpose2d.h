#pragma once
// Golden transposed 2-D convolution (ONNX ConvTranspose, onnx/docs/Operators.md): NCHW
// activations, weights [C_out, C_in/groups, KH, KW] (output channels first, as conv2d's, so
// per-channel quantization reads the same axis; ONNX's [C_in, C_out/groups, KH, KW] is permuted
// by the importer), stride, pads, dilation, output_padding, groups.
//
// Output extent (Operators.md, ConvTranspose): stride * (in - 1) + output_padding +
// ((kernel - 1) * dilation + 1) - pad_begin - pad_end.
//
// It is computed in gather form: output (oy, ox) receives x[iy, ix] * w[ky, kx] wherever
// oy = iy * stride + ky * dilation - pad_top (the same for x). For each output the accumulator is
// loaded with the bias and then receives (x - z_x) * (w - z_w[oc]) in reduction order
// (ic, ky, kx); a tap whose input position is not an integer in range (an inserted zero or a
// border) contributes 0 and is counted as a MAC, as the array streams it: the kernel is a
// convolution over the zero-inserted input with the flipped kernel.

#include <cstdint>
#include <vector>

#include "quasar/models/kernel_stats.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// Output extent along one axis (formula above).
int64_t ConvTransposeOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                                int64_t pad_end, int64_t dilation, int64_t output_padding);

// Validates input [N, C_in, H, W], weights [C_out, C_in/groups, KH, KW] and the geometry
// (output_padding < stride or < dilation, as ONNX requires) and returns [N, C_out, H_out, W_out].
// Throws InputError.
Shape ConvTranspose2dOutputShape(const Shape& x, const Shape& w, const Conv2dGeometry& g);

// The input position feeding output `o` through kernel tap `k` along one axis, or -1 when the
// tap falls on an inserted zero or outside [0, in).
inline int64_t ConvTransposeSource(int64_t o, int64_t k, int64_t stride, int64_t pad_begin,
                                   int64_t dilation, int64_t in) {
  const int64_t t = o + pad_begin - k * dilation;
  if (t < 0 || t % stride != 0 || t / stride >= in) {
    return -1;
  }
  return t / stride;
}

// The accumulators [N, C_out, H_out, W_out]. `bias` is empty or has C_out entries.
Tensor<int64_t> ConvTranspose2dAccumulate(const IntTensor& x, const IntTensor& w,
                                          const std::vector<int32_t>& bias,
                                          const IntConvParams& params, KernelStats* stats);

// The float reference, written in scatter form (each input pixel times the kernel, added into
// the output window) so that it checks the gather form above independently.
FloatTensor FloatConvTranspose2d(const FloatTensor& x, const FloatTensor& w,
                                 const std::vector<float>& bias, const Conv2dGeometry& g);

}  // namespace quasar::models
