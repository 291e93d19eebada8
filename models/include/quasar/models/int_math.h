#pragma once
// Integer arithmetic rules used across the layers: one home each.

#include <cstdint>

namespace quasar::models {

// ceil(a / b) for a >= 0, b > 0: folds, tiles, words, blocks, groups.
inline int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace quasar::models
