// Network inputs stored in a number format (input_storage.h).

#include "quasar/models/net/input_storage.h"

#include <algorithm>
#include <cmath>

#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/small_float.h"

namespace quasar::models {

FloatTensor StoredInputValues(const NetInput& in, const FloatTensor& x, RoundingMode rounding) {
  if (!in.storage) {
    return x;
  }
  const QuantCodeDef& d = QuantCodeOf(*in.storage);
  EmulatedTensor t;
  t.precision.code = *in.storage;
  t.precision.bits = d.fixed_bits;
  if (d.block == 0) {  // FP8: the tensor's own per-tensor scale
    double amax = 0;
    for (const float v : x.data) {
      amax = std::max(amax, std::fabs(double{v}));
    }
    t.scale = amax > 0 ? static_cast<float>(amax / FindSmallFloat(d.format).max_finite) : 1.0f;
  }
  return QuantizeDequantize(t, x, rounding);
}

}  // namespace quasar::models
