// `import-onnx -o` of quantized models (QDQ, QOperator, com.microsoft, QONNX): the network
// written in Quasar's format (its `quant` and `weights_quant` keys, integer weights and int32
// biases as .npy) reads back to the same fixed quantization, the same integers and the same
// golden run on every element of every tensor, and its output is the one the generating script
// computes with numpy from the ONNX and QONNX formulas (workloads/onnx/make_*.py).

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "quasar/models/net/fixed_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/npy.h"
#include "quasar/models/onnx/onnx_import.h"
#include "test_util.h"

namespace quasar::models {
namespace {

using onnx_test::DataPath;

bool Same(const QuantParams& a, const QuantParams& b) {
  return a.type == b.type && a.scales == b.scales && a.zero_points == b.zero_points;
}

void ExpectSameInts(const IntTensor& a, const IntTensor& b, const std::string& what) {
  REQUIRE(a.shape == b.shape);
  for (int64_t i = 0; i < a.size(); ++i) {
    INFO(what << " element " << i);
    CHECK(a[i] == b[i]);
  }
}

std::string TempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("quasar_qexport_" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

struct Case {
  const char* model;
  const char* input;   // the script's float input
  const char* output;  // the script's integer output (empty: a float output, checked elsewhere)
};

}  // namespace

TEST_CASE("A quantized ONNX model written out reads back to the same integer network") {
  const Case cases[] = {
      {"qdq_cnn", "qdq_cnn.input.npy", "qdq_cnn.output_int.npy"},
      {"qop_cnn", "qdq_cnn.input.npy", "qop_cnn.output_int.npy"},
      {"qonnx_cnn", "qonnx_cnn.input.npy", "qonnx_cnn.output_int.npy"},
      {"qlinear_contrib", "qdq_cnn.input.npy", "qlinear_contrib.output_int.npy"},
      {"qgemm", "qgemm.input.npy", "qgemm.output_int.npy"},
      {"qlinear_matmul2", "qlinear_matmul2.input.npy", "qlinear_matmul2.output_int.npy"},
      {"qonnx_trunc_v1", "qonnx_trunc.input.npy", "qonnx_trunc_v1.output_int.npy"},
      {"qonnx_trunc_v2", "qonnx_trunc.input.npy", "qonnx_trunc_v2.output_int.npy"},
      {"qonnx_torch", "qonnx_torch.input.npy", ""},
  };
  for (const Case& c : cases) {
    INFO(c.model);
    const NetworkSpec onnx = ImportOnnx(DataPath(std::string(c.model) + ".onnx"));
    const std::string yaml = WriteNetworkWithWeights(onnx, TempDir(c.model));
    const NetworkSpec back = LoadNetwork(yaml);
    // The fixed quantization, the precision and the rounding mode survive.
    CHECK(back.policy.rounding == RoundingMode::kOnnx);
    REQUIRE(back.fixed_params.size() == onnx.fixed_params.size());
    for (const auto& [tensor, p] : onnx.fixed_params) {
      INFO("tensor " << tensor);
      CHECK(Same(back.fixed_params.at(tensor), p));
    }
    REQUIRE(back.fixed_weight_params.size() == onnx.fixed_weight_params.size());
    for (const auto& [layer, p] : onnx.fixed_weight_params) {
      INFO("layer " << layer);
      CHECK(Same(back.fixed_weight_params.at(layer), p));
    }
    for (const auto& [tensor, prec] : onnx.tensor_precision) {
      CHECK(back.tensor_precision.at(tensor).StorageType() == prec.StorageType());
    }
    // Same integers: every tensor's parameters, every weight and bias.
    const QuantizedNetwork qa = QuantizePostTraining(onnx, MakeFloatParams(onnx, 1), 5, 2);
    const QuantizedNetwork qb = QuantizePostTraining(back, MakeFloatParams(back, 1), 5, 2);
    for (const auto& [tensor, p] : qa.tensors) {
      INFO("tensor " << tensor);
      CHECK(Same(qb.tensors.at(tensor), p));
    }
    REQUIRE(qa.layers.size() == qb.layers.size());
    for (size_t i = 0; i < qa.layers.size(); ++i) {
      const std::string& name = onnx.layers[i].name;
      ExpectSameInts(qa.layers[i].weights, qb.layers[i].weights, name + " weights");
      REQUIRE(qa.layers[i].bias.has_value() == qb.layers[i].bias.has_value());
      if (qa.layers[i].bias) {
        ExpectSameInts(*qa.layers[i].bias, *qb.layers[i].bias, name + " bias");
      }
    }
    // The same golden run, every tensor, every element; the output is the script's.
    const NpyArray x = ReadNpy(DataPath(c.input));
    const std::string in = onnx.inputs.at(0).name;
    const QuantizedRun ra = RunQuantizedNetwork(qa, {{in, FloatTensor(x.shape, x.floats)}});
    const QuantizedRun rb = RunQuantizedNetwork(qb, {{in, FloatTensor(x.shape, x.floats)}});
    for (const auto& [tensor, t] : ra.tensors) {
      ExpectSameInts(t, rb.tensors.at(tensor), tensor);
    }
    if (*c.output != '\0') {
      const NpyArray want = ReadNpy(DataPath(c.output));
      const IntTensor& got = rb.tensors.at(back.output);
      REQUIRE(got.shape == want.shape);
      for (int64_t i = 0; i < got.size(); ++i) {
        INFO(c.output << " element " << i);
        CHECK(got[i] == want.ints[static_cast<size_t>(i)]);
      }
    }
  }
}

TEST_CASE("The written weights are the model's integers, the int32 bias its file's") {
  // qdq_cnn.w1.npy: the script's int8 conv1 weights; conv1's bias is int32 in the model.
  const NetworkSpec onnx = ImportOnnx(DataPath("qop_cnn.onnx"));
  const std::string dir = TempDir("qop_weights");
  WriteNetworkWithWeights(onnx, dir);
  const NpyArray w = ReadNpy(dir + "/weights/conv1.npy");
  CHECK(w.dtype == NpyDtype::kInt8);
  const NpyArray want = ReadNpy(DataPath("qdq_cnn.w1.npy"));
  REQUIRE(w.shape == want.shape);
  CHECK(w.ints == want.ints);
  CHECK(ReadNpy(dir + "/weights/conv1.bias.npy").dtype == NpyDtype::kInt32);
  // QONNX's float bias stays float32 (its float reference is unchanged).
  const std::string qdir = TempDir("qonnx_weights");
  WriteNetworkWithWeights(ImportOnnx(DataPath("qonnx_cnn.onnx")), qdir);
  CHECK(ReadNpy(qdir + "/weights/conv1.bias.npy").dtype == NpyDtype::kFloat32);
  const NpyArray w2 = ReadNpy(qdir + "/weights/conv2.npy");
  const NpyArray want2 = ReadNpy(DataPath("qonnx_cnn.w2.npy"));
  CHECK(w2.ints == want2.ints);
}

TEST_CASE("A network file's fixed quantization is checked") {
  const std::string dir = TempDir("bad");
  std::filesystem::create_directories(dir);
  WriteNpy(dir + "/w.npy", FloatTensor({2, 3}, {0.5f, 1, 2, 3, 4, 5}));
  WriteNpy(dir + "/wi.npy", IntTensor({2, 3}, {1, 2, 3, 4, 5, 300}), NpyDtype::kInt16);
  WriteNpy(dir + "/b.npy", IntTensor({2}, {7, -7}), NpyDtype::kInt32);
  const auto net = [&](const std::string& fc, const std::string& input_quant) {
    const std::string text =
        "version: 1\nname: t\ninputs: [{name: x, shape: [1, 3]" + input_quant +
        "}]\nprecision: {rounding: onnx}\nlayers:\n  - {name: fc, op: fully_connected, "
        "out_features: 2, " + fc + "}\n";
    std::ofstream(dir + "/n.yaml") << text;
    const NetworkSpec n = LoadNetwork(dir + "/n.yaml");
    return MakeFloatParams(n, 1);
  };
  const std::string q = ", quant: {type: int8, scale: [0.5], zero_point: [0]}";
  const std::string wq = "weights_quant: {type: int8, scale: [0.25, 0.5], zero_point: [0, 1]}";
  // Scales: one or one per output channel.
  CHECK_THROWS_WITH(net("weights_quant: {type: int8, scale: [1, 2, 3]}, weights_file: wi.npy",
                        q),
                    Catch::Matchers::Contains("layers[0:fc].weights_quant") &&
                        Catch::Matchers::Contains("1 or 2"));
  CHECK_THROWS_WITH(net(wq + ", bias: false", q), Catch::Matchers::Contains("weights_file"));
  // Integer weights: a float file, or a value outside the type, is refused naming the file.
  CHECK_THROWS_WITH(net(wq + ", weights_file: w.npy, bias: false", q),
                    Catch::Matchers::Contains("w.npy"));
  CHECK_THROWS_WITH(net(wq + ", weights_file: wi.npy, bias: false", q),
                    Catch::Matchers::Contains("wi.npy") && Catch::Matchers::Contains("300"));
  // An int32 bias needs the input's scale.
  WriteNpy(dir + "/wi.npy", IntTensor({2, 3}, {1, 2, 3, 4, 5, -6}), NpyDtype::kInt8);
  CHECK_THROWS_WITH(net(wq + ", weights_file: wi.npy, bias_file: b.npy", ""),
                    Catch::Matchers::Contains("b.npy") && Catch::Matchers::Contains("quant"));
  // A tensor's quant is per tensor; its type and the weights' must be the precision's.
  CHECK_THROWS_WITH(net(wq + ", weights_file: wi.npy, bias: false",
                        ", quant: {type: int8, scale: [0.5, 0.25], zero_point: [0]}"),
                    Catch::Matchers::Contains("inputs[0].quant") &&
                        Catch::Matchers::Contains("single number"));
  CHECK_THROWS_WITH(net(wq + ", weights_file: wi.npy, bias: false",
                        ", quant: {type: uint8, scale: [0.5], zero_point: [0]}"),
                    Catch::Matchers::Contains("inputs[0].quant") &&
                        Catch::Matchers::Contains("uint8"));
  CHECK_THROWS_WITH(
      net("weights_quant: {type: int4, scale: [0.25]}, weights_file: wi.npy, bias: false", q),
      Catch::Matchers::Contains("layers[0:fc].weights_quant") &&
          Catch::Matchers::Contains("int4"));
  CHECK_NOTHROW(net("weights_quant: {type: int4, scale: [0.25]}, weights_file: wi.npy, "
                    "bias: false, precision: {weights: {bits: 4}}",
                    q));
  // Good: (q - z) * s per output channel, the bias B * s_x * s_w (hand-derived).
  const FloatNetParams p = net(wq + ", weights_file: wi.npy, bias_file: b.npy", q);
  CHECK(p.at("fc").weights.data == std::vector<float>{0.25f, 0.5f, 0.75f, 1.5f, 2.0f, -3.5f});
  CHECK(p.at("fc").bias == std::vector<float>{7 * 0.125f, -7 * 0.25f});
}

TEST_CASE("import-onnx -o refuses weights whose integers would not read back") {
  // Scale 2^127: 1.5 * 2^127 / 2^127 = 1.5 rounds (half to even) to 2, and 2 * 2^127 = 2^128
  // overflows float32, so the dequantized weight would requantize to 127 (saturated), not 2.
  // 0.5 * 2^127 gives 0.5, which rounds to 0 and reads back as 0.
  const std::string dir = TempDir("overflow");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/n.yaml")
      << "version: 1\nname: t\ninputs: [{name: x, shape: [1, 2]}]\nlayers:\n"
         "  - {name: fc, op: fully_connected, out_features: 1, bias: false}\n";
  NetworkSpec net = LoadNetwork(dir + "/n.yaml");
  const float s = std::ldexp(1.0f, 127);
  QuantParams wp;
  wp.type = IntType::Signed(8);
  wp.scales = {s};
  wp.zero_points = {0};
  net.fixed_weight_params["fc"] = wp;
  FloatLayerParams p;
  p.weights = FloatTensor({1, 2}, {0.5f * s, -0.5f * s});
  CHECK(FixedIntegersOf(net, net.layers[0], p).weights.data == std::vector<int32_t>{0, 0});
  p.weights = FloatTensor({1, 2}, {0.5f * s, 1.5f * s});
  CHECK_THROWS_WITH(FixedIntegersOf(net, net.layers[0], p),
                    Catch::Matchers::Contains("layer fc") &&
                        Catch::Matchers::Contains("weight 1 is 2") &&
                        Catch::Matchers::Contains("127"));
}

}  // namespace quasar::models
