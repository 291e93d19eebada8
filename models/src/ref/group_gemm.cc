#include "quasar/models/ref/group_gemm.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/ref/mx_gemm.h"
#include "quasar/models/small_float.h"

namespace quasar::models {
namespace {

void CheckActivations(size_t size, int64_t m, const GroupQuantWeights& w) {
  CheckGroupQuantWeights(w);
  if (m < 0 || static_cast<int64_t>(size) != m * w.k) {
    throw InputError("group GEMM: " + std::to_string(size) +
                     " activations for M = " + std::to_string(m) + ", K = " + std::to_string(w.k));
  }
}

int64_t GroupEnd(const GroupQuantWeights& w, int64_t g) {
  return std::min<int64_t>(w.k, (g + 1) * w.spec.group_size);
}

}  // namespace

float GroupAccumulate(float acc, int64_t group_sum, float scale) {
  return acc + static_cast<float>(group_sum) * scale;
}

float GroupOutput(float acc, float a_scale) { return acc * a_scale; }

void CheckGroupGemmInt8Operands(const std::vector<int32_t>& a, int64_t m, int32_t a_zero,
                                const GroupQuantWeights& w) {
  CheckActivations(a.size(), m, w);
  if (a_zero < -128 || a_zero > 127) {
    throw InputError("group GEMM: the int8 activations' zero point " + std::to_string(a_zero) +
                     " is outside -128..127");
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] < -128 || a[i] > 127) {
      throw InputError("group GEMM: int8 activation " + std::to_string(a[i]) + " at (" +
                       std::to_string(static_cast<int64_t>(i) / w.k) + ", " +
                       std::to_string(static_cast<int64_t>(i) % w.k) + ") is outside -128..127");
    }
  }
}

std::vector<float> GroupGemmInt8(const std::vector<int32_t>& a, int64_t m, float a_scale,
                                 int32_t a_zero, const GroupQuantWeights& w) {
  CheckGroupGemmInt8Operands(a, m, a_zero, w);
  std::vector<float> y(static_cast<size_t>(m * w.n), 0.0f);
  for (int64_t row = 0; row < m; ++row) {
    for (int64_t n = 0; n < w.n; ++n) {
      float acc = 0.0f;
      for (int64_t g = 0; g < w.Groups(); ++g) {
        int64_t sum = 0;
        for (int64_t k = g * w.spec.group_size; k < GroupEnd(w, g); ++k) {
          sum += (int64_t{a[static_cast<size_t>(row * w.k + k)]} - a_zero) *
                 (w.Code(k, n) - w.ZeroPoint(g, n));
        }
        acc = GroupAccumulate(acc, sum, w.Scale(g, n));
      }
      y[static_cast<size_t>(row * w.n + n)] = GroupOutput(acc, a_scale);
    }
  }
  return y;
}

int64_t GroupWeightSum(const GroupQuantWeights& w, int64_t g, int64_t n) {
  int64_t sum = 0;
  for (int64_t k = g * w.spec.group_size; k < GroupEnd(w, g); ++k) {
    sum += w.Code(k, n) - w.ZeroPoint(g, n);
  }
  return sum;
}

float GroupAccumulateFp16(float acc, int128 group_sum, float scale) {
  return acc + RoundScaledToFloat(group_sum, kFp16QuantumExp) * scale;
}

std::vector<int64_t> GroupGemmFp16Units(const std::vector<float>& a, int64_t m,
                                        const GroupQuantWeights& w) {
  CheckActivations(a.size(), m, w);
  const double kFp16Max = Fp16Format().max_finite;  // (2 - 2^-10) * 2^15 = 65504
  constexpr int64_t kSignificandLimit = int64_t{1} << 11;
  std::vector<int64_t> units(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    // Exact: a float32 times 2^24 is a double; below 2^40 (65504 * 2^24) it is an int64 too.
    const double u = std::ldexp(double{a[i]}, -kFp16QuantumExp);
    bool fp16 = std::isfinite(a[i]) && std::fabs(double{a[i]}) <= kFp16Max && std::floor(u) == u;
    if (fp16) {
      units[i] = static_cast<int64_t>(u);
      // A binary16 value is sig * 2^e, sig < 2^11 and e >= -24: its units' odd part is below 2^11.
      int64_t odd = units[i] < 0 ? -units[i] : units[i];
      while (odd != 0 && (odd & 1) == 0) {
        odd >>= 1;
      }
      fp16 = odd < kSignificandLimit;
    }
    if (!fp16) {
      std::ostringstream value;
      value << std::setprecision(9) << a[i];
      throw InputError("group GEMM: fp16 activation at (" +
                       std::to_string(static_cast<int64_t>(i) / w.k) + ", " +
                       std::to_string(static_cast<int64_t>(i) % w.k) + ") is " + value.str() +
                       ", not a finite binary16 value");
    }
  }
  return units;
}

std::vector<float> GroupGemmFp16(const std::vector<float>& a, int64_t m,
                                 const GroupQuantWeights& w) {
  const std::vector<int64_t> units = GroupGemmFp16Units(a, m, w);
  std::vector<float> y(static_cast<size_t>(m * w.n), 0.0f);
  for (int64_t row = 0; row < m; ++row) {
    for (int64_t n = 0; n < w.n; ++n) {
      float acc = 0.0f;
      for (int64_t g = 0; g < w.Groups(); ++g) {
        // Each product is below 2^48 and a group has fewer than 2^31: the sum fits 2^80.
        int128 sum = 0;
        for (int64_t k = g * w.spec.group_size; k < GroupEnd(w, g); ++k) {
          sum += static_cast<int128>(units[static_cast<size_t>(row * w.k + k)]) *
                 (w.Code(k, n) - w.ZeroPoint(g, n));
        }
        acc = GroupAccumulateFp16(acc, sum, w.Scale(g, n));
      }
      y[static_cast<size_t>(row * w.n + n)] = acc;
    }
  }
  return y;
}

}  // namespace quasar::models
