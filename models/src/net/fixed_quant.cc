// Integer weights and int32 biases of a network with fixed quantization (fixed_quant.h): the
// float weights a quantized ONNX model folds to, their integers, and the .npy files the network
// format gives them in.

#include "quasar/models/net/fixed_quant.h"

#include "quasar/models/error.h"
#include "quasar/models/layer.h"
#include "quasar/models/npy.h"
#include "quasar/models/requant.h"

namespace quasar::models {
namespace {

void CheckScaleCount(const QuantParams& p, int64_t channels, const std::string& layer) {
  if (p.scales.size() != 1 && static_cast<int64_t>(p.scales.size()) != channels) {
    throw InputError("layer " + layer + ": the model gives " + std::to_string(p.scales.size()) +
                     " weight scales for " + std::to_string(channels) + " output channels");
  }
}

std::vector<float> LoadFixedFloatBias(const NetLayer& l) {
  const FloatTensor b = ReadFiniteFloats(l.bias_file, "the bias of layer " + l.name);
  if (b.shape != Shape{l.out_channels}) {
    throw InputError(l.bias_file + ": the bias of layer " + l.name + " has shape " +
                     ShapeToString(b.shape) + ", the network needs [" +
                     std::to_string(l.out_channels) + "]");
  }
  return b.data;
}

}  // namespace

IntTensor QuantizeFixedWeights(const FloatTensor& w, const QuantParams& p,
                               const std::string& layer) {
  const int64_t channels = w.shape.at(0), per = w.size() / channels;
  CheckScaleCount(p, channels, layer);
  IntTensor q(w.shape);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = c * per; i < (c + 1) * per; ++i) {
      q[i] = Quantize(w[i], p.scale(c), p.zero_point(c), p.type, RoundingMode::kOnnx);
    }
  }
  return q;
}

FloatTensor DequantizeFixedWeights(const IntTensor& q, const QuantParams& p) {
  const int64_t channels = q.shape.at(0), per = q.size() / channels;
  FloatTensor w(q.shape);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = c * per; i < (c + 1) * per; ++i) {
      // float32, as DequantizeLinear's output (and the importers' folding, qdq.cc).
      w[i] = static_cast<float>(q[i] - p.zero_point(c)) * p.scale(c);
    }
  }
  return w;
}

std::optional<float> FixedInputScale(const NetworkSpec& net, const NetLayer& l) {
  std::string tensor = l.inputs.at(0);
  for (;;) {
    const auto f = net.fixed_params.find(tensor);
    if (f != net.fixed_params.end()) {
      return f->second.scales.at(0);
    }
    const NetLayer* producer = net.FindLayer(tensor);
    if (producer == nullptr || !NetOpMovesDataOnly(producer->op) || producer->inputs.empty()) {
      return std::nullopt;
    }
    tensor = producer->inputs[0];
  }
}

std::vector<float> DequantizeFixedBias(const IntTensor& b, float s_x, const QuantParams& w) {
  std::vector<float> out(static_cast<size_t>(b.size()));
  for (int64_t c = 0; c < b.size(); ++c) {
    out[static_cast<size_t>(c)] = static_cast<float>(b[c]) * (s_x * w.scale(c));
  }
  return out;
}

FixedLayerIntegers FixedIntegersOf(const NetworkSpec& net, const NetLayer& l,
                                   const FloatLayerParams& p) {
  const QuantParams& wp = net.fixed_weight_params.at(l.name);
  FixedLayerIntegers out;
  out.weights = QuantizeFixedWeights(p.weights, wp, l.name);
  const IntTensor again =
      QuantizeFixedWeights(DequantizeFixedWeights(out.weights, wp), wp, l.name);
  for (int64_t i = 0; i < again.size(); ++i) {
    if (again[i] != out.weights[i]) {
      throw InputError("layer " + l.name + ": weight " + std::to_string(i) + " is " +
                       std::to_string(out.weights[i]) + " but dequantized and quantized again " +
                       std::to_string(again[i]) + "; its integers cannot be written exactly");
    }
  }
  const std::optional<float> s_x = FixedInputScale(net, l);
  if (!l.bias || !s_x) {
    return out;  // no bias, or a float bias without a fixed scale: kept float
  }
  std::vector<float> f = p.bias;
  f.resize(static_cast<size_t>(l.out_channels), 0.0f);
  IntTensor b({l.out_channels});
  for (int64_t c = 0; c < l.out_channels; ++c) {
    b[c] = QuantizeBias(f[static_cast<size_t>(c)], *s_x, wp.scale(c), net.policy.rounding);
  }
  // An int32 bias (QLinearConv's, a DequantizeLinear's) folded to exactly these floats is
  // written as its integers; a float bias (a QONNX model's) stays float, so the float reference
  // is unchanged too.
  if (DequantizeFixedBias(b, *s_x, wp) == f) {
    out.bias = std::move(b);
  }
  return out;
}

FloatLayerParams LoadFixedWeights(const NetworkSpec& net, const NetLayer& l) {
  const QuantParams& wp = net.fixed_weight_params.at(l.name);
  FloatLayerParams p;
  IntTensor w = ToIntTensor(ReadNpy(l.weights_file), l.weights_file);
  if (w.shape != l.weight_shape) {
    throw InputError(l.weights_file + ": the integer weights of layer " + l.name + " have shape " +
                     ShapeToString(w.shape) + ", the network needs " +
                     ShapeToString(l.weight_shape));
  }
  CheckValues(w, wp.type, l.weights_file + ": the weights of layer " + l.name);
  CheckScaleCount(wp, w.shape.at(0), l.name);
  p.weights = DequantizeFixedWeights(w, wp);
  if (!l.bias) {
    return p;
  }
  if (l.bias_file.empty()) {
    p.bias.assign(static_cast<size_t>(l.out_channels), 0.0f);
    return p;
  }
  const NpyArray a = ReadNpy(l.bias_file);
  if (a.dtype == NpyDtype::kFloat32) {  // a float bias, quantized as any layer's
    p.bias = LoadFixedFloatBias(l);
    return p;
  }
  if (a.dtype != NpyDtype::kInt32) {
    throw InputError(l.bias_file + ": the bias of layer " + l.name + " must be int32 or " +
                     "float32, got " + NpyDtypeName(a.dtype));
  }
  IntTensor b = ToIntTensor(a, l.bias_file);
  if (b.shape != Shape{l.out_channels}) {
    throw InputError(l.bias_file + ": the bias of layer " + l.name + " has shape " +
                     ShapeToString(b.shape) + ", the network needs [" +
                     std::to_string(l.out_channels) + "]");
  }
  const std::optional<float> s_x = FixedInputScale(net, l);
  if (!s_x) {
    throw InputError(l.bias_file + ": the int32 bias of layer " + l.name + " has scale s_x * " +
                     "s_w, but the network fixes no quantization (quant) for its input '" +
                     l.inputs[0] + "'");
  }
  p.bias = DequantizeFixedBias(b, *s_x, wp);
  return p;
}

}  // namespace quasar::models
