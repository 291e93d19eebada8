#pragma once
// Golden integer 2-D convolution (NCHW activations, OIHW weights): stride, asymmetric padding,
// dilation, groups (depthwise is groups = C_in), any operand width from 1 to 16 bits.
//
// Contract: for each output, the accumulator is loaded with the bias and then receives the
// products (x - z_x) * (w - z_w[oc]) in reduction order (ic, ky, kx), each addition going through
// the AccumulatorSpec (wrap or saturate, overflow events counted). Padding taps contribute 0
// (padding with z_x) and are counted as MACs.

#include <cstdint>
#include <vector>

#include "quasar/models/accumulator.h"
#include "quasar/models/kernel_stats.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// Spatial geometry of a convolution or pooling window.
struct Conv2dGeometry {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  // A transposed convolution's output_padding (conv_transpose2d only; 0 elsewhere).
  int64_t output_pad_h = 0, output_pad_w = 0;
};

// Output extent along one axis: floor((in + pads - dilation*(k-1) - 1) / stride) + 1.
int64_t ConvOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                       int64_t pad_end, int64_t dilation);

// Validates input [N, C, H, W], weights [C_out, C/groups, KH, KW] and the geometry of a
// convolution and returns the output shape [N, C_out, H_out, W_out]. Throws InputError.
Shape Conv2dOutputShape(const Shape& x, const Shape& w, const Conv2dGeometry& g);

// The integer part of a quantized convolution (everything before requantization).
struct IntConvParams {
  Conv2dGeometry geometry;
  int32_t input_zero_point = 0;
  std::vector<int32_t> weight_zero_points{0};  // 1 or C_out
  AccumulatorSpec accumulator;
};

// Returns the accumulators [N, C_out, H_out, W_out]. `bias` is empty or has C_out entries.
// Throws InputError on inconsistent shapes or parameters.
Tensor<int64_t> Conv2dAccumulate(const IntTensor& x, const IntTensor& w,
                                 const std::vector<int32_t>& bias, const IntConvParams& params,
                                 KernelStats* stats);

// Depthwise convolution with channel multiplier m: weights [C*m, 1, KH, KW], output channel
// oc = c*m + j reads input channel c. Written independently of Conv2dAccumulate (one plain loop
// per output) so the two cross-check each other; geometry.groups is ignored.
Tensor<int64_t> DepthwiseConv2dAccumulate(const IntTensor& x, const IntTensor& w,
                                          const std::vector<int32_t>& bias,
                                          const IntConvParams& params, KernelStats* stats);

}  // namespace quasar::models
