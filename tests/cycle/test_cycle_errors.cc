// Input errors RunCycleModel reports as quasar::InputError (exit code 2 in the CLI): a schedule
// compiled for another network, a network whose accumulator is not the accelerator's, network
// inputs of the wrong shape.

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <string>

#include "cycle_test_util.h"
#include "quasar/models/error.h"

namespace quasar::test {
namespace {

// The message of the InputError `fn` throws, or "" if it throws nothing.
template <typename Fn>
std::string InputErrorOf(Fn&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("A schedule of another network is an input error", "[errors]") {
  const models::ArchSpec arch = SmallArch(4, 4, models::Dataflow::kOutputStationary);
  const models::NetworkSpec conv = LoadTestNetwork(kConvNetYaml, "w8a8");
  const models::NetworkSpec attention = LoadTestNetwork(kAttentionNetYaml, "w8a8");
  models::QuantizedNetwork q = QuantizeForTest(conv);
  q = models::WithAccumulator(std::move(q), arch.mac.accumulator);
  const compiler::Schedule other = CompileForTest(attention, arch);
  REQUIRE(other.layers.size() != q.net.layers.size());
  const models::QuantizedRun golden =
      models::RunQuantizedNetwork(q, models::MakeInputs(q.net, 1, 0));
  const auto inputs = QuantizedInputs(q, golden);
  CountCycleRun();
  const std::string message =
      InputErrorOf([&] { sim::cycle::RunCycleModel(q, other, arch, inputs); });
  CHECK_THAT(message, Catch::Contains("the schedule has 16 layers, the network 14"));
}

TEST_CASE("A network accumulator other than the schedule's is an input error naming the layer",
          "[errors]") {
  const models::ArchSpec arch = SmallArch(4, 4, models::Dataflow::kWeightStationary);
  const models::NetworkSpec net = LoadTestNetwork(kConvNetYaml, "w8a8");
  models::QuantizedNetwork q = QuantizeForTest(net);
  q = models::WithAccumulator(std::move(q), models::AccumulatorSpec{16, models::OverflowMode::kWrap});
  const compiler::Schedule s = CompileForTest(q.net, arch);
  REQUIRE(s.FirstInfeasible() == nullptr);
  REQUIRE(s.layers[0].bits.acc_bits == 32);
  const models::QuantizedRun golden =
      models::RunQuantizedNetwork(q, models::MakeInputs(q.net, 1, 0));
  const auto inputs = QuantizedInputs(q, golden);
  CountCycleRun();
  const std::string message = InputErrorOf([&] { sim::cycle::RunCycleModel(q, s, arch, inputs); });
  CHECK_THAT(message, Catch::Contains("layer conv_s2") && Catch::Contains("16 bits") &&
                          Catch::Contains("32"));
}

TEST_CASE("Network inputs of the wrong shape are an input error naming the input", "[errors]") {
  const models::ArchSpec arch = SmallArch(4, 4, models::Dataflow::kInputStationary);
  const models::NetworkSpec net = LoadTestNetwork(kTinyLenetYaml, "w8a8");
  models::QuantizedNetwork q = QuantizeForTest(net);
  q = models::WithAccumulator(std::move(q), arch.mac.accumulator);
  const compiler::Schedule s = CompileForTest(q.net, arch);
  std::map<std::string, models::IntTensor> inputs;
  inputs["image"] = models::IntTensor({1, 1, 12, 13});
  CountCycleRun();
  CHECK_THAT(InputErrorOf([&] { sim::cycle::RunCycleModel(q, s, arch, inputs); }),
             Catch::Contains("network input 'image' must have shape"));
  inputs.clear();
  CHECK_THAT(InputErrorOf([&] { sim::cycle::RunCycleModel(q, s, arch, inputs); }),
             Catch::Contains("network input 'image'"));
}

TEST_CASE("A schedule whose GEMM is not the layer's is an input error naming the layer",
          "[errors]") {
  // Same layer names and count, another input width: fully connected and matmul GEMMs are read
  // with the schedule's M, K, N, so they must be checked against the tensors.
  const char* kFc = R"(version: 1
name: fc-shape
inputs:
  - {name: x, shape: [2, %d]}
layers:
  - {name: fc, op: fully_connected, out_features: 5}
)";
  char small[256], large[256];
  std::snprintf(small, sizeof small, kFc, 24);
  std::snprintf(large, sizeof large, kFc, 48);
  const models::ArchSpec arch = SmallArch(4, 4, models::Dataflow::kWeightStationary);
  models::QuantizedNetwork q = QuantizeForTest(LoadTestNetwork(small, "w8a8"));
  q = models::WithAccumulator(std::move(q), arch.mac.accumulator);
  const compiler::Schedule other = CompileForTest(LoadTestNetwork(large, "w8a8"), arch);
  REQUIRE(other.layers.size() == q.net.layers.size());
  REQUIRE(other.layers[0].gemm.k == 48);
  const models::QuantizedRun golden =
      models::RunQuantizedNetwork(q, models::MakeInputs(q.net, 1, 0));
  const auto inputs = QuantizedInputs(q, golden);
  CountCycleRun();
  CHECK_THAT(InputErrorOf([&] { sim::cycle::RunCycleModel(q, other, arch, inputs); }),
             Catch::Contains("layer fc") && Catch::Contains("does not match"));
}

}  // namespace quasar::test
