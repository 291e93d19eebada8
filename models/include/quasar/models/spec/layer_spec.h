#pragma once
// LayerSpec: one quantized layer with every parameter explicit, as `quasar layer` reads it from
// YAML (format documented in docs/layer-spec.md). Parsed and validated in one pass that reports
// every problem with the file, key path and value.

#include <optional>
#include <string>
#include <utility>

#include "quasar/models/accumulator.h"
#include "quasar/models/output_stage.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/ref/binary_conv2d.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/rounding.h"
#include "quasar/models/spec/yaml_reader.h"

namespace YAML {
class Emitter;
}

namespace quasar::models {

enum class LayerOp {
  kConv2d,
  kDepthwiseConv2d,
  kFullyConnected,
  kMatMul,
  kBinaryConv2d,
  kMaxPool,
  kAvgPool,
  kAdd,
  kConvTranspose2d,  // ONNX ConvTranspose (ref/conv_transpose2d.h)
};
std::string LayerOpName(LayerOp op);
std::optional<LayerOp> ParseLayerOp(const std::string& name);
bool LayerOpHasWeights(LayerOp op);  // conv2d, depthwise_conv2d, fully_connected, matmul, binary,
                                     // conv_transpose2d

// How the bias arrives: absent, already int32 with scale s_x*s_w, or float32 to be quantized by
// the rounding mode's framework rule (QuantizeBias).
enum class BiasConvention { kNone, kInt32, kFloat };

struct LayerSpec {
  LayerOp op = LayerOp::kConv2d;
  Conv2dGeometry geometry;
  int64_t kernel_h = 0, kernel_w = 0;  // pooling windows
  bool count_include_pad = false;      // average pooling
  QuantParams input;
  QuantParams input2;   // add: the second operand
  QuantParams weights;  // per tensor or per output channel
  QuantParams output;
  RoundingMode rounding = RoundingMode::kTflite;
  BiasConvention bias = BiasConvention::kNone;
  Activation activation = Activation::kNone;
  std::optional<std::pair<int32_t, int32_t>> clamp;  // explicit [min, max]
  AccumulatorSpec accumulator;
  BinaryPad binary_pad = BinaryPad::kPlusOne;
  int binary_lanes = 64;
  // matmul: the weights operand arrives as [..., N, K] and is read as its transpose (a network's
  // `transpose_b`, set by the op's int_spec; layer spec files have no such key).
  bool transpose_b = false;
};

// Reads the mapping `key` of `parent` as {type, scale, zero_point} (scale and zero_point lists
// only when `allow_per_channel`), recording every problem in the parent's ErrorList.
QuantParams ReadQuantParams(const MapReader& parent, const std::string& key,
                            bool allow_per_channel);
// Writes `q` as the flow mapping {type, scale: [...], zero_point: [...]} that ReadQuantParams
// reads back to the same values (each float32 scale written with 17 significant digits, which
// read back exactly). The one writer of that schema, which layer specs use too: quantized
// networks (quant.yaml) and the network format's `quant` and `weights_quant` keys.
void EmitQuantParams(YAML::Emitter& out, const QuantParams& q);

// Reads and validates a layer spec file. Throws InputError listing every problem.
LayerSpec LoadLayerSpec(const std::string& path);
// The same from YAML text; `where` names the source in messages.
LayerSpec ParseLayerSpec(const std::string& yaml_text, const std::string& where);

}  // namespace quasar::models
