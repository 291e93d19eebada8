// The cost of a number-format MAC (format_mac.h).

#include "quasar/models/cost/format_mac.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "quasar/models/mx_format.h"
#include "quasar/models/small_float.h"

namespace quasar::models {
namespace {

// Bits of the unsigned integer n.
int BitLength(uint64_t n) {
  int bits = 0;
  for (; n != 0; n >>= 1) {
    ++bits;
  }
  return bits;
}

// A small float's largest finite magnitude in units of its smallest subnormal, 2^(1 - bias - M).
uint64_t MaxUnits(const SmallFloatFormat& f) {
  return static_cast<uint64_t>(std::ldexp(f.max_finite, f.bias - 1 + f.mantissa_bits));
}

}  // namespace

FormatMacShape FormatMacShapeOf(QuantCode format) {
  const QuantCodeDef& d = QuantCodeOf(format);
  if (d.format == nullptr) {
    throw std::invalid_argument(std::string("FormatMacShapeOf: ") + d.name +
                                " is not a number format");
  }
  FormatMacShape s;
  s.block = d.block;
  const SmallFloatFormat* element = nullptr;
  if (d.block > 0) {
    const MxFormat& mx = FindMxFormat(d.format);
    if (mx.element != nullptr) {
      element = &FindSmallFloat(mx.element);
    } else {  // MXINT8: 8-bit two's complement, magnitudes up to 127 units (mx_format.h)
      s.significand_bits = 8;
      s.product_bits = 2 * BitLength(127) + 1;
      return s;
    }
  } else {
    element = &FindSmallFloat(d.format);
  }
  s.significand_bits = element->mantissa_bits + 1;
  s.exponent_add_bits = element->exponent_bits + 1;
  s.product_bits = 2 * BitLength(MaxUnits(*element)) + 1;
  return s;
}

int BlockSumBits(const FormatMacShape& s) {
  int log2_block = 0;
  while ((1 << log2_block) < s.block) {
    ++log2_block;
  }
  return s.product_bits + log2_block;
}

double FormatMacPj(const CostTable& table, QuantCode format, int acc_bits) {
  const FormatMacShape s = FormatMacShapeOf(format);
  double pj = table.MultiplyPj(s.significand_bits, s.significand_bits);
  if (s.exponent_add_bits > 0) {
    pj += table.AddPj(s.exponent_add_bits);
  }
  if (s.block == 0) {
    return pj + table.AddPj(acc_bits);
  }
  const double per_block = table.AddPj(9) + kFp32AddVsInt32Add * table.AddPj(32);
  return pj + table.AddPj(BlockSumBits(s)) + per_block / s.block;
}

double GroupDequantPjPerProduct(const CostTable& table, int group) {
  return (kFp32MultiplyVsInt32Add + kFp32AddVsInt32Add) * table.AddPj(32) / group;
}

double FormatPeAreaUm2(const CostTable& table, QuantCode format, int acc_bits) {
  return table.PeAreaUm2(8, 8, false) * FormatMacPj(table, format, acc_bits) /
         table.MacPj(8, 8, acc_bits);
}

}  // namespace quasar::models
