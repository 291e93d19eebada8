#pragma once
// The ONNX importer's state and the converter registry. The driver (onnx_import.cc) walks the
// graph's nodes in order and hands each to the converter registered for its op type; a
// converter reads its inputs (activations or constants) and attributes through Node, and either
// appends Quasar layers, folds its result to a constant, fuses itself into the layer before
// it, or throws NodeError saying what it cannot take.

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "quasar/models/net/network.h"
#include "quasar/models/onnx/onnx_import.h"

namespace quasar::models::onnx_import {

// A constant tensor: an initializer, a Constant node, or folded shape arithmetic.
struct Constant {
  Shape shape;
  bool integer = false;
  std::vector<float> floats;  // when !integer
  std::vector<int64_t> ints;  // when integer
  int32_t data_type = 0;      // TensorProto.DataType of the file's tensor, when it is one
  // The model's own quantization of a float constant that DequantizeLinear made from integers
  // (weights of a QDQ model), and the axis its scales run along.
  std::optional<QuantParams> quant;
  int64_t quant_axis = 0;
  int64_t size() const { return NumElements(shape); }
};

// What an ONNX tensor name stands for: a Quasar tensor (a network input or a layer's output)
// with its shape, or a constant.
struct Value {
  std::string tensor;  // empty for a constant
  Shape shape;
  std::shared_ptr<const Constant> constant;
  bool is_constant() const { return constant != nullptr; }
};

// A node the importer cannot take; the message says why, the driver adds which node.
class NodeError : public std::runtime_error {
 public:
  explicit NodeError(const std::string& problem) : std::runtime_error(problem) {}
};

class Importer;

// One node with the importer's state: typed access to its inputs and attributes.
class Node {
 public:
  Node(const onnx::NodeProto& proto, Importer* importer) : proto_(proto), im_(importer) {}
  const onnx::NodeProto& proto() const { return proto_; }
  Importer& importer() const { return *im_; }

  // Input `i` is given (an omitted optional input has an empty name).
  bool Has(int i) const;
  const Value& In(int i) const;  // throws NodeError if not given
  // Input `i` as an activation / as a constant; NodeError naming `what` otherwise.
  const Value& Activation(int i, const char* what) const;
  const Constant& ConstantIn(int i, const char* what) const;
  // Input `i` as a Quasar tensor: a computed one, or a float constant as a constant layer
  // (Importer::ConstantLayer).
  std::string TensorIn(int i) const;
  const std::string& Out(int i) const;

  // Throws NodeError for an attribute outside `known`, so none is silently ignored.
  void KnownAttributes(std::initializer_list<const char*> known) const;
  bool HasAttribute(const char* name) const;
  int64_t Int(const char* name, int64_t default_value) const;
  float Float(const char* name, float default_value) const;
  std::string String(const char* name, const std::string& default_value) const;
  std::vector<int64_t> Ints(const char* name) const;  // empty if absent
  Constant Tensor(const char* name) const;            // a tensor attribute (Constant's value)

 private:
  const onnx::AttributeProto* Find(const char* name) const;
  const onnx::NodeProto& proto_;
  Importer* im_;
};

class Importer {
 public:
  Importer(std::string file, int64_t opset) : file_(std::move(file)), opset_(opset) {}

  const std::string& file() const { return file_; }
  int64_t opset() const { return opset_; }
  NetworkSpec& net() { return net_; }

  // Consumers of each ONNX tensor name (graph outputs count as one), filled before conversion.
  void CountUse(const std::string& onnx_name) {
    ++uses_[onnx_name];
    ++remaining_[onnx_name];
  }
  void CountGraphOutput(const std::string& onnx_name) {
    CountUse(onnx_name);
    graph_outputs_.insert(onnx_name);
  }
  // Some node reads `onnx_name` (a graph output alone does not).
  bool ReadByNodes(const std::string& onnx_name) const {
    const auto u = uses_.find(onnx_name);
    return u != uses_.end() && u->second > static_cast<int>(graph_outputs_.count(onnx_name));
  }
  // After `node` is converted: a constant no later node reads is freed (a layer holds its own
  // copy of its weights).
  void Consumed(const onnx::NodeProto& node);
  bool Defined(const std::string& onnx_name) const { return values_.count(onnx_name) > 0; }
  const Value& Get(const std::string& onnx_name) const { return values_.at(onnx_name); }
  void Bind(const std::string& onnx_name, Value v) { values_[onnx_name] = std::move(v); }
  void BindConstant(const std::string& onnx_name, Constant c);
  void AddInput(const std::string& onnx_name, const Shape& shape);

