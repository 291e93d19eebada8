// The float side of a network: real weights and inputs from the .npy files a network names,
// the float reference run, and the documented example of docs/network-format.md.

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "npy_test_util.h"
#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/npy.h"
#include "quasar/models/ref/float_ops.h"

using namespace quasar::models;
using quasar::models::npy_test::TempDir;

TEST_CASE("weights_file, bias_file and input files replace the synthetic values") {
  TempDir dir;
  FloatTensor w({2, 1, 3, 3});
  for (int64_t i = 0; i < w.size(); ++i) {
    w[i] = 0.125f * static_cast<float>(i - 9);
  }
  WriteNpy(dir.File("w.npy"), w);
  WriteNpy(dir.File("b.npy"), FloatTensor({2}, std::vector<float>{0.5f, -0.25f}));
  FloatTensor x({1, 1, 4, 4});
  for (int64_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(i % 5) - 2.0f;
  }
  WriteNpy(dir.File("x.npy"), x);
  const std::string text = R"(
version: 1
name: real
inputs: [{name: x, shape: [1, 1, 4, 4], file: x.npy}]
layers:
  - {name: c, op: conv2d, out_channels: 2, kernel: 3, padding: 1, weights_file: w.npy, bias_file: b.npy}
  - {name: d, op: conv2d, out_channels: 2, kernel: 1}
)";
  const NetworkSpec net = ParseNetwork(text, "real.yaml", dir.File(""));
  const FloatNetParams p = MakeFloatParams(net, 3);
  CHECK(p.at("c").weights.data == w.data);
  CHECK(p.at("c").bias == std::vector<float>{0.5f, -0.25f});
  CHECK(p.at("d").weights.shape == Shape{2, 2, 1, 1});  // synthesised
  const auto in0 = MakeInputs(net, 3, 0);
  CHECK(in0.at("x").data == x.data);                    // sample 0 reads the file
  CHECK(MakeInputs(net, 3, 1).at("x").data != x.data);  // calibration samples are synthetic
  // The float run of the first layer is the float convolution of the file's values.
  const auto t = RunFloatNetwork(net, p, in0);
  Conv2dGeometry g;
  g.pad_top = g.pad_bottom = g.pad_left = g.pad_right = 1;
  CHECK(t.at("c").data == FloatConv2d(x, w, {0.5f, -0.25f}, g).data);

  // A file whose shape is not the layer's is an InputError naming the file and both shapes.
  WriteNpy(dir.File("w.npy"), FloatTensor({2, 1, 5, 5}));
  try {
    MakeFloatParams(net, 3);
    FAIL("expected an InputError");
  } catch (const quasar::InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains("w.npy: the weights of layer c has shape [2, 1, 5, 5], "
                                         "the network needs [2, 1, 3, 3]"));
  }
}

TEST_CASE("the complete example of docs/network-format.md parses") {
  std::ifstream in(std::string(QUASAR_SOURCE_DIR) + "/docs/network-format.md");
  REQUIRE(in);
  std::stringstream all;
  all << in.rdbuf();
  const std::string doc = all.str();
  const auto begin = doc.find("```yaml\n");
  REQUIRE(begin != std::string::npos);
  const auto end = doc.find("```", begin + 8);
  const NetworkSpec net = ParseNetwork(doc.substr(begin + 8, end - begin - 8), "network-format.md");
  CHECK(net.name == "tiny-resnet");
  CHECK(net.layers.back().output_shape == Shape{1, 10});
  CHECK(net.FindLayer("conv3")->precision.weights.bits == 4);
}

TEST_CASE("calibration files feed the calibration samples in turn") {
  TempDir dir;
  const FloatTensor c1({1, 4}, std::vector<float>{1, 2, 3, 4});
  const FloatTensor c2({1, 4}, std::vector<float>{-1, -2, -3, -4});
  WriteNpy(dir.File("c1.npy"), c1);
  WriteNpy(dir.File("c2.npy"), c2);
  const NetworkSpec net = ParseNetwork(R"(
version: 1
name: calib
inputs: [{name: x, shape: [1, 4], calibration: [c1.npy, c2.npy]}]
layers:
  - {name: fc, op: fully_connected, out_features: 2}
)",
                                       "calib.yaml", dir.File(""));
  CHECK(MakeInputs(net, 1, 1).at("x").data == c1.data);
  CHECK(MakeInputs(net, 1, 2).at("x").data == c2.data);
  CHECK(MakeInputs(net, 1, 3).at("x").data == c1.data);  // cycles
  CHECK(MakeInputs(net, 1, 0).at("x").data != c1.data);  // evaluation: no file, synthetic
  // The paths survive a round trip through the writer, as absolute paths.
  const NetworkSpec back = ParseNetwork(NetworkToYaml(net), "back.yaml", "/");
  CHECK(MakeInputs(back, 1, 2).at("x").data == c2.data);
}
