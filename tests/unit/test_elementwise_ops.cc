// The post unit's element-wise ops (relu, clip, sigmoid, hard_sigmoid, hard_swish, tanh,
// leaky_relu, affine, mul, sub, div, prelu, concat): their keys in the network format, their shape
// rules, their float kernels on values worked by hand, and their integer semantics, which must
// be dequantize, the float op, quantize (RunDequantized) on every element.

#include <catch2/catch.hpp>
#include <cmath>

#include "quasar/models/error.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"

using namespace quasar;
using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

const char* const kNet = R"(version: 1
name: elementwise
inputs:
  - {name: x, shape: [1, 2, 2, 2]}
  - {name: y, shape: [1, 2, 1, 1]}
layers:
  - {name: r, op: relu, input: x}
  - {name: c, op: clip, input: x, min: -0.5, max: 0.25}
  - {name: s, op: sigmoid, input: x}
  - {name: hs, op: hard_sigmoid, input: x, alpha: 0.25, beta: 0.5}
  - {name: hw, op: hard_swish, input: x}
  - {name: t, op: tanh, input: x}
  - {name: l, op: leaky_relu, input: x, alpha: 0.125}
  - {name: m, op: mul, inputs: [x, y]}
  - {name: d, op: div, inputs: [x, y]}
  - {name: b, op: sub, inputs: [x, y]}
  - {name: p, op: prelu, inputs: [x, y]}
  - {name: j, op: concat, inputs: [x, m], axis: -1, output_shape: [1, 2, 2, 4]}
  - {name: a, op: affine, input: x, alpha: -0.5, beta: 2}
  - {name: sl, op: slice, input: j, axis: 3, start: 1, end: -1, output_shape: [1, 2, 2, 2]}
    )";

// x = [-4, -1, -0.5, 0, 0.5, 1, 3, 6] as [1, 2, 2, 2]; y = [2, -0.5] as [1, 2, 1, 1].
std::map<std::string, FloatTensor> Inputs() {
  return {{"x", FloatTensor({1, 2, 2, 2}, {-4, -1, -0.5f, 0, 0.5f, 1, 3, 6})},
          {"y", FloatTensor({1, 2, 1, 1}, {2, -0.5f})}};
}

}  // namespace

TEST_CASE("element-wise ops compute what ONNX defines, on values worked by hand") {
  const NetworkSpec net = ParseNetwork(kNet, "t.yaml");
  const auto t = RunFloatNetwork(net, {}, Inputs());
  const auto x = Inputs().at("x").data;
  auto expect = [&](const char* layer, std::vector<float> want) {
    INFO(layer);
    const FloatTensor& got = t.at(layer);
    REQUIRE(got.size() == static_cast<int64_t>(want.size()));
    for (size_t i = 0; i < want.size(); ++i) {
      CHECK(got.data[i] == Approx(want[i]).margin(1e-6));
    }
  };
  expect("r", {0, 0, 0, 0, 0.5f, 1, 3, 6});
  expect("c", {-0.5f, -0.5f, -0.5f, 0, 0.25f, 0.25f, 0.25f, 0.25f});
  expect("hs", {0, 0.25f, 0.375f, 0.5f, 0.625f, 0.75f, 1, 1});
  expect("hw", {0, -1.0f / 3, -0.5f * (2.5f / 6), 0, 0.5f * (3.5f / 6), 4.0f / 6, 3, 6});
  expect("l", {-0.5f, -0.125f, -0.0625f, 0, 0.5f, 1, 3, 6});
  expect("m", {-8, -2, -1, 0, -0.25f, -0.5f, -1.5f, -3});
  expect("d", {-2, -0.5f, -0.25f, 0, -1, -2, -6, -12});
  expect("b", {-6, -3, -2.5f, -2, 1, 1.5f, 3.5f, 6.5f});
  expect("p", {-8, -2, -1, 0, 0.5f, 1, 3, 6});  // slopes 2 and -0.5 on the negatives only
  expect("a", {4, 2.5f, 2.25f, 2, 1.75f, 1.5f, 0.5f, -1});
  expect("sl", {-1, -8, 0, -1, 1, -0.25f, 6, -1.5f});  // j's columns 1 and 2
  std::vector<float> s, th;
  for (float v : x) {
    s.push_back(1.0f / (1.0f + std::exp(-v)));
    th.push_back(std::tanh(v));
  }
  expect("s", s);
  expect("t", th);
  // Along the last axis: x's two, then m's two, per row.
  expect("j", {-4, -1, -8, -2, -0.5f, 0, -1, 0, 0.5f, 1, -0.25f, -0.5f, 3, 6, -1.5f, -3});
}

