#include "quasar/sim/core/cycle_count.h"

#include <fmt/format.h>

#include <cmath>

#include "quasar/models/error.h"

namespace quasar::sim {

void ThrowTooManyCycles(const std::string& what) {
  throw InputError(fmt::format(
      "{} would take more than 2^53 = {} cycles, past what Quasar counts exactly; the "
      "accelerator is too slow for this network (a rate too small) or the network too large",
      what, kMaxCycles));
}

int64_t CyclesAtRate(int64_t amount, double per_cycle, const char* unit, const char* rate_key) {
  if (amount == 0) {
    return 0;
  }
  const double cycles = std::ceil(static_cast<double>(amount) / per_cycle);
  // Also false for NaN: a rate the spec's range let through as 0 or NaN cannot pass either.
  if (!(cycles >= 0 && cycles <= static_cast<double>(kMaxCycles))) {
    ThrowTooManyCycles(fmt::format("{} {} at {} = {}", amount, unit, rate_key, per_cycle));
  }
  return static_cast<int64_t>(cycles);
}

int64_t AddCycles(int64_t a, int64_t b, const char* what) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum) || sum > kMaxCycles) {
    ThrowTooManyCycles(what);
  }
  return sum;
}

}  // namespace quasar::sim
