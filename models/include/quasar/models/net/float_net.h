#pragma once
// The float side of a network: its weights (seeded synthetic ones shaped like trained networks,
// or real ones read from the .npy files the network names), its inputs, and the float reference
// forward pass that calibration and the fidelity report compare against.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/net/network.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// Float weights and bias of one weighted layer (OIHW or [out, in]; bias empty or [out]).
struct FloatLayerParams {
  FloatTensor weights;
  std::vector<float> bias;
};
using FloatNetParams = std::map<std::string, FloatLayerParams>;  // by layer name

// A float32 .npy file whose every element is finite; InputError naming `path` and `what` (and
// the first bad element) otherwise.
FloatTensor ReadFiniteFloats(const std::string& path, const std::string& what);

// Weights for every weighted layer: read from weights_file/bias_file when the layer names them
// (shapes checked against the inferred ones; integer files dequantized with the layer's fixed
// weight parameters when the network fixes them, fixed_quant.h), otherwise synthesised from
// `seed`:
//   - Laplace-distributed weights (heavy-tailed, as trained convolution weights are modelled in
//     Banner et al., "Post training 4-bit quantization", NeurIPS 2019, Sec. 3), with He fan-in
//     scaling std = gain * sqrt(2 / fan_in) for layers followed by ReLU/ReLU6 and
//     sqrt(1 / fan_in) otherwise (He et al., ICCV 2015, Sec. 2.2);
//   - a log-normal gain per output channel (sigma 0.35), the spread a folded batch norm leaves
//     between channels, which is what makes per-channel quantization pay;
//   - a small Gaussian bias (std 0.05), the folded batch-norm shift.
// Each layer draws from its own stream (seed mixed with the layer name), so editing one layer
// leaves the others' weights unchanged. The generator is Quasar's own (SplitMix64 and
// Box-Muller), so values are identical on every platform and compiler.
FloatNetParams MakeFloatParams(const NetworkSpec& net, uint64_t seed);

// Whether MakeFloatParams synthesises some weighted layer's weights (it names no weights file and
// holds no weights, as zoo networks do): such a network's fidelity compares precisions but says
// nothing of accuracy.
bool HasSyntheticWeights(const NetworkSpec& net);

// One input sample for every network input: sample 0 (the evaluation input) from the input's
// `file`, samples 1, 2, ... (calibration) from its `calibration` files in turn, when given;
// otherwise standard-normal values clipped to +-4 from (seed, sample, input name).
std::map<std::string, FloatTensor> MakeInputs(const NetworkSpec& net, uint64_t seed, int sample);

// The bytes a run of `net` holds by its end at `element_bytes` per element: every network input
// and layer output, which RunFloatNetwork and RunQuantizedNetwork both keep (saturating, see
// memory_limit.h). CheckNetworkRun refuses a run (`what`: "the float reference run", ...) whose
// tensors exceed the memory limit, naming the network and the bytes; both runs call it first.
uint64_t NetworkTensorBytes(const NetworkSpec& net, uint64_t element_bytes);
void CheckNetworkRun(const NetworkSpec& net, uint64_t element_bytes, const std::string& what);

// Optional calls into a float run, each left empty to do nothing (the quantization emulation,
// emulated_quant.h, uses `rewrite` and `read`).
struct FloatRunHooks {
  // After each layer, with its index: progress output.
  std::function<void(size_t)> on_layer;
  // May change each layer's output before the layers after it read it; the stored tensor is the
  // changed one.
  std::function<void(const NetLayer&, FloatTensor*)> rewrite;
  // The value layer `l` reads at its input `slot` in place of the stored tensor `x`, or nullopt
  // to read `x`; the stored tensor is unchanged.
  std::function<std::optional<FloatTensor>(const NetLayer& l, size_t slot, const FloatTensor& x)>
      read;
  // The layer's output before its activation in place of the op's float kernel, or nullopt to
  // run the kernel; given the stored input tensors (not `read`'s values).
  std::function<std::optional<FloatTensor>(const NetLayer& l,
                                           const std::vector<const FloatTensor*>& stored)>
      compute;
};

// Runs the float reference network. Returns every tensor (network inputs and layer outputs) by
// name.
std::map<std::string, FloatTensor> RunFloatNetwork(const NetworkSpec& net,
                                                   const FloatNetParams& params,
                                                   const std::map<std::string, FloatTensor>& inputs,
                                                   const FloatRunHooks& hooks = {});

}  // namespace quasar::models
