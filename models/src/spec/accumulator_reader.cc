#include "quasar/models/spec/accumulator_reader.h"

namespace quasar::models {

AccumulatorOverride ReadAccumulator(const MapReader& parent, const std::string& key) {
  AccumulatorOverride o;
  auto acc = parent.Map(key, false);
  if (!acc) {
    return o;
  }
  acc->RejectUnknownKeys({"bits", "overflow"});
  if (auto bits = acc->Int("bits", false)) {
    if (*bits < kMinAccumulatorBits || *bits > kMaxAccumulatorBits) {
      acc->Error("bits", "must be in " + std::to_string(kMinAccumulatorBits) + ".." +
                             std::to_string(kMaxAccumulatorBits) + ", got " +
                             std::to_string(*bits));
    } else {
      o.bits = static_cast<int>(*bits);
    }
  }
  if (auto mode = acc->String("overflow", false)) {
    if (auto parsed = ParseOverflowMode(*mode)) {
      o.overflow = *parsed;
    } else {
      acc->Error("overflow", "must be wrap or saturate, got '" + *mode + "'");
    }
  }
  return o;
}

}  // namespace quasar::models
