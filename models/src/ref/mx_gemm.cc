#include "quasar/models/ref/mx_gemm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "quasar/models/error.h"

namespace quasar::models {
namespace {

// float32: 24-bit significand, smallest subnormal 2^-149.
constexpr int kFloatPrecision = 24;
constexpr int kFloatMinQuantumExp = -149;

int BitLength(uint128 v) {
  int n = 0;
  for (; v != 0; v >>= 1) {
    ++n;
  }
  return n;
}

// The IEEE-arithmetic fallback for a block holding an FP8 NaN or infinity element.
float NonFiniteBlockDot(const MxMatrix& a, int64_t a_row, const MxMatrix& wt, int64_t w_row,
                        int64_t begin, int64_t end, double scale) {
  double sum = 0.0;
  for (int64_t k = begin; k < end; ++k) {
    sum += double{DecodeMxElement(*a.format, a.Code(a_row, k))} *
           double{DecodeMxElement(*wt.format, wt.Code(w_row, k))};
  }
  return static_cast<float>(sum * scale);
}

}  // namespace

float RoundScaledToFloat(int128 v, int exp2) {
  if (v == 0) {
    return 0.0f;
  }
  const bool negative = v < 0;
  // Unsigned negation: well defined for the most negative int128 too.
  uint128 magnitude = negative ? uint128{0} - static_cast<uint128>(v) : static_cast<uint128>(v);
  const int length = BitLength(magnitude);
  // float32's spacing at this magnitude: 2^(floor(log2 |value|) - 23), at least 2^-149.
  const int quantum = std::max(length - 1 + exp2 - (kFloatPrecision - 1), kFloatMinQuantumExp);
  const int shift = quantum - exp2;
  int exponent = exp2;
  if (shift > length || shift >= 128) {
    magnitude = 0;  // below half the quantum (or, at 128, exactly half of it with an even 0)
  } else if (shift > 0) {
    const uint128 remainder = magnitude & ((uint128{1} << shift) - 1);
    const uint128 half = uint128{1} << (shift - 1);
    magnitude >>= shift;
    if (remainder > half || (remainder == half && (magnitude & 1) != 0)) {
      ++magnitude;
    }
    exponent = quantum;
  }
  // magnitude <= 2^24 now: exact in float; ldexp is exact unless it overflows to infinity.
  const float value = std::ldexp(static_cast<float>(magnitude), exponent);
  return negative ? -value : value;
}

float MxBlockSumToFloat(int128 sum, const MxFormat& a_format, uint32_t scale_a,
                        const MxFormat& w_format, uint32_t scale_w) {
  if (scale_a == kE8m0Nan || scale_w == kE8m0Nan) {
    return std::numeric_limits<float>::quiet_NaN();
  }
  const int scale_exp = static_cast<int>(scale_a) + static_cast<int>(scale_w) - 2 * kE8m0Bias;
  const int quantum = MxElementQuantumExp(a_format) + MxElementQuantumExp(w_format);
  return RoundScaledToFloat(sum, quantum + scale_exp);
}

float MxBlockDot(const MxMatrix& a, int64_t a_row, const MxMatrix& wt, int64_t w_row,
                 int64_t block) {
  const uint32_t scale_a = a.Scale(a_row, block);
  const uint32_t scale_w = wt.Scale(w_row, block);
  if (scale_a == kE8m0Nan || scale_w == kE8m0Nan) {
    return std::numeric_limits<float>::quiet_NaN();
  }
  const int64_t begin = block * a.format->block_size;
  const int64_t end = std::min(a.cols, begin + a.format->block_size);
  const int scale_exp = static_cast<int>(scale_a) + static_cast<int>(scale_w) - 2 * kE8m0Bias;
  int128 sum = 0;
  for (int64_t k = begin; k < end; ++k) {
    bool finite_a = true;
    bool finite_w = true;
    const int64_t ua = MxElementUnits(*a.format, a.Code(a_row, k), finite_a);
    const int64_t uw = MxElementUnits(*wt.format, wt.Code(w_row, k), finite_w);
    if (!finite_a || !finite_w) {
      return NonFiniteBlockDot(a, a_row, wt, w_row, begin, end, std::ldexp(1.0, scale_exp));
    }
    sum += static_cast<int128>(ua) * uw;
  }
  return MxBlockSumToFloat(sum, *a.format, scale_a, *wt.format, scale_w);
}

void CheckMxGemmOperands(const MxMatrix& a, const MxMatrix& wt) {
  CheckMxMatrix(a);
  CheckMxMatrix(wt);
  if (a.cols != wt.cols || a.format->block_size != wt.format->block_size) {
    throw InputError("MX GEMM: A (" + std::string(a.format->name) +
                     ", K = " + std::to_string(a.cols) + ") and W (" + wt.format->name +
                     ", K = " + std::to_string(wt.cols) + ") differ in K or block size");
  }
}

std::vector<float> MxGemm(const MxMatrix& a, const MxMatrix& wt) {
  CheckMxGemmOperands(a, wt);
  std::vector<float> y(static_cast<size_t>(a.rows * wt.rows), 0.0f);
  for (int64_t m = 0; m < a.rows; ++m) {
    for (int64_t n = 0; n < wt.rows; ++n) {
      float acc = 0.0f;
      for (int64_t b = 0; b < a.BlocksPerRow(); ++b) {
        acc += MxBlockDot(a, m, wt, n, b);
      }
      y[static_cast<size_t>(m * wt.rows + n)] = acc;
    }
  }
  return y;
}

}  // namespace quasar::models
