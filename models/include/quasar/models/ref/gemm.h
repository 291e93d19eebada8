#pragma once
// Golden integer fully-connected and batched matrix-multiply kernels.
//
// Contract (as conv2d.h): each output's accumulator is loaded with the bias, then receives the
// products (a - z_a) * (b - z_b[n]) in k order, each addition through the AccumulatorSpec.

#include <cstdint>
#include <vector>

#include "quasar/models/accumulator.h"
#include "quasar/models/kernel_stats.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// Zero points and accumulator of an integer GEMM-like kernel.
struct IntGemmParams {
  int32_t input_zero_point = 0;
  std::vector<int32_t> weight_zero_points{0};  // 1, or one per output channel / column
  AccumulatorSpec accumulator;
};

// Validates x [N, K] (or [N, ...], or [K]) and w [O, K] of a fully-connected layer and returns
// the output shape [N, O]; the integer and float kernels share it. Throws InputError.
Shape FullyConnectedOutputShape(const Shape& x, const Shape& w);

// x [N, K] (or [N, ...] flattened to K), w [O, K] (PyTorch Linear layout), bias empty or [O].
// Returns accumulators [N, O].
Tensor<int64_t> FullyConnectedAccumulate(const IntTensor& x, const IntTensor& w,
                                         const std::vector<int32_t>& bias,
                                         const IntGemmParams& params, KernelStats* stats);

// Validates the operands of a batched matmul and returns the output shape [..., M, N] (the rules
// below); the integer and float kernels share it, so they reject the same inputs. Throws
// InputError.
Shape MatMulOutputShape(const Shape& a, const Shape& b);

// a [..., M, K] x b [..., K, N] -> [..., M, N]. The batch dimensions of a and b must be equal, or
// b must be rank 2 (shared by every batch). Weight zero points are per column of b (N) or one.
// bias empty or [N].
Tensor<int64_t> MatMulAccumulate(const IntTensor& a, const IntTensor& b,
                                 const std::vector<int32_t>& bias, const IntGemmParams& params,
                                 KernelStats* stats);

}  // namespace quasar::models
