// ONNX ConvInteger and MatMulInteger: the model of workloads/onnx/make_integer_ops_model.py
// (QuantizeLinear, then ConvInteger with per-channel weight zero points and its dequantizing
// Mul, MatMulInteger by constant B with per-column zero points, MatMulInteger of two tensors)
// run through the importer and the golden integer pipeline gives, on every element, the int32
// accumulators that script computes with numpy from the ops' definitions; the forms Quasar
// cannot take are refused naming the node.

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/npy.h"
#include "quasar/models/onnx/onnx_import.h"
#include "quasar/models/onnx/tensor_proto.h"
#include "test_util.h"

namespace quasar::models {
namespace {

using Catch::Matchers::Contains;
using onnx_test::DataPath;
using onnx_test::WriteTemp;

onnx::ModelProto Model() { return onnx_io::LoadModel(DataPath("integer_ops.onnx")); }

// The initializer `name` of `m`, decoded.
std::vector<int64_t> Initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer()) {
    if (t.name() == name) {
      return onnx_io::DecodeIntegers(t);
    }
  }
  FAIL("no initializer " << name);
  return {};
}

float FloatInitializer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer()) {
    if (t.name() == name) {
      return onnx_io::DecodeFloats(t).at(0);
    }
  }
  FAIL("no initializer " << name);
  return 0.0f;
}

onnx::NodeProto* NodeNamed(onnx::ModelProto* m, const std::string& name) {
  for (auto& n : *m->mutable_graph()->mutable_node()) {
    if (n.name() == name) {
      return &n;
    }
  }
  FAIL("no node " << name);
  return nullptr;
}

void AddInt8(onnx::ModelProto* m, const std::string& name, std::vector<int64_t> dims,
             const std::string& bytes, int32_t type) {
  onnx::TensorProto* t = m->mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(bytes);
}

// ImportOnnx(path) throws an InputError whose message contains each of `parts`.
void ExpectError(const std::string& path, std::initializer_list<std::string> parts) {
  try {
    ImportOnnx(path);
    FAIL("imported " << path);
  } catch (const InputError& e) {
    const std::string what = e.what();
    for (const auto& p : parts) {
      CHECK_THAT(what, Contains(p));
    }
  }
}

}  // namespace

TEST_CASE("ConvInteger and MatMulInteger import as layers whose int32 output is the accumulator") {
  const auto m = Model();
  const NetworkSpec net = ImportOnnx(DataPath("integer_ops.onnx"));
  // conv (the Mul folded into its scale), mm between its two reshapes, mm2.
  REQUIRE(net.layers.size() == 5);
  CHECK(net.layers[0].op == NetOp::kConv2d);
  CHECK(net.layers[2].op == NetOp::kFullyConnected);
  CHECK(net.layers[4].op == NetOp::kMatMul);
  CHECK(net.output == "conv");
  for (const char* acc : {"conv", "mm", "mm2"}) {
    INFO(acc);
    const QuantParams& p = net.fixed_params.at(acc);
    CHECK(p.type == IntType::Signed(32));
    CHECK(p.zero_points == std::vector<int32_t>{0});
  }
  // The dequantizing Mul's constant is the conv's output scale, exactly; without a Mul the
  // scale is 1, so the tensor's value is the integer ONNX's Cast gives.
  CHECK(net.fixed_params.at("conv").scales[0] == FloatInitializer(m, "c"));
  CHECK(net.fixed_params.at("mm").scales[0] == 1.0f);
  const float s_x = FloatInitializer(m, "s_x");
  CHECK(net.fixed_params.at("mm2").scales[0] == s_x * s_x);
  const QuantParams& wp = net.fixed_weight_params.at("conv");
  CHECK(wp.type == IntType::Signed(8));
  const auto z_w = Initializer(m, "z_w");
  CHECK(wp.zero_points == std::vector<int32_t>(z_w.begin(), z_w.end()));
  CHECK(net.fixed_weight_params.at("mm").type == IntType::Unsigned(8));

  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 2);
  // The weights are the file's integers: w as OIHW, B [K, N] as [N, K].
  const auto w = Initializer(m, "w");
  const IntTensor& qw = q.layers.at(0).weights;
  REQUIRE(qw.size() == static_cast<int64_t>(w.size()));
  for (int64_t i = 0; i < qw.size(); ++i) {
    INFO("conv weight " << i);
    CHECK(qw[i] == w[static_cast<size_t>(i)]);
  }
  const auto b = Initializer(m, "b");
  const IntTensor& qb = q.layers.at(2).weights;
  REQUIRE(qb.shape == Shape{3, 5});
  for (int64_t n = 0; n < 3; ++n) {
    for (int64_t k = 0; k < 5; ++k) {
      CHECK(qb[n * 5 + k] == b[static_cast<size_t>(k * 3 + n)]);
    }
  }
  const NpyArray x = ReadNpy(DataPath("integer_ops.input.npy"));
  const QuantizedRun run = RunQuantizedNetwork(q, {{"input", FloatTensor(x.shape, x.floats)}});
  for (const auto& [tensor, npy] :
       {std::pair<std::string, std::string>{"conv", "integer_ops.conv_int.npy"},
        {"mm_out", "integer_ops.mm_int.npy"},
        {"mm2", "integer_ops.mm2_int.npy"}}) {
    const IntTensor& got = run.tensors.at(tensor);
    const NpyArray want = ReadNpy(DataPath(npy));
    REQUIRE(got.shape == want.shape);
    for (int64_t i = 0; i < got.size(); ++i) {
      INFO(npy << " element " << i);
      CHECK(got[i] == want.ints[static_cast<size_t>(i)]);
    }
  }
}

