#pragma once
// The output stage of a quantized layer: per-channel requantization of the accumulators, the
// output zero point, and the clamp of the output type intersected with the fused activation.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/quant_params.h"
#include "quasar/models/requant.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

enum class Activation { kNone, kRelu, kRelu6 };
std::string ActivationName(Activation a);
std::optional<Activation> ParseActivation(const std::string& name);  // none | relu | relu6

// Everything needed to turn accumulators into output integers.
struct OutputStage {
  std::vector<Multiplier> multipliers;  // one per output channel, or one for all
  int32_t zero_point = 0;
  int32_t lo = 0;  // clamp bounds, inclusive
  int32_t hi = 0;
  IntType type;
};

// Builds the stage from the float scales as the framework of `mode` does. ReLU sets lo = z_y;
// ReLU6 also sets hi = Quantize(6.0, s_y, z_y) (TFLite CalculateActivationRangeQuantized).
// `clamp_override` (if set) intersects an explicit [lo, hi] range.
OutputStage MakeOutputStage(RoundingMode mode, float input_scale,
                            const std::vector<float>& weight_scales, const QuantParams& output,
                            Activation activation,
                            std::optional<std::pair<int32_t, int32_t>> clamp_override = {});

// Requantizes every accumulator; the channel of element i is its index along `channel_axis`.
IntTensor ApplyOutputStage(const Tensor<int64_t>& acc, int channel_axis, const OutputStage& stage);

}  // namespace quasar::models
