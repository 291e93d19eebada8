#pragma once
// Golden GEMM of two operands in one small-float format (small_float.h): Y[M, N] = A[M, K] ·
// B[K, N], each output the FP8 MAC's register (fp8_mac.h) after its K products in K order,
// converted once to float32 (Fp8AccumulatorToFloat). The operands are codes; a tensor's float
// scales are the caller's, applied to the output (they are a float step, not the MAC's).

#include <cstdint>
#include <vector>

#include "quasar/models/accumulator.h"
#include "quasar/models/small_float.h"

namespace quasar::models {

// a: M x K codes, b: K x N codes, row-major; `acc` the MAC's register (width and overflow
// mode). Adds the register's wrapped or saturated additions to *overflow_events when given.
// Throws InputError on a size mismatch or a register width the FP8 MAC refuses.
std::vector<float> SmallFloatGemm(const SmallFloatFormat& format, const std::vector<uint32_t>& a,
                                  const std::vector<uint32_t>& b, int64_t m, int64_t k, int64_t n,
                                  const AccumulatorSpec& acc, int64_t* overflow_events = nullptr);

}  // namespace quasar::models
