// Hand-built models: ConstantOfShape, Equal, Where and Expand fold on constants
// (convert_fold.cc), a model whose MatMul weights are made by all four checked through Quasar's
// float reference on every element, and a computed operand of Where refused naming the node; PRelu with
// one slope is leaky_relu, with a slope per element a prelu layer, one that does not broadcast
// refused.

#include <catch2/catch.hpp>

#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/onnx/onnx_import.h"
#include "test_util.h"

namespace quasar::models {
namespace {

using onnx_test::AddNode;
using onnx_test::FloatConstant;
using onnx_test::FloatIo;
using onnx_test::IntConstant;
using onnx_test::NewModel;
using onnx_test::WriteTemp;

// y = x [1, 4] x B, B = Where(Equal(a, b), ConstantOfShape([4, 4], 2), Expand(t, [4, 1])) with
// a = [[0], [1], [2], [3]] and b = [[0, 1, 2, 3]]: B is 2 on the diagonal and t[j] elsewhere.
onnx::ModelProto FoldModel() {
  onnx::ModelProto m = NewModel("fold", 14);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 4});
  FloatIo(g->add_output(), "y", {1, 4});
  IntConstant(g, "shape44", {2}, {4, 4});
  IntConstant(g, "shape41", {2}, {4, 1});
  IntConstant(g, "a", {4, 1}, {0, 1, 2, 3});
  IntConstant(g, "b", {1, 4}, {0, 1, 2, 3});
  FloatConstant(g, "t", {1, 4}, {1, 2, 3, 4});
  onnx::NodeProto* fill = AddNode(g, "ConstantOfShape", {"shape44"}, "twos");
  onnx::AttributeProto* value = fill->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  value->mutable_t()->add_dims(1);
  value->mutable_t()->add_float_data(2.0f);
  AddNode(g, "Equal", {"a", "b"}, "diagonal");
  AddNode(g, "Expand", {"t", "shape41"}, "rows");
  AddNode(g, "Where", {"diagonal", "twos", "rows"}, "B");
  AddNode(g, "MatMul", {"x", "B"}, "y");
  return m;
}

}  // namespace

TEST_CASE("ConstantOfShape, Equal, Where and Expand fold on constants") {
  const NetworkSpec net = ImportOnnx(WriteTemp("fold.onnx", FoldModel()));
  REQUIRE(net.layers.size() == 1);
  CHECK(net.layers[0].op == NetOp::kFullyConnected);
  const auto params = MakeFloatParams(net, 1);
  const FloatTensor x({1, 4}, {1, 1, 1, 1});
  const FloatTensor y = RunFloatNetwork(net, params, {{net.inputs.at(0).name, x}}).at(net.output);
  // Column j of B sums to 2 + 3 t[j].
  const std::vector<float> want = {5, 8, 11, 14};
  REQUIRE(y.size() == 4);
  for (int64_t j = 0; j < 4; ++j) {
    INFO("element " << j);
    CHECK(y[j] == want[static_cast<size_t>(j)]);
  }
}

TEST_CASE("Where of a computed tensor is refused naming the node") {
  onnx::ModelProto m = FoldModel();
  onnx::GraphProto* g = m.mutable_graph();
  // Expand the input itself: the Expand becomes layers (test_onnx_decoder_block.cc), the Where
  // reading it is refused.
  for (onnx::NodeProto& n : *g->mutable_node()) {
    if (n.op_type() == "Expand") n.set_input(0, "x");
  }
  try {
    ImportOnnx(WriteTemp("fold_bad.onnx", m));
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("node B") &&
                             Catch::Matchers::Contains("Where") &&
                             Catch::Matchers::Contains("folds this op on constants only"));
  }
}

TEST_CASE("PRelu with one slope is leaky_relu, with a slope per element prelu") {
  onnx::ModelProto m = NewModel("prelu", 14);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 4});
  FloatIo(g->add_output(), "y", {1, 4});
  FloatConstant(g, "slope", {1}, {0.25f});
  AddNode(g, "PRelu", {"x", "slope"}, "y");
  const NetworkSpec net = ImportOnnx(WriteTemp("prelu.onnx", m));
  REQUIRE(net.layers.size() == 1);
  CHECK(net.layers[0].op == NetOp::kLeakyRelu);
  CHECK(net.layers[0].alpha == 0.25);
  const FloatTensor x({1, 4}, {-4, -1, 0, 3});
  const FloatTensor y =
      RunFloatNetwork(net, MakeFloatParams(net, 1), {{net.inputs.at(0).name, x}}).at(net.output);
  const std::vector<float> want = {-1, -0.25f, 0, 3};
  for (int64_t j = 0; j < 4; ++j) {
    INFO("element " << j);
    CHECK(y[j] == want[static_cast<size_t>(j)]);
  }

  g->mutable_initializer(0)->set_dims(0, 4);
  for (int i = 0; i < 3; ++i) g->mutable_initializer(0)->add_float_data(0.5f);
  const NetworkSpec per = ImportOnnx(WriteTemp("prelu_channels.onnx", m));
  REQUIRE(per.layers.size() == 2);
  CHECK(per.layers[0].op == NetOp::kConstant);
  CHECK(per.layers[1].op == NetOp::kPRelu);
  const FloatTensor yp =
      RunFloatNetwork(per, MakeFloatParams(per, 1), {{per.inputs.at(0).name, x}}).at(per.output);
  const std::vector<float> want_per = {-1, -0.5f, 0, 3};  // slopes 0.25, 0.5, 0.5, 0.5
  for (int64_t j = 0; j < 4; ++j) {
    INFO("element " << j);
    CHECK(yp[j] == want_per[static_cast<size_t>(j)]);
  }

  g->mutable_initializer(0)->set_dims(0, 3);  // 3 slopes do not broadcast to 4 elements
  g->mutable_initializer(0)->mutable_float_data()->RemoveLast();
  try {
    ImportOnnx(WriteTemp("prelu_bad.onnx", m));
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("PRelu") &&
                             Catch::Matchers::Contains("has a slope of shape 3 that does not "
                                                       "broadcast to X 1x4"));
  }
}

}  // namespace quasar::models
