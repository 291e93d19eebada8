// The simulator core (sim/core/): the DRAM model's step timing worked by hand, the backend
// registry, the analytical backend behind the Backend interface, and the golden-vs-backend
// check (RunChecked) on a backend that computes with the golden kernels and then corrupts one
// element, so that the check must find that element and nothing else.

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/core/check.h"
#include "quasar/sim/core/cycle_count.h"
#include "quasar/sim/core/dram.h"

using namespace quasar;

namespace {

// A tiny network: a convolution and a fully-connected layer, 8-bit.
constexpr const char* kNet = R"(version: 1
name: tiny
inputs: [{name: x, shape: [1, 2, 6, 6]}]
layers:
  - {name: c1, op: conv2d, input: x, out_channels: 4, kernel: 3, activation: relu}
  - {name: flat, op: flatten, input: c1}
  - {name: fc, op: fully_connected, input: flat, out_features: 5}
precision:
  weights: {bits: 8}
  activations: {bits: 8}
)";

models::ArchSpec SmallArch() {
  return models::ParseArchSpec(
      "version: 1\nname: small\narray: {rows: 4, cols: 4, dataflow: ws}\n"
      "dram: {bytes_per_cycle: 8, latency_cycles: 10}\n",
      "small.yaml");
}

// A backend that moves values with the golden kernels (the reference it is given), then adds
// 1 to element `corrupt_index` of layer `corrupt_layer`.
class GoldenBackend final : public sim::Backend {
 public:
  GoldenBackend(std::string layer, int64_t index)
      : corrupt_layer_(std::move(layer)), corrupt_index_(index) {}
  sim::BackendRun Run(const sim::Job& job, const sim::RunOptions&) const override {
    // The golden run from quantized inputs: dequantize nothing, rerun from the float inputs
    // the test used (the job's integer inputs equal their quantization).
    sim::BackendRun r;
    r.perf = sim::EvaluateSchedule(*job.schedule, *job.arch, *job.table);
    const models::QuantizedRun g = models::RunQuantizedNetwork(*job.qnet, *float_inputs);
    for (const auto& [name, t] : *job.inputs) {
      REQUIRE(g.tensors.at(name).data == t.data);  // the check hands over the golden inputs
    }
    r.tensors = g.tensors;
    for (const models::LayerRunReport& l : g.layers) {
      r.overflow_events.push_back(l.stats.overflow_events);
    }
    if (!corrupt_layer_.empty()) {
      r.tensors.at(corrupt_layer_)[corrupt_index_] += 1;
    }
    r.overflow_events.back() += extra_overflows;
    r.perf.layers.back().cycles += extra_cycles;
    return r;
  }
  std::string Title(const models::ArchSpec&) const override { return "golden"; }
  const std::map<std::string, models::FloatTensor>* float_inputs = nullptr;
  // Added to the last layer's overflow count and cycles.
  int64_t extra_overflows = 0, extra_cycles = 0;

 private:
  std::string corrupt_layer_;
  int64_t corrupt_index_;
};

// What the RunChecked tests check: the tiny network compiled for the small array, its analytical
// report (the timing reference), the network quantized from synthetic weights (seed 3, two
// calibration samples), its inputs (sample 0) and the job that holds them.
struct CheckFixture {
  const models::NetworkSpec net = models::ParseNetwork(kNet, "tiny.yaml");
  const models::ArchSpec arch = SmallArch();
  const models::CostTable table = models::LoadArchCostTable(arch);
  const compiler::Schedule s = sim::Compile(net, arch, table, compiler::Objective::kCycles);
  const sim::NetworkPerf analytical = sim::EvaluateSchedule(s, arch, table);
  const models::QuantizedNetwork q =
      models::QuantizePostTraining(net, models::MakeFloatParams(net, 3), 3, 2);
  const std::map<std::string, models::FloatTensor> inputs = models::MakeInputs(net, 3, 0);
  const sim::CheckJob job{&q, &inputs, &s, &arch, &table, &analytical};
};

}  // namespace

