// The pad op (models/src/net/ops/pad.cc): constant, edge and reflect padding on values worked by
// hand; its integers are the input's moved, the constant its code in the input's quantization
// (the zero point for 0), on every element; its keys written back; bad pads refused by name.

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

// x [1, 1, 2, 3] padded by 1 row before and after, 2 columns before.
std::string Net(const std::string& mode, double value) {
  return "version: 1\nname: p\ninputs:\n  - {name: x, shape: [1, 1, 2, 3]}\nlayers:\n"
         "  - {name: p, op: pad, input: x, pads: [0, 0, 1, 2, 0, 0, 1, 0], mode: " +
         mode + ", value: " + std::to_string(value) + "}\n";
}

std::vector<float> Padded(const std::string& mode, double value = 0) {
  const NetworkSpec net = ParseNetwork(Net(mode, value), "p.yaml");
  const FloatTensor x({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  const FloatTensor y = RunFloatNetwork(net, {}, {{"x", x}}).at("p");
  REQUIRE(y.shape == Shape{1, 1, 4, 5});
  return y.data;
}

}  // namespace

TEST_CASE("pad fills with a constant, the edge or the reflection, as ONNX's Pad") {
  CHECK(Padded("constant", 0.5) == std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f, 0.5f,  //
                                                      0.5f, 0.5f, 1, 2, 3,          //
                                                      0.5f, 0.5f, 4, 5, 6,          //
                                                      0.5f, 0.5f, 0.5f, 0.5f, 0.5f});
  CHECK(Padded("edge") == std::vector<float>{1, 1, 1, 2, 3,  //
                                             1, 1, 1, 2, 3,  //
                                             4, 4, 4, 5, 6,  //
                                             4, 4, 4, 5, 6});
  // Mirrored about the edge element, which is not repeated: row -1 is row 1, column -2 is 2.
  CHECK(Padded("reflect") == std::vector<float>{6, 5, 4, 5, 6,  //
                                                3, 2, 1, 2, 3,  //
                                                6, 5, 4, 5, 6,  //
                                                3, 2, 1, 2, 3});
}

TEST_CASE("pad's integers are the input's, the constant quantized in the input's parameters") {
  for (const char* mode : {"constant", "edge", "reflect"}) {
    for (double value : {0.0, 0.3}) {
      INFO(mode << " " << value);
      const NetworkSpec net = ParseNetwork(Net(mode, value), "p.yaml");
      CHECK(NetOpMovesDataOnly(NetOp::kPad));
      const QuantizedNetwork q = QuantizePostTraining(net, {}, 2, 3);
      const auto inputs = MakeInputs(net, 2, 0);
      const QuantizedRun run = RunQuantizedNetwork(q, inputs);
      const QuantParams& p = q.tensors.at("x");
      CHECK(q.tensors.at("p").scales == p.scales);
      // Padding commutes with quantization: quantizing the float padded tensor gives the same.
      const FloatTensor f = RunFloatNetwork(net, {}, inputs).at("p");
      const IntTensor want = QuantizeInput(f, p, net.policy.rounding);
      const IntTensor& got = run.tensors.at("p");
      REQUIRE(got.shape == want.shape);
      for (int64_t i = 0; i < want.size(); ++i) {
        CHECK(got[i] == want[i]);
      }
      if (std::string(mode) == "constant" && value == 0.0) {
        CHECK(got[0] == p.zero_points[0]);
      }
    }
  }
}

TEST_CASE("pad's keys are written back, and bad pads refused by name") {
  const NetworkSpec net = ParseNetwork(Net("reflect", 0), "p.yaml");
  const std::string yaml = NetworkToYaml(net);
  CHECK(NetworkToYaml(ParseNetwork(yaml, "again.yaml")) == yaml);
  CHECK(ParseNetwork(yaml, "again.yaml").FindLayer("p")->pad_mode == PadMode::kReflect);
  auto fails = [](const std::string& layer, const std::string& text) {
    const std::string doc =
        "version: 1\nname: e\ninputs:\n  - {name: x, shape: [1, 1, 2, 3]}\nlayers:\n" + layer;
    INFO(layer);
    CHECK_THROWS_WITH(ParseNetwork(doc, "e.yaml"), Contains(text));
  };
  fails("  - {name: p, op: pad, input: x}\n", "layers[0:p].pads");
  fails("  - {name: p, op: pad, input: x, pads: [1, 1]}\n", "must hold 8 counts");
  fails("  - {name: p, op: pad, input: x, pads: [0, 0, -1, 0, 0, 0, 0, 0]}\n", "got -1");
  fails("  - {name: p, op: pad, input: x, pads: [0, 0, 2, 0, 0, 0, 0, 0], mode: reflect}\n",
        "reflect pads dimension 2 (extent 2) by at most 1, got 2");
  fails("  - {name: p, op: pad, input: x, pads: [0, 0, 0, 0, 0, 0, 0, 0], mode: wrap}\n",
        "mode: must be one of constant, reflect, edge, got 'wrap'");
}
