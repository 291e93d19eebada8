// A QDQ model (workloads/onnx/make_qdq_model.py): its quantization is used as it is, with no
// calibration, and its integer pipeline gives, on every element, the output ONNX's reference
// QLinearConv/QLinearMatMul arithmetic gives (computed by the script with numpy).

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

TEST_CASE("A QDQ model refuses what would change its quantization") {
  const NetworkSpec net = ImportOnnx(DataPath("qdq_cnn.onnx"));
  CHECK_THROWS_WITH(WriteNetworkWithWeights(net, "/tmp/quasar_qdq_write"),
                    Catch::Matchers::Contains("QDQ"));
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
