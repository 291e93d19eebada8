// A QDQ model (workloads/onnx/make_qdq_model.py): its quantization is used as it is, with no
// calibration, and its integer pipeline gives, on every element, the output ONNX's reference
// QLinearConv/QLinearMatMul arithmetic gives (computed by the script with numpy). A hand-built
// QDQ model with int4 weights and int16 activations (TensorProto types 22 and 5) keeps both,
// the file's int4 integers and QuantizeLinear's round-half-to-even on ties.

#include <catch2/catch.hpp>
#include <cmath>

#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/npy.h"
#include "quasar/models/onnx/onnx_import.h"
#include "test_util.h"

namespace quasar::models {
namespace {

using onnx_test::DataPath;

// `got` equals the integers of tests/data/onnx/<npy>, every element.
void ExpectInts(const IntTensor& got, const std::string& npy) {
  const NpyArray want = ReadNpy(DataPath(npy));
  REQUIRE(got.shape == want.shape);
  for (int64_t i = 0; i < got.size(); ++i) {
    INFO(npy << " element " << i);
    CHECK(got[i] == want.ints[static_cast<size_t>(i)]);
  }
}

// The golden run of `q` on the float input in <input_npy> gives the integers of <output_npy>.
void ExpectOutput(const QuantizedNetwork& q, const std::string& input_npy,
                  const std::string& output_npy) {
  const NpyArray x = ReadNpy(DataPath(input_npy));
  const QuantizedRun run = RunQuantizedNetwork(q, {{"input", FloatTensor(x.shape, x.floats)}});
  ExpectInts(run.tensors.at(q.net.output), output_npy);
}

}  // namespace

TEST_CASE("A QDQ model runs with its own parameters and integers, bit for bit") {
  const NetworkSpec net = ImportOnnx(DataPath("qdq_cnn.onnx"));
  CHECK(net.policy.rounding == RoundingMode::kOnnx);
  CHECK(net.fixed_params.size() == 4);  // input, conv1 (with its ReLU), dw, fc
  CHECK(net.fixed_weight_params.size() == 3);
  // Calibration runs on other inputs (seed 5) and changes nothing the model fixes.
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 3);
  const QuantParams& in = q.tensors.at("input");
  CHECK(in.type == IntType::Unsigned(8));
  CHECK(in.scales == std::vector<float>{0.03125f});
  CHECK(in.zero_points == std::vector<int32_t>{120});
  CHECK(q.tensors.at("conv1").scales == std::vector<float>{0.0625f});
  CHECK(q.tensors.at("conv1").zero_points == std::vector<int32_t>{0});
  CHECK(q.tensors.at("flatten").zero_points == std::vector<int32_t>{131});  // dw's, moved
  // The weights are the file's integers, every element.
  ExpectInts(q.layers.at(0).weights, "qdq_cnn.w1.npy");
  // The integer output on the script's input.
  ExpectOutput(q, "qdq_cnn.input.npy", "qdq_cnn.output_int.npy");
}


TEST_CASE("A QONNX model keeps its 8-, 4-bit and binary quantization, and runs bit for bit") {
  // workloads/onnx/make_qonnx_model.py: Quant and BipolarQuant as Brevitas exports them.
  const NetworkSpec net = ImportOnnx(DataPath("qonnx_cnn.onnx"));
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 3);
  CHECK(q.tensors.at("input").type == IntType::Signed(8));
  CHECK(q.tensors.at("input").scales == std::vector<float>{0.0625f});
  CHECK(q.tensors.at("conv1").type == IntType::Unsigned(4));
  CHECK(q.tensors.at("conv2").type == IntType::Signed(4));
  CHECK(q.tensors.at("conv2").scales == std::vector<float>{0.5f});
  CHECK(q.tensors.at("fc").type == IntType::Signed(8));
  CHECK(net.FindLayer("fc")->precision.weights.code == QuantCode::kBinary);
  // conv2's 4-bit narrow per-channel weights are the quantizer's integers, every element.
  ExpectInts(q.layers.at(1).weights, "qonnx_cnn.w2.npy");
  CHECK(q.layers.at(1).spec.weights.scales ==
        std::vector<float>{0.04f, 0.05f, 0.03f, 0.06f});
  ExpectOutput(q, "qonnx_cnn.input.npy", "qonnx_cnn.output_int.npy");
}


