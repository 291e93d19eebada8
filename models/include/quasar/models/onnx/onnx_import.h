#pragma once
// ONNX import: a model file (onnx.ModelProto, onnx/onnx.proto) read into a NetworkSpec whose
// weighted layers carry the file's weights in memory (NetLayer::weights_data). In a float
// model, batch normalization folds into the Conv or Gemm before it, ReLU and Clip fuse into the
// layer before them where they can, other element-wise ops, Concat, Slice and Split become
// post-unit layers, and the shape arithmetic exporters emit folds to constants; Quasar's
// precision policy and calibration then quantize the network as they do a network file. A
// quantized model (QDQ, QOperator, QONNX) also fixes its quantization parameters
// (NetworkSpec::fixed_params, fixed_weight_params), which quantization uses verbatim. The
// supported ops, and how each maps, are in docs/onnx-import.md; the converters are one file per
// op family under models/src/onnx/.
//
// This header does not expose protobuf: callers need neither ONNX's headers nor its defines.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "quasar/models/net/network.h"
#include "quasar/models/npy.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

struct OnnxImportOptions {
  // Shapes for graph inputs whose dimensions the file leaves symbolic ("batch") or unstated,
  // by input name (`--input-shape x=1x3x224x224`). A given shape must agree with every fixed
  // dimension of the file.
  std::map<std::string, Shape> input_shapes;
  // Graph inputs bound to values and imported as initializers (float32 or, for any integer
  // dtype, int64 values). ONNX's node tests feed weights and shapes as graph inputs; a user
  // model keeps them in initializers and needs none of this.
  std::map<std::string, NpyArray> constants;
};

// One node the importer cannot take, as `import-onnx --check` lists them.
struct OnnxNodeIssue {
  std::string node;  // its name, or "#<index> (<output>)" when the file gives none
  std::string op_type;
  std::string domain;  // "" for the default ONNX domain
  int64_t opset = 0;   // of that domain, as the model imports it
  std::string problem;
};

// Every node of `path` that cannot be imported, in graph order (empty: the model imports).
// An unsupported op is listed wherever it is; a supported node whose inputs come from a node
// that failed is not. Throws InputError for a
// problem with the file itself (unreadable, not ONNX, no graph, an opset out of range, a bad
// graph input).
std::vector<OnnxNodeIssue> CheckOnnx(const std::string& path,
                                     const OnnxImportOptions& options = {});

// The network of `path`. Throws InputError naming the file and, for a node, its name, op type
// and the problem; a model with several unsupported nodes lists them all.
NetworkSpec ImportOnnx(const std::string& path, const OnnxImportOptions& options = {});

// Writes `net` as <dir>/<net.name>.yaml with every weight held in memory written to
// <dir>/weights/<layer>.npy (and <layer>.bias.npy), so LoadNetwork on the YAML gives the same
// network. Returns the YAML's path. Throws InputError if a file cannot be written.
std::string WriteNetworkWithWeights(const NetworkSpec& net, const std::string& dir);

// The ONNX op types the importer converts, sorted.
std::vector<std::string> OnnxSupportedOps();

}  // namespace quasar::models