TEST_CASE("32-bit activations are only an accumulator output the model fixes") {
  // --bits (and a network's policy) stay 1..16; calibration has no int32 grid.
  CHECK_THROWS_AS(ParseBitsShorthand("w8a32"), InputError);
}

TEST_CASE("ConvInteger and MatMulInteger forms Quasar cannot take are refused naming the node") {
  // ONNX Runtime's dynamic quantization: the scale is computed at run time.
  auto dynamic = Model();
  auto* quant = NodeNamed(&dynamic, "quant");
  quant->set_op_type("DynamicQuantizeLinear");
  quant->clear_input();
  quant->add_input("input");
  quant->add_output("xq_scale");
  quant->add_output("xq_zero_point");
  const std::string dyn = WriteTemp("integer_dynamic.onnx", dynamic);
  const auto issues = CheckOnnx(dyn);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].node == "quant");
  CHECK_THAT(issues[0].problem, Contains("dynamic quantization"));

  // An input no quantizer fixed (a Sigmoid's output, where the QuantizeLinear's was).
  auto unquantized = Model();
  auto* sigmoid = unquantized.mutable_graph()->add_node();
  sigmoid->set_op_type("Sigmoid");
  sigmoid->set_name("sigmoid");
  sigmoid->add_input("input");
  sigmoid->add_output("s");
  auto* nodes = unquantized.mutable_graph()->mutable_node();
  for (int i = nodes->size() - 1; i > 0; --i) {
    nodes->SwapElements(i, i - 1);  // first, so that the graph stays sorted
  }
  NodeNamed(&unquantized, "conv")->set_input(0, "s");
  ExpectError(WriteTemp("integer_unquantized.onnx", unquantized),
              {"conv", "ConvInteger", "dynamic quantization", "no static scale"});

  // x_zero_point other than the one the QuantizeLinear gave.
  auto zero = Model();
  AddInt8(&zero, "z_bad", {}, std::string(1, static_cast<char>(121)), onnx::TensorProto::UINT8);
  NodeNamed(&zero, "mm")->set_input(2, "z_bad");
  ExpectError(WriteTemp("integer_zero_point.onnx", zero),
              {"mm", "MatMulInteger", "zero point 120", "the node's zero point is 121"});

  // w_zero_point neither one nor one per output channel.
  auto per = Model();
  AddInt8(&per, "z_three", {3}, std::string(3, '\0'), onnx::TensorProto::INT8);
  NodeNamed(&per, "conv")->set_input(3, "z_three");
  ExpectError(WriteTemp("integer_w_zero_point.onnx", per),
              {"conv", "ConvInteger", "one per index of axis 0 (4)"});

  // A dequantizing Mul per output channel (per-channel weight scales): it cannot fold into
  // the per-tensor scale of the conv's output, so it is a mul whose float output no quantizer
  // fixes.
  auto per_channel = Model();
  onnx_test::FloatConstant(per_channel.mutable_graph(), "c4", {1, 4, 1, 1},
                           {0.001f, 0.002f, 0.003f, 0.004f});
  NodeNamed(&per_channel, "dequant")->set_input(1, "c4");
  ExpectError(WriteTemp("integer_mul_per_channel.onnx", per_channel),
              {"dequant", "not quantized by the model"});

  // Float weights.
  auto weights = Model();
  NodeNamed(&weights, "mm")->set_input(1, "s_x");
  ExpectError(WriteTemp("integer_float_weights.onnx", weights),
              {"mm", "MatMulInteger", "int8 or uint8"});
}

}  // namespace quasar::models
