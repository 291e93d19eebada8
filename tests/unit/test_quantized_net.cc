// Whole-network post-training quantization and golden runs on small networks: determinism,
// fidelity against the float reference, the binary path, save/load round trips bit-exact.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "quasar/models/error.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/net/quantized_net.h"

using namespace quasar::models;

namespace {

const char* kNet = R"(
version: 1
name: small
inputs: [{name: image, shape: [1, 3, 16, 16]}]
precision: {first_last_bits: 8}
layers:
  - {name: conv1, op: conv2d, out_channels: 8, kernel: 3, padding: 1, activation: relu}
  - {name: conv2, op: conv2d, out_channels: 8, kernel: 3, padding: 1, activation: relu}
  - {name: dw, op: depthwise_conv2d, kernel: 3, stride: 2, padding: 1, activation: relu6}
  - {name: pool, op: max_pool, kernel: 2}
  - {name: up, op: conv2d, out_channels: 8, kernel: 1, input: pool}
  - {name: add, op: add, inputs: [up, pool], activation: relu}
  - {name: gap, op: global_avg_pool}
  - {name: flat, op: flatten}
  - {name: fc, op: fully_connected, out_features: 10}
)";

NetworkSpec WithBits(const std::string& bits, const char* text = kNet) {
  NetworkSpec net = ParseNetwork(text, "small.yaml");
  const auto [w, a] = ParseBitsShorthand(bits);
  w.ApplyTo(&net.policy.weights);
  a.ApplyTo(&net.policy.activations);
  net = ResolvePrecision(std::move(net));
  return net;
}

std::vector<std::map<std::string, FloatTensor>> Calibration(const NetworkSpec& net, int n) {
  std::vector<std::map<std::string, FloatTensor>> c;
  for (int s = 1; s <= n; ++s) {
    c.push_back(MakeInputs(net, 7, s));
  }
  return c;
}

double OutputSqnr(const NetworkSpec& net) {
  const FloatNetParams params = MakeFloatParams(net, 7);
  const QuantizedNetwork q = QuantizeNetwork(net, params, Calibration(net, 2));
  const auto in = MakeInputs(net, 7, 0);
  const auto ref = RunFloatNetwork(net, params, in);
  const QuantizedRun run = RunQuantizedNetwork(q, in);
  return LayerSqnr(q, run, ref).back().second;
}

}  // namespace

TEST_CASE("synthetic weights and inputs are deterministic per seed and per layer") {
  const NetworkSpec net = WithBits("w8a8");
  const FloatNetParams a = MakeFloatParams(net, 7), b = MakeFloatParams(net, 7),
                       c = MakeFloatParams(net, 8);
  CHECK(a.at("conv2").weights.data == b.at("conv2").weights.data);
  CHECK(a.at("conv2").weights.data != c.at("conv2").weights.data);
  CHECK(a.at("conv1").weights.data != a.at("up").weights.data);
  CHECK(MakeInputs(net, 7, 1).at("image").data == MakeInputs(net, 7, 1).at("image").data);
  CHECK(MakeInputs(net, 7, 1).at("image").data != MakeInputs(net, 7, 2).at("image").data);
  // Fan-in scaling: conv2 (fan-in 72) has smaller weights on average than conv1 (fan-in 27).
  auto mean_abs = [](const FloatTensor& t) {
    double s = 0;
    for (float v : t.data) s += std::abs(v);
    return s / static_cast<double>(t.size());
  };
  CHECK(mean_abs(a.at("conv2").weights) < mean_abs(a.at("conv1").weights));
}

TEST_CASE("quantized networks track the float reference, more closely with more bits") {
  const double s8 = OutputSqnr(WithBits("w8a8"));
  const double s4 = OutputSqnr(WithBits("w4a4"));
  CHECK(s8 > 25.0);  // int8 post-training quantization keeps tens of dB
  CHECK(s8 > s4 + 6.0);
  CHECK(s4 > 0.0);
}

TEST_CASE("quantization resolves every tensor and weight to its precision") {
  const NetworkSpec net = WithBits("w4a4");
  const QuantizedNetwork q = QuantizeNetwork(net, MakeFloatParams(net, 7), Calibration(net, 1));
  CHECK(q.tensors.at("image").type == IntType::Signed(8));  // first/last rule
  CHECK(q.tensors.at("conv1").type == IntType::Signed(4));
  CHECK(q.tensors.at("pool").scales == q.tensors.at("dw").scales);  // pools share their input's
  CHECK(q.tensors.at("add").type == IntType::Signed(8));            // read by the last layer
  CHECK(q.layers[0].spec.weights.type == IntType::Signed(8));
  CHECK(q.layers[1].spec.weights.type == IntType::Signed(4));
  CHECK(q.layers[1].spec.weights.scales.size() == 8);  // per channel
  for (int32_t v : q.layers[1].weights.data) {
    CHECK((v >= -7 && v <= 7));  // symmetric narrow grid
  }
  CHECK(q.layers[2].spec.op == LayerOp::kDepthwiseConv2d);
  CHECK(q.layers[6].spec.op == LayerOp::kAvgPool);
  CHECK(q.layers[6].spec.kernel_h == 4);
  CHECK_FALSE(q.layers[7].runs_kernel);
}

