#pragma once
// Golden GEMMs with group-quantized integer weights (group_quant.h): Y[M, N] = A[M, K] · W[K, N],
// value(k, n) = (q(k, n) - zero(g, n)) * scale(g, n), groups of K.
//
// W4A8 (GroupGemmInt8): A is int8 codes (-128..127) with one float scale a_scale and one zero
// point a_zero (-128..127; 0 for symmetric activations; uint8 codes c with zero point z are the
// same values as int8 codes c - 128 with zero point z - 128). Per output, in this order:
//   1. per group g, the integer sum S_g = sum_{k in g} (a(m, k) - a_zero) * (q(k, n) - zero(g, n))
//      in int64 (exact);
//   2. acc = +0 (float32); for g in order: acc += float32(float32(S_g) * scale(g, n)) (float32(S_g)
//      is exact while |S_g| < 2^24, e.g. every group of up to 256 products of 9-bit activation
//      offsets (|a - a_zero| <= 255) and 8-bit weight offsets);
//   3. y = float32(acc * a_scale).
// W4A16 (GroupGemmFp16): A is fp16 (IEEE 754 binary16) activations, given as the float32
// values they convert to exactly. Every finite fp16 value is an integer number of 2^-24 (its
// smallest subnormal), below 2^40 of them, so a group's products sum exactly, as W4A8's do.
// Per output:
//   1. per group g, the exact sum P_g = sum_{k in g} a(m, k) * (q(k, n) - zero(g, n)) (a 128-bit
//      integer of 2^-24 units), rounded once to float32 (nearest, ties to even);
//   2. acc = +0 (float32); for g in order: acc += float32(float32(P_g) * scale(g, n)).
// A value that is not a finite fp16 one (NaN, infinity, beyond 65504, or more significant bits
// than binary16 holds) is refused, naming its row and column.

#include <cstdint>
#include <vector>

#include "quasar/models/group_quant.h"
#include "quasar/models/int128.h"

namespace quasar::models {

// The largest magnitude of W4A8's int8 activation codes (-128).
constexpr int64_t kInt8CodeMax = 128;

// Steps 2 and 3 of W4A8, the one home of these rules (the golden kernel and the cycle model's
// post unit, sim/cycle/format_gemm.h): acc + float32(float32(S_g) * scale), and the output
// float32(acc * a_scale).
float GroupAccumulate(float acc, int64_t group_sum, float scale);
float GroupOutput(float acc, float a_scale);

// a: M x K int8 codes, row-major. Throws InputError on a size mismatch, a code outside -128..127
// (naming its row and column) or a zero point outside it.
void CheckGroupGemmInt8Operands(const std::vector<int32_t>& a, int64_t m, int32_t a_zero,
                                const GroupQuantWeights& w);

// After CheckGroupGemmInt8Operands.
std::vector<float> GroupGemmInt8(const std::vector<int32_t>& a, int64_t m, float a_scale,
                                 int32_t a_zero, const GroupQuantWeights& w);

// sum_{k in g} (q(k, n) - zero(g, n)): what an array that multiplies the raw activation codes
// subtracts, times a_zero, to get S_g (format_gemm.h).
int64_t GroupWeightSum(const GroupQuantWeights& w, int64_t g, int64_t n);

// binary16's smallest subnormal, 2^-24: the unit of W4A16's exact group sums.
constexpr int kFp16QuantumExp = -24;
// binary16's largest finite value, 65504 = 2047 * 2^5 (IEEE 754-2019 table 3.5, binary16: emax
// 15, p 11), in those units: 40 bits.
constexpr int64_t kFp16MaxUnits = int64_t{2047} << (5 - kFp16QuantumExp);

// Step 2 of W4A16, the one home of this rule (the golden kernel and the cycle model's post
// unit): acc + float32(float32(P_g) * scale), P_g = `group_sum` units of 2^-24.
float GroupAccumulateFp16(float acc, int128 group_sum, float scale);

// a: M x K fp16 values as float32, row-major: each one's number of 2^-24 units. Throws
// InputError on a size mismatch or a value that is not a finite fp16 one (naming its row and
// column).
std::vector<int64_t> GroupGemmFp16Units(const std::vector<float>& a, int64_t m,
                                        const GroupQuantWeights& w);

// After GroupGemmFp16Units' checks.
std::vector<float> GroupGemmFp16(const std::vector<float>& a, int64_t m,
                                 const GroupQuantWeights& w);

}  // namespace quasar::models
