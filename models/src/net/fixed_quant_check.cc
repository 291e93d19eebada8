// The network file's checks of its fixed quantization (fixed_quant.h): what the shapes and the
// precision policy decide about the `quant` and `weights_quant` keys.

#include "net_keys.h"
#include "quasar/models/error.h"
#include "quasar/models/net/fixed_quant.h"

namespace quasar::models {

// Checks what the shapes decide about the fixed weight parameters: one scale or one per output
// channel, and integer weights named (the .npy files are read when the network is quantized).
void CheckFixedWeights(const NetworkSpec& net, ErrorList* errors) {
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const NetLayer& l = net.layers[i];
    const auto f = net.fixed_weight_params.find(l.name);
    if (f == net.fixed_weight_params.end()) {
      continue;
    }
    const std::string key = LayerKey(i, l.name) + ".weights_quant";
    const int64_t channels = l.weight_shape.at(0);
    for (size_t n : {f->second.scales.size(), f->second.zero_points.size()}) {
      if (n != 1 && static_cast<int64_t>(n) != channels) {
        errors->Add(key, "scale and zero_point must have 1 or " + std::to_string(channels) +
                             " (one per output channel) values, got " + std::to_string(n));
      }
    }
    if (l.weights_file.empty()) {
      errors->Add(key, "gives the parameters of integer weights: name their .npy in weights_file");
    }
  }
}

// Checks that each fixed quantization's type is the one the precision policy and the layer's
// overrides give the tensor or weights (import-onnx -o writes both; a hand-edited file may not
// agree, and the golden run and the hardware model would then differ on the width).
void CheckFixedTypes(const NetworkSpec& net, ErrorList* errors) {
  const auto check = [&](const std::string& key, const QuantParams& q, const OperandPrecision& p) {
    if (!(q.type == p.StorageType())) {
      errors->Add(key, "is " + q.type.Name() + " but the precision gives " + p.Describe() +
                           "; state the same type in precision");
    }
  };
  for (size_t i = 0; i < net.inputs.size(); ++i) {
    const auto f = net.fixed_params.find(net.inputs[i].name);
    if (f != net.fixed_params.end()) {
      check("inputs[" + std::to_string(i) + "].quant", f->second,
            net.tensor_precision.at(net.inputs[i].name));
    }
  }
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const NetLayer& l = net.layers[i];
    if (const auto f = net.fixed_params.find(l.name); f != net.fixed_params.end()) {
      check(LayerKey(i, l.name) + ".quant", f->second, net.tensor_precision.at(l.name));
    }
    if (const auto f = net.fixed_weight_params.find(l.name); f != net.fixed_weight_params.end()) {
      check(LayerKey(i, l.name) + ".weights_quant", f->second, l.precision.weights);
    }
  }
}

}  // namespace quasar::models
