// Constants read as tensors (a ViT's front and head, hand-built): Concat of a constant class
// token with the tokens, Add of a position embedding of one shape, MatMul of [1, T, D] tokens
// by constant weights (reshape, fully_connected, reshape) and its bias Add (folded into the
// fully_connected layer), Mul by a broadcast constant in front, Add of a broadcast constant
// elsewhere (sub of its negation), Gather of one token; each becomes the layers stated, and
// Quasar's float reference gives the float result on every element, also once written out
// and read back. A Gather of
// several computed indices and an integer constant read as a tensor are refused by node. A
// layer normalization written out node by node becomes one layer_norm layer, unless another
// node reads one of its intermediates.

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

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

// x [1, 3, 4] -> Concat(cls, x) -> + pos -> MatMul W [4, 2] -> + bias [2] -> gamma [2] * ->
// + shift [2] -> Gather index 0 of axis 1 -> y [1, 2]. Values are small halves, so every sum is exact in float.
onnx::ModelProto VitFront() {
  onnx::ModelProto m = NewModel("vit_front", 14);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 3, 4});
  FloatIo(g->add_output(), "y", {1, 2});
  FloatConstant(g, "cls", {1, 1, 4}, {1, -1, 0.5f, 2});
  std::vector<float> pos;
  for (int i = 0; i < 16; ++i) pos.push_back(0.5f * static_cast<float>(i % 5) - 1);
  FloatConstant(g, "pos", {1, 4, 4}, pos);
  FloatConstant(g, "W", {4, 2}, {1, 0.5f, -1, 2, 0, 1, 0.5f, -0.5f});
  FloatConstant(g, "bias", {2}, {0.25f, -1.5f});
  FloatConstant(g, "gamma", {2}, {2, -0.5f});
  FloatConstant(g, "shift", {2}, {1, 0.5f});
  IntConstant(g, "first", {}, {0});
  AddNode(g, "Concat", {"cls", "x"}, "tokens")->add_attribute()->set_name("axis");
  g->mutable_node(0)->mutable_attribute(0)->set_type(onnx::AttributeProto::INT);
  g->mutable_node(0)->mutable_attribute(0)->set_i(1);
  AddNode(g, "Add", {"tokens", "pos"}, "embedded");
  AddNode(g, "MatMul", {"embedded", "W"}, "projected");
  AddNode(g, "Add", {"projected", "bias"}, "biased");
  AddNode(g, "Mul", {"gamma", "biased"}, "scaled");
  AddNode(g, "Add", {"scaled", "shift"}, "shifted");
  onnx::NodeProto* gather = AddNode(g, "Gather", {"shifted", "first"}, "y");
  onnx::AttributeProto* axis = gather->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(1);
  return m;
}

}  // namespace

TEST_CASE("constants read as tensors become constant layers, and the float result holds") {
  const NetworkSpec net = ImportOnnx(WriteTemp("vit_front.onnx", VitFront()));
  std::vector<std::string> ops;
  for (const NetLayer& l : net.layers) {
    ops.push_back(NetOpName(l.op));
  }
  CHECK(ops == std::vector<std::string>{"constant", "concat", "constant", "add", "reshape",
                                        "fully_connected", "reshape", "constant", "mul",
                                        "constant", "sub", "slice", "reshape"});
  CHECK(net.FindLayer("cls")->output_shape == Shape{1, 1, 4});
  CHECK(net.FindLayer("shift_neg")->weights_data->data == std::vector<float>{-1, -0.5f});
  const NetLayer& fc = *net.FindLayer("projected");
  CHECK(fc.op == NetOp::kFullyConnected);
  CHECK(fc.output_shape == Shape{4, 2});
  CHECK(fc.bias);
  REQUIRE(fc.bias_data);
  CHECK(*fc.bias_data == std::vector<float>{0.25f, -1.5f});

  const FloatTensor x({1, 3, 4}, {0.5f, 1, -2, 0, 1.5f, -0.5f, 1, 2, 0, 0, -1, 0.5f});
  const FloatTensor y =
      RunFloatNetwork(net, MakeFloatParams(net, 1), {{"x", x}}).at(net.output);
  REQUIRE(y.shape == Shape{1, 2});
  // Token 0 is the class token plus pos[0]: [1 - 1, -1 - 0.5, 0.5 + 0, 2 + 0.5].
  const std::vector<float> t0 = {0, -1.5f, 0.5f, 2.5f};
  const std::vector<float> w = {1, 0.5f, -1, 2, 0, 1, 0.5f, -0.5f}, bias = {0.25f, -1.5f},
                           gamma = {2, -0.5f}, shift = {1, 0.5f};
  for (size_t n = 0; n < 2; ++n) {
    float acc = 0;
    for (size_t k = 0; k < 4; ++k) {
      acc += t0[k] * w[k * 2 + n];
    }
    INFO("element " << n);
    CHECK(y[static_cast<int64_t>(n)] == gamma[n] * (acc + bias[n]) + shift[n]);
  }
}

TEST_CASE("constant layers are written out as .npy files and read back bit for bit") {
  const NetworkSpec net = ImportOnnx(WriteTemp("vit_front.onnx", VitFront()));
  const std::string dir =
      (std::filesystem::temp_directory_path() / "quasar_onnx_vit_front_out").string();
  std::filesystem::remove_all(dir);
  const NetworkSpec again = LoadNetwork(WriteNetworkWithWeights(net, dir));
  CHECK(again.FindLayer("cls")->weights_file == dir + "/weights/cls.npy");
  const FloatTensor x({1, 3, 4}, {0.5f, 1, -2, 0, 1.5f, -0.5f, 1, 2, 0, 0, -1, 0.5f});
  const auto a = RunFloatNetwork(net, MakeFloatParams(net, 1), {{"x", x}});
  const auto b = RunFloatNetwork(again, MakeFloatParams(again, 1), {{"x", x}});
  for (const NetLayer& l : net.layers) {
    INFO(l.name);
    CHECK(a.at(l.name).data == b.at(l.name).data);
  }
}

