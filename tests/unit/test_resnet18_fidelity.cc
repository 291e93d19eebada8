// The whole-network claims of the workloads issue on ResNet-18 (224x224, the zoo file): output
// SQNR falls from 8 to 4 to 2 bits, and widening the accumulator to the width the run reports
// removes every overflow a narrow accumulator shows.

#include <catch2/catch.hpp>

#include "quasar/models/net/quantized_net.h"

using namespace quasar::models;

namespace {

struct Setup {
  NetworkSpec net;
  FloatNetParams params;
  std::map<std::string, FloatTensor> input;
  std::map<std::string, FloatTensor> reference;  // float run on `input`
  std::vector<std::map<std::string, FloatTensor>> calibration;
};

const Setup& ResNet18() {
  static const Setup s = [] {
    Setup x;
    x.net = LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/resnet18.yaml");
    x.params = MakeFloatParams(x.net, 1);
    x.input = MakeInputs(x.net, 1, 0);
    x.reference = RunFloatNetwork(x.net, x.params, x.input);
    x.calibration = {MakeInputs(x.net, 1, 1)};
    return x;
  }();
  return s;
}

QuantizedNetwork Quantize(const std::string& bits) {
  const Setup& s = ResNet18();
  NetworkSpec net = s.net;
  const auto [w, a] = ParseBitsShorthand(bits);
  w.ApplyTo(&net.policy.weights);
  a.ApplyTo(&net.policy.activations);
  net = ResolvePrecision(std::move(net));
  return QuantizeNetwork(net, s.params, s.calibration);
}

double OutputSqnr(const QuantizedNetwork& q, const QuantizedRun& run) {
  const auto all = LayerSqnr(q, run, ResNet18().reference);
  REQUIRE(all.back().first == "fc");
  return all.back().second;
}

}  // namespace

TEST_CASE("ResNet-18: 8-bit keeps a higher output SQNR than 4-bit, which beats 2-bit") {
  double sqnr[3];
  const char* bits[3] = {"w8a8", "w4a4", "w2a2"};
  for (int i = 0; i < 3; ++i) {
    const QuantizedNetwork q = Quantize(bits[i]);
    const QuantizedRun run = RunQuantizedNetwork(q, ResNet18().input);
    CHECK(run.overflow_events == 0);  // 32-bit accumulators never overflow here
    sqnr[i] = OutputSqnr(q, run);
  }
  INFO("SQNR dB: w8a8 " << sqnr[0] << ", w4a4 " << sqnr[1] << ", w2a2 " << sqnr[2]);
  CHECK(sqnr[0] > 25.0);
  CHECK(sqnr[0] > sqnr[1] + 10.0);
  CHECK(sqnr[1] > sqnr[2] + 3.0);
}

TEST_CASE("ResNet-18: widening a narrow accumulator to the required width removes overflows") {
  QuantizedNetwork q = Quantize("w8a8");
  q = WithAccumulator(std::move(q), AccumulatorSpec{16, OverflowMode::kWrap});
  const QuantizedRun narrow = RunQuantizedNetwork(q, ResNet18().input);
  CHECK(narrow.overflow_events > 0);
  CHECK(narrow.required_bits > 16);
  const double narrow_sqnr = OutputSqnr(q, narrow);

  q = WithAccumulator(std::move(q), AccumulatorSpec{narrow.required_bits, OverflowMode::kWrap});
  const QuantizedRun wide = RunQuantizedNetwork(q, ResNet18().input);
  CHECK(wide.overflow_events == 0);
  for (const auto& layer : wide.layers) {
    CHECK(layer.stats.overflow_events == 0);
  }
  // One bit narrower than required is not guaranteed safe for every input, but the run at the
  // required width must equal the 32-bit run on every element of every tensor.
  QuantizedNetwork q32 = Quantize("w8a8");
  const QuantizedRun ref32 = RunQuantizedNetwork(q32, ResNet18().input);
  for (const auto& [name, t] : ref32.tensors) {
    INFO(name);
    CHECK(wide.tensors.at(name).data == t.data);
  }
  CHECK(OutputSqnr(q, wide) > narrow_sqnr);
}
