#pragma once
// The energy and area of a MAC that multiplies a number format (MacSpec::format: FP8, MX), built
// from the cost table's integer pieces, so a scaled table scales them too. The derivation and
// its check against the project's synthesized FP8 MAC are in docs/formats.md, "MAC cost".
//
// FP element of E exponent and M mantissa bits, as the FP8 MAC (rtl/sv/quasar_fp8_mac.sv) is
// built: an (M + 1) x (M + 1)-bit significand multiply, an (E + 1)-bit add of the exponents, and
// the exact product added into the accumulator register:
//     MultiplyPj(M + 1, M + 1) + AddPj(E + 1) + AddPj(acc_bits)
// MX (OCP MX v1.0, section 6.1: a block's dot product is X_A X_B sum P_A,i P_B,i): each element
// product as above (MXINT8: an 8 x 8 integer multiply, no exponent), added exactly into the
// block's fixed-point sum (BlockSumBits), and once per block of 32 one 9-bit add of the two
// shared E8M0 exponents and one FP32 add into the float32 accumulator, shared by the block's 32
// products. The FP32 add is 9 times the table's 32-bit integer add: Horowitz (ISSCC 2014, 45 nm)
// gives 0.9 pJ against 0.1 pJ.
// Not priced: the alignment shifter (and normalization of the block sum), an assumption the
// synthesized FP8 MAC bounds (docs/formats.md).

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/quant_code.h"

namespace quasar::models {

// Horowitz ISSCC 2014, 45 nm: 32-bit float add 0.9 pJ and multiply 3.7 pJ, 32-bit integer add
// 0.1 pJ.
inline constexpr double kFp32AddVsInt32Add = 9.0;
inline constexpr double kFp32MultiplyVsInt32Add = 37.0;

// The widths a format's MAC is built from.
struct FormatMacShape {
  int significand_bits = 0;   // each multiplier operand (M + 1; 8 for MXINT8)
  int exponent_add_bits = 0;  // E + 1, 0 for MXINT8
  int product_bits = 0;       // an exact product in units of the squared element quantum, signed
  int block = 0;              // 32 for MX, 0 otherwise
};
// `format` must be a number format (IsNumberFormat); std::invalid_argument otherwise.
FormatMacShape FormatMacShapeOf(QuantCode format);
// An MX block's exact sum: product_bits + ceil(log2(block)).
int BlockSumBits(const FormatMacShape& s);

// Integer weights quantized per group of `group` along K (GPTQ/AWQ) on an integer MAC: each
// group's exact integer sum is dequantized by one FP32 multiply (by the group's scale) and one
// FP32 add into the output, as the group-quantized golden kernel computes it (ref/group_gemm.h),
// shared by the group's `group` products: (37 + 9) AddPj(32) / group per product.
double GroupDequantPjPerProduct(const CostTable& table, int group);

// One product and its accumulation, pJ (above). `acc_bits` is the register of a non-MX MAC.
double FormatMacPj(const CostTable& table, QuantCode format, int acc_bits);
// The PE's area: the table's plain 8 x 8 integer PE scaled by FormatMacPj over MacPj(8, 8,
// acc_bits), an assumption (area in proportion to the logic the energy counts).
double FormatPeAreaUm2(const CostTable& table, QuantCode format, int acc_bits);

}  // namespace quasar::models
