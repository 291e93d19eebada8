#pragma once
// Random MX element codes for the MX kernel and array tests.

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "quasar/models/mx_format.h"

namespace quasar::test {

// `count` random finite codes of an MX format's element (every code equally likely, NaN and
// infinity skipped).
inline std::vector<uint32_t> RandomFiniteMxCodes(const models::MxFormat& f, size_t count,
                                                 std::mt19937& rng) {
  std::uniform_int_distribution<uint32_t> dist(0, models::MxElementCodeCount(f) - 1);
  std::vector<uint32_t> codes;
  while (codes.size() < count) {
    const uint32_t c = dist(rng);
    if (std::isfinite(models::DecodeMxElement(f, c))) {
      codes.push_back(c);
    }
  }
  return codes;
}

}  // namespace quasar::test