  // Appends `layer` (its inputs name Quasar tensors), infers its shape with the op's rule and
  // binds `onnx_output` to its output. The layer's name is made unique from `layer.name`.
  // Returns the layer's name.
  std::string AddLayer(NetLayer layer, const std::string& onnx_output);
  // The constant layer (ops/constant.cc) holding float constant `c`, named after `onnx_name`,
  // for a layer that reads it as a tensor; made at the first such read, shared by later ones.
  // The ONNX name stays bound to the constant, so shape arithmetic still folds it. NodeError
  // for an integer constant.
  std::string ConstantLayer(const std::string& onnx_name, const Constant& c);

  // The layer whose output `onnx_name` is, when that output has no other consumer and is not a
  // graph output (so a following BatchNormalization, Relu or Clip may fold into it); else null.
  NetLayer* SoleProducer(const std::string& onnx_name);
  // The layer named `tensor` when exactly one layer reads its output and it is not the network
  // output (the fully_connected inside a batched MatMul's reshapes); else null.
  NetLayer* ReadOnceLayer(const std::string& tensor);
  // Binds `to` to what `from` stands for: a pass-through (Identity, Dropout) or a node folded
  // into the layer before it.
  void PassThrough(const std::string& from, const std::string& to);
  // Layers whose int32 output is their accumulator (ConvInteger, MatMulInteger by constant
  // weights; integer_ops.cc), into whose scale a following Mul by a scalar may fold.
  std::set<std::string>& accumulator_layers() { return accumulator_layers_; }
  // Graph inputs of an integer type (TensorProto.DataType), taken where only integer ops
  // (ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul) read them: already quantized
  // tensors whose parameters the reading node fixes.
  std::map<std::string, int32_t>& integer_inputs() { return integer_inputs_; }

 private:
  // Appends `layer` with a unique name and its inferred shape; returns its name.
  std::string Append(NetLayer layer);

