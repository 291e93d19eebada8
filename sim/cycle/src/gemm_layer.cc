#include "quasar/sim/cycle/gemm_layer.h"

#include <algorithm>
#include <cstdlib>

#include "quasar/models/error.h"
#include "quasar/models/int128.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/requant.h"

namespace quasar::sim::cycle {

using compiler::TileStep;

GemmLayer::GemmLayer(const models::NetLayer& layer, const models::QuantizedLayer& ql,
                     const compiler::LayerSchedule& schedule, const models::IntTensor& x,
                     const models::IntTensor* second, bool xnor_lanes)
    : ql_(ql), sched_(schedule), x_(x), b_(second) {
  const models::LayerSpec& spec = ql.spec;
  conv_ = models::OpOf(layer.op).gemm_input != models::GemmInput::kDirect;
  b_input_ = models::GemmBIsInput(layer.op);
  if (!models::AccumulatesProducts(layer.op)) {
    throw InputError("layer " + layer.name + ": " + models::NetOpName(layer.op) +
                     " does not run on the PE array");
  }
  if (!b_input_) {
    b_ = &ql.weights;
  }
  if (b_ == nullptr) {
    throw InputError("layer " + layer.name + ": " + models::NetOpName(layer.op) +
                     " needs its second operand");
  }
  if (spec.accumulator.bits != schedule.bits.acc_bits) {
    throw InputError("layer " + layer.name + ": the network's accumulator has " +
                     std::to_string(spec.accumulator.bits) + " bits, the accelerator's " +
                     std::to_string(schedule.bits.acc_bits) +
                     " (run it with the accelerator's accumulator, WithAccumulator)");
  }
  binary_conv_ = spec.op == models::LayerOp::kBinaryConv2d;
  chunked_ = binary_conv_ && schedule.bits.binary && xnor_lanes;
  x_zero_ = spec.input.zero_points[0];
  if (conv_) {
    im2col_.emplace(layer, x.shape);
    if (binary_conv_) {
      pad_value_ = spec.binary_pad == models::BinaryPad::kMinusOne ? -1 : 1;
    }
  }
  const compiler::GemmShape g = sched_.gemm;
  b_shared_ = b_input_ && b_->rank() == 2;
  if (ql.bias) {
    bias_ = ql.bias->data;
  }
  // Every tensor must have the elements the schedule's GEMM indexes (the tile builders read
  // them unchecked).
  const int64_t channels = conv_ ? g.count * g.n : g.n;
  const bool shapes_match =
      (!im2col_ || (im2col_->gemm().count == g.count && im2col_->gemm().m == g.m &&
                    im2col_->gemm().k == g.k && im2col_->gemm().n == g.n)) &&
      (im2col_ || x.size() == g.count * g.m * g.k) &&
      b_->size() == (b_shared_ || !b_input_ ? 1 : g.count) * g.k * (conv_ ? channels : g.n) &&
      models::NumElements(layer.output_shape) == g.count * g.m * g.n &&
      (bias_.empty() || static_cast<int64_t>(bias_.size()) == channels);
  if (!shapes_match) {
    throw InputError("layer " + layer.name + ": the schedule's GEMM " + std::to_string(g.count) +
                     " x " + std::to_string(g.m) + "x" + std::to_string(g.k) + "x" +
                     std::to_string(g.n) + " does not match the layer's tensors (input " +
                     models::ShapeToString(x.shape) + ", weights " +
                     models::ShapeToString(b_->shape) + ")");
  }
  const compiler::Tiling& tl = schedule.tiling;
  if (schedule.pack > 1 && tl.k < g.k && tl.k % schedule.pack != 0) {
    throw InputError("layer " + layer.name + ": reduction tile k = " + std::to_string(tl.k) +
                     " is not a multiple of the pack (" + std::to_string(schedule.pack) +
                     "): a packed word would straddle two tiles");
  }
  std::vector<float> w_scales = spec.weights.scales;
  stage_ = models::MakeOutputStage(spec.rounding, spec.input.scales[0], w_scales, spec.output,
                                   spec.activation, spec.clamp);
  output_ = models::IntTensor(layer.output_shape);
  finish_cycle_.assign(static_cast<size_t>(output_.size()), 0);

  // Largest partial sum any order of additions can reach.
  int64_t max_a = std::abs(pad_value_);
  for (int32_t v : x.data) {
    max_a = std::max<int64_t>(max_a, std::abs(int64_t{v} - (binary_conv_ ? 0 : x_zero_)));
  }
  int64_t max_b = 0;
  for (int64_t i = 0; i < b_->size(); ++i) {
    const int64_t ch = b_input_ ? i % g.n : i / (b_->size() / std::max<int64_t>(1, channels));
    max_b = std::max<int64_t>(max_b, std::abs(int64_t{(*b_)[i]} - WeightZeroPoint(ch)));
  }
  int64_t max_bias = 0;
  for (int32_t v : bias_) {
    max_bias = std::max<int64_t>(max_bias, std::abs(int64_t{v}));
  }
  const models::int128 bound = static_cast<models::int128>(max_bias) +
                               static_cast<models::int128>(g.k) * max_a * max_b +
                               (binary_conv_ ? g.k : 0);
  overflow_impossible_ = bound <= spec.accumulator.max();
}

int32_t GemmLayer::WeightZeroPoint(int64_t channel) const {
  return binary_conv_ ? 0 : ql_.spec.weights.zero_point(channel);
}

int64_t GemmLayer::Channel(int64_t group, int64_t n) const {
  return conv_ ? group * sched_.gemm.n + n : n;
}

int64_t GemmLayer::OutputIndex(int64_t group, int64_t m, int64_t n) const {
  if (im2col_) {
    return im2col_->OutputIndex(group, m, n);
  }
  return (group * sched_.gemm.m + m) * sched_.gemm.n + n;
}

int32_t GemmLayer::AValue(int64_t group, int64_t m, int64_t k) const {
  if (im2col_) {
    const std::optional<int64_t> idx = im2col_->InputIndex(group, m, k);
    if (!idx) {
      return pad_value_;  // a padding tap: the zero point (0 after subtraction), or +-1 (XNOR)
    }
    return binary_conv_ ? x_[*idx] : x_[*idx] - x_zero_;
  }
  return x_[(group * sched_.gemm.m + m) * sched_.gemm.k + k] - x_zero_;
}

int32_t GemmLayer::BValue(int64_t group, int64_t k, int64_t n) const {
  const int64_t ch = Channel(group, n);
  if (im2col_) {
    return (*b_)[im2col_->WeightIndex(group, k, n)] - WeightZeroPoint(ch);
  }
  if (b_input_) {
    const int64_t base = b_shared_ ? 0 : group * sched_.gemm.k * sched_.gemm.n;
    const int64_t at = ql_.spec.transpose_b ? n * sched_.gemm.k + k : k * sched_.gemm.n + n;
    return (*b_)[base + at] - WeightZeroPoint(ch);
  }
  return (*b_)[n * sched_.gemm.k + k] - WeightZeroPoint(ch);  // fully connected: w [out, in]
}

void GemmLayer::BuildA(const TileStep& t, std::vector<int32_t>* a) const {
  a->resize(static_cast<size_t>(t.mt * t.kt));
  for (int64_t i = 0; i < t.mt; ++i) {
    for (int64_t kk = 0; kk < t.kt; ++kk) {
      (*a)[static_cast<size_t>(i * t.kt + kk)] = AValue(t.group, t.m0 + i, t.k0 + kk);
    }
  }
}

void GemmLayer::BuildB(const TileStep& t, std::vector<int32_t>* b) const {
  b->resize(static_cast<size_t>(t.kt * t.nt));
  for (int64_t kk = 0; kk < t.kt; ++kk) {
    for (int64_t j = 0; j < t.nt; ++j) {
      (*b)[static_cast<size_t>(kk * t.nt + j)] = BValue(t.group, t.k0 + kk, t.n0 + j);
    }
  }
}

void GemmLayer::LoadBias(const TileStep& t, int64_t* acc, int64_t* overflow_events) const {
  for (int64_t i = 0; i < t.mt; ++i) {
    for (int64_t j = 0; j < t.nt; ++j) {
      const int64_t b = bias_.empty() ? 0 : bias_[static_cast<size_t>(Channel(t.group, t.n0 + j))];
      acc[i * t.nt + j] =
          bias_.empty() ? 0 : models::AccumulateLoad(b, ql_.spec.accumulator, overflow_events);
    }
  }
}

int64_t GemmLayer::Finish(const TileStep& t, const int64_t* acc, int64_t* overflow_events,
                          int64_t cycle) {
  const bool zero_pad = binary_conv_ && ql_.spec.binary_pad == models::BinaryPad::kZero;
  std::vector<int64_t> pad_taps;  // reduction indices of output row m that fall on padding
  for (int64_t i = 0; i < t.mt; ++i) {
    const int64_t m = t.m0 + i;
    if (zero_pad) {
      pad_taps.clear();
      for (int64_t kk = 0; kk < sched_.gemm.k; ++kk) {
        if (!im2col_->InputIndex(t.group, m, kk)) {
          pad_taps.push_back(kk);
        }
      }
    }
    for (int64_t j = 0; j < t.nt; ++j) {
      const int64_t n = t.n0 + j;
      int64_t v = acc[i * t.nt + j];
      // The +1 fed for each padding tap added +w; take it back (BinaryConv2dAccumulate).
      int64_t correction = 0;
      for (int64_t kk : pad_taps) {
        correction += (*b_)[im2col_->WeightIndex(t.group, kk, n)];
      }
      if (correction != 0) {
        v = models::AccumulateAdd(v, -correction, ql_.spec.accumulator, overflow_events);
      }
      const int64_t ch = Channel(t.group, n);
      const models::Multiplier& mul = stage_.multipliers.size() == 1
                                          ? stage_.multipliers[0]
                                          : stage_.multipliers[static_cast<size_t>(ch)];
      const int32_t y = models::Requantize(v, mul, stage_.zero_point, stage_.lo, stage_.hi);
      const int64_t index = OutputIndex(t.group, m, n);
      output_[index] = stage_.type.Saturate(y);
      finish_cycle_[static_cast<size_t>(index)] = cycle;
    }
  }
  return t.mt * t.nt;
}

}  // namespace quasar::sim::cycle
