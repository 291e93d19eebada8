#pragma once
// Internal to the reference kernels (models/src/ref/): what their argument checks share.

#include <cstdint>
#include <string>

#include "quasar/models/error.h"

namespace quasar::models {

// Throws InputError(message) unless `ok`.
inline void Require(bool ok, const std::string& message) {
  if (!ok) {
    throw InputError(message);
  }
}

// The extents of a pooling: input N, C, H, W and output H, W (CheckPool, float_ops.cc and
// pool_add.cc).
struct PoolShape {
  int64_t n, c, h, w, ho, wo;
};

}  // namespace quasar::models
