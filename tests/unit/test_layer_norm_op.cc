// The layer_norm op (models/src/net/ops/layer_norm.cc): its float kernel on a row worked by
// hand and over several trailing dimensions; its integer semantics, dequantize, the op,
// quantize, on every element; its keys read and written back; and its shape errors by name.

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "quasar/models/fidelity.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"

using namespace quasar;
using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

const std::string kDir = std::string(QUASAR_SOURCE_DIR) + "/tests/data/constant";

const char* const kNet = R"(version: 1
name: ln
inputs:
  - {name: x, shape: [2, 3, 6]}
layers:
  - {name: g, op: constant, value_file: scale_6.npy}
  - {name: b, op: constant, value_file: bias_6.npy}
  - {name: y, op: layer_norm, inputs: [x, g, b], axis: -1, epsilon: 0.001}
)";

FloatTensor Run(const NetworkSpec& net, const FloatTensor& x) {
  return RunFloatNetwork(net, MakeFloatParams(net, 1), {{"x", x}}).at("y");
}

}  // namespace

TEST_CASE("layer_norm normalizes each row, then scales and shifts it") {
  const NetworkSpec net = ParseNetwork(kNet, "ln.yaml", kDir);
  // Row 0 is 1..6: mean 3.5, variance 35/12; every other row is constant (its output is b).
  FloatTensor x({2, 3, 6});
  for (int64_t i = 0; i < 6; ++i) {
    x[i] = static_cast<float>(i + 1);
  }
  for (int64_t i = 6; i < x.size(); ++i) {
    x[i] = static_cast<float>(i / 6);
  }
  const FloatTensor y = Run(net, x);
  const std::vector<float>& g = net.FindLayer("g")->weights_data->data;
  const std::vector<float>& b = net.FindLayer("b")->weights_data->data;
  const double inv_std = 1.0 / std::sqrt(35.0 / 12.0 + 0.001);
  for (size_t j = 0; j < 6; ++j) {
    INFO("element " << j);
    CHECK(y[static_cast<int64_t>(j)] ==
          Approx((static_cast<double>(j) + 1 - 3.5) * inv_std * g[j] + b[j]).epsilon(1e-6));
  }
  for (int64_t i = 6; i < y.size(); ++i) {
    INFO("element " << i);
    CHECK(y[i] == b[static_cast<size_t>(i % 6)]);
  }
}

TEST_CASE("layer_norm from an earlier axis normalizes the trailing dimensions together") {
  const NetworkSpec one = ParseNetwork(R"(version: 1
name: ln2
inputs:
  - {name: x, shape: [1, 2, 6]}
layers:
  - {name: g, op: constant, value_file: scale_6.npy}
  - {name: gg, op: concat, inputs: [g, g], axis: 0, output_shape: [12]}
  - {name: b, op: constant, value_file: bias_6.npy}
  - {name: bb, op: concat, inputs: [b, b], axis: 0}
  - {name: g2, op: reshape, input: gg, shape: [2, 6]}
  - {name: b2, op: reshape, input: bb, shape: [2, 6]}
  - {name: y, op: layer_norm, inputs: [x, g2, b2], axis: 1, epsilon: 0.001}
)",
                                       "ln2.yaml", kDir);
  FloatTensor x({1, 2, 6});
  for (int64_t i = 0; i < 12; ++i) {
    x[i] = static_cast<float>(i);  // mean 5.5, variance 143/12 over all 12
  }
  const FloatTensor y = Run(one, x);
  const std::vector<float>& g = one.FindLayer("g")->weights_data->data;
  const std::vector<float>& b = one.FindLayer("b")->weights_data->data;
  const double inv_std = 1.0 / std::sqrt(143.0 / 12.0 + 0.001);
  for (int64_t i = 0; i < 12; ++i) {
    INFO("element " << i);
    const auto j = static_cast<size_t>(i % 6);
    CHECK(y[i] == Approx((static_cast<double>(i) - 5.5) * inv_std * g[j] + b[j]).epsilon(1e-6));
  }
}

TEST_CASE("layer_norm's integers are dequantize, the op, quantize, on every element") {
  const NetworkSpec net = ParseNetwork(kNet, "ln.yaml", kDir);
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 4), 4, 3);
  const auto inputs = MakeInputs(net, 4, 0);
  const QuantizedRun run = RunQuantizedNetwork(q, inputs);
  const NetLayer& l = *q.net.FindLayer("y");
  std::vector<FloatTensor> deq;
  for (const std::string& t : l.inputs) {
    deq.push_back(DequantizeTensor(run.tensors.at(t), q.tensors.at(t), 1));
  }
  const FloatTensor f = OpOf(l.op).run_float(l, {&deq[0], &deq[1], &deq[2]}, nullptr);
  const IntTensor want = QuantizeInput(f, q.tensors.at("y"), l.precision.rounding);
  const IntTensor& got = run.tensors.at("y");
  REQUIRE(got.shape == want.shape);
  for (int64_t i = 0; i < want.size(); ++i) {
    CHECK(got[i] == want[i]);
  }
}

TEST_CASE("layer_norm's keys are written back, and bad ones refused by name") {
  const NetworkSpec net = ParseNetwork(kNet, "ln.yaml", kDir);
  const std::string yaml = NetworkToYaml(net);
  const NetworkSpec again = ParseNetwork(yaml, "again.yaml");
  CHECK(NetworkToYaml(again) == yaml);
  CHECK(again.FindLayer("y")->epsilon == 0.001);
  CHECK(again.FindLayer("y")->axis == -1);
  auto fails = [](const std::string& layer, const std::string& text) {
    const std::string doc = "version: 1\nname: e\ninputs:\n  - {name: x, shape: [2, 6]}\n"
                            "layers:\n  - {name: g, op: constant, value_file: scale_6.npy}\n"
                            "  - {name: b, op: constant, value_file: bias_6.npy}\n" +
                            layer;
    INFO(layer);
    CHECK_THROWS_WITH(ParseNetwork(doc, "e.yaml", kDir), Contains(text));
  };
  fails("  - {name: y, op: layer_norm, inputs: [x, g, b], axis: -1}\n", "layers[2:y].epsilon");
  fails("  - {name: y, op: layer_norm, inputs: [x, g, b], axis: -1, epsilon: 0}\n",
        "epsilon: must be > 0");
  fails("  - {name: y, op: layer_norm, inputs: [x, g, b], axis: 0, epsilon: 0.1}\n",
        "the scale [6] must have the normalized shape [2, 6]");
  fails("  - {name: y, op: layer_norm, inputs: [x, g, b], axis: 2, epsilon: 0.1}\n", "axis");
  fails("  - {name: y, op: layer_norm, inputs: [x, g], axis: -1, epsilon: 0.1}\n",
        "layer_norm reads 3 tensor(s), got 2");
}
