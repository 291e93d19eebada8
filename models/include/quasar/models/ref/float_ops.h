#pragma once
// Float32 reference kernels: the unquantized network that a quantized one is compared against
// (SQNR, calibration). Layouts as the integer kernels: activations NCHW, conv weights OIHW, FC
// weights [out, in]. Every sum accumulates in float32, as the frameworks do; shapes are validated
// by the same functions as the integer path, so both reject the same inputs (InputError).

#include <cstdint>
#include <vector>

#include "quasar/models/output_stage.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/ref/pool_add.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// 2-D convolution with zero padding, stride, dilation and groups: x [N, C, H, W], w [C_out,
// C/groups, KH, KW], bias empty or C_out entries -> [N, C_out, H_out, W_out]. Each output is the
// bias plus the products in (ic, ky, kx) order, the order of Conv2dAccumulate. Shapes are checked
// by Conv2dOutputShape.
FloatTensor FloatConv2d(const FloatTensor& x, const FloatTensor& w, const std::vector<float>& bias,
                        const Conv2dGeometry& g);

// Depthwise convolution with channel multiplier m: w [C*m, 1, KH, KW], output channel oc reads
// input channel oc / m (as DepthwiseConv2dAccumulate); g.groups is ignored.
FloatTensor FloatDepthwiseConv2d(const FloatTensor& x, const FloatTensor& w,
                                 const std::vector<float>& bias, const Conv2dGeometry& g);

// x [N, K] (or [N, ...] flattened to K, or [K] as one row), w [O, K], bias empty or [O] ->
// [N, O]. K is summed in eight interleaved float32 partial sums (one SIMD register's worth),
// then combined, as vectorized framework kernels do.
FloatTensor FloatFullyConnected(const FloatTensor& x, const FloatTensor& w,
                                const std::vector<float>& bias);

// a [..., M, K] x b [..., K, N] -> [..., M, N]. Batch dimensions must be equal, or b rank 2
// (shared by every batch), as MatMulAccumulate. Each output sums k in order.
FloatTensor FloatMatMul(const FloatTensor& a, const FloatTensor& b);

// Max over the in-bounds taps of each window: padding never wins (as MaxPool2d). Window and
// padding are checked as MaxPool2d does (padding in [0, kernel)).
FloatTensor FloatMaxPool2d(const FloatTensor& x, const PoolParams& p);

// Mean of each window: the sum of the in-bounds taps divided by their count, or by the whole
// window if p.count_include_pad (padding taps are 0), as AvgPool2d.
FloatTensor FloatAvgPool2d(const FloatTensor& x, const PoolParams& p);

// Element-wise a + b of two same-shape tensors.
FloatTensor FloatAdd(const FloatTensor& a, const FloatTensor& b);

// In place: none, relu = max(x, 0), relu6 = min(max(x, 0), 6). NaN stays NaN (as PyTorch).
void ApplyActivation(FloatTensor* t, Activation a);

// Checks that `perm` is a permutation of [0, rank) and returns the shape of the transposed tensor,
// out.shape[i] = shape[perm[i]]. Throws InputError naming perm and shape.
Shape TransposedShape(const Shape& shape, const std::vector<int64_t>& perm);

// The perm that swaps the last two of `rank` axes (a matmul's transpose_b); InputError below 2.
std::vector<int64_t> SwapLastTwoAxes(int rank);

// Permutes the axes of x (ONNX Transpose / numpy.transpose): out[i_0, ..., i_r-1] = x[j] with
// j[perm[d]] = i_d. Works for FloatTensor and IntTensor alike.
template <typename T>
Tensor<T> Transpose(const Tensor<T>& x, const std::vector<int64_t>& perm) {
  Tensor<T> out(TransposedShape(x.shape, perm));
  const int rank = x.rank();
  std::vector<int64_t> in_stride(static_cast<size_t>(rank), 1);
  for (int d = rank - 2; d >= 0; --d) {
    in_stride[static_cast<size_t>(d)] = in_stride[static_cast<size_t>(d + 1)] * x.dim(d + 1);
  }
  // step[d]: how far the source moves when output index d advances by one.
  std::vector<int64_t> step(static_cast<size_t>(rank)), index(static_cast<size_t>(rank), 0);
  for (int d = 0; d < rank; ++d) {
    step[static_cast<size_t>(d)] = in_stride[static_cast<size_t>(perm[static_cast<size_t>(d)])];
  }
  int64_t src = 0;
  for (int64_t i = 0; i < out.size(); ++i) {
    out[i] = x[src];
    for (int d = rank - 1; d >= 0; --d) {  // odometer over the output index
      const auto u = static_cast<size_t>(d);
      src += step[u];
      if (++index[u] < out.dim(d)) {
        break;
      }
      src -= step[u] * out.dim(d);
      index[u] = 0;
    }
  }
  return out;
}

}  // namespace quasar::models
