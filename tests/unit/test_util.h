#pragma once
// Helpers shared by the unit tests: seeded random tensors.

#include <cstdint>
#include <random>

#include "quasar/models/tensor.h"

namespace quasar::test {

// Uniform integers in [lo, hi], reproducible from `seed`.
inline models::IntTensor RandomInts(models::Shape shape, int64_t lo, int64_t hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  models::IntTensor t(std::move(shape));
  const auto span = static_cast<uint64_t>(hi - lo + 1);
  for (auto& v : t.data) {
    v = static_cast<int32_t>(lo + static_cast<int64_t>(rng() % span));
  }
  return t;
}

// Uniform -1/+1 values.
inline models::IntTensor RandomBipolar(models::Shape shape, uint64_t seed) {
  models::IntTensor t = RandomInts(std::move(shape), 0, 1, seed);
  for (auto& v : t.data) {
    v = v ? 1 : -1;
  }
  return t;
}

}  // namespace quasar::test
