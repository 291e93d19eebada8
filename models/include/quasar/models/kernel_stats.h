#pragma once
// Event counts a golden kernel reports, for cross-checks against the simulators.

#include <algorithm>
#include <cstdint>
#include <limits>

namespace quasar::models {

// What one kernel invocation did: multiply-accumulates performed (padding taps included, as a
// systolic array streams them), accumulator overflow events, and the range of the final
// accumulator values.
struct KernelStats {
  int64_t macs = 0;
  int64_t overflow_events = 0;
  int64_t acc_min = std::numeric_limits<int64_t>::max();
  int64_t acc_max = std::numeric_limits<int64_t>::min();

  void Observe(int64_t acc) {
    acc_min = std::min(acc_min, acc);
    acc_max = std::max(acc_max, acc);
  }
  bool has_range() const { return acc_min <= acc_max; }

  // Adds one kernel invocation: its MACs, overflow events and final accumulator values.
  template <typename AccTensor>
  void Record(int64_t kernel_macs, int64_t kernel_overflow_events, const AccTensor& acc) {
    macs += kernel_macs;
    overflow_events += kernel_overflow_events;
    for (int64_t v : acc.data) {
      Observe(v);
    }
  }
};

}  // namespace quasar::models