TEST_CASE("A QOperator model (QLinearConv, QLinearMatMul) runs with its parameters, bit for bit") {
  // The QDQ network of make_qdq_model.py in QOperator form, its classifier without bias.
  const NetworkSpec net = ImportOnnx(DataPath("qop_cnn.onnx"));
  CHECK(net.fixed_params.size() == 5);  // also flatten's, which QLinearMatMul states (dw's)
  CHECK(net.fixed_weight_params.size() == 3);
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 3);
  CHECK(q.tensors.at("conv1").scales == std::vector<float>{0.0625f});
  ExpectInts(q.layers.at(0).weights, "qdq_cnn.w1.npy");
  ExpectOutput(q, "qdq_cnn.input.npy", "qop_cnn.output_int.npy");
}


TEST_CASE("A QONNX model exported from PyTorch runs as PyTorch's fake quantization does") {
  // workloads/onnx/export_qonnx_torch.py: an autograd.Function whose symbolic emits Quant.
  // PyTorch computes each layer in float on the quantized grid and rounds once at the next
  // quantizer; the integer pipeline accumulates exactly and rounds once at the requantization,
  // so the two may differ only where a value falls within float rounding of a tie: at most one
  // output step, and the test counts how often.
  const NetworkSpec net = ImportOnnx(DataPath("qonnx_torch.onnx"));
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 2);
  const NpyArray x = ReadNpy(DataPath("qonnx_torch.input.npy"));
  const QuantizedRun run = RunQuantizedNetwork(q, {{"input", FloatTensor(x.shape, x.floats)}});
  const NpyArray want = ReadNpy(DataPath("qonnx_torch.output.npy"));
  const IntTensor& y = run.tensors.at(net.output);
  const QuantParams& p = q.tensors.at(net.output);
  CHECK(p.scales == std::vector<float>{1.0f / 64});
  REQUIRE(y.shape == want.shape);
  int exact = 0;
  for (int64_t i = 0; i < y.size(); ++i) {
    const float got = static_cast<float>(y[i] - p.zero_points[0]) * p.scales[0];
    const float step = got - want.floats[static_cast<size_t>(i)];
    INFO("element " << i);
    CHECK(std::abs(step) <= p.scales[0] * 1.001f);
    exact += std::abs(step) < 1e-6f;
  }
  CHECK(exact == y.size());  // on this input, every element
}


TEST_CASE("ONNX Runtime's QLinear contrib ops run as dequantize, op, quantize, bit for bit") {
  // make_qdq_model.py: QLinearConv, then com.microsoft QLinearSigmoid, QLinearAdd,
  // QLinearLeakyRelu, QLinearConcat and QLinearMul, each with its own output parameters.
  const NetworkSpec net = ImportOnnx(DataPath("qlinear_contrib.onnx"));
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 2);
  CHECK(q.tensors.at("sigmoid").scales == std::vector<float>{1.0f / 256});
  CHECK(q.tensors.at("leaky").zero_points == std::vector<int32_t>{10});
  CHECK(net.FindLayer("leaky")->alpha == Approx(0.1));
  ExpectOutput(q, "qdq_cnn.input.npy", "qlinear_contrib.output_int.npy");
}

}  // namespace quasar::models

