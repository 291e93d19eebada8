// The ONNX import driver: the file's graph inputs and initializers bound, then every node in
// graph order handed to its converter (importer.h), then shapes inferred and precisions
// resolved as for a network file. File structure: onnx/onnx.proto (ModelProto, GraphProto,
// NodeProto, ValueInfoProto); the IR spec (onnx/docs/IR.md) requires nodes in topological
// order, so an input not yet produced means a cyclic or unsorted graph.

#include "quasar/models/onnx/onnx_import.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "importer.h"
#include "quasar/models/net/fixed_quant.h"
#include "quasar/models/npy.h"
#include "quasar/models/onnx/tensor_proto.h"
#include "quasar/models/text_file.h"

namespace quasar::models {
namespace {

using onnx_import::Constant;
using onnx_import::Converters;
using onnx_import::Dims;
using onnx_import::Importer;
using onnx_import::Node;
using onnx_import::NodeError;

// The default-domain opsets the importer reads: each converter states the first opset of the
// form it reads (Converter::since_opset); 21 is the newest this importer is documented against
// (docs/onnx-import.md).
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 21;

bool DefaultDomain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

// The TensorProto.DataType of an .npy dtype (onnx/onnx.proto).
int32_t OnnxTypeOf(NpyDtype d) {
  switch (d) {
    case NpyDtype::kInt8:
      return onnx_io::kInt8;
    case NpyDtype::kUint8:
      return onnx_io::kUint8;
    case NpyDtype::kInt16:
      return onnx_io::kInt16;
    case NpyDtype::kUint16:
      return onnx_io::kUint16;
    case NpyDtype::kInt32:
      return onnx_io::kInt32;
    case NpyDtype::kInt64:
      return onnx_io::kInt64;
    case NpyDtype::kFloat32:
      break;
  }
  return onnx_io::kFloat;
}

std::string NodeLabel(const onnx::NodeProto& n, int index) {
  if (!n.name().empty()) {
    return n.name();
  }
  return "#" + std::to_string(index) + (n.output_size() > 0 ? " (" + n.output(0) + ")" : "");
}

// The graph input's shape: the file's, with symbolic or missing dimensions from `given`.
// An int8 or uint8 graph input is taken (already quantized) where integer ops alone read it.
Shape InputShape(const onnx::ValueInfoProto& v, const OnnxImportOptions& o,
                 const std::string& where, bool integer_ok) {
  const auto given = o.input_shapes.find(v.name());
  const auto& type = v.type();
  if (!type.has_tensor_type()) {
    throw InputError(where + ": graph input '" + v.name() + "' is not a tensor");
  }
  const int32_t elem = type.tensor_type().elem_type();
  const bool integer = elem == onnx_io::kInt8 || elem == onnx_io::kUint8;
  if (elem != onnx_io::kFloat && !(integer && integer_ok)) {
    throw InputError(where + ": graph input '" + v.name() + "' has element type " +
                     onnx_io::DataTypeName(type.tensor_type().elem_type()) +
                     "; float models take float32 inputs");
  }
  const bool has_shape = type.tensor_type().has_shape();
  const auto& dims = type.tensor_type().shape().dim();
  if (given != o.input_shapes.end()) {
    const Shape& s = given->second;
    if (has_shape && dims.size() != static_cast<int>(s.size())) {
      throw InputError(where + ": --input-shape " + v.name() + "=" + Dims(s) + " has rank " +
                       std::to_string(s.size()) + "; the model's input has rank " +
                       std::to_string(dims.size()));
    }
    for (int i = 0; has_shape && i < dims.size(); ++i) {
      if (dims[i].has_dim_value() && dims[i].dim_value() != s[static_cast<size_t>(i)]) {
        throw InputError(where + ": --input-shape " + v.name() + "=" + Dims(s) +
                         " disagrees with the model's fixed dimension " + std::to_string(i) +
                         " (" + std::to_string(dims[i].dim_value()) + ")");
      }
    }
    return s;
  }
  if (!has_shape) {
    throw InputError(where + ": graph input '" + v.name() +
                     "' has no stated shape; bind it with --input-shape " + v.name() + "=...");
  }
  Shape s;
  for (int i = 0; i < dims.size(); ++i) {
    if (!dims[i].has_dim_value() || dims[i].dim_value() < 1) {
      const std::string label =
          dims[i].has_dim_param() ? " ('" + dims[i].dim_param() + "')" : "";
      throw InputError(where + ": graph input '" + v.name() + "' dimension " + std::to_string(i) +
                       label + " is not fixed; bind it with --input-shape " + v.name() +
                       "=<d0>x<d1>x...");
    }
    s.push_back(dims[i].dim_value());
  }
  return s;
}

// Imports `path`; every node that cannot be imported goes to `issues`. Returns the network
// (complete only when `issues` stays empty).
NetworkSpec Run(const std::string& path, const OnnxImportOptions& o,
                std::vector<OnnxNodeIssue>* issues) {
  onnx::ModelProto model;
  try {
    model = onnx_io::LoadModel(path);
  } catch (const std::exception& e) {
    throw InputError(e.what());
  }
  if (!model.has_graph() || model.graph().node_size() == 0) {
    throw InputError(path + ": the model has no graph nodes (not an ONNX model?)");
  }
  int64_t opset = -1, qonnx_opset = 1, microsoft_opset = 1;
  for (const auto& imp : model.opset_import()) {
    if (DefaultDomain(imp.domain())) {
      opset = imp.version();
    } else if (onnx_import::IsQonnxDomain(imp.domain())) {
      qonnx_opset = imp.version();
    } else if (imp.domain() == onnx_import::kMicrosoftDomain) {
      microsoft_opset = imp.version();
    }
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    throw InputError(path + ": the model imports ONNX opset " +
                     (opset < 0 ? std::string("(none)") : std::to_string(opset)) +
                     "; the importer takes opsets " + std::to_string(kMinOpset) + " to " +
                     std::to_string(kMaxOpset));
  }
  onnx::GraphProto* graph = model.mutable_graph();
  Importer im(path, opset);

  std::set<std::string> initializers;
  for (auto& t : *graph->mutable_initializer()) {
    try {
      im.BindConstant(t.name(), onnx_import::DecodeConstant(t));
    } catch (const NodeError& e) {
      throw InputError(path + ": initializer '" + t.name() + "': " + e.what());
    }
    initializers.insert(t.name());
    // Decoded: free the file's copy now (clear() would keep the capacity), so the peak is
    // about one copy of the weights, not two.
    std::string().swap(*t.mutable_raw_data());
    google::protobuf::RepeatedField<float>().Swap(t.mutable_float_data());
  }
  for (const auto& bound : o.input_shapes) {
    const std::string& name = bound.first;  // not a structured binding: lambdas capture it
    const auto& in = graph->input();
    if (std::none_of(in.begin(), in.end(), [&](const auto& v) { return v.name() == name; })) {
      throw InputError(path + ": --input-shape names '" + name + "', which is not a graph input");
    }
  }
  for (const auto& v : graph->input()) {
    if (initializers.count(v.name())) {
      continue;  // IR version < 4 lists initializers among the inputs
    }
    if (const auto c = o.constants.find(v.name()); c != o.constants.end()) {
      Constant k;
      k.shape = c->second.shape;
      k.integer = c->second.dtype != NpyDtype::kFloat32;
      k.data_type = OnnxTypeOf(c->second.dtype);
      k.floats = c->second.floats;
      k.ints = c->second.ints;
      if (k.size() != static_cast<int64_t>(k.integer ? k.ints.size() : k.floats.size())) {
        throw InputError(path + ": the value bound to '" + v.name() + "' has " +
                         std::to_string(k.integer ? k.ints.size() : k.floats.size()) +
                         " elements for shape " + Dims(k.shape));
      }
      im.BindConstant(v.name(), std::move(k));
      continue;
    }
    // Read by integer ops alone (their quantized input), an integer input is taken as is.
    bool integer_ok = true, read = false;
    for (const auto& n : graph->node()) {
      for (const auto& in : n.input()) {
        if (in == v.name()) {
          read = true;
          integer_ok = integer_ok && DefaultDomain(n.domain()) &&
                       (n.op_type() == "ConvInteger" || n.op_type() == "MatMulInteger" ||
                        n.op_type() == "QLinearConv" || n.op_type() == "QLinearMatMul");
        }
      }
    }
    im.AddInput(v.name(), InputShape(v, o, path, integer_ok && read));
    if (v.type().tensor_type().elem_type() != onnx_io::kFloat) {
      im.integer_inputs()[v.name()] = v.type().tensor_type().elem_type();
    }
  }
  if (im.net().inputs.empty()) {
    throw InputError(path + ": the graph has no inputs besides its initializers");
  }

  for (const auto& n : graph->node()) {
    for (const auto& in : n.input()) {
      if (!in.empty()) {
        im.CountUse(in);
      }
    }
  }
  for (const auto& out : graph->output()) {
    im.CountGraphOutput(out.name());
  }

  std::set<std::string> failed;  // outputs of nodes that could not be imported
  for (int i = 0; i < graph->node_size(); ++i) {
    const onnx::NodeProto& n = graph->node(i);
    auto fail = [&](const std::string& problem) {
      issues->push_back({NodeLabel(n, i), n.op_type(), n.domain(),
                         DefaultDomain(n.domain())                   ? opset
                         : onnx_import::IsQonnxDomain(n.domain()) ? qonnx_opset
                         : n.domain() == onnx_import::kMicrosoftDomain ? microsoft_opset
                                                                        : 0,
                         problem});
      failed.insert(n.output().begin(), n.output().end());
    };
    // An op that is not supported at all is listed even below a node that failed.
    const bool qonnx = onnx_import::IsQonnxDomain(n.domain());
    const bool microsoft = n.domain() == onnx_import::kMicrosoftDomain;
    if (!DefaultDomain(n.domain()) && !qonnx && !microsoft) {
      fail("domain '" + n.domain() + "' is not supported");
      continue;
    }
    const auto& all = Converters();
    const std::string domain = qonnx ? onnx_import::kQonnxDomain
                               : DefaultDomain(n.domain()) ? "" : n.domain();
    const auto conv = std::find_if(all.begin(), all.end(), [&](const onnx_import::Converter& c) {
      return n.op_type() == c.op_type && domain == c.domain;
    });
    if (conv == all.end()) {
      fail(n.op_type() == "DynamicQuantizeLinear" && DefaultDomain(n.domain())
               ? "dynamic quantization: its scale and zero point are computed from each input at "
                 "run time, while Quasar's integer pipeline fixes them beforehand (quantize the "
                 "model statically: QuantizeLinear with constant scales)"
               : "op " + n.op_type() + " is not supported");
      continue;
    }
    const int64_t domain_opset = qonnx ? qonnx_opset : microsoft ? microsoft_opset : opset;
    if (domain_opset < conv->since_opset) {
      fail("op " + n.op_type() + " is supported from opset " + std::to_string(conv->since_opset));
      continue;
    }
    bool upstream_failed = false;
    std::string missing;
    for (const auto& in : n.input()) {
      if (in.empty() || im.Defined(in)) {
        continue;
      }
      if (failed.count(in)) {
        upstream_failed = true;
      } else if (missing.empty()) {
        missing = in;
      }
    }
    if (upstream_failed) {  // its inputs are unknown: nothing more to say about it
      failed.insert(n.output().begin(), n.output().end());
      continue;
    }
    if (!missing.empty()) {
      fail("input '" + missing +
           "' is not produced by an earlier node, an initializer or a graph input (a cyclic or "
           "unsorted graph, or a missing initializer)");
      continue;
    }
    try {
      conv->convert(Node(n, &im));
      im.Consumed(n);
    } catch (const NodeError& e) {
      fail(e.what());
    } catch (const InputError& e) {
      fail(e.what());
    }
  }
  if (!issues->empty()) {
    return im.net();
  }

  NetworkSpec& net = im.net();
  // An integer input keeps its type: the node reading it quantizes it as that type.
  for (const auto& [name, type] : im.integer_inputs()) {
    const auto f = net.fixed_params.find(name);
    const IntType t = onnx_io::IsSignedInteger(type) ? IntType::Signed(onnx_io::IntegerBits(type))
                                                     : IntType::Unsigned(onnx_io::IntegerBits(type));
    if (f != net.fixed_params.end() && !(f->second.type == t)) {
      throw InputError(path + ": graph input '" + name + "' is " + onnx_io::DataTypeName(type) +
                       ", and a node reads it as " + f->second.type.Name());
    }
  }
  const std::string out = graph->output_size() > 0 ? graph->output(0).name() : "";
  if (out.empty() || !im.Defined(out)) {
    throw InputError(path + ": the graph's output '" + out + "' is not computed by any node");
  }
  const auto& value = im.Get(out);
  if (value.is_constant() || net.layers.empty()) {
    throw InputError(path + ": the graph's output '" + out +
                     "' is a constant or a graph input; there is nothing to run");
  }
  net.output = value.tensor;
  net.name = std::filesystem::path(path).stem().string();
  net.file = path;
  net.source = path;
  net.description = "Imported from ONNX (opset " + std::to_string(opset) +
                    (model.producer_name().empty()
                         ? std::string()
                         : ", " + model.producer_name() + " " + model.producer_version()) +
                    ")";
  onnx_import::FuseLayerNorms(&net);
  onnx_import::FuseDecoderFunctions(&net);
  onnx_import::FuseKvCacheReads(&net);
  onnx_import::ApplyQdqPolicy(&net, path);
  ErrorList errors(path);
  InferShapes(&net, &errors);
  errors.ThrowIfAny();
  return ResolvePrecision(std::move(net));
}

std::string FileStem(const std::string& name) {
  std::string s = name;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      c = '_';
    }
  }
  return s.empty() || s[0] == '.' ? "_" + s : s;
}

}  // namespace

