#pragma once
// The op registry: one OpDef per network op, holding the traits every layer of Quasar reads
// from one place: its name, the attribute keys it takes, whether it has weights or only moves
// data, how the accelerator runs it (a GEMM on the PE array, the post-processing unit alone, or
// a free change of view), its GEMM, the post-processing unit's work per output, its shape rule,
// its float kernel and its integer layer. Each op family is one file of models/src/net/ops/; each
// op is one line of ops.def, which the NetOp enum and Ops() (ops.cc) are made from.
//
// Its shape rule, float kernel, integer layer, input count and where a GEMM op's operands come
// from (A: read by im2col in compiler/ and the operand tiles of sim/cycle/; B: its weights or
// its second input, read by the mapper, the cycle model, compare and the golden run's width
// bound) are here too, and the writer and reader of its own attribute keys. The index rule of
// each way of gathering A is a row of gemm_input.h.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/int128.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/gemm_input.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/quantized_net.h"

namespace quasar::models {

class KeyWriter;  // models/src/net/ops/op_keys.h
class MapReader;  // quasar/models/spec/yaml_reader.h

// How the accelerator runs a layer (compiler::LayerKind mirrors it).
enum class OpLowering {
  kGemm,  // on the PE array, as `count` GEMMs of M x K x N
  kPost,  // through the post-processing unit only
  kView,  // a change of shape: no data moves
};

// Where a GEMM op's B[K, N] comes from: its weights (fixed when the network is quantized), or its
// second input, an activation with its own tensor's precision (matmul: b [..., K, N]).
enum class GemmB { kWeights, kSecondInput };

// count GEMMs of out[M, N] = A[M, K] x B[K, N].
struct GemmDims {
  int64_t count = 1, m = 0, k = 0, n = 0;
};

// The post-processing unit's operations per output element (docs/energy-area.md).
struct PostEvents {
  int multiplies = 0, adds = 0, compares = 0;
};

// Records a layer's problems under its key ("layers[3:conv1].groups").
struct LayerErrors {
  ErrorList* errors;
  std::string key;
  void Add(const std::string& field, const std::string& problem) const {
    errors->Add(field.empty() ? key : key + "." + field, problem);
  }
};

// A shape rule: from the shapes of the layer's inputs (in its `inputs` order), the output shape
// and the multiply-accumulates (padding taps included, as the kernels count), and the layer's
// weight_shape (and a convolution's out_channels). Records errors and returns false when the
// layer does not fit its inputs. Element and MAC limits are checked by the caller.
using ShapeRule = bool (*)(NetLayer* layer, const std::vector<const Shape*>& inputs,
                           const LayerErrors& errors, Shape* out, int128* macs);

struct OpDef {
  NetOp op;
  const char* name;               // as in the network format
  std::vector<std::string> keys;  // the keys it takes besides name, op, input(s), output_shape
  bool has_weights = false;       // a weight tensor (and a bias by default)
  bool moves_data_only = false;   // the output keeps the input's quantization
  OpLowering lowering = OpLowering::kPost;
  // kGemm: the layer's GEMMs, from its shapes (the parser has inferred them).
  GemmDims (*gemm)(const NetLayer& layer, const NetworkSpec& net) = nullptr;
  // The post-processing unit's work per output element (kGemm: the requantization).
  PostEvents (*post_events)(const NetLayer& layer, const NetworkSpec& net) = nullptr;
  ShapeRule shape = nullptr;
  // The float reference of the layer, before its activation: `inputs` in the layer's `inputs`
  // order, `params` its float weights and bias (ops with weights; null otherwise).
  FloatTensor (*run_float)(const NetLayer& layer, const std::vector<const FloatTensor*>& inputs,
                           const FloatLayerParams* params) = nullptr;
  // The integer layer. `int_spec` fills what is op-specific in the LayerSpec the golden kernels
  // run (its LayerOp, operand parameters) from the layer, the network's tensor parameters and,
  // for ops with weights, the weights' parameters; it returns false for an op that runs no
  // kernel and only moves integers, whose output `move_ints` then gives.
  bool (*int_spec)(const NetLayer& layer, const NetworkSpec& net,
                   const std::map<std::string, QuantParams>& tensors, const QuantParams* weights,
                   bool has_bias, LayerSpec* spec) = nullptr;
  // `params` are x's quantization (a pad fills with the code of a real 0, its zero point).
  IntTensor (*move_ints)(const NetLayer& layer, const IntTensor& x,
                         const QuantParams& params) = nullptr;
  // The tensors RunLayer takes, from the layer's inputs (in order) and its quantized weights.
  LayerInputs (*int_inputs)(const std::vector<const IntTensor*>& inputs,
                            const QuantizedLayer& layer) = nullptr;
  int inputs = 1;  // the tensors it reads (shape inference checks the count); 0: one or more;
                   // kNoInputs: none
  // Its integer semantics is RunDequantized (dequantize, the float kernel, quantize) rather
  // than a golden kernel or a move of integers: int_spec returns false, move_ints is unset.
  bool runs_dequantized = false;
  GemmInput gemm_input = GemmInput::kDirect;  // kGemm: where A comes from (gemm_input.h)
  GemmB gemm_b = GemmB::kWeights;             // kGemm: whether B is weights or an input
  // Its own attribute keys in the network format (docs/network-format.md), written after the
  // layer's input(s) and read back (after CheckLayerKeys has rejected the keys it does not
  // take); null for an op with none beyond the keys every layer may have and the parameters of
  // `keys` that network_write.cc and network_parse.cc handle alike (alpha, beta, min, max,
  // exponent, epsilon, axis, start, end, value_file).
  void (*write_keys)(KeyWriter& w, const NetLayer& layer) = nullptr;
  void (*read_keys)(const MapReader& m, NetLayer* layer) = nullptr;
};

// OpDef::inputs of an op that reads no tensor (constant).
inline constexpr int kNoInputs = -1;

// Every op, in the order of the NetOp enum.
const std::vector<OpDef>& Ops();
const OpDef& OpOf(NetOp op);

// The op families (one file each in models/src/net/ops/), named by ops.def: each returns the
// rows of its ops.
#define QUASAR_OP(enumerator, family) std::vector<OpDef> family();
#include "quasar/models/net/ops.def"
#undef QUASAR_OP

// Whether the op accumulates products on the PE array (OpLowering::kGemm): the layers an
// accumulator applies to and whose MAC widths the array must hold.
bool AccumulatesProducts(NetOp op);
// Whether a GEMM op's B is its second input (GemmB::kSecondInput) rather than its weights.
bool GemmBIsInput(NetOp op);
// The precision of a GEMM layer's B: its second input tensor's, or its weights'.
const OperandPrecision& GemmBPrecision(const NetLayer& l, const NetworkSpec& net);
// The axis of its input `slot` (of rank `rank`) that GEMM layer `l` reduces over, its K: a
// matmul's second operand its second-to-last axis, its last with transpose_b; a windowed A (a
// convolution's input, NCHW) its channels, axis 1; any other A its last axis. nullopt for a
// layer that is not a GEMM or a slot that is not an operand.
std::optional<int> GemmReductionAxis(const NetLayer& l, size_t slot, int rank);

// The integer layer of an op with runs_dequantized: each input dequantized with its tensor's
// parameters, the op's float kernel and the layer's activation, and the result quantized to
// the output tensor's parameters with `rounding` (QuantizeInput), as ONNX Runtime executes an
// op between DequantizeLinear and QuantizeLinear nodes. The golden run and the cycle model's
// post unit both call it. `values` holds the integer tensors by name.
IntTensor RunDequantized(const NetLayer& layer, const std::map<std::string, QuantParams>& params,
                         const std::map<std::string, IntTensor>& values, RoundingMode rounding);

// The row of an op on the post unit whose integer semantics is RunDequantized: `keys` (plus
// "precision"), its events per output, shape rule, float kernel and input count.
OpDef DequantizedPostOp(NetOp op, const char* name, std::vector<std::string> keys,
                        PostEvents (*events)(const NetLayer&, const NetworkSpec&), ShapeRule shape,
                        FloatTensor (*kernel)(const NetLayer&,
                                              const std::vector<const FloatTensor*>&,
                                              const FloatLayerParams*),
                        int inputs = 1);

// The requantization of a GEMM's outputs: fixed-point multiply, rounding and zero-point adds,
// clamp (DESIGN.md section 2; the ReLU is the clamp's lower bound).
PostEvents RequantizeEvents(const NetLayer& layer, const NetworkSpec& net);
// The keys of a weighted layer (conv, depthwise) before its own.
std::vector<std::string> WeightedConvKeys();
// The int_spec of an op that runs no golden kernel (it moves integers, or runs dequantized).
bool NoKernel(const NetLayer& layer, const NetworkSpec& net,
              const std::map<std::string, QuantParams>& tensors, const QuantParams* weights,
              bool has_bias, LayerSpec* spec);
// RunLayer's tensors of a one-input op, and of an op with weights (and its int32 bias).
LayerInputs OneInput(const std::vector<const IntTensor*>& inputs, const QuantizedLayer& layer);
LayerInputs WithWeights(const std::vector<const IntTensor*>& inputs, const QuantizedLayer& layer);
// The LayerSpec of an op with weights: `op`, the weights' parameters, an int32 bias if it has
// one, zero padding for the XNOR kernel's border correction (as the float network pads).
void WeightedSpec(LayerOp op, const QuantParams& weights, bool has_bias, LayerSpec* spec);

}  // namespace quasar::models
