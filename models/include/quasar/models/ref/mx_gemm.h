#pragma once
// Golden GEMM of two MX operands (mx_format.h): Y[M, N] = A[M, K] · W[K, N], both quantized
// along K in blocks of the same size. A is an MxMatrix of M rows of K; W is given transposed,
// an MxMatrix of N rows of K, so both are blocked along their rows.
//
// MX v1.0 section 6.1, dot product of two MX blocks: Dot(A, B) = X_A * X_B * sum_i (P_A,i *
// P_B,i); section 6.2, the general dot product over several blocks, sums the block dot
// products, and the specification leaves the precision and order of that sum to the
// implementation. Quasar's order:
//   1. each block's sum of element products is exact: every finite element is an integer
//      number of its format's quantum 2^q (MxElementUnits, fewer than 2^32 of them), so each
//      product is an integer below 2^64 in units of 2^(q_A + q_B), and 32 of them (any block
//      size up to 2^63) sum exactly in a 128-bit integer;
//   2. that exact sum times 2^(q_A + q_B) * X_A * X_B is rounded once to float32 (nearest, ties
//      to even; subnormal and overflow to infinity as IEEE 754 binary32);
//   3. the blocks' float32 results are added in K order into a float32 accumulator starting at
//      +0.
// MXINT8 takes the same path: its block sum of code products is an exact integer (int32 would
// do: 32 * 128 * 128 = 2^19), scaled by 2^-12 * X_A * X_B.
// A block whose scale is NaN gives NaN. A block with an FP8 NaN or infinity element is summed
// in double from the decoded elements (IEEE arithmetic: NaN, +-inf, or NaN for inf - inf).

#include <cstdint>
#include <vector>

#include "quasar/models/int128.h"
#include "quasar/models/mx_format.h"

namespace quasar::models {

// float32(v * 2^exp2), rounded once to nearest, ties to even (exact 0 gives +0).
float RoundScaledToFloat(int128 v, int exp2);

// Step 2 above: `sum`, a block's exact sum of element products in units of 2^(q_A + q_B) (the
// elements' quanta, MxElementQuantumExp), times X_A * X_B (E8M0 codes), rounded once to float32;
// NaN when either scale is NaN. The one home of this rule: the golden kernel and the cycle
// model's post unit (sim/cycle/format_gemm.h) both use it.
float MxBlockSumToFloat(int128 sum, const MxFormat& a_format, uint32_t scale_a,
                        const MxFormat& w_format, uint32_t scale_w);

// Step 1 and 2 above for block `block` of row `a_row` of a and row `w_row` of wt.
float MxBlockDot(const MxMatrix& a, int64_t a_row, const MxMatrix& wt, int64_t w_row,
                 int64_t block);

// Throws InputError when an operand fails CheckMxMatrix or the K lengths or block sizes differ.
void CheckMxGemmOperands(const MxMatrix& a, const MxMatrix& wt);

// Y [M, N] row-major, after CheckMxGemmOperands.
std::vector<float> MxGemm(const MxMatrix& a, const MxMatrix& wt);

}  // namespace quasar::models
