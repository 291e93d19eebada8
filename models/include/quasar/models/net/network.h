#pragma once
// NetworkSpec: a whole network as Quasar reads it from a versioned YAML file (format:
// docs/network-format.md) or imports it from a SCALE-Sim topology CSV. It holds the graph of
// layers (each names the tensors it reads; skip connections are just names), the shapes inferred
// along the graph, and the precision policy with its per-layer overrides, resolved into one
// precision per layer.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/output_stage.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// Every network op (its row of the op registry, ops.h); the list is ops.def.
enum class NetOp {
#define QUASAR_OP(enumerator, family) enumerator,
#include "quasar/models/net/ops.def"
#undef QUASAR_OP
};
std::string NetOpName(NetOp op);
std::optional<NetOp> ParseNetOp(const std::string& name);
const char* NetOpChoices();
bool NetOpHasWeights(NetOp op);     // conv2d, depthwise_conv2d, fully_connected, conv_transpose2d
bool NetOpMovesDataOnly(NetOp op);  // pools, flatten, reshape, transpose: output keeps the
                                    // input's quantization

// How a pad layer fills (ops/pad.cc): with 0, mirrored about the edge, or repeating the edge.
enum class PadMode { kConstant, kReflect, kEdge };
std::string PadModeName(PadMode m);
std::optional<PadMode> ParsePadMode(const std::string& name);
std::string PadModeChoices();

// How a resize layer maps an output coordinate to an input one, and how a nearest resize rounds
// it: ONNX Resize's coordinate_transformation_mode and nearest_mode (ops/resize.cc).
enum class ResizeCoordinates { kHalfPixel, kPytorchHalfPixel, kAlignCorners, kAsymmetric };
std::string ResizeCoordinatesName(ResizeCoordinates c);
std::optional<ResizeCoordinates> ParseResizeCoordinates(const std::string& name);
std::string ResizeCoordinatesChoices();
enum class ResizeRounding { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };
std::string ResizeRoundingName(ResizeRounding r);
std::optional<ResizeRounding> ParseResizeRounding(const std::string& name);
std::string ResizeRoundingChoices();

// How a gelu layer computes Phi(x) (ops/elementwise.cc): the error function, or GPT-2's tanh
// approximation (ONNX Gelu-20's `approximate`: none, tanh).
enum class GeluApproximation { kNone, kTanh };
std::string GeluApproximationName(GeluApproximation a);
std::optional<GeluApproximation> ParseGeluApproximation(const std::string& name);
std::string GeluApproximationChoices();

// One named input tensor of the network.
struct NetInput {
  std::string name;
  Shape shape;
  std::string file;  // optional .npy of float values (absolute path after parsing)
  std::vector<std::string> calibration;  // optional .npy calibration samples (absolute paths)
  // The input's own precision, over the policy's activations (e.g. a KV cache kept in DRAM at
  // 4 bits): the `precision` key of a network input.
  OperandOverride precision;
  // A number format the input is stored in (e.g. a KV cache in FP8 beside int8 activations): its
  // values are the format's (input_storage.h), its bytes in DRAM and SRAM are the format's, and
  // the layers reading it take it converted to its precision at the array's edge. The `storage`
  // key of a network input; none by default.
  std::optional<QuantCode> storage;
};

// One layer of the graph, as written in the file plus what the parser derives.
struct NetLayer {
  std::string name;
  NetOp op = NetOp::kConv2d;
  std::vector<std::string> inputs;  // tensor names: earlier layers or network inputs

  // conv2d, depthwise_conv2d, fully_connected
  int64_t out_channels = 0;  // conv: C_out; fully_connected: output features
  int64_t multiplier = 1;    // depthwise: channel multiplier
  bool bias = true;
  // conv and pooling windows
  int64_t kernel_h = 1, kernel_w = 1;
  Conv2dGeometry geometry;
  bool count_include_pad = false;  // avg_pool
  Activation activation = Activation::kNone;
  Shape target_shape;         // reshape (one entry may be -1)
  std::vector<int64_t> perm;  // transpose
  bool transpose_b = false;   // matmul: the second input is [..., N, K], read as its transpose
  std::vector<int64_t> pads;  // pad: before, then after, each dimension (ONNX's order)
  PadMode pad_mode = PadMode::kConstant;  // pad
  double pad_value = 0.0;                 // pad, constant mode
  // resize_nearest, resize_linear: the output's [H, W] (empty: floor(input * scales)) and the
  // scales [s_h, s_w] of the coordinate transform (empty: output / input).
  std::vector<int64_t> resize_size;
  std::vector<double> resize_scales;
  ResizeCoordinates resize_coordinates = ResizeCoordinates::kHalfPixel;
  ResizeRounding resize_rounding = ResizeRounding::kRoundPreferFloor;  // resize_nearest
  double alpha = 0.0, beta = 0.0;  // leaky_relu (alpha), hard_sigmoid and affine (alpha, beta)
  double clip_min = 0.0, clip_max = 0.0;  // clip
  double exponent = 1.0;                  // pow
  double epsilon = 1e-5;                  // layer_norm, rms_norm
  int64_t axis = 1;  // concat, slice, softmax, reduce_mean, layer_norm, rms_norm
  int64_t start = 0, end = 0;             // slice: [start, end) of axis
  // softmax with a causal mask (ops/softmax.cc): row r of the last two axes is the query at
  // position causal_offset + r mod causal_period (causal_period 0: the rows) and sees the
  // columns up to that position; the others get probability 0.
  bool causal = false;
  int64_t causal_offset = 0;
  int64_t causal_period = 0;
  // rotary_embedding (ops/rotary_embedding.cc): theta_i = base^(-2i / rotary_dim); row 0 of
  // the sequence is at position `rope_offset`; the first `rope_dim` features rotate (0: all),
  // in pairs (i, i + rope_dim / 2), or (2i, 2i + 1) when interleaved.
  double rope_base = 10000.0;
  int64_t rope_offset = 0;
  int64_t rope_dim = 0;
  bool rope_interleaved = false;
  GeluApproximation gelu_approximate = GeluApproximation::kNone;  // gelu
  std::string weights_file;   // optional float .npy weights, or a constant's value_file
                              // (absolute path after parsing)
  std::string bias_file;      // optional float .npy bias
  // Weights an importer holds in memory (ONNX initializers, batch norm folded in), used in
  // place of weights_file/bias_file when set; a constant's value (the parser loads it). Shared, so copies of the spec stay cheap;
  // `quasar import-onnx` writes them out as .npy files.
  std::shared_ptr<const FloatTensor> weights_data;
  std::shared_ptr<const std::vector<float>> bias_data;
  PrecisionOverride precision_override;