TEST_CASE("the latency-bandwidth DRAM model, worked by hand", "[core]") {
  const sim::LatencyBandwidthDram dram(models::DramSpec{8, 10});
  CHECK(dram.StepCycles(0, 0) == 0);
  CHECK(dram.StepCycles(64, 0) == 10 + 8);  // reads pay the latency
  CHECK(dram.StepCycles(0, 64) == 8);       // writes are posted
  CHECK(dram.StepCycles(33, 0) == 10 + 5);  // ceil(33 / 8)
  CHECK(dram.StepCycles(4, 5) == 10 + 2);   // one channel for both
  REQUIRE(!sim::DramModels().empty());
  CHECK(sim::DramModels().front().name == "latency_bandwidth");
  CHECK(sim::MakeDramModel(models::DramSpec{8, 10})->StepCycles(33, 0) == 15);
}

TEST_CASE("cycle counts past 2^53 are input errors naming the rate, never wrapped numbers",
          "[core]") {
  CHECK(sim::CyclesAtRate(0, 1e-300, "bytes", "dram.bytes_per_cycle") == 0);
  CHECK(sim::CyclesAtRate(33, 8, "bytes", "dram.bytes_per_cycle") == 5);
  CHECK(sim::CyclesAtRate(1, 1.0 / sim::kMaxCycles, "bytes", "dram.bytes_per_cycle") ==
        sim::kMaxCycles);
  CHECK_THROWS_WITH(sim::CyclesAtRate(71158, 1e-15, "bytes", "dram.bytes_per_cycle"),
                    Catch::Contains("71158 bytes at dram.bytes_per_cycle = 1e-15") &&
                        Catch::Contains("more than 2^53"));
  CHECK_THROWS_AS(sim::CyclesAtRate(2, 1.0 / sim::kMaxCycles, "elements", "x"), InputError);
  CHECK(sim::AddCycles(sim::kMaxCycles - 1, 1, "t") == sim::kMaxCycles);
  CHECK_THROWS_WITH(sim::AddCycles(sim::kMaxCycles, 1, "the network"),
                    Catch::StartsWith("the network would take more than 2^53"));
  CHECK_THROWS_AS(sim::AddCycles(INT64_MAX, INT64_MAX, "t"), InputError);  // no wrap first

  // A starved accelerator built in memory (the format refuses such rates: arch_fields.cc) is an
  // InputError from the model too. It used to report fewer cycles than a normal one (1e-15), or
  // negative cycles and an internal error (1e-20).
  const models::CostTable table = models::LoadCostTable("horowitz45");
  const models::NetworkSpec net =
      models::LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/lenet5.yaml");
  for (double rate : {1e-15, 1e-20}) {
    models::ArchSpec arch = models::LoadArchSpec(std::string(QUASAR_SOURCE_DIR) +
                                                 "/workloads/accelerators/edge_32x32_os.yaml");
    arch.dram.bytes_per_cycle = rate;
    CHECK_THROWS_WITH(sim::Compile(net, arch, table, compiler::Objective::kCycles),
                      Catch::Contains("dram.bytes_per_cycle"));
    arch.dram.bytes_per_cycle = 16;
    arch.post_elements_per_cycle = rate;
    CHECK_THROWS_WITH(sim::Compile(net, arch, table, compiler::Objective::kCycles),
                      Catch::Contains("post_processing.elements_per_cycle"));
  }
}

TEST_CASE("the backend registry finds by name and refuses duplicates", "[core]") {
  sim::BackendRegistry r;
  sim::RegisterAnalyticalBackend(&r);
  REQUIRE(r.Names() == std::vector<std::string>{"analytical"});
  REQUIRE(r.Find("analytical") != nullptr);
  CHECK(!r.Find("analytical")->moves_values);
  CHECK(r.Find("analytical")->concurrent);
  CHECK(r.Find("analytical")->timing_reference);
  CHECK(r.Find("analytical")->rtl_mode.empty());
  CHECK(r.Find("nope") == nullptr);
  CHECK_THROWS_AS(sim::RegisterAnalyticalBackend(&r), std::logic_error);
  try {
    r.Get("nope", "--backend");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "--backend: unknown backend 'nope' (this build has: analytical)");
  }
}

