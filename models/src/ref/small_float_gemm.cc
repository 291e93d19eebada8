#include "quasar/models/ref/small_float_gemm.h"

#include <string>

#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"

namespace quasar::models {

std::vector<float> SmallFloatGemm(const SmallFloatFormat& format, const std::vector<uint32_t>& a,
                                  const std::vector<uint32_t>& b, int64_t m, int64_t k, int64_t n,
                                  const AccumulatorSpec& acc, int64_t* overflow_events) {
  if (m < 0 || k < 0 || n < 0 || static_cast<int64_t>(a.size()) != m * k ||
      static_cast<int64_t>(b.size()) != k * n) {
    throw InputError("small-float GEMM " + std::to_string(m) + "x" + std::to_string(k) + "x" +
                     std::to_string(n) + ": A has " + std::to_string(a.size()) + " codes and B " +
                     std::to_string(b.size()));
  }
  CheckFp8Accumulator(acc);
  std::vector<float> y(static_cast<size_t>(m * n));
  int64_t events = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      Fp8MacState s;
      for (int64_t kk = 0; kk < k; ++kk) {
        s = Fp8MacStep(format, s, a[static_cast<size_t>(i * k + kk)],
                       b[static_cast<size_t>(kk * n + j)], acc, &events);
      }
      y[static_cast<size_t>(i * n + j)] = Fp8AccumulatorToFloat(format, s);
    }
  }
  if (overflow_events != nullptr) {
    *overflow_events += events;
  }
  return y;
}

}  // namespace quasar::models
