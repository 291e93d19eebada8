#pragma once
// Paths of the ONNX import tests' data, a writer for hand-edited models, and builders of
// hand-made ones.

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "quasar/models/net/network.h"

namespace quasar::onnx_test {

// tests/data/onnx/<name> (compile definition QUASAR_SOURCE_DIR).
inline std::string DataPath(const std::string& name) {
  return std::string(QUASAR_SOURCE_DIR) + "/tests/data/onnx/" + name;
}

// Writes `bytes` to a file of the temporary directory named `name`; returns its path.
inline std::string WriteTemp(const std::string& name, const std::string& bytes) {
  const auto path = (std::filesystem::temp_directory_path() / ("quasar_onnx_" + name)).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

inline std::string WriteTemp(const std::string& name, const onnx::ModelProto& m) {
  return WriteTemp(name, m.SerializeAsString());
}

// Builders of hand-made models: an empty model whose graph is named `name`, importing the default
// domain at `opset` (IR version 8 unless given), an int64 or float initializer, a node named after
// its one output, a float graph input or output of fixed dimensions.
inline onnx::ModelProto NewModel(const std::string& name, int64_t opset, int64_t ir_version = 8) {
  onnx::ModelProto m;
  m.set_ir_version(ir_version);
  m.add_opset_import()->set_version(opset);
  m.mutable_graph()->set_name(name);
  return m;
}

inline void IntConstant(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims,
                 std::vector<int64_t> values) {
  onnx::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
}

inline void FloatConstant(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims,
                   std::vector<float> values) {
  onnx::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
}

inline onnx::NodeProto* AddNode(onnx::GraphProto* g, const std::string& op,
                         std::vector<std::string> inputs, const std::string& output) {
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(output);
  for (const auto& i : inputs) n->add_input(i);
  n->add_output(output);
  return n;
}

inline void FloatIo(onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
}

// How many layers of each op an imported network has.
inline std::map<models::NetOp, int> OpCounts(const models::NetworkSpec& net) {
  std::map<models::NetOp, int> n;
  for (const models::NetLayer& l : net.layers) ++n[l.op];
  return n;
}

}  // namespace quasar::onnx_test