TEST_CASE("the integer element-wise ops are dequantize, the float op, quantize, on every element") {
  const NetworkSpec net = ParseNetwork(kNet, "t.yaml");
  const QuantizedNetwork q = QuantizePostTraining(net, {}, 3, 4);
  const auto inputs = MakeInputs(net, 3, 0);
  const QuantizedRun run = RunQuantizedNetwork(q, inputs);
  for (const NetLayer& l : net.layers) {
    INFO(l.name);
    std::map<std::string, FloatTensor> deq;
    std::vector<const FloatTensor*> in;
    for (const auto& name : l.inputs) {
      deq[name] = DequantizeTensor(run.tensors.at(name), q.tensors.at(name), 1);
    }
    for (const auto& name : l.inputs) {
      in.push_back(&deq.at(name));
    }
    const FloatTensor y = OpOf(l.op).run_float(l, in, nullptr);
    const IntTensor want = QuantizeInput(y, q.tensors.at(l.name), l.precision.rounding);
    const IntTensor& got = run.tensors.at(l.name);
    REQUIRE(got.shape == want.shape);
    for (int64_t i = 0; i < want.size(); ++i) {
      CHECK(got[i] == want[i]);
    }
    // Each has its own output parameters, calibrated on its float range, but slice, which
    // moves data and keeps its input's.
    CHECK(NetOpMovesDataOnly(l.op) == (l.op == NetOp::kSlice));
  }
}

TEST_CASE("element-wise ops read and write their keys, and refuse bad ones by name") {
  const NetworkSpec net = ParseNetwork(kNet, "t.yaml");
  const std::string yaml = NetworkToYaml(net);
  CHECK(NetworkToYaml(ParseNetwork(yaml, "again.yaml")) == yaml);
  CHECK(ParseNetwork(yaml, "again.yaml").FindLayer("c")->clip_max == 0.25);
  CHECK(ParseNetwork(yaml, "again.yaml").FindLayer("j")->axis == -1);
  auto fails = [](const std::string& layers, const std::string& text) {
    const std::string doc = "version: 1\nname: e\ninputs:\n  - {name: x, shape: [1, 2, 2, 2]}\n"
                            "  - {name: y, shape: [1, 3, 1, 1]}\nlayers:\n" + layers;
    INFO(layers);
    CHECK_THROWS_WITH(ParseNetwork(doc, "e.yaml"), Contains(text));
  };
  fails("  - {name: c, op: clip, input: x, max: 1}\n", "min");
  fails("  - {name: c, op: clip, input: x, min: 2, max: 1}\n", "must be at least min");
  fails("  - {name: l, op: leaky_relu, input: x}\n", "alpha");
  fails("  - {name: r, op: relu, input: x, alpha: 1}\n", "alpha");
  fails("  - {name: a, op: affine, input: x, alpha: 1}\n", "beta");
  fails("  - {name: m, op: mul, inputs: [x, y]}\n", "does not broadcast");
  fails("  - {name: m, op: mul, input: x}\n", "reads 2 tensor(s)");
  fails("  - {name: j, op: concat, inputs: [x, y], axis: 2}\n", "does not join");
  fails("  - {name: j, op: concat, inputs: [x, x], axis: 4}\n", "axis");
  fails("  - {name: s, op: slice, input: x, axis: 1, start: 1}\n", "end");
  fails("  - {name: s, op: slice, input: x, axis: 1, start: 1, end: 1}\n", "is empty");
}

TEST_CASE("a division the integers cannot represent is an error naming the layer") {
  // Zero over zero: the float network would have met it in calibration; integers that
  // dequantize to zero meet it here.
  const NetworkSpec net = ParseNetwork(R"(version: 1
name: zero
inputs:
  - {name: a, shape: [1, 4]}
  - {name: b, shape: [1, 4]}
layers:
  - {name: q, op: div, inputs: [a, b]}
)",
                                       "zero.yaml");
  const NetLayer& l = net.layers[0];
  QuantParams p;
  p.type = IntType::Signed(8);
  p.scales = {0.5f};
  p.zero_points = {0};
  const std::map<std::string, QuantParams> params = {{"a", p}, {"b", p}, {"q", p}};
  std::map<std::string, IntTensor> values = {{"a", IntTensor({1, 4}, {2, 0, 4, 6})},
                                             {"b", IntTensor({1, 4}, {1, 0, 2, 2})}};
  CHECK_THROWS_WITH(RunDequantized(l, params, values, RoundingMode::kTflite),
                    Contains("layer q") && Contains("element 1") && Contains("not a number"));
  values["a"] = IntTensor({1, 4}, {2, 1, 4, 6});  // 0.5 / 0 is +inf: saturates to the largest
  const IntTensor y = RunDequantized(l, params, values, RoundingMode::kTflite);
  CHECK(y.data == std::vector<int32_t>{4, 127, 4, 6});
}