std::vector<OnnxNodeIssue> CheckOnnx(const std::string& path, const OnnxImportOptions& options) {
  std::vector<OnnxNodeIssue> issues;
  Run(path, options, &issues);
  return issues;
}

NetworkSpec ImportOnnx(const std::string& path, const OnnxImportOptions& options) {
  std::vector<OnnxNodeIssue> issues;
  NetworkSpec net = Run(path, options, &issues);
  if (!issues.empty()) {
    ErrorList errors(path);
    for (const auto& i : issues) {
      errors.Add("node " + i.node + " (" + i.op_type + ")", i.problem);
    }
    errors.ThrowIfAny();
  }
  return net;
}

std::string WriteNetworkWithWeights(const NetworkSpec& net, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "weights", ec);
  if (ec) {
    throw InputError(dir + ": cannot create the directory: " + ec.message());
  }
  NetworkSpec out = net;
  std::set<std::string> used;
  for (NetLayer& l : out.layers) {
    if (!l.weights_data) {
      continue;
    }
    std::string stem = FileStem(l.name);
    for (int n = 2; used.count(stem); ++n) {
      stem = FileStem(l.name) + "_" + std::to_string(n);
    }
    used.insert(stem);
    const std::string w = "weights/" + stem + ".npy";
    if (net.fixed_weight_params.count(l.name)) {
      // A quantized model's layer: its integers, with the parameters the YAML states
      // (weights_quant), and an int32 bias of scale s_x * s_w.
      FloatLayerParams p;
      p.weights = *l.weights_data;
      if (l.bias_data) {
        p.bias = *l.bias_data;
      }
      const FixedLayerIntegers ints = FixedIntegersOf(net, l, p);
      const IntType& type = net.fixed_weight_params.at(l.name).type;
      WriteNpy((fs::path(dir) / w).string(), ints.weights, NpyDtypeFor(type));
      l.weights_file = w;
      l.weights_data.reset();
      l.bias_data.reset();
      const std::string b = "weights/" + stem + ".bias.npy";
      if (ints.bias) {
        WriteNpy((fs::path(dir) / b).string(), *ints.bias, NpyDtype::kInt32);
        l.bias_file = b;
      } else if (l.bias && !p.bias.empty()) {
        WriteNpy((fs::path(dir) / b).string(),
                 FloatTensor({static_cast<int64_t>(p.bias.size())}, p.bias));
        l.bias_file = b;
      }
      continue;
    }
    WriteNpy((fs::path(dir) / w).string(), *l.weights_data);
    l.weights_file = w;
    l.weights_data.reset();
    if (l.bias_data) {
      const std::string b = "weights/" + stem + ".bias.npy";
      WriteNpy((fs::path(dir) / b).string(),
               FloatTensor({static_cast<int64_t>(l.bias_data->size())}, *l.bias_data));
      l.bias_file = b;
      l.bias_data.reset();
    }
  }
  const fs::path yaml = fs::path(dir) / (FileStem(net.name) + ".yaml");
  const std::string text = NetworkToYaml(out);
  WriteTextFile(yaml.string(), text, "network file");
  return yaml.string();
}

std::vector<std::string> OnnxSupportedOps() {
  std::vector<std::string> ops;
  for (const auto& c : onnx_import::Converters()) {
    ops.push_back(c.op_type);
  }
  std::sort(ops.begin(), ops.end());
  return ops;
}

}  // namespace quasar::models
