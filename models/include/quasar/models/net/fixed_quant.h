#pragma once
// A network's fixed quantization (NetworkSpec::fixed_params, fixed_weight_params), as a
// quantized ONNX model (QDQ, QOperator, QONNX) carries it and the network format states it
// (docs/network-format.md, "Fixed quantization"): the one rule that turns a layer's integer
// weights and int32 bias into the float weights the network holds, its inverse, and the check
// that the two agree, shared by the network file's reader and `import-onnx -o`.

#include <optional>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// Weights quantized with the parameters the model fixes (ONNX QuantizeLinear: round half to
// even of the float32 quotient, plus the zero point, saturated), one scale per output channel
// (the first dimension) or one for all. InputError naming `layer` when the scale count is
// neither 1 nor the channel count.
IntTensor QuantizeFixedWeights(const FloatTensor& w, const QuantParams& p,
                               const std::string& layer);

// The float weights of integer weights: (q - z[c]) · s[c] in float32 (DequantizeLinear), c the
// output channel (the first dimension).
FloatTensor DequantizeFixedWeights(const IntTensor& q, const QuantParams& p);

// The scale of the tensor a weighted layer reads, as the model fixes it: the layer's input, or
// the tensor a pool, flatten, reshape or transpose before it keeps the quantization of; nullopt
// when the model fixes none.
std::optional<float> FixedInputScale(const NetworkSpec& net, const NetLayer& l);

// The float bias of an int32 bias B of scale s_x · s_w[c]: B · (s_x · s_w[c]) in float32, the
// product QLinearConv's and QGemm's importers fold with.
std::vector<float> DequantizeFixedBias(const IntTensor& b, float s_x, const QuantParams& w);

// The integers a layer with fixed weight parameters holds: its weights quantized with them
// (InputError naming the layer if dequantizing them does not give those integers back), and its
// int32 bias (QuantizeBias with the network's rounding mode, as QuantizeNetwork computes it)
// when dequantizing that gives the layer's float bias exactly, as for a bias that was int32 in
// the model; nullopt for a float bias (a QONNX model's), which is kept float.
struct FixedLayerIntegers {
  IntTensor weights;
  std::optional<IntTensor> bias;
};
FixedLayerIntegers FixedIntegersOf(const NetworkSpec& net, const NetLayer& l,
                                   const FloatLayerParams& p);

// The float weights and bias of a layer whose weights the network file gives as integers
// (`weights_quant`): its weights_file read as integers of the weights' type, its bias_file as
// int32 (scale s_x · s_w) or float32, shapes and ranges checked, dequantized by the rules above.
FloatLayerParams LoadFixedWeights(const NetworkSpec& net, const NetLayer& l);

// The network file's checks of its fixed quantization (fixed_quant_check.cc), each adding to
// `errors` under the key it concerns: CheckFixedWeights, once the shapes are known, that a
// layer's weights_quant has one scale and zero point or one per output channel and names its
// integer weights' .npy; CheckFixedTypes, once the precision is resolved, that each quant's
// and weights_quant's type is the one the precision gives the tensor or weights.
void CheckFixedWeights(const NetworkSpec& net, ErrorList* errors);
void CheckFixedTypes(const NetworkSpec& net, ErrorList* errors);

}  // namespace quasar::models
