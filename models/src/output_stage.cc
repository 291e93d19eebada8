#include "quasar/models/output_stage.h"

#include <algorithm>

#include "quasar/models/enum_names.h"
#include "quasar/models/error.h"

namespace quasar::models {

constexpr EnumTable<Activation, 3> kActivations = {
    {{Activation::kNone, "none"}, {Activation::kRelu, "relu"}, {Activation::kRelu6, "relu6"}}};

std::string ActivationName(Activation a) { return EnumName(kActivations, a); }

std::optional<Activation> ParseActivation(const std::string& name) {
  return ParseEnum(kActivations, name);
}

OutputStage MakeOutputStage(RoundingMode mode, float input_scale,
                            const std::vector<float>& weight_scales, const QuantParams& output,
                            Activation activation,
                            std::optional<std::pair<int32_t, int32_t>> clamp_override) {
  if (output.scales.size() != 1 || output.zero_points.size() != 1) {
    throw InputError("output quantization must be per tensor (one scale and one zero point)");
  }
  OutputStage stage;
  stage.type = output.type;
  stage.zero_point = output.zero_points[0];
  const float s_y = output.scales[0];
  for (float s_w : weight_scales) {
    stage.multipliers.push_back(MakeMultiplier(mode, input_scale, s_w, s_y));
  }
  int64_t lo = output.type.min();
  int64_t hi = output.type.max();
  if (activation == Activation::kRelu || activation == Activation::kRelu6) {
    lo = std::max<int64_t>(lo, stage.zero_point);
  }
  if (activation == Activation::kRelu6) {
    hi = std::min<int64_t>(hi, Quantize(6.0f, s_y, stage.zero_point, output.type, mode));
  }
  if (clamp_override) {
    lo = std::max<int64_t>(lo, clamp_override->first);
    hi = std::min<int64_t>(hi, clamp_override->second);
  }
  if (lo > hi) {
    throw InputError("activation clamp is empty: [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  }
  stage.lo = static_cast<int32_t>(lo);
  stage.hi = static_cast<int32_t>(hi);
  return stage;
}

IntTensor ApplyOutputStage(const Tensor<int64_t>& acc, int channel_axis, const OutputStage& stage) {
  IntTensor out(acc.shape);
  int64_t inner = 1;
  for (int d = channel_axis + 1; d < acc.rank(); ++d) {
    inner *= acc.dim(d);
  }
  const int64_t channels = acc.dim(channel_axis);
  if (stage.multipliers.size() != 1 && static_cast<int64_t>(stage.multipliers.size()) != channels) {
    throw InputError("output stage has " + std::to_string(stage.multipliers.size()) +
                     " multipliers for " + std::to_string(channels) + " channels");
  }
  for (int64_t i = 0; i < acc.size(); ++i) {
    const int64_t c = (i / inner) % channels;
    const Multiplier& m = stage.multipliers.size() == 1 ? stage.multipliers[0]
                                                        : stage.multipliers[static_cast<size_t>(c)];
    // Binary outputs take the sign of the requantized value (a threshold), see IntType::Saturate.
    const int32_t y = Requantize(acc[i], m, stage.zero_point, stage.lo, stage.hi);
    out[i] = stage.type.Saturate(y);
  }
  return out;
}

}  // namespace quasar::models
