#include "quasar/models/net/float_net.h"

#include <algorithm>
#include <cmath>

#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"
#include "quasar/models/net/fixed_quant.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/npy.h"
#include "quasar/models/ref/float_ops.h"

namespace quasar::models {
namespace {

// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA
// 2014): a tiny generator with a fixed, documented output sequence.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in the open interval (0, 1).
  double Uniform() { return (static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53; }
  // Standard normal by Box-Muller (one value per call; the second is dropped for simplicity).
  double Normal() {
    const double u1 = Uniform(), u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }
  // Laplace with unit variance (scale b = 1/sqrt(2)), by inverting the CDF.
  double Laplace() {
    const double u = Uniform() - 0.5;
    const double b = 1.0 / std::sqrt(2.0);
    return -b * (u < 0 ? -1.0 : 1.0) * std::log(1.0 - 2.0 * std::fabs(u));
  }

 private:
  uint64_t state_;
};

// FNV-1a of the name, mixed with the seed: one independent stream per layer or input.
uint64_t StreamSeed(uint64_t seed, const std::string& name, uint64_t salt) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) {
    h = (h ^ c) * 0x100000001b3ull;
  }
  Rng mix(seed ^ (h + 0x9E3779B97F4A7C15ull * (salt + 1)));
  return mix.Next();
}

FloatLayerParams Synthesize(const NetLayer& l, uint64_t seed) {
  Rng rng(StreamSeed(seed, l.name, 0));
  FloatLayerParams p;
  p.weights = FloatTensor(l.weight_shape);
  const int64_t out = l.weight_shape[0];
  const int64_t fan_in = NumElements(l.weight_shape) / out;
  const bool relu = l.activation != Activation::kNone;
  const double std_w = std::sqrt((relu ? 2.0 : 1.0) / static_cast<double>(fan_in));
  for (int64_t oc = 0; oc < out; ++oc) {
    const double gain = std::exp(0.35 * rng.Normal());
    for (int64_t i = 0; i < fan_in; ++i) {
      p.weights[oc * fan_in + i] = static_cast<float>(gain * std_w * rng.Laplace());
    }
  }
  if (l.bias) {
    for (int64_t oc = 0; oc < out; ++oc) {
      p.bias.push_back(static_cast<float>(0.05 * rng.Normal()));
    }
  }
  return p;
}

FloatTensor LoadFloat(const std::string& path, const Shape& want, const std::string& what) {
  FloatTensor t = ReadFiniteFloats(path, what);
  if (t.shape != want) {
    throw InputError(path + ": " + what + " has shape " + ShapeToString(t.shape) +
                     ", the network needs " + ShapeToString(want));
  }
  return t;
}

}  // namespace

FloatTensor ReadFiniteFloats(const std::string& path, const std::string& what) {
  FloatTensor t = ToFloatTensor(ReadNpy(path), path);
  for (int64_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(t[i])) {
      throw InputError(path + ": " + what + ": element " + std::to_string(i) + " is " +
                       std::to_string(t[i]) + ", not a finite number");
    }
  }
  return t;
}

FloatNetParams MakeFloatParams(const NetworkSpec& net, uint64_t seed) {
  FloatNetParams params;
  for (const NetLayer& l : net.layers) {
    if (!NetOpHasWeights(l.op)) {
      continue;
    }
    if (l.weights_data) {
      FloatLayerParams& p = params[l.name];
      p.weights = *l.weights_data;
      if (l.bias_data) {
        p.bias = *l.bias_data;
      } else if (l.bias) {
        p.bias.assign(static_cast<size_t>(l.out_channels), 0.0f);
      }
      continue;
    }
    if (!l.weights_file.empty() && net.fixed_weight_params.count(l.name)) {
      params[l.name] = LoadFixedWeights(net, l);  // integers with the file's parameters
      continue;
    }
    FloatLayerParams p;
    try {
      p = Synthesize(l, seed);
    } catch (const InputError& e) {  // over the memory limit: say whose weights
      throw InputError("layer " + l.name + ": synthetic weights: " + e.what());
    }
    if (!l.weights_file.empty()) {
      p.weights = LoadFloat(l.weights_file, l.weight_shape, "the weights of layer " + l.name);
    }
    if (!l.bias_file.empty()) {
      p.bias = LoadFloat(l.bias_file, {l.out_channels}, "the bias of layer " + l.name).data;
    }
    params[l.name] = std::move(p);
  }
  return params;
}

