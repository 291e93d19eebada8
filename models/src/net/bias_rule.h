#pragma once
// When a quantized layer keeps an integer bias: when it has a bias, and when it writes a binary
// output, whose threshold (the first accumulator value at which the output turns to +1,
// FirstNonNegativeAccumulator) the quantizer folds into the bias, so that the output stage
// switches at accumulator 0. The quantizer (quantize_net.cc) and the reader of a written
// quantized network (qnet_io.cc, which must refuse one without it) both ask here.

#include "quasar/models/int_type.h"
#include "quasar/models/net/network.h"
#include "quasar/models/quant_params.h"

namespace quasar::models {

inline bool KeepsIntegerBias(const NetLayer& l, const QuantParams& out) {
  return l.bias || out.type.kind == IntKind::kBinary;
}

}  // namespace quasar::models
