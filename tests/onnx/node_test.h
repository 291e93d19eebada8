#pragma once
// One ONNX backend node test (a single-node model.onnx plus test_data_set_0) and the element-wise
// comparisons the conformance tests report mismatches with.

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "quasar/models/tensor.h"

namespace quasar::onnx_tests {

// The node-test root directory (compile definition QUASAR_ONNX_NODE_TESTS).
std::string NodeTestRoot();

// A loaded node test: the node, the tensor bound to each node input, and the expected output.
class NodeTest {
 public:
  // Loads <NodeTestRoot()>/<name>. Throws std::runtime_error if a file is missing or malformed.
  explicit NodeTest(const std::string& name);

  const std::string& name() const { return name_; }
  const onnx::NodeProto& node() const { return model_.graph().node(0); }
  int64_t opset() const;  // of the default ("" / "ai.onnx") domain

  // Throws unless the node is `op_type` and has no attribute outside `known`, so an attribute
  // the test does not model can never be silently ignored.
  void RequireOp(const std::string& op_type, std::initializer_list<const char*> known) const;

  // The tensor fed to node input `index`, or nullptr if that optional input is omitted.
  const onnx::TensorProto* Input(int index) const;
  // Like Input(), but throws if the input is omitted.
  const onnx::TensorProto& RequiredInput(int index) const;
  // output_0.pb.
  const onnx::TensorProto& Output() const { return output_; }

  int64_t IntAttribute(const std::string& attribute, int64_t default_value) const;
  std::vector<int64_t> IntsAttribute(const std::string& attribute) const;  // empty if absent
  std::string StringAttribute(const std::string& attribute, const std::string& default_value) const;

 private:
  const onnx::AttributeProto* FindAttribute(const std::string& attribute) const;

  std::string name_;
  onnx::ModelProto model_;
  std::vector<onnx::TensorProto> inputs_;  // one per node input; empty name = omitted
  std::vector<bool> present_;
  onnx::TensorProto output_;
};

// Compares every element (no sampling). Each mismatch is a failed Catch2 check naming the test,
// the flat (row-major) index, the expected and the actual value; the shapes must match first.
void ExpectEqualIntegers(const std::string& test, const models::Shape& expected_shape,
                         const std::vector<int64_t>& expected, const models::Shape& actual_shape,
                         const std::vector<int64_t>& actual);

// As ExpectEqualIntegers, for float32 outputs compared bit for bit (values printed as %.9g and
// as their hexadecimal bit patterns).
void ExpectBitEqualFloats(const std::string& test, const models::Shape& expected_shape,
                          const std::vector<float>& expected, const models::Shape& actual_shape,
                          const std::vector<float>& actual);

}  // namespace quasar::onnx_tests
