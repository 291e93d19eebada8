#pragma once
// The number formats' GEMMs on the integer PE array (ArrayIf, through the tile sequencer), bit-
// exact against the golden kernels (models/ref/mx_gemm.h, ref/group_gemm.h, fp8_mac.h).
//
// Every format reaches the array as integers. A finite small-float or MX element is an integer
// number of its format's quantum (fp8_mac.h; MxElementUnits), a group-quantized weight is the
// integer q - zero, an int8 activation is its code and an fp16 activation an integer number of
// 2^-24; so each product is an integer in units of the two quanta's product, and the array adds
// them exactly.
//
// Blocks (MX, groups). The reduction is cut along K into the format's blocks (MX: 32; groups:
// the group size), and each block runs as its own reduction on the array, its accumulators
// starting at 0: the exact block sum, in a register as wide as the block's largest sum needs
// (ExactSumBits), so it cannot overflow. The post unit then applies the golden kernel's step to
// each block result, in K order (the one home of each rule is the golden kernel's header):
//   MX      acc += MxBlockSumToFloat(sum, scales)            (float32, from +0)
//   W4A8    acc = GroupAccumulate(acc, sum, scale(g, n)),  y = GroupOutput(acc, a_scale)
//   W4A16   acc = GroupAccumulateFp16(acc, sum, scale(g, n))
// So a block GEMM takes ceil(K / block) passes of the tile sequencer over M x block x N (times
// the pieces' pairs, below), and its cycles are theirs (the array holds one block at a time).
//
// FP8 (no blocks). The whole reduction runs as one, through the accumulator register the caller
// gives (wrap or saturate, counted), which is the FP8 MAC's fixed-point register (fp8_mac.h); the
// post unit converts it once (Fp8AccumulatorToFloat).
//
// Wide elements. An element wider than the array's signed lanes (32 bits on the C++ array) runs
// as pieces of p = min(16, lane bits - 1) bits, v = sign(v) * sum_i piece_i * 2^(p i): on 32-bit
// lanes two halves for E5M2 (up to 2^31.8 units of 2^-16, so FP8 E5M2 and MXFP8 E5M2) and three
// pieces for fp16 activations (up to 2^40 units of 2^-24). Each pair of the operands' pieces is
// a pass of its own (4 for E5M2 x E5M2, 3 for fp16 x a group weight, 2 when one operand of E5M2
// fits a lane), its exact sum in a register of ExactSumBits(2^p - 1, ...) bits; the post unit
// adds the passes' sums in 128 bits, each times 2^(p * (its pieces' places)), which is the
// exact sum.
// The FP8 MAC's register wraps or saturates per product, which separate passes cannot
// reproduce, so a split FP8 GEMM needs a register that holds any sum of its K products. A
// register wider than the array's 64-bit partial sums (65..128 bits) runs as exact passes too,
// and the same rule applies.
//
// What does not fit is refused, naming it: elements of more than 48 bits (no format of the
// table), a pass register of more than 64 bits (the array's int64 partial sums), an FP8
// register that runs as exact passes but is narrower than their sums, NaN or infinite elements (a
// flag the array does not carry; the golden kernels' IEEE fallback stays in models/), and a pack
// other than 1 (a format MAC has no precision scaling).

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/models/accumulator.h"
#include "quasar/models/group_quant.h"
#include "quasar/models/mx_format.h"
#include "quasar/models/small_float.h"
#include "quasar/sim/cycle/array_if.h"
#include "quasar/sim/cycle/unit_codes.h"

namespace quasar::sim::cycle {

struct FormatGemmResult {
  std::vector<float> y;  // M x N, row-major
  int64_t cycles = 0;    // the tile sequencer's, over every pass
  int64_t passes = 0;    // reductions run on the array: one per pair of pieces per block (FP8:
                         // one block)
  int64_t overflow_events = 0;
  int accumulator_bits = 0;  // the register the array ran with
};

// Signed bits of a register that holds any sum of `count` products |a| <= max_a, |b| <= max_b.
int ExactSumBits(int64_t max_a, int64_t max_b, int64_t count);

// What a format GEMM needs to know of an array whose widths are built in (a Verilated array).
// The defaults are the C++ array's: 32-bit lanes, and a register as wide as the sums need.
struct ArrayWidths {
  // Signed operand lanes (2..32 bits). An element that does not fit one runs in pieces of
  // min(16, lane_bits - 1) bits ("Wide elements" above): 9-bit lanes take MXFP8 E4M3 elements
  // (up to 2^17.8 units) in three pieces of 8 bits, fp16 activations (2^40) in five.
  int lane_bits = 32;
  // The block GEMMs' register: 0 for the narrowest that holds any pass's sum (ExactSumBits),
  // else this width, refused (naming both) when narrower. A small-float GEMM runs through its
  // `acc`, the FP8 MAC's register, unless it runs as exact passes (SmallFloatRunsExact): then
  // through this one.
  int register_bits = 0;
};

// Whether a small-float GEMM of elements up to max_abs runs as exact passes: in pieces (wider
// than the lanes), or with an FP8 register `acc` wider than the array's 64-bit partial sums.
// Otherwise it adds through `acc`, wrapping or saturating per product.
bool SmallFloatRunsExact(const LanePieces& lanes, int64_t max_abs,
                         const models::AccumulatorSpec& acc);
// Exact passes cannot wrap or saturate per product as the FP8 MAC's register does, so a
// small-float GEMM over K products of elements up to max_abs runs so only when `acc` (the FP8
// register) holds any sum of them. ArrayFitError naming the format, the bits needed and the
// register's otherwise.
void CheckFp8RegisterForPieces(const std::string& format, const LanePieces& lanes, int64_t max_abs,
                               int64_t k, const models::AccumulatorSpec& acc);

// The block GEMMs below configure `array` with `shape`'s dataflow, rows and cols and the block-
// sum register of `widths`.

// MX x MX (MxGemm's operands: a is M rows of K, wt is N rows of K).
FormatGemmResult MxGemmOnArray(ArrayIf& array, const PeConfig& shape, const models::MxMatrix& a,
                               const models::MxMatrix& wt, const ArrayWidths& widths = {});

// W4A8 (GroupGemmInt8's operands: a is M x K int8 codes with zero point a_zero). The PEs multiply
// the raw codes; the post unit subtracts a_zero times each group's weight sum (GroupWeightSum).
FormatGemmResult GroupGemmInt8OnArray(ArrayIf& array, const PeConfig& shape,
                                      const std::vector<int32_t>& a, int64_t m, float a_scale,
                                      int32_t a_zero, const models::GroupQuantWeights& w,
                                      const ArrayWidths& widths = {});

// W4A16 (GroupGemmFp16's operands: a is M x K fp16 values as float32). Three passes per group on
// 32-bit lanes, five on 9-bit ones.
FormatGemmResult GroupGemmFp16OnArray(ArrayIf& array, const PeConfig& shape,
                                      const std::vector<float>& a, int64_t m,
                                      const models::GroupQuantWeights& w,
                                      const ArrayWidths& widths = {});

// Codes of one small-float format: a is M x K, b is K x N, row-major; each output is the FP8 MAC
// register (`acc`) after the K products in K order (Fp8MacStep), converted once.
FormatGemmResult SmallFloatGemmOnArray(ArrayIf& array, const PeConfig& shape,
                                       const models::SmallFloatFormat& format,
                                       const std::vector<uint32_t>& a,
                                       const std::vector<uint32_t>& b, int64_t m, int64_t k,
                                       int64_t n, const models::AccumulatorSpec& acc,
                                       const ArrayWidths& widths = {});

}  // namespace quasar::sim::cycle