  std::string file_;
  int64_t opset_;
  NetworkSpec net_;
  std::map<std::string, Value> values_;
  std::map<std::string, int> uses_;
  std::set<std::string> graph_outputs_;
  std::map<std::string, int> remaining_;    // uses not yet converted
  std::map<std::string, size_t> layer_of_;  // Quasar tensor -> index in net_.layers
  std::set<std::string> names_;             // Quasar tensor names in use
  std::map<std::string, int> live_;         // Quasar tensor -> ONNX names still read that
                                            // stand for it
  std::map<std::string, std::string> constant_layers_;  // ONNX constant -> its constant layer
  std::set<std::string> accumulator_layers_;
  std::map<std::string, int32_t> integer_inputs_;
};

// A converter: the op type it takes, the lowest opset whose form it reads, and the function.
struct Converter {
  const char* op_type;
  int64_t since_opset;  // of its domain
  void (*convert)(const Node& node);
  const char* domain = "";  // "" for ONNX's, kQonnxDomain, kMicrosoftDomain
};

// The QONNX domain, and the older names Brevitas and FINN wrote for it.
inline constexpr const char* kQonnxDomain = "qonnx.custom_op.general";
// ONNX Runtime's contrib ops (QLinearAdd, QLinearSigmoid, ...).
inline constexpr const char* kMicrosoftDomain = "com.microsoft";
bool IsQonnxDomain(const std::string& domain);

// Every converter (onnx_converters.cc), and the op families (one file each).
const std::vector<Converter>& Converters();
std::vector<Converter> ConvConverters();        // Conv, Gemm, MatMul, BatchNormalization
std::vector<Converter> ConvTransposeConverters();  // ConvTranspose
std::vector<Converter> ActivationConverters();  // Relu, Clip
std::vector<Converter> PoolConverters();        // MaxPool, AveragePool, GlobalAveragePool
std::vector<Converter> TensorConverters();      // Add, Flatten, Reshape, Transpose, Identity,
                                                // Dropout
std::vector<Converter> ConstantConverters();    // Constant and shape arithmetic on constants
std::vector<Converter> FoldConverters();  // ConstantOfShape, Equal, Where, Expand of constants
std::vector<Converter> ElementwiseConverters();  // Sigmoid, Tanh, HardSwish, HardSigmoid,
                                                 // LeakyRelu, Mul, Sub, Div
std::vector<Converter> NormConverters();         // LayerNormalization
std::vector<Converter> ResizeConverters();       // Resize, Upsample
std::vector<Converter> QdqConverters();          // QuantizeLinear, DequantizeLinear
std::vector<Converter> QonnxConverters();        // Quant (IntQuant), BipolarQuant
std::vector<Converter> QonnxTruncConverters();   // Trunc (qonnx_trunc.cc)
std::vector<Converter> QOperatorConverters();    // QLinearConv, QLinearMatMul, com.microsoft
std::vector<Converter> IntegerConverters();      // ConvInteger, MatMulInteger (integer_ops.cc)

// A conv2d or depthwise_conv2d layer of input `x`, weights `w` (OIHW) and `bias` (null: none),
// with Conv's attributes read from `node`; binds the node's output 0 and returns the layer's
// name (convert_conv.cc; Conv and QLinearConv share it).
std::string ConvLayer(const Node& node, const Value& x, const Constant& w,
                      std::shared_ptr<const std::vector<float>> bias);

// The scale (input `si`) and zero point (input `zi`, optional; its type is the quantized type,
// `default_type` without it) of a quantizing node for a tensor of shape `shape`: one of each,
// or one per index of the axis in attribute `axis_attribute` (default 1; null: `*axis` as
// given) (qdq.cc).
QuantParams ParamsOf(const Node& node, int si, int zi, const Shape& shape, int64_t* axis,
                     int32_t default_type, const char* axis_attribute = "axis");
// Fixes a computed tensor's parameters (one scale), or checks them against earlier ones.
void FixTensorParams(const Node& node, const std::string& tensor, const QuantParams& p);
// Integer constant `q` dequantized with `p` along `axis`, remembering `p` (float32, as
// DequantizeLinear).
Constant DequantizeConstant(const Constant& q, const QuantParams& p, int64_t axis);

// Records that layer `layer` takes the weights `w`'s own quantization (a QDQ model's), whose
// per-channel scales must run along `channel_axis` of the file's tensor (qdq.cc).
void KeepWeightQuantization(const Node& node, const std::string& layer, const Constant& w,
                            int64_t channel_axis);
// After conversion: a model with QDQ parameters gets the precision policy they imply (onnx
// rounding, their types and granularity), and must quantize every tensor that owns parameters
// (qdq.cc). Throws InputError otherwise.
void ApplyQdqPolicy(NetworkSpec* net, const std::string& file);

// The 2-D window of Conv, MaxPool and AveragePool over input x [N, C, H, W] (window.cc), and
// its kernel_shape (checked against the weights [C_out, C/g, KH, KW] when given).
Conv2dGeometry WindowGeometry(const Node& node, const Shape& x, int64_t kh, int64_t kw);
std::pair<int64_t, int64_t> KernelShape(const Node& node, const Shape* weights);

// Replaces each layer normalization written out node by node (reduce_mean, sub, pow,
// reduce_mean, affine, sqrt, div, mul, sub of the negated shift) by one layer_norm layer;
// returns how many (fuse_layer_norm.cc). A model with QDQ parameters is left alone.
int FuseLayerNorms(NetworkSpec* net);
// Replaces the RMSNorm, SiLU and erf GELU that PyTorch writes out node by node by one rms_norm,
// silu or gelu layer; returns how many (fuse_decoder.cc). A model with QDQ parameters is left
// alone.
int FuseDecoderFunctions(NetworkSpec* net);
// Splits each attention matmul that reads a decode step's KV cache through a Concat(cache, new)
// (and a transpose, a grouped-query repeat) at the cache, so the cache is read in place, as the
// zoo's decode block reads it; returns how many (fuse_kv_cache.cc). A model with QDQ parameters
// is left alone.
int FuseKvCacheReads(NetworkSpec* net);

// Mul of input `tensor_input` by the positive scalar `c` where that input is the int32
// accumulator of a ConvInteger or MatMulInteger layer read by nothing else: `c` folds into the
// layer's output scale and the node passes the tensor through; false otherwise (integer_ops.cc).
bool FoldScaleIntoAccumulator(const Node& node, int tensor_input, double c);

// Add with a constant operand (convert_elementwise.cc): two constants fold; a tensor plus a
// scalar constant is an affine layer.
void FoldAdd(const Node& node);

// `axis` of a rank-`rank` tensor in [0, rank) (negative counts from the end), or NodeError.
int64_t Axis(int64_t axis, size_t rank);

// The name a node's layer takes: the node's, or its op type when the file gives none (made
// unique by Importer::AddLayer).
std::string LayerName(const Node& node);

// A fully_connected layer without bias of input `a` [M, K] and constant weights `b` [K, N]
// (MatMul's and QLinearMatMul's layout), which keeps `b`'s quantization if it has one
// (convert_conv.cc). Binds the node's output 0 and returns the layer's name.
std::string MatMulByConstant(const Node& node, const Value& a, const Constant& b);

// Decodes an initializer or tensor attribute (float32 or an integer type). NodeError otherwise.
Constant DecodeConstant(const onnx::TensorProto& t);
// A float constant's values as a FloatTensor.
FloatTensor ToFloatTensor(const Constant& c);
// "1x3x224x224".
std::string Dims(const Shape& s);
// The shape `a` and `b` broadcast to (numpy's rule), or NodeError (convert_elementwise.cc).
Shape BroadcastShapes(const Shape& a, const Shape& b);
// The element of `c`, broadcast to `shape`, at flat index `i` of `shape`, as a double.
double ConstantAt(const Constant& c, const Shape& shape, int64_t i);

}  // namespace quasar::models::onnx_import
