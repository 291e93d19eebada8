// The resize ops (models/src/net/ops/resize.cc) on values worked by hand from ONNX's Resize
// (onnx/docs/Operators.md: x_original from each coordinate_transformation_mode, the nearest
// pixel by nearest_mode, linear interpolation between the two neighbours, the edge element
// outside); resize_nearest's integers are the input's moved, resize_linear's dequantize, op,
// quantize, on every element; keys written back and bad ones refused by name; the post unit's
// events per output.

#include <catch2/catch.hpp>
#include <string>

#include "quasar/models/fidelity.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"

using namespace quasar;
using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

std::string ShapeYaml(const Shape& x) {
  std::string s = "[";
  for (size_t d = 0; d < x.size(); ++d) {
    s += (d ? ", " : "") + std::to_string(x[d]);
  }
  return s + "]";
}

std::string Net(const Shape& x, const std::string& layer) {
  return "version: 1\nname: r\ninputs:\n  - {name: x, shape: " + ShapeYaml(x) +
         "}\nlayers:\n  - {name: r, input: x, " + layer + "}\n";
}

FloatTensor Resized(const FloatTensor& x, const std::string& layer) {
  const NetworkSpec net = ParseNetwork(Net(x.shape, layer), "r.yaml");
  return RunFloatNetwork(net, {}, {{"x", x}}).at("r");
}

const FloatTensor k2x2({1, 1, 2, 2}, {1, 2, 3, 4});

}  // namespace

