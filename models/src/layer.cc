#include "quasar/models/layer.h"

#include <algorithm>
#include <cstdlib>

#include "quasar/models/error.h"
#include "quasar/models/int128.h"
#include "quasar/models/ref/binary_conv2d.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/ref/conv_transpose2d.h"
#include "quasar/models/ref/float_ops.h"
#include "quasar/models/ref/gemm.h"
#include "quasar/models/ref/pool_add.h"

namespace quasar::models {
namespace {

int64_t MaxAbsOffset(const IntType& t, int32_t zero_point) {
  return std::max(std::abs(t.min() - zero_point), std::abs(t.max() - zero_point));
}

// Output channels of a weighted op and the reduction length K.
std::pair<int64_t, int64_t> ChannelsAndK(const LayerSpec& spec, const IntTensor& x,
                                         const IntTensor& w) {
  switch (spec.op) {
    case LayerOp::kFullyConnected:
      return {w.rank() == 2 ? w.dim(0) : 0, w.rank() == 2 ? w.dim(1) : 0};
    case LayerOp::kMatMul:
      return {w.rank() >= 2 ? w.dim(w.rank() - 1) : 0, x.rank() >= 2 ? x.dim(x.rank() - 1) : 0};
    default:
      return {w.rank() == 4 ? w.dim(0) : 0, w.rank() == 4 ? w.dim(1) * w.dim(2) * w.dim(3) : 0};
  }
}

AccumulatorWidth ComputeWidth(const LayerSpec& spec, const IntTensor& w,
                              const std::vector<int32_t>& bias, int64_t channels, int64_t k) {
  AccumulatorWidth width;
  width.k = k;
  width.textbook_bits = TextbookAccumulatorBits(spec.input.type.bits, spec.weights.type.bits, k);
  const int64_t max_x = MaxAbsOffset(spec.input.type, spec.input.zero_points[0]);
  int64_t max_bias = 0;
  for (int32_t b : bias) {
    max_bias = std::max<int64_t>(max_bias, std::abs(int64_t{b}));
  }
  int128 type_bound = 0, weight_bound = 0;
  const bool matmul = spec.op == LayerOp::kMatMul;
  for (int64_t oc = 0; oc < channels; ++oc) {
    const int32_t zw = spec.weights.zero_point(oc);
    type_bound = std::max<int128>(
        type_bound, static_cast<int128>(MaxAbsOffset(spec.weights.type, zw)) * max_x * k);
    int128 sum_abs_w = 0;
    if (matmul) {  // b [..., K, N]: column oc of every batch; take the worst batch
      const int64_t n = channels;
      for (int64_t base = 0; base < w.size(); base += k * n) {
        int128 s = 0;
        for (int64_t i = 0; i < k; ++i) {
          s += std::abs(int64_t{w[base + i * n + oc]} - zw);
        }
        sum_abs_w = std::max(sum_abs_w, s);
      }
    } else {
      for (int64_t i = 0; i < k; ++i) {
        sum_abs_w += std::abs(int64_t{w[oc * k + i]} - zw);
      }
    }
    const int64_t b = bias.empty() ? 0 : std::abs(int64_t{bias[static_cast<size_t>(oc)]});
    weight_bound = std::max<int128>(weight_bound, sum_abs_w * max_x + b);
  }
  auto bits = [](int128 v) {
    return v > INT64_MAX ? 65 : SignedBitsFor(static_cast<uint64_t>(v));
  };
  width.type_bound_bits = bits(type_bound + max_bias);
  width.weight_bound_bits = bits(weight_bound);
  return width;
}

std::vector<int32_t> ResolveBias(const LayerSpec& spec, const LayerInputs& in, int64_t channels) {
  std::vector<int32_t> bias;
  if (spec.bias == BiasConvention::kNone) {
    if (in.bias_int || in.bias_float) {
      throw InputError("a bias tensor was given but the spec says bias: none");
    }
    return bias;
  }
  const int64_t given = spec.bias == BiasConvention::kInt32
                            ? (in.bias_int ? in.bias_int->size() : -1)
                            : (in.bias_float ? in.bias_float->size() : -1);
  if (given < 0) {
    throw InputError(std::string("the spec says bias: ") +
                     (spec.bias == BiasConvention::kInt32 ? "int32" : "float") +
                     " but no bias tensor of that kind was given");
  }
  if (given != channels) {
    throw InputError("bias has " + std::to_string(given) + " elements, expected one per output "
                     "channel (" + std::to_string(channels) + ")");
  }
  if (spec.bias == BiasConvention::kInt32) {
    return in.bias_int->data;
  }
  const float s_x = spec.input.scales[0];
  for (int64_t oc = 0; oc < channels; ++oc) {
    bias.push_back(QuantizeBias((*in.bias_float)[oc], s_x, spec.weights.scale(oc), spec.rounding));
  }
  return bias;
}

std::vector<float> PerChannelScales(const QuantParams& w, int64_t channels) {
  if (w.scales.size() == 1) {
    return w.scales;
  }
  if (static_cast<int64_t>(w.scales.size()) != channels) {
    throw InputError("weights.scale has " + std::to_string(w.scales.size()) +
                     " values, expected 1 or one per output channel (" + std::to_string(channels) +
                     ")");
  }
  return w.scales;
}

}  // namespace

void CheckValues(const IntTensor& t, const IntType& type, const std::string& what) {
  // IntType::Contains with its bounds hoisted out of the loop (this check runs on every layer's
  // input and weights, every image).
  const int64_t lo = type.min(), hi = type.max();
  const bool binary = type.kind == IntKind::kBinary;  // [-1, 1] without 0
  for (int64_t i = 0; i < t.size(); ++i) {
    const int64_t v = t[i];
    if (v < lo || v > hi || (binary && v == 0)) {
      throw InputError(what + ": element " + std::to_string(i) + " is " + std::to_string(t[i]) +
                       ", outside " + type.Name() + " [" + std::to_string(type.min()) + ", " +
                       std::to_string(type.max()) + "]");
    }
  }
}

LayerResult RunLayer(const LayerSpec& spec, const LayerInputs& in) {
  LayerResult result;
  CheckValues(in.x, spec.input.type, "input");
  const RoundingMode mode = spec.rounding;

  if (spec.op == LayerOp::kMaxPool || spec.op == LayerOp::kAvgPool) {
    PoolParams p{spec.kernel_h, spec.kernel_w, spec.geometry, spec.count_include_pad};
    result.output = spec.op == LayerOp::kMaxPool
                        ? MaxPool2d(in.x, p)
                        : AvgPool2d(in.x, p, spec.input.zero_points[0], spec.input.type, mode);
    const OutputStage bounds =
        MakeOutputStage(mode, 1.0f, {}, spec.output, spec.activation, spec.clamp);  // bounds only
    result.output = Clamp(result.output, bounds.lo, bounds.hi);
    return result;
  }
  if (spec.op == LayerOp::kAdd) {
    if (!in.x2) {
      throw InputError("add needs a second input tensor");
    }
    CheckValues(*in.x2, spec.input2.type, "input2");
    result.output = AddQuantized(in.x, spec.input, *in.x2, spec.input2, spec.output, mode,
                                 spec.activation);
    if (spec.clamp) {
      result.output = Clamp(result.output, spec.clamp->first, spec.clamp->second);
    }
    return result;
  }

  if (!in.weights) {
    throw InputError(LayerOpName(spec.op) + " needs a weights tensor");
  }
  // A matmul whose B arrives as [..., N, K]: the kernels read [..., K, N].
  std::optional<IntTensor> transposed;
  if (spec.transpose_b) {
    transposed = Transpose(*in.weights, SwapLastTwoAxes(in.weights->rank()));
  }
  const IntTensor& w = transposed ? *transposed : *in.weights;
  if (!in.weights_checked) {
    CheckValues(w, spec.weights.type, "weights");
  }
  const auto [channels, k] = ChannelsAndK(spec, in.x, w);
  if (spec.weights.zero_points.size() != 1 &&
      static_cast<int64_t>(spec.weights.zero_points.size()) != channels) {
    throw InputError("weights.zero_point has " + std::to_string(spec.weights.zero_points.size()) +
                     " values, expected 1 or one per output channel (" + std::to_string(channels) +
                     ")");
  }
  const std::vector<float> w_scales = PerChannelScales(spec.weights, channels);
  result.bias = ResolveBias(spec, in, channels);

  Tensor<int64_t> acc;
  int channel_axis = 1;
  switch (spec.op) {
    case LayerOp::kConv2d:
    case LayerOp::kDepthwiseConv2d: {
      IntConvParams p{spec.geometry, spec.input.zero_points[0], spec.weights.zero_points,
                      spec.accumulator};
      if (spec.op == LayerOp::kDepthwiseConv2d) {
        if (in.x.rank() == 4 && spec.geometry.groups != 1 && spec.geometry.groups != in.x.dim(1)) {
          throw InputError("depthwise_conv2d: geometry.groups must be omitted or equal the input "
                           "channels (" + std::to_string(in.x.dim(1)) + "), got " +
                           std::to_string(spec.geometry.groups));
        }
        acc = DepthwiseConv2dAccumulate(in.x, w, result.bias, p, &result.stats);
      } else {
        acc = Conv2dAccumulate(in.x, w, result.bias, p, &result.stats);
      }
      break;
    }
    case LayerOp::kConvTranspose2d: {
      IntConvParams p{spec.geometry, spec.input.zero_points[0], spec.weights.zero_points,
                      spec.accumulator};
      acc = ConvTranspose2dAccumulate(in.x, w, result.bias, p, &result.stats);
      break;
    }
    case LayerOp::kBinaryConv2d: {
      BinaryConvParams p{spec.geometry, spec.binary_pad, spec.binary_lanes, spec.accumulator};
      acc = BinaryConv2dAccumulate(in.x, w, result.bias, p, &result.stats);
      break;
    }
    case LayerOp::kFullyConnected:
    case LayerOp::kMatMul: {
      IntGemmParams p{spec.input.zero_points[0], spec.weights.zero_points, spec.accumulator};
      acc = spec.op == LayerOp::kMatMul
                ? MatMulAccumulate(in.x, w, result.bias, p, &result.stats)
                : FullyConnectedAccumulate(in.x, w, result.bias, p, &result.stats);
      channel_axis = acc.rank() - 1;
      break;
    }
    default:
      throw std::logic_error("RunLayer: unhandled op " + LayerOpName(spec.op));
  }
  result.width = ComputeWidth(spec, w, result.bias, channels, k);
  const OutputStage stage = MakeOutputStage(mode, spec.input.scales[0], w_scales, spec.output,
                                            spec.activation, spec.clamp);
  result.output = ApplyOutputStage(acc, channel_axis, stage);
  return result;
}

}  // namespace quasar::models