  // Derived by the parser.
  Shape output_shape;
  Shape weight_shape;        // empty for ops without weights
  int64_t macs = 0;          // multiply-accumulates, padding taps included (as the kernels count)
  int64_t params = 0;        // weights + bias elements
  LayerPrecision precision;  // resolved: network policy, first/last rule, then the override
};

struct NetworkSpec {
  std::string name;
  std::string description;
  std::string source;  // the paper or file the geometry comes from
  std::string file;    // where it was read from
  std::vector<NetInput> inputs;
  std::vector<NetLayer> layers;
  std::string output;  // the tensor reported as the network output (default: the last layer)
  PrecisionPolicy policy;
  // Resolved quantization precision of every tensor (network inputs and layer outputs).
  std::map<std::string, OperandPrecision> tensor_precision;
  // Quantization parameters the model file fixes (a quantized ONNX model, or a network file's
  // `quant` and `weights_quant` keys, fixed_quant.h), used verbatim by QuantizeNetwork instead
  // of calibrated ones: activations by tensor name, weights by layer name (one scale and zero
  // point per output channel, or one for all). Empty for every other network.
  std::map<std::string, QuantParams> fixed_params;
  std::map<std::string, QuantParams> fixed_weight_params;

  // Where each tensor is produced, for constant-time lookups: a layer's index, or -1 - i for
  // network input i. Derived by InferShapes (which every reader ends with); a lookup checks the
  // entry it finds and falls back to a scan, so a spec edited afterwards is never answered
  // wrongly, only more slowly. Shared, so copies of the spec stay cheap.
  std::shared_ptr<const std::unordered_map<std::string, int64_t>> tensor_index;

  int64_t TotalMacs() const;
  int64_t TotalParams() const;
  const NetLayer* FindLayer(const std::string& name) const;
  const NetInput* FindInput(const std::string& name) const;  // null if no input has that name
  // Whether `tensor` gets quantization parameters of its own: a network input, or the output of
  // a layer that computes (one that only moves data keeps its input's, NetOpMovesDataOnly).
  bool OwnsQuantParams(const std::string& tensor) const;
  // The tensor whose quantization `tensor` keeps: itself when it owns one, else the owner of the
  // input of the layer that moved it.
  const std::string& QuantParamsOwner(const std::string& tensor) const;
  // The shape of any tensor (a network input or a layer output); throws std::logic_error if
  // unknown (the parser has checked every name).
  const Shape& ShapeOf(const std::string& tensor) const;
};

// Reads and validates a network file; throws InputError listing every problem with the file,
// key path and value. `.csv` files are imported as SCALE-Sim topologies (scalesim_import.h),
// `.onnx` files as ONNX models (onnx/onnx_import.h, with no --input-shape bindings).
NetworkSpec LoadNetwork(const std::string& path);
// The same from YAML text; `where` names the source in messages, `base_dir` resolves relative
// .npy paths.
NetworkSpec ParseNetwork(const std::string& yaml_text, const std::string& where,
                         const std::string& base_dir = ".");

// Infers every layer's shapes, MACs and parameters, checking that the graph chains (inputs exist
// and come earlier, shapes agree, channels divide by groups, stated output_shapes match). Errors
// go to `errors` keyed "layers[i].field". Used by the parser and by importers.
void InferShapes(NetworkSpec* net, ErrorList* errors);

// (Re)builds `net->tensor_index` from its inputs and layers (InferShapes calls it).
void IndexTensors(NetworkSpec* net);

// `net` with every layer's and tensor's precision (re)resolved from its policy and the layer
// overrides; call after changing the policy (as `--bits` does). Throws InputError on a
// combination the golden kernels cannot run (for example per-channel activations).
NetworkSpec ResolvePrecision(NetworkSpec net);

// Writes a NetworkSpec back as version-1 YAML that ParseNetwork reads into the same spec.
std::string NetworkToYaml(const NetworkSpec& net);

}  // namespace quasar::models
