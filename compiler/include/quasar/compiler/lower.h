#pragma once
// Lowering of a network layer to the GEMM an array computes, and the im2col address map that
// feeds it, described as data rather than materialised as a copy.
//
// A convolution with G groups is G independent GEMMs, each
//   out[m, n] = sum_k A[m, k] * B[k, n]
// with M = N_batch * H_out * W_out (output pixels), K = C_in/G * kh * kw (the reduction, in the
// golden kernels' order ic, ky, kx) and N = C_out/G (output channels); a depthwise convolution
// with multiplier m is G = C groups of K = kh * kw, N = m; a fully-connected layer is one GEMM
// with M = N_batch, K = in, N = out; a matmul is one GEMM per batch. This is SCALE-Sim's
// mapping (M output pixels, K window size, N filters; scale-sim-v2 topology_utils.py
// get_transformed_mnk_dimensions) extended with groups and batches. A transposed convolution
// (conv_transpose2d) is the convolution over its zero-inserted input with the flipped kernel:
// the same M, K (ic, ky, kx), N, with a tap on an inserted zero fed as a padding tap.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/int_math.h"
#include "quasar/models/net/gemm_input.h"
#include "quasar/models/net/network.h"

namespace quasar::compiler {

using models::CeilDiv;  // folds, tiles, words (quasar/models/int_math.h)

// The GEMMs of one layer: `count` independent problems of M x K times K x N.
struct GemmShape {
  int64_t count = 1;  // groups (conv), batches (matmul), or 1
  int64_t m = 0, k = 0, n = 0;

  int64_t Macs() const { return count * m * k * n; }
};

// The GEMM view of a layer, or nullopt for layers that do no multiply-accumulate (add, pools,
// flatten, reshape, transpose).
std::optional<GemmShape> LowerToGemm(const models::NetLayer& layer, const models::NetworkSpec& net);

// The im2col map of a windowed GEMM op (its GemmInput's row, models/net/gemm_input.h): which
// input element feeds A[m, k] of GEMM `group`, without building A. Row m = (b, oy, ox), column
// k = (ic, ky, kx) of the group's input channels.
class Im2colMap {
 public:
  // `input` is the layer's NCHW input shape. Throws InputError if the layer is not a convolution.
  Im2colMap(const models::NetLayer& layer, const models::Shape& input);

  const GemmShape& gemm() const { return gemm_; }
  // Flat NCHW index of the input element at A[m, k] of `group`, or nullopt for a padding tap
  // (whose value is the input zero point, i.e. a zero product).
  std::optional<int64_t> InputIndex(int64_t group, int64_t m, int64_t k) const;
  // Flat OIHW index of the weight at B[k, n] of `group`.
  int64_t WeightIndex(int64_t group, int64_t k, int64_t n) const;
  // Flat NCHW index of the output element at out[m, n] of `group`.
  int64_t OutputIndex(int64_t group, int64_t m, int64_t n) const;

 private:
  GemmShape gemm_;
  models::Conv2dGeometry g_;
  int64_t c_in_ = 0, h_ = 0, w_ = 0, kh_ = 0, kw_ = 0, ho_ = 0, wo_ = 0, c_out_ = 0;
  int64_t cin_per_group_ = 0, cout_per_group_ = 0;
  // The input row (column) that output row oy (column ox) reads through tap ky (kx), or -1:
  // row_of_[oy * kh + ky], col_of_[ox * kw + kx].
  std::vector<int64_t> row_of_, col_of_;
};

}  // namespace quasar::compiler
