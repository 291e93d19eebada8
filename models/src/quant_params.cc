#include "quasar/models/quant_params.h"

#include <cfloat>
#include <cmath>
#include <cstdio>

namespace quasar::models {

std::string ScaleError(double scale) {
  if (std::isfinite(scale) && scale >= FLT_MIN && scale <= FLT_MAX) {
    return "";
  }
  char value[32];
  std::snprintf(value, sizeof value, "%.9g", scale);
  return std::string("must be a normal float32 > 0 (1.17549435e-38 to 3.40282347e+38), got ") +
         value;
}

}  // namespace quasar::models
