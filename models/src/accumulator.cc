#include "quasar/models/accumulator.h"

#include "quasar/models/enum_names.h"

namespace quasar::models {

constexpr EnumTable<OverflowMode, 2> kOverflowModes = {
    {{OverflowMode::kWrap, "wrap"}, {OverflowMode::kSaturate, "saturate"}}};

std::string OverflowModeName(OverflowMode mode) { return EnumName(kOverflowModes, mode); }

std::optional<OverflowMode> ParseOverflowMode(const std::string& name) {
  return ParseEnum(kOverflowModes, name);
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
