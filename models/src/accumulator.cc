#include "quasar/models/accumulator.h"

namespace quasar::models {

std::string OverflowModeName(OverflowMode mode) {
  return mode == OverflowMode::kWrap ? "wrap" : "saturate";
}

std::optional<OverflowMode> ParseOverflowMode(const std::string& name) {
  if (name == "wrap") {
    return OverflowMode::kWrap;
  }
  if (name == "saturate") {
    return OverflowMode::kSaturate;
  }
  return std::nullopt;
}

int SignedBitsFor(uint64_t magnitude) {
  // n bits hold [-2^(n-1), 2^(n-1) - 1]; we need 2^(n-1) - 1 >= magnitude.
  int n = 1;
  while (n < 64 && ((uint64_t{1} << (n - 1)) - 1) < magnitude) {
    ++n;
  }
  return n < 64 || magnitude <= uint64_t{INT64_MAX} ? n : 65;
}

int TextbookAccumulatorBits(int a_bits, int w_bits, int64_t k) {
  int log2k = 0;
  while ((int64_t{1} << log2k) < k) {
    ++log2k;
  }
  return a_bits + w_bits + log2k;
}

}  // namespace quasar::models
