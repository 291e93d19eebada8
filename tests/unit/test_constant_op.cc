// The constant op (models/src/net/ops/constant.cc): a tensor stored with the model, read from
// its value_file at parse time, whose shape is the file's; refused by name when it reads a
// tensor, lacks its file or holds integers; written back by NetworkToYaml; its float value is
// the file's, and its integer value the file's quantized with its own parameters, on every
// element; the compiler prices it as a view (no work of its own) and its readers read it.

#include <catch2/catch.hpp>
#include <string>

#include "quasar/compiler/mapper.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/npy.h"

using namespace quasar;
using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

const std::string kDir = std::string(QUASAR_SOURCE_DIR) + "/tests/data/constant";

const char* const kNet = R"(version: 1
name: constants
inputs:
  - {name: x, shape: [1, 4, 2, 2]}
layers:
  - {name: scale, op: constant, value_file: scale_4x1x1.npy}
  - {name: scaled, op: mul, inputs: [x, scale]}
  - {name: shift, op: constant, value_file: bias_4.npy, precision: {activations: {bits: 4}}}
  - {name: flat, op: flatten, input: scaled}
  - {name: fc, op: fully_connected, input: flat, out_features: 4}
  - {name: shifted, op: sub, inputs: [fc, shift]}
)";

NetworkSpec Load(const std::string& text) { return ParseNetwork(text, "c.yaml", kDir); }

}  // namespace

TEST_CASE("a constant layer takes its shape and value from its file") {
  const NetworkSpec net = Load(kNet);
  const NetLayer& scale = *net.FindLayer("scale");
  CHECK(scale.inputs.empty());
  CHECK(scale.output_shape == Shape{4, 1, 1});
  CHECK(net.FindLayer("shift")->output_shape == Shape{4});
  CHECK(scale.macs == 0);
  CHECK(net.tensor_precision.at("shift").bits == 4);  // a constant takes an activation override
  REQUIRE(scale.weights_data);
  const FloatTensor file = ToFloatTensor(ReadNpy(kDir + "/scale_4x1x1.npy"), "scale");
  CHECK(scale.weights_data->data == file.data);
}

TEST_CASE("a constant layer is refused by name when it reads a tensor or lacks a float value") {
  auto fails = [](const std::string& layer, const std::string& text) {
    const std::string doc = "version: 1\nname: e\ninputs:\n  - {name: x, shape: [1, 4]}\n"
                            "layers:\n" + layer;
    INFO(layer);
    CHECK_THROWS_WITH(Load(doc), Contains(text));
  };
  fails("  - {name: k, op: constant}\n", "layers[0:k].value_file");
  fails("  - {name: k, op: constant, input: x, value_file: bias_4.npy}\n",
        "constant reads no tensor, got 1");
  fails("  - {name: k, op: constant, value_file: ints_4.npy}\n", "ints_4.npy");
  fails("  - {name: k, op: constant, value_file: missing.npy}\n", "missing.npy");
  fails("  - {name: k, op: relu, input: x, value_file: bias_4.npy}\n",
        "value_file: does not apply to relu");
}

TEST_CASE("a constant layer is written back with its file and read again the same") {
  const NetworkSpec net = Load(kNet);
  const std::string yaml = NetworkToYaml(net);
  CHECK(yaml.find("value_file: " + kDir + "/bias_4.npy") != std::string::npos);
  const NetworkSpec again = ParseNetwork(yaml, "again.yaml");
  CHECK(NetworkToYaml(again) == yaml);
  CHECK(again.FindLayer("shift")->inputs.empty());
  CHECK(again.FindLayer("shift")->weights_data->data == net.FindLayer("shift")->weights_data->data);
}

TEST_CASE("a constant's float value is its file's, its integers that value quantized") {
  const NetworkSpec net = Load(kNet);
  const FloatNetParams params = MakeFloatParams(net, 5);
  const auto inputs = MakeInputs(net, 5, 0);
  const auto f = RunFloatNetwork(net, params, inputs);
  CHECK(f.at("shift").data == net.FindLayer("shift")->weights_data->data);
  // mul broadcasts the [4, 1, 1] constant over x's channels.
  const FloatTensor& x = inputs.at("x");
  const FloatTensor& scale = *net.FindLayer("scale")->weights_data;
  for (int64_t i = 0; i < x.size(); ++i) {
    CHECK(f.at("scaled")[i] == x[i] * scale[i / 4]);
  }
  const QuantizedNetwork q = QuantizePostTraining(net, params, 5, 3);
  const QuantizedRun run = RunQuantizedNetwork(q, inputs);
  for (const char* name : {"scale", "shift"}) {
    INFO(name);
    const NetLayer& l = *q.net.FindLayer(name);
    const IntTensor want =
        QuantizeInput(*l.weights_data, q.tensors.at(name), l.precision.rounding);
    const IntTensor& got = run.tensors.at(name);
    REQUIRE(got.shape == want.shape);
    for (int64_t i = 0; i < want.size(); ++i) {
      CHECK(got[i] == want[i]);
    }
  }
  CHECK(q.tensors.at("shift").type.bits == 4);
}

TEST_CASE("the compiler prices a constant as a view that its readers read") {
  const NetworkSpec net = Load(kNet);
  const ArchSpec arch = LoadArchSpec(std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators/edge_32x32_os.yaml");
  const compiler::LayerSchedule c = compiler::PrepareLayer(*net.FindLayer("scale"), net, arch);
  CHECK(c.kind == compiler::LayerKind::kView);
  CHECK(c.in_elements == 0);
  CHECK(c.out_elements == 4);
  const compiler::LayerSchedule m = compiler::PrepareLayer(*net.FindLayer("scaled"), net, arch);
  CHECK(m.in_elements == 16 + 4);  // x and the constant
}
