#include "node_test.h"

#include <catch2/catch.hpp>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "quasar/models/onnx/tensor_proto.h"

#ifndef QUASAR_ONNX_NODE_TESTS
#error "QUASAR_ONNX_NODE_TESTS (the ONNX node-test directory) must be defined by the build"
#endif

namespace quasar::onnx_tests {
using namespace models::onnx_io;  // the TensorProto reader
namespace {

std::string FloatText(float v) {
  uint32_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  char text[64];
  std::snprintf(text, sizeof text, "%.9g (0x%08" PRIx32 ")", static_cast<double>(v), bits);
  return text;
}

// Fails (without aborting the test) on a shape mismatch; returns whether the shapes agree.
bool CheckShapes(const std::string& test, const models::Shape& expected_shape, size_t expected_n,
                 const models::Shape& actual_shape, size_t actual_n) {
  INFO(test << ": expected shape " << models::ShapeToString(expected_shape) << " (" << expected_n
            << " elements), actual " << models::ShapeToString(actual_shape) << " (" << actual_n
            << " elements)");
  CHECK(expected_shape == actual_shape);
  CHECK(expected_n == actual_n);
  CHECK(static_cast<int64_t>(expected_n) == models::NumElements(expected_shape));
  return expected_shape == actual_shape && expected_n == actual_n &&
         static_cast<int64_t>(expected_n) == models::NumElements(expected_shape);
}

}  // namespace

std::string NodeTestRoot() { return QUASAR_ONNX_NODE_TESTS; }

NodeTest::NodeTest(const std::string& name) : name_(name) {
  const std::string dir = NodeTestRoot() + "/" + name;
  model_ = LoadModel(dir + "/model.onnx");
  const onnx::GraphProto& graph = model_.graph();
  if (graph.node_size() != 1) {
    throw std::runtime_error(name + ": expected a single-node model, got " +
                             std::to_string(graph.node_size()) + " nodes");
  }
  // Graph input i is stored in input_<i>.pb; node inputs refer to graph inputs by name, and an
  // empty name marks an omitted optional input.
  for (const std::string& input : node().input()) {
    int graph_index = -1;
    for (int i = 0; i < graph.input_size() && !input.empty(); ++i) {
      if (graph.input(i).name() == input) {
        graph_index = i;
      }
    }
    if (!input.empty() && graph_index < 0) {
      throw std::runtime_error(name + ": node input '" + input + "' is not a graph input");
    }
    present_.push_back(graph_index >= 0);
    inputs_.push_back(graph_index < 0 ? onnx::TensorProto()
                                      : LoadTensor(dir + "/test_data_set_0/input_" +
                                                   std::to_string(graph_index) + ".pb"));
  }
  if (node().output_size() != 1 || graph.output_size() != 1) {
    throw std::runtime_error(name + ": expected a single output");
  }
  output_ = LoadTensor(dir + "/test_data_set_0/output_0.pb");
}

int64_t NodeTest::opset() const {
  for (const onnx::OperatorSetIdProto& id : model_.opset_import()) {
    if (id.domain().empty() || id.domain() == "ai.onnx") {
      return id.version();
    }
  }
  return 0;
}

void NodeTest::RequireOp(const std::string& op_type,
                         std::initializer_list<const char*> known) const {
  if (node().op_type() != op_type) {
    throw std::runtime_error(name_ + ": expected op " + op_type + ", got " + node().op_type());
  }
  for (const onnx::AttributeProto& attribute : node().attribute()) {
    bool is_known = false;
    for (const char* k : known) {
      is_known = is_known || attribute.name() == k;
    }
    if (!is_known) {
      throw std::runtime_error(name_ + ": attribute '" + attribute.name() + "' of " + op_type +
                               " is not modelled by this test");
    }
  }
}

const onnx::TensorProto* NodeTest::Input(int index) const {
  const auto i = static_cast<size_t>(index);
  return i < inputs_.size() && present_[i] ? &inputs_[i] : nullptr;
}

const onnx::TensorProto& NodeTest::RequiredInput(int index) const {
  const onnx::TensorProto* t = Input(index);
  if (t == nullptr) {
    throw std::runtime_error(name_ + ": required input " + std::to_string(index) + " is missing");
  }
  return *t;
}

const onnx::AttributeProto* NodeTest::FindAttribute(const std::string& attribute) const {
  for (const onnx::AttributeProto& a : node().attribute()) {
    if (a.name() == attribute) {
      return &a;
    }
  }
  return nullptr;
}

int64_t NodeTest::IntAttribute(const std::string& attribute, int64_t default_value) const {
  const onnx::AttributeProto* a = FindAttribute(attribute);
  return a == nullptr ? default_value : a->i();
}

std::vector<int64_t> NodeTest::IntsAttribute(const std::string& attribute) const {
  const onnx::AttributeProto* a = FindAttribute(attribute);
  return a == nullptr ? std::vector<int64_t>()
                      : std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::string NodeTest::StringAttribute(const std::string& attribute,
                                      const std::string& default_value) const {
  const onnx::AttributeProto* a = FindAttribute(attribute);
  return a == nullptr ? default_value : a->s();
}

void ExpectEqualIntegers(const std::string& test, const models::Shape& expected_shape,
                         const std::vector<int64_t>& expected, const models::Shape& actual_shape,
                         const std::vector<int64_t>& actual) {
  if (!CheckShapes(test, expected_shape, expected.size(), actual_shape, actual.size())) {
    return;
  }
  size_t mismatches = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i] != actual[i]) {
      ++mismatches;
      FAIL_CHECK(test << ": element " << i << ": expected " << expected[i] << ", actual "
                      << actual[i]);
    }
  }
  INFO(test << ": " << mismatches << " of " << expected.size() << " elements differ");
  CHECK(mismatches == 0);
}

void ExpectBitEqualFloats(const std::string& test, const models::Shape& expected_shape,
                          const std::vector<float>& expected, const models::Shape& actual_shape,
                          const std::vector<float>& actual) {
  if (!CheckShapes(test, expected_shape, expected.size(), actual_shape, actual.size())) {
    return;
  }
  size_t mismatches = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::memcmp(&expected[i], &actual[i], sizeof(float)) != 0) {
      ++mismatches;
      FAIL_CHECK(test << ": element " << i << ": expected " << FloatText(expected[i]) << ", actual "
                      << FloatText(actual[i]));
    }
  }
  INFO(test << ": " << mismatches << " of " << expected.size() << " elements differ");
  CHECK(mismatches == 0);
}

}  // namespace quasar::onnx_tests