namespace quasar::models {
namespace {

// A scalar initializer of TensorProto type `type` (5 int16, 22 int4) holding `v` in raw_data.
void ZeroPoint(onnx::GraphProto* g, const std::string& name, int type) {
  onnx::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  t->set_raw_data(std::string(type == 5 ? 2 : 1, '\0'));
}

// x [1, 4] -> QuantizeLinear/DequantizeLinear int16 (scale 2^-7) -> MatMul by W [4, 3], int4
// (scale 2^-3) dequantized -> QuantizeLinear/DequantizeLinear int16 (scale 2^-6) -> y. Powers of
// two make the requantization multiplier exactly 2^-4.
onnx::ModelProto Int4Int16Model(const std::vector<int>& w) {
  onnx::ModelProto m = onnx_test::NewModel("int4_int16", 21, 9);
  onnx::GraphProto* g = m.mutable_graph();
  onnx_test::FloatIo(g->add_input(), "x", {1, 4});
  onnx_test::FloatIo(g->add_output(), "y", {1, 3});
  onnx_test::FloatConstant(g, "s_x", {}, {1.0f / 128});
  onnx_test::FloatConstant(g, "s_w", {}, {1.0f / 8});
  onnx_test::FloatConstant(g, "s_y", {}, {1.0f / 64});
  ZeroPoint(g, "zp16", 5);
  ZeroPoint(g, "zp4", 22);
  onnx::TensorProto* wq = g->add_initializer();
  wq->set_name("w_q");
  wq->set_data_type(22);  // int4: two per byte, the first element in the low nibble
  wq->add_dims(4);
  wq->add_dims(3);
  std::string packed((w.size() + 1) / 2, '\0');
  for (size_t i = 0; i < w.size(); ++i) {
    packed[i / 2] = static_cast<char>(packed[i / 2] | ((w[i] & 0xf) << (i % 2 ? 4 : 0)));
  }
  wq->set_raw_data(packed);
  onnx_test::AddNode(g, "QuantizeLinear", {"x", "s_x", "zp16"}, "x_q");
  onnx_test::AddNode(g, "DequantizeLinear", {"x_q", "s_x", "zp16"}, "x_d");
  onnx_test::AddNode(g, "DequantizeLinear", {"w_q", "s_w", "zp4"}, "w_d");
  onnx_test::AddNode(g, "MatMul", {"x_d", "w_d"}, "mm");
  onnx_test::AddNode(g, "QuantizeLinear", {"mm", "s_y", "zp16"}, "y_q");
  onnx_test::AddNode(g, "DequantizeLinear", {"y_q", "s_y", "zp16"}, "y");
  return m;
}

}  // namespace

TEST_CASE("A QDQ model with int4 weights and int16 activations keeps both, bit for bit") {
  const std::vector<int> w = {-8, 7, 0, 3, -1, 5, 2, -4, 6, -7, 1, -2};  // W [4, 3], row-major
  const NetworkSpec net = ImportOnnx(onnx_test::WriteTemp("int4_int16.onnx", Int4Int16Model(w)));
  REQUIRE(net.layers.size() == 1);
  const NetLayer& fc = net.layers[0];
  CHECK(fc.op == NetOp::kFullyConnected);
  CHECK(net.fixed_weight_params.at(fc.name).type == IntType::Signed(4));
  CHECK(net.fixed_params.at("x").type == IntType::Signed(16));
  CHECK(net.fixed_params.at(fc.name).type == IntType::Signed(16));
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 2);
  // The weights are the file's int4 values, as fully_connected keeps them: [out, in].
  const IntTensor& wi = q.layers.at(0).weights;
  REQUIRE(wi.shape == Shape{3, 4});
  for (int64_t o = 0; o < 3; ++o) {
    for (int64_t i = 0; i < 4; ++i) {
      INFO("weight " << o << ", " << i);
      CHECK(wi[o * 4 + i] == w[static_cast<size_t>(i * 3 + o)]);
    }
  }
  // x is [126, -66, 35, 256] / 128, exactly, in int16; y = round_half_even(acc / 16), and the
  // accumulators [-2928, 1064, -632] put two outputs on ties (66.5 -> 66, -39.5 -> -40).
  const FloatTensor x({1, 4}, {0.984375f, -0.515625f, 0.2734375f, 2});
  const QuantizedRun run = RunQuantizedNetwork(q, {{"x", x}});
  const std::vector<int64_t> xq = {126, -66, 35, 256};
  const IntTensor& y = run.tensors.at(q.net.output);
  REQUIRE(y.size() == 3);
  for (int64_t o = 0; o < 3; ++o) {
    int64_t acc = 0;
    for (size_t i = 0; i < 4; ++i) {
      acc += xq[i] * w[i * 3 + static_cast<size_t>(o)];
    }
    INFO("output " << o << ", accumulator " << acc);
    CHECK(y[o] == static_cast<int64_t>(std::nearbyint(static_cast<double>(acc) / 16)));
  }
  CHECK(y[1] == 66);  // the tie, to even
  for (int64_t i = 0; i < 4; ++i) {  // the input quantized to int16, every element
    CHECK(run.tensors.at("x")[i] == xq[static_cast<size_t>(i)]);
  }
}

}  // namespace quasar::models
