#pragma once
// Bits written into PE registers by one tile (EventCounts::register_bit_writes): the moving
// operands and partial sums latched once per product, and the stationary operand preloaded once
// per fold. A closed form both backends use (docs/energy-area.md, "PE register bits"): the cycle
// model moves these values but does not count latch writes one by one.

#include <cstdint>

#include "quasar/compiler/schedule.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::sim {

// `macs` products, `packed_ops` = mt * ceil(kt / pack) * nt packed products, `outs` = mt * nt
// outputs, `mapped_pe_folds` as TimeGemm's.
inline int64_t RegisterBitWrites(models::Dataflow dataflow, const compiler::LayerBits& b,
                                 int64_t pack, int64_t macs, int64_t packed_ops, int64_t outs,
                                 int64_t mapped_pe_folds) {
  switch (dataflow) {
    case models::Dataflow::kOutputStationary:
      return macs * (b.mac_a_bits + b.mac_w_bits) + outs * b.acc_bits;
    case models::Dataflow::kWeightStationary:
      return macs * b.mac_a_bits + packed_ops * b.acc_bits + mapped_pe_folds * pack * b.mac_w_bits;
    case models::Dataflow::kInputStationary:
      return macs * b.mac_w_bits + packed_ops * b.acc_bits + mapped_pe_folds * pack * b.mac_a_bits;
  }
  return 0;
}

}  // namespace quasar::sim