TEST_CASE("a Gather of several computed indices and an integer constant tensor are refused") {
  onnx::ModelProto m = VitFront();
  onnx::GraphProto* g = m.mutable_graph();
  onnx::TensorProto* first = g->mutable_initializer(6);
  REQUIRE(first->name() == "first");
  first->add_dims(2);
  first->add_int64_data(1);
  CHECK_THROWS_WITH(ImportOnnx(WriteTemp("vit_gather2.onnx", m)),
                    Catch::Matchers::Contains("node y (Gather)") &&
                        Catch::Matchers::Contains("gathers 2 indices from a computed tensor"));

  m = VitFront();
  g = m.mutable_graph();
  IntConstant(g, "int_pos", {1, 4, 4}, std::vector<int64_t>(16, 1));
  g->mutable_node(1)->set_input(1, "int_pos");
  CHECK_THROWS_WITH(ImportOnnx(WriteTemp("vit_intpos.onnx", m)),
                    Catch::Matchers::Contains("node embedded (Add)") &&
                        Catch::Matchers::Contains("integer constant 'int_pos'"));
}

}  // namespace quasar::models

namespace quasar::models {
namespace {

// y = LayerNorm(x) over the last axis, written out node by node as PyTorch exports it before
// opset 17; with `leak`, the output is also multiplied by the standard deviation (read twice).
onnx::ModelProto DecomposedLayerNorm(bool leak) {
  onnx::ModelProto m = NewModel("layer_norm", 14);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 3, 4});
  FloatIo(g->add_output(), "y", {1, 3, 4});
  onnx_test::FloatConstant(g, "two", {}, {2});
  onnx_test::FloatConstant(g, "eps", {}, {1e-5f});
  onnx_test::FloatConstant(g, "weight", {4}, {1, 0.5f, -2, 1.5f});
  onnx_test::FloatConstant(g, "bias", {4}, {0.25f, 0, -1, 2});
  auto reduce = [&](const std::string& in, const std::string& out) {
    onnx::NodeProto* n = AddNode(g, "ReduceMean", {in}, out);
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name("axes");
    a->set_type(onnx::AttributeProto::INTS);
    a->add_ints(-1);
  };
  reduce("x", "mean");
  AddNode(g, "Sub", {"x", "mean"}, "centred");
  AddNode(g, "Pow", {"centred", "two"}, "squared");
  reduce("squared", "var");
  AddNode(g, "Add", {"var", "eps"}, "var_eps");
  AddNode(g, "Sqrt", {"var_eps"}, "std");
  AddNode(g, "Div", {"centred", "std"}, "normed");
  AddNode(g, "Mul", {"normed", "weight"}, "scaled");
  AddNode(g, "Add", {"scaled", "bias"}, leak ? "shifted" : "y");
  if (leak) {
    AddNode(g, "Mul", {"shifted", "std"}, "y");
  }
  return m;
}

}  // namespace

TEST_CASE("a layer normalization written out node by node imports as one layer_norm") {
  const NetworkSpec net = ImportOnnx(WriteTemp("layer_norm.onnx", DecomposedLayerNorm(false)));
  std::vector<std::string> ops;
  for (const NetLayer& l : net.layers) {
    ops.push_back(NetOpName(l.op));
  }
  CHECK(ops == std::vector<std::string>{"constant", "constant", "layer_norm"});
  const NetLayer& ln = net.layers.back();
  CHECK(ln.name == "y");
  CHECK(ln.inputs == std::vector<std::string>{"x", "weight", "bias"});
  CHECK(ln.epsilon == Approx(1e-5).epsilon(1e-6));
  CHECK(net.FindLayer("bias")->weights_data->data == std::vector<float>{0.25f, 0, -1, 2});

  const FloatTensor x({1, 3, 4}, {1, 2, 3, 4, -1, 0, 1, 6, 0.5f, 0.5f, 0.5f, 0.5f});
  const FloatTensor y = RunFloatNetwork(net, MakeFloatParams(net, 1), {{"x", x}}).at(net.output);
  const std::vector<float> w = {1, 0.5f, -2, 1.5f}, b = {0.25f, 0, -1, 2};
  for (int64_t r = 0; r < 3; ++r) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < 4; ++j) mean += x[r * 4 + j] / 4.0;
    for (int64_t j = 0; j < 4; ++j) var += (x[r * 4 + j] - mean) * (x[r * 4 + j] - mean) / 4.0;
    for (int64_t j = 0; j < 4; ++j) {
      INFO("row " << r << " element " << j);
      const auto k = static_cast<size_t>(j);
      CHECK(y[r * 4 + j] ==
            Approx((x[r * 4 + j] - mean) / std::sqrt(var + 1e-5) * w[k] + b[k]).epsilon(1e-5).margin(1e-6));
    }
  }
}

TEST_CASE("a layer normalization whose intermediate another node reads stays unfused") {
  const NetworkSpec net = ImportOnnx(WriteTemp("layer_norm_leak.onnx", DecomposedLayerNorm(true)));
  int reduce_means = 0, layer_norms = 0;
  for (const NetLayer& l : net.layers) {
    reduce_means += l.op == NetOp::kReduceMean ? 1 : 0;
    layer_norms += l.op == NetOp::kLayerNorm ? 1 : 0;
  }
  CHECK(reduce_means == 2);
  CHECK(layer_norms == 0);
}

}  // namespace quasar::models