bool HasSyntheticWeights(const NetworkSpec& net) {
  return std::any_of(net.layers.begin(), net.layers.end(), [](const NetLayer& l) {
    return NetOpHasWeights(l.op) && l.weights_file.empty() && !l.weights_data;
  });
}

std::map<std::string, FloatTensor> MakeInputs(const NetworkSpec& net, uint64_t seed, int sample) {
  std::map<std::string, FloatTensor> inputs;
  for (const NetInput& in : net.inputs) {
    if (!in.file.empty() && sample == 0) {
      inputs[in.name] = LoadFloat(in.file, in.shape, "input " + in.name);
      continue;
    }
    if (!in.calibration.empty() && sample > 0) {
      const auto& path = in.calibration[static_cast<size_t>(sample - 1) % in.calibration.size()];
      inputs[in.name] = LoadFloat(path, in.shape, "calibration sample of input " + in.name);
      continue;
    }
    Rng rng(StreamSeed(seed, in.name, 1000 + static_cast<uint64_t>(sample)));
    FloatTensor t(in.shape);
    for (float& v : t.data) {
      v = static_cast<float>(std::clamp(rng.Normal(), -4.0, 4.0));
    }
    inputs[in.name] = std::move(t);
  }
  return inputs;
}

uint64_t NetworkTensorBytes(const NetworkSpec& net, uint64_t element_bytes) {
  uint64_t bytes = 0;
  for (const NetInput& in : net.inputs) {
    bytes = SaturatingAdd(bytes, ShapeBytes(in.shape, element_bytes));
  }
  for (const NetLayer& l : net.layers) {
    bytes = SaturatingAdd(bytes, ShapeBytes(l.output_shape, element_bytes));
  }
  return bytes;
}

void CheckNetworkRun(const NetworkSpec& net, uint64_t element_bytes, const std::string& what) {
  const uint64_t bytes = NetworkTensorBytes(net, element_bytes);
  const uint64_t limit = MemoryLimit();
  if (bytes > limit) {
    CheckAllocation(bytes,
                    (net.name.empty() ? std::string("the network") : "network " + net.name) + ": " +
                        what + " (its inputs and " + std::to_string(net.layers.size()) +
                        " layer outputs, " + std::to_string(element_bytes) + " bytes per element)",
                    limit);
  }
}

std::map<std::string, FloatTensor> RunFloatNetwork(const NetworkSpec& net,
                                                   const FloatNetParams& params,
                                                   const std::map<std::string, FloatTensor>& inputs,
                                                   const FloatRunHooks& hooks) {
  CheckNetworkRun(net, sizeof(float), "the float reference run");
  std::map<std::string, FloatTensor> t = inputs;
  for (const NetInput& in : net.inputs) {
    if (!t.count(in.name) || t.at(in.name).shape != in.shape) {
      throw InputError("network input '" + in.name + "' must have shape " +
                       ShapeToString(in.shape));
    }
  }
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const NetLayer& l = net.layers[i];
    std::vector<const FloatTensor*> in;
    std::vector<std::optional<FloatTensor>> read(l.inputs.size());  // the values `read` gave
    for (size_t s = 0; s < l.inputs.size(); ++s) {
      const FloatTensor& x = t.at(l.inputs[s]);
      if (hooks.read) {
        read[s] = hooks.read(l, s, x);
      }
      in.push_back(read[s] ? &*read[s] : &x);
    }
    std::optional<FloatTensor> computed;
    if (hooks.compute) {
      std::vector<const FloatTensor*> stored;
      for (const std::string& name : l.inputs) {
        stored.push_back(&t.at(name));
      }
      computed = hooks.compute(l, stored);
    }
    FloatTensor y =  // the op's float kernel (ops.h)
        computed
            ? std::move(*computed)
            : OpOf(l.op).run_float(l, in, NetOpHasWeights(l.op) ? &params.at(l.name) : nullptr);
    ApplyActivation(&y, l.activation);
    if (hooks.rewrite) {
      hooks.rewrite(l, &y);
    }
    t[l.name] = std::move(y);
    if (hooks.on_layer) {
      hooks.on_layer(i);
    }
  }
  return t;
}

}  // namespace quasar::models
