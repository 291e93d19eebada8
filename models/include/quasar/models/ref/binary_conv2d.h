#pragma once
// Golden binary (XNOR-popcount) 2-D convolution on bipolar {-1, +1} activations and weights.
//
// Values are coded one bit each (bit 1 = -1, the sign bit, as Larq Compute Engine does). For a
// chunk of n taps, sum(a*w) = n - 2*popcount(a_bits XOR w_bits) (DESIGN.md section 2). The
// reduction runs in (ic, ky, kx) order in chunks of `lanes` taps; each chunk's popcount result is
// one addition into the accumulator (lanes = 1 gives one addition per product, like
// Conv2dAccumulate).
//
// A bipolar code has no zero, so padding is defined explicitly:
//   kPlusOne / kMinusOne: padding taps hold +1 / -1 and take part in the XNOR-popcount;
//   kZero: padding contributes 0. Hardware computes it as the +1 padding followed by a per-output
//          correction that subtracts the padding taps' contribution, and so does this kernel.
// Per-channel scales and batch-norm fold into the layer's output stage (requantization).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/ref/conv2d.h"

namespace quasar::models {

enum class BinaryPad { kPlusOne, kMinusOne, kZero };
std::string BinaryPadName(BinaryPad p);
std::optional<BinaryPad> ParseBinaryPad(const std::string& name);  // "+1" | "-1" | "0"

// The widest lane group: ArchSpec MacSpec::binary_lanes allows up to 1024 lanes per PE.
inline constexpr int kMaxBinaryLanes = 1024;

struct BinaryConvParams {
  Conv2dGeometry geometry;
  BinaryPad pad = BinaryPad::kPlusOne;
  int lanes = 64;  // taps per XNOR-popcount chunk, 1..kMaxBinaryLanes
  AccumulatorSpec accumulator;
};

// x [N, C, H, W] and w [O, C/groups, KH, KW] hold -1/+1. Returns accumulators [N, O, HO, WO].
Tensor<int64_t> BinaryConv2dAccumulate(const IntTensor& x, const IntTensor& w,
                                       const std::vector<int32_t>& bias,
                                       const BinaryConvParams& params, KernelStats* stats);

}  // namespace quasar::models
