// Whole models exported by PyTorch (workloads/onnx/export_test_models.py): the imported
// network's MACs and parameters against PyTorch's counts, and its float output against
// PyTorch's on the same input, every element.

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "quasar/models/net/float_net.h"
#include "quasar/models/npy.h"
#include "quasar/models/onnx/onnx_import.h"
#include "test_util.h"

namespace quasar::models {
namespace {

using onnx_test::DataPath;

// numpy.testing.assert_allclose's rule, |actual - expected| <= atol + rtol * |expected|, on
// every element; ONNX's backend tests use rtol 1e-3, atol 1e-7 (onnx/backend/test/case). The
// importer folds batch normalization into the weights, which PyTorch evaluates unfolded, so
// whole models use atol 1e-5.
void ExpectClose(const FloatTensor& actual, const FloatTensor& expected, double rtol,
                 double atol) {
  REQUIRE(actual.shape == expected.shape);
  for (int64_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(actual[i] - expected[i]) <= atol + rtol * std::abs(expected[i]));
  }
}

FloatTensor ReadFloat(const std::string& path) {
  const NpyArray a = ReadNpy(path);
  return FloatTensor(a.shape, std::vector<float>(a.floats.begin(), a.floats.end()));
}

FloatTensor RunOn(const NetworkSpec& net, const FloatTensor& input) {
  const auto params = MakeFloatParams(net, 1);
  const auto out = RunFloatNetwork(net, params, {{net.inputs.at(0).name, input}});
  return out.at(net.output);
}

nlohmann::json Counts() {
  std::ifstream in(DataPath("pytorch_counts.json"));
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("ONNX models exported by PyTorch import with PyTorch's MACs, parameters and outputs") {
  const auto counts = Counts();
  for (const std::string name :
       {"tiny_cnn", "view_cnn", "gate_cnn", "tiny_cnn_dynamic", "view_cnn_dynamic"}) {
    SECTION(name) {
      const auto& c = counts.at(name);
      OnnxImportOptions options;
      if (name.find("dynamic") != std::string::npos) {
        options.input_shapes["input"] = c.at("input_shape").get<Shape>();
      }
      const NetworkSpec net = ImportOnnx(DataPath(name + ".onnx"), options);
      CHECK(net.TotalMacs() == c.at("macs").get<int64_t>());
      CHECK(net.TotalParams() == c.at("params").get<int64_t>());
      ExpectClose(RunOn(net, ReadFloat(DataPath(name + ".input.npy"))),
                  ReadFloat(DataPath(name + ".output.npy")), 1e-3, 1e-5);
    }
  }
}

TEST_CASE("The importer folds batch norms, fuses ReLU and ReLU6 and folds shape arithmetic") {
  const NetworkSpec tiny = ImportOnnx(DataPath("tiny_cnn.onnx"));
  std::vector<std::string> ops;
  for (const auto& l : tiny.layers) {
    ops.push_back(NetOpName(l.op) + (l.activation == Activation::kNone
                                         ? ""
                                         : "+" + ActivationName(l.activation)));
  }
  // Conv, BN, Relu, MaxPool, Conv(dw), BN, Relu, Clip, Conv, BN, Add, Relu, GAP, Flatten, Gemm.
  CHECK(ops == std::vector<std::string>{"conv2d+relu", "max_pool", "depthwise_conv2d+relu6",
                                        "conv2d", "add+relu", "global_avg_pool", "flatten",
                                        "fully_connected"});
  const NetworkSpec view =
      ImportOnnx(DataPath("view_cnn_dynamic.onnx"), {{{"input", {2, 4, 11, 13}}}, {}});
  CHECK(view.layers.size() == 6);  // Shape, Gather, Unsqueeze, Concat folded into one flatten
  CHECK(view.layers[3].op == NetOp::kFlatten);
  CHECK(view.layers[0].geometry.groups == 2);
  CHECK(view.layers[1].geometry.dilation_h == 2);
}

TEST_CASE("An imported network written as YAML and .npy reads back to the same outputs") {
  const NetworkSpec net = ImportOnnx(DataPath("view_cnn.onnx"));
  const auto dir = std::filesystem::temp_directory_path() / "quasar_onnx_write_test";
  std::filesystem::remove_all(dir);
  const std::string yaml = WriteNetworkWithWeights(net, dir.string());
  const NetworkSpec back = LoadNetwork(yaml);
  CHECK(back.TotalMacs() == net.TotalMacs());
  CHECK(back.TotalParams() == net.TotalParams());
  const FloatTensor input = ReadFloat(DataPath("view_cnn.input.npy"));
  const FloatTensor a = RunOn(net, input), b = RunOn(back, input);
  REQUIRE(a.shape == b.shape);
  for (int64_t i = 0; i < a.size(); ++i) {
    CHECK(a[i] == b[i]);  // the same weights: bit-identical outputs
  }
  std::filesystem::remove_all(dir);
}

}  // namespace quasar::models
