#pragma once
// The golden multiply-accumulate step of one PE in one cycle: the specification the C++ array
// (sim/cycle/src/cpp_array.cc) and the RTL MAC (rtl/src/quasar_mac.sv) implement.
//
// `lanes` operand pairs a[l] * w[l] are added into `acc` through the accumulator (wrap or
// saturate at spec.bits, AccumulateAdd), one addition per product in lane order, as the golden
// kernels add one product at a time. With `one_addition` (XNOR-popcount lanes of a binary
// layer: the lanes' +-1 products are summed by a popcount first, XNOR-Net, Rastegari et al.,
// ECCV 2016) the lane sum is added once. A zero product or lane sum is not added: adding 0
// can never overflow, so this changes no result and no overflow count.

#include <cstdint>

#include "quasar/models/accumulator.h"

namespace quasar::models {

inline int64_t MacCycle(int64_t acc, const int32_t* a, const int32_t* w, int lanes,
                        bool one_addition, const AccumulatorSpec& spec, int64_t* overflow_events) {
  if (one_addition) {
    int64_t sum = 0;
    for (int l = 0; l < lanes; ++l) {
      sum += static_cast<int64_t>(a[l]) * w[l];
    }
    return sum == 0 ? acc : AccumulateAdd(acc, sum, spec, overflow_events);
  }
  for (int l = 0; l < lanes; ++l) {
    const int64_t product = static_cast<int64_t>(a[l]) * w[l];
    if (product != 0) {
      acc = AccumulateAdd(acc, product, spec, overflow_events);
    }
  }
  return acc;
}

}  // namespace quasar::models
