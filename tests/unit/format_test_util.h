#pragma once
// Random operands of the number formats, shared by the format kernels' tests on the C++ array
// (tests/unit) and on the Verilated arrays (tests/rtl).

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "mx_test_util.h"
#include "quasar/models/group_quant.h"
#include "quasar/models/mx_format.h"
#include "quasar/models/small_float.h"

namespace quasar::test {

using models::GroupQuantSpec;
using models::GroupQuantWeights;
using models::MxFormat;
using models::MxMatrix;
using models::SmallFloatFormat;

// Random K x N group-quantized weights: codes, then per group and column a scale in
// [2^-4, 1) and a zero point (0 when symmetric).
inline GroupQuantWeights RandomGroupWeights(const GroupQuantSpec& spec, int64_t k, int64_t n,
                                            std::mt19937& rng) {
  std::uniform_real_distribution<float> any(0.0625f, 1.0f);
  GroupQuantWeights w;
  w.spec = spec;
  w.k = k;
  w.n = n;
  std::uniform_int_distribution<int32_t> code(GroupCodeMin(spec), GroupCodeMax(spec));
  for (int64_t i = 0; i < k * n; ++i) {
    w.codes.push_back(code(rng));
  }
  for (int64_t i = 0; i < w.Groups() * n; ++i) {
    w.scales.push_back(any(rng));
    w.zero_points.push_back(spec.symmetric ? 0 : code(rng));
  }
  return w;
}

// `count` random int8 activation codes, -128..127.
inline std::vector<int32_t> RandomInt8Codes(size_t count, std::mt19937& rng) {
  std::uniform_int_distribution<int32_t> code(-128, 127);
  std::vector<int32_t> x(count);
  for (int32_t& v : x) {
    v = code(rng);
  }
  return x;
}

// Random finite elements and scales 2^-20..2^20 around 1 (a NaN scale in one block of ten when
// `nan_scales`), rows x cols.
inline MxMatrix RandomMx(const MxFormat& f, int64_t rows, int64_t cols, bool nan_scales,
                         std::mt19937& rng) {
  MxMatrix m;
  m.format = &f;
  m.rows = rows;
  m.cols = cols;
  m.codes = test::RandomFiniteMxCodes(f, static_cast<size_t>(rows * cols), rng);
  std::uniform_int_distribution<uint32_t> scale(models::kE8m0Bias - 20, models::kE8m0Bias + 20);
  std::uniform_int_distribution<int> tenth(0, 9);
  for (int64_t i = 0; i < rows * m.BlocksPerRow(); ++i) {
    m.scales.push_back(nan_scales && tenth(rng) == 0 ? models::kE8m0Nan : scale(rng));
  }
  return m;
}

// `count` random finite codes of a small float (every code equally likely, NaN and inf skipped).
inline std::vector<uint32_t> FiniteSmallFloatCodes(const SmallFloatFormat& f, int64_t count,
                                                   std::mt19937& rng) {
  std::uniform_int_distribution<uint32_t> dist(0, f.code_count() - 1);
  std::vector<uint32_t> codes;
  while (static_cast<int64_t>(codes.size()) < count) {
    const uint32_t c = dist(rng);
    if (std::isfinite(Decode(f, c))) {
      codes.push_back(c);
    }
  }
  return codes;
}

}  // namespace quasar::test