TEST_CASE("binary layers run the XNOR kernel and their sign follows the float sign") {
  NetworkSpec net = WithBits("w1a1");
  const QuantizedNetwork q = QuantizeNetwork(net, MakeFloatParams(net, 7), Calibration(net, 2));
  CHECK(q.layers[1].spec.op == LayerOp::kBinaryConv2d);        // binary input and weights
  CHECK(q.layers[0].spec.op == LayerOp::kConv2d);              // 8-bit first layer
  CHECK(q.layers[4].spec.op == LayerOp::kBinaryConv2d);        // after a max pool of binary values
  CHECK(q.layers[2].spec.op == LayerOp::kDepthwiseConv2d);     // no XNOR depthwise kernel
  CHECK(q.layers[8].spec.weights.type == IntType::Signed(8));  // 8-bit last layer
  // conv1 computes from the same int8 input in both worlds; its binary output must be the sign of
  // the float conv1 output wherever that output is not within a few quantization steps of 0.
  const auto in = MakeInputs(net, 7, 0);
  const auto ref = RunFloatNetwork(net, MakeFloatParams(net, 7), in);
  const QuantizedRun run = RunQuantizedNetwork(q, in);
  const FloatTensor& f = ref.at("conv1");
  const IntTensor& b = run.tensors.at("conv1");
  int64_t clear = 0, agree = 0;
  for (int64_t i = 0; i < f.size(); ++i) {
    if (std::abs(f[i]) > 0.1f) {
      ++clear;
      agree += (f[i] > 0) == (b[i] > 0);
    }
  }
  REQUIRE(clear > 100);
  CHECK(agree == clear);
}

TEST_CASE("a saved quantized network loads back and runs bit-exactly") {
  const NetworkSpec net = WithBits("w4a8");
  const QuantizedNetwork q = QuantizeNetwork(net, MakeFloatParams(net, 7), Calibration(net, 1));
  const std::string dir = (std::filesystem::temp_directory_path() / "quasar_qnet_test").string();
  std::filesystem::remove_all(dir);
  SaveQuantizedNetwork(q, dir);
  const QuantizedNetwork back = LoadQuantizedNetwork(dir);
  for (const auto& [name, p] : q.tensors) {
    INFO(name);
    CHECK(back.tensors.at(name).scales == p.scales);
    CHECK(back.tensors.at(name).zero_points == p.zero_points);
    CHECK(back.tensors.at(name).type == p.type);
  }
  const auto in = MakeInputs(net, 7, 0);
  const QuantizedRun a = RunQuantizedNetwork(q, in), b = RunQuantizedNetwork(back, in);
  for (const auto& l : net.layers) {
    INFO(l.name);
    CHECK(a.tensors.at(l.name).data == b.tensors.at(l.name).data);  // every element
  }
  // A corrupted file is reported with its key, never a crash.
  auto load_error = [&]() -> std::string {
    try {
      LoadQuantizedNetwork(dir);
    } catch (const quasar::InputError& e) {
      return e.what();
    }
    return "";
  };
  const std::string quant_yaml = (std::filesystem::path(dir) / "quant.yaml").string();
  auto edit = [&](const std::string& from, const std::string& to) {
    std::ifstream file(quant_yaml);
    std::stringstream text;
    text << file.rdbuf();
    std::string t = text.str();
    const auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    std::ofstream(quant_yaml) << t;
  };
  // A pass-through tensor whose parameters differ from its input's would rescale it silently.
  edit("  pool: {type: int8, scale: [", "  pool: {type: int8, scale: [2");
  CHECK_THAT(load_error(),
             Catch::Contains("tensors.pool: must equal the quantization of its input 'dw'"));
  SaveQuantizedNetwork(q, dir);
  // A layer with a bias must have its bias file.
  edit("    bias: layer001.bias.npy\n", "");
  CHECK_THAT(load_error(), Catch::Contains("layers.conv2.bias: is required"));
  SaveQuantizedNetwork(q, dir);
  std::filesystem::remove(std::filesystem::path(dir) / "layer001.weights.npy");
  CHECK_THAT(load_error(), Catch::Contains("layers.conv2.weights:"));
  std::filesystem::remove_all(dir);
}