TEST_CASE("the analytical backend returns EvaluateSchedule's report", "[core]") {
  sim::BackendRegistry r;
  sim::RegisterAnalyticalBackend(&r);
  const models::NetworkSpec net = models::ParseNetwork(kNet, "tiny.yaml");
  const models::ArchSpec arch = SmallArch();
  const models::CostTable table = models::LoadArchCostTable(arch);
  const compiler::Schedule s = sim::Compile(net, arch, table, compiler::Objective::kCycles);
  const sim::NetworkPerf want = sim::EvaluateSchedule(s, arch, table);
  const sim::BackendRun got = r.Get("analytical").make()->Run(sim::Job{&s, &arch, &table}, {});
  REQUIRE(got.perf.ok());
  CHECK(got.perf.cycles == want.cycles);
  CHECK(got.perf.energy.Total() == want.energy.Total());
  REQUIRE(got.perf.layers.size() == want.layers.size());
  for (size_t i = 0; i < want.layers.size(); ++i) {
    CHECK(got.perf.layers[i].cycles == want.layers[i].cycles);
    CHECK(got.perf.layers[i].events.macs == want.layers[i].events.macs);
  }
  CHECK(got.tensors.empty());
}

TEST_CASE_METHOD(CheckFixture, "RunChecked compares every element and finds the one that differs",
                 "[core]") {

  GoldenBackend exact("", 0);
  exact.float_inputs = &inputs;
  const sim::CheckedRun ok = sim::RunChecked(exact, job, {});
  CHECK(ok.bit_exact());
  CHECK(ok.agrees());
  CHECK(ok.FirstDisagreement().empty());
  REQUIRE(ok.checks.size() == net.layers.size());
  for (size_t i = 0; i < ok.checks.size(); ++i) {
    CHECK(ok.checks[i].name == net.layers[i].name);
    CHECK(ok.checks[i].compared == ok.golden.tensors.at(net.layers[i].name).size());
    CHECK(ok.checks[i].first_index == -1);
    CHECK(ok.checks[i].cycles == analytical.layers[i].cycles);
    CHECK(ok.checks[i].reference_cycles == analytical.layers[i].cycles);
  }
  // The reference carries the accelerator's accumulator.
  for (const models::QuantizedLayer& l : ok.reference.layers) {
    CHECK(l.spec.accumulator.bits == arch.mac.accumulator.bits);
  }

  GoldenBackend bad("c1", 37);
  bad.float_inputs = &inputs;
  const sim::CheckedRun r = sim::RunChecked(bad, job, {});
  CHECK(!r.bit_exact());
  CHECK(!r.agrees());
  CHECK(r.FirstDisagreement() ==
        "layer c1: 1 of " + std::to_string(r.checks[0].compared) +
            " elements differ, the first at index 37 (expected " +
            std::to_string(r.checks[0].expected) + ", got " + std::to_string(r.checks[0].actual) +
            ")");
  REQUIRE(r.checks.size() == 3);
  CHECK(r.checks[0].mismatches == 1);
  CHECK(r.checks[0].first_index == 37);
  CHECK(r.checks[0].expected == r.golden.tensors.at("c1")[37]);
  CHECK(r.checks[0].actual == r.golden.tensors.at("c1")[37] + 1);
  CHECK(r.checks[0].first_cycle == -1);  // the backend recorded no output cycles
  CHECK(r.checks[1].mismatches == 0);
  CHECK(r.checks[2].mismatches == 0);

  // Only the chosen layers are checked.
  sim::RunOptions only_fc;
  only_fc.array_layers = {"fc"};
  const sim::CheckedRun f = sim::RunChecked(bad, job, only_fc);
  REQUIRE(f.checks.size() == 1);
  CHECK(f.checks[0].name == "fc");
  CHECK(f.bit_exact());
}

TEST_CASE_METHOD(CheckFixture,
                 "RunChecked also fails a backend whose overflow counts or cycles differ", "[core]") {

  GoldenBackend overflows("", 0);
  overflows.float_inputs = &inputs;
  overflows.extra_overflows = 2;
  const sim::CheckedRun o = sim::RunChecked(overflows, job, {});
  CHECK(o.bit_exact());
  CHECK(!o.agrees());
  CHECK(o.FirstDisagreement() ==
        "layer fc: " + std::to_string(o.checks[2].golden_overflows + 2) +
            " accumulator overflows, the golden reference " +
            std::to_string(o.checks[2].golden_overflows));

  GoldenBackend slow("", 0);
  slow.float_inputs = &inputs;
  slow.extra_cycles = 5;
  const sim::CheckedRun c = sim::RunChecked(slow, job, {});
  CHECK(c.bit_exact());
  CHECK(!c.agrees());
  CHECK(c.FirstDisagreement() == "layer fc: " + std::to_string(analytical.layers[2].cycles + 5) +
                                     " cycles, the analytical model " +
                                     std::to_string(analytical.layers[2].cycles));
}