TEST_CASE("resize_nearest picks the input element each coordinate mode and rounding give") {
  // half_pixel, scale 2: x_o = (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25; round_prefer_floor
  // takes the nearest (-0.25 -> 0 once clamped, 0.25 -> 0, 0.75 -> 1, 1.25 -> 1).
  FloatTensor y = Resized(k2x2, "op: resize_nearest, scales: [2, 2]");
  REQUIRE(y.shape == Shape{1, 1, 4, 4});
  CHECK(y.data == std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // asymmetric, scale 2 along W, 1 along H: x_o = i / 2 = 0, 0.5, 1, 1.5. The ties at 0.5 and
  // 1.5 go down with round_prefer_floor and floor, up with round_prefer_ceil and ceil (1.5 -> 2
  // clamped to 1).
  for (const auto& [mode, row] :
       std::vector<std::pair<std::string, std::vector<float>>>{{"round_prefer_floor", {1, 1, 2, 2}},
                                                               {"floor", {1, 1, 2, 2}},
                                                               {"round_prefer_ceil", {1, 2, 2, 2}},
                                                               {"ceil", {1, 2, 2, 2}}}) {
    INFO(mode);
    y = Resized(k2x2,
                "op: resize_nearest, size: [2, 4], coordinate_transformation_mode: "
                "asymmetric, nearest_mode: " +
                    mode);
    CHECK(std::vector<float>(y.data.begin(), y.data.begin() + 4) == row);
  }
  // asymmetric, W 2 -> 6 (scale 3): x_o = 0, 1/3, 2/3, 1, 4/3, 5/3. round_prefer_floor rounds
  // 2/3 up; floor keeps the floor (ONNX's Upsample test, [1 1 1 2 2 2]).
  y = Resized(k2x2,
              "op: resize_nearest, size: [2, 6], coordinate_transformation_mode: "
              "asymmetric");
  CHECK(std::vector<float>(y.data.begin(), y.data.begin() + 6) ==
        std::vector<float>{1, 1, 2, 2, 2, 2});
  y = Resized(k2x2,
              "op: resize_nearest, size: [2, 6], coordinate_transformation_mode: "
              "asymmetric, nearest_mode: floor");
  CHECK(std::vector<float>(y.data.begin(), y.data.begin() + 6) ==
        std::vector<float>{1, 1, 1, 2, 2, 2});
}

TEST_CASE("resize_linear interpolates between the two neighbours of x_original") {
  // half_pixel, scale 2: weights of the upper neighbour 0.75 (of the clamped edge), 0.25,
  // 0.75, 0.25 (of the clamped edge) -> each row 1, 1.25, 1.75, 2 of [1, 2]; rows likewise.
  FloatTensor y = Resized(k2x2, "op: resize_linear, scales: [2, 2]");
  REQUIRE(y.shape == Shape{1, 1, 4, 4});
  CHECK(y.data == std::vector<float>{1, 1.25f, 1.75f, 2,        //
                                     1.5f, 1.75f, 2.25f, 2.5f,  //
                                     2.5f, 2.75f, 3.25f, 3.5f,  //
                                     3, 3.25f, 3.75f, 4});
  // align_corners, 2 -> 3: x_o = i · 1 / 2 = 0, 0.5, 1.
  y = Resized(k2x2,
              "op: resize_linear, size: [3, 3], coordinate_transformation_mode: "
              "align_corners");
  CHECK(y.data == std::vector<float>{1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4});
  // One output from [[1 2 3 4] [5 6 7 8]]: half_pixel samples x_o = (0.5)·2 − 0.5 = 0.5 along
  // H and 0.5·4 − 0.5 = 1.5 along W, the mean of 2, 3, 6, 7; pytorch_half_pixel samples
  // element (0, 0) when the output extent is 1.
  const FloatTensor x8({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(Resized(x8, "op: resize_linear, size: [1, 1]").data == std::vector<float>{4.5f});
  CHECK(Resized(x8,
                "op: resize_linear, size: [1, 1], coordinate_transformation_mode: "
                "pytorch_half_pixel")
            .data == std::vector<float>{1});
  // scales 0.6 give floor(1.2) x floor(2.4) = 1 x 2; asymmetric x_o = i / 0.6 = 0, 5/3 along W.
  y = Resized(x8,
              "op: resize_linear, scales: [0.6, 0.6], coordinate_transformation_mode: "
              "asymmetric");
  REQUIRE(y.shape == Shape{1, 1, 1, 2});
  CHECK(y[0] == 1);
  CHECK(y[1] == Approx(2 + 2.0 / 3).epsilon(1e-6));
}

TEST_CASE("resize_nearest moves integers; resize_linear is dequantize, op, quantize") {
  const std::string doc =
      "version: 1\nname: r\ninputs:\n  - {name: x, shape: [2, 3, 5, 4]}\nlayers:\n"
      "  - {name: n, op: resize_nearest, input: x, scales: [1.5, 2], "
      "coordinate_transformation_mode: align_corners, nearest_mode: round_prefer_ceil}\n"
      "  - {name: l, op: resize_linear, input: n, size: [4, 11]}\n";
  const NetworkSpec net = ParseNetwork(doc, "r.yaml");
  CHECK(NetOpMovesDataOnly(NetOp::kResizeNearest));
  CHECK_FALSE(NetOpMovesDataOnly(NetOp::kResizeLinear));
  const QuantizedNetwork q = QuantizePostTraining(net, {}, 2, 3);
  const auto inputs = MakeInputs(net, 2, 0);
  const QuantizedRun run = RunQuantizedNetwork(q, inputs);
  // Nearest: the input's parameters, and the same integers as the quantized float output
  // (picking elements commutes with quantizing them).
  const QuantParams& p = q.tensors.at("x");
  CHECK(q.tensors.at("n").scales == p.scales);
  CHECK(q.tensors.at("n").zero_points == p.zero_points);
  const FloatTensor f = RunFloatNetwork(net, {}, inputs).at("n");
  const IntTensor want_n = QuantizeInput(f, p, net.policy.rounding);
  const IntTensor& got_n = run.tensors.at("n");
  REQUIRE(got_n.shape == Shape{2, 3, 7, 8});
  REQUIRE(got_n.shape == want_n.shape);
  for (int64_t i = 0; i < want_n.size(); ++i) {
    CHECK(got_n[i] == want_n[i]);
  }
  // Linear: its own parameters; the float op on the dequantized input, quantized to them.
  const NetLayer& l = *net.FindLayer("l");
  const FloatTensor deq = DequantizeTensor(got_n, p, 1);
  const FloatTensor y = OpOf(l.op).run_float(l, {&deq}, nullptr);
  const IntTensor want = QuantizeInput(y, q.tensors.at("l"), l.precision.rounding);
  const IntTensor& got = run.tensors.at("l");
  REQUIRE(got.shape == Shape{2, 3, 4, 11});
  for (int64_t i = 0; i < want.size(); ++i) {
    CHECK(got[i] == want[i]);
  }
  // The post unit's work per output: none for a move; 4 multiplies and 3 adds for the taps plus
  // one requantization (1 multiply, 2 adds, 2 compares) for linear.
  const PostEvents en = OpOf(NetOp::kResizeNearest).post_events(*net.FindLayer("n"), net);
  CHECK((en.multiplies == 0 && en.adds == 0 && en.compares == 0));
  const PostEvents el = OpOf(NetOp::kResizeLinear).post_events(l, net);
  CHECK((el.multiplies == 5 && el.adds == 5 && el.compares == 2));
}

TEST_CASE("resize's keys are written back, and bad ones refused by name") {
  const std::string doc = Net({1, 2, 3, 3},
                              "op: resize_nearest, scales: [0.5, 2.5], "
                              "coordinate_transformation_mode: "
                              "pytorch_half_pixel, nearest_mode: ceil") +
                          "  - {name: s, op: resize_linear, input: r, size: [4, 9]}\n";
  const NetworkSpec net = ParseNetwork(doc, "r.yaml");
  const std::string yaml = NetworkToYaml(net);
  const NetworkSpec again = ParseNetwork(yaml, "again.yaml");
  CHECK(NetworkToYaml(again) == yaml);
  CHECK(again.FindLayer("r")->resize_scales == std::vector<double>{0.5, 2.5});
  CHECK(again.FindLayer("r")->resize_coordinates == ResizeCoordinates::kPytorchHalfPixel);
  CHECK(again.FindLayer("r")->resize_rounding == ResizeRounding::kCeil);
  CHECK(again.FindLayer("r")->output_shape == Shape{1, 2, 1, 7});
  CHECK(again.FindLayer("s")->resize_size == std::vector<int64_t>{4, 9});
  auto fails = [](const Shape& x, const std::string& layer, const std::string& text) {
    INFO(layer);
    CHECK_THROWS_WITH(ParseNetwork(Net(x, layer), "e.yaml"), Contains(text));
  };
  const Shape x{1, 2, 3, 3};
  fails(x, "op: resize_nearest", "layers[0:r].size: give exactly one of size");
  fails(x, "op: resize_linear, size: [2, 2], scales: [2, 2]", "give exactly one");
  fails(x, "op: resize_linear, size: [2, 2, 2]", "must be [H, W], got 3 values");
  fails(x, "op: resize_linear, size: [0, 2]", "got 0");
  fails(x, "op: resize_linear, scales: [0.1, 2]", "got 0.1");
  fails(x, "op: resize_linear, scales: [-1, 2]", "scales");
  fails({2, 3, 3}, "op: resize_linear, size: [2, 2]", "reads a [N, C, H, W] tensor");
  fails(x, "op: resize_nearest, size: [2, 2], coordinate_transformation_mode: tf_crop_and_resize",
        "must be one of half_pixel, pytorch_half_pixel, align_corners, asymmetric, got "
        "'tf_crop_and_resize'");
  fails(x, "op: resize_nearest, size: [2, 2], nearest_mode: up",
        "must be one of round_prefer_floor, round_prefer_ceil, floor, ceil, got 'up'");
  fails(x, "op: resize_linear, size: [2, 2], nearest_mode: floor", "nearest_mode");
}
