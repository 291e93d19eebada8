// The SystemC cycle model with the Verilated RTL array (or a grid of Verilated MACs) in place
// of the C++ array, on real layers: convolutions (strided, grouped, depthwise), fully
// connected layers, matmuls, pools and adds at 8 bits, 4-bit operands packed four to a PE
// cycle, binary layers on XNOR lanes, and a narrow saturating accumulator that real layers
// overflow. For every layer the outputs must equal the golden reference on every element, the
// overflow counts the golden run's, and the cycles and every event count the analytical
// model's, which the C++ cycle model equals exactly (tests/cycle), so the RTL's cycle counts
// are the C++ cycle model's.

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>

#include "cycle_test_util.h"
#include "quasar/sim/rtl/rtl_models.h"
#include "rtl_test_util.h"

namespace quasar::test {
namespace {

FlowOptions RtlArrayOptions(const std::string& model, sim::rtl::RtlArray** out = nullptr) {
  FlowOptions o;
  o.cycle.array_name = model;
  o.cycle.make_array = [model, out]() -> std::unique_ptr<sim::cycle::ArrayIf> {
    std::unique_ptr<sim::rtl::RtlArray> a = sim::rtl::MakeRtlArray(model, "");
    if (out != nullptr) {
      *out = a.get();
    }
    return a;
  };
  return o;
}

int MaxPack(const Flow& f) {
  int pack = 1;
  for (const compiler::LayerSchedule& l : f.schedule.layers) {
    pack = std::max(pack, l.kind == compiler::LayerKind::kGemm ? l.pack : 1);
  }
  return pack;
}

// Layers that run binary x binary on XNOR-popcount lanes (one accumulator addition per lane
// group), as opposed to Bit Fusion's packed products.
int XnorLayers(const Flow& f) {
  int n = 0;
  for (const compiler::LayerSchedule& l : f.schedule.layers) {
    n += l.kind == compiler::LayerKind::kGemm && l.bits.binary && l.pack > 1 ? 1 : 0;
  }
  return n;
}

int64_t TotalOverflows(const Flow& f) {
  int64_t n = 0;
  for (int64_t v : f.cycle.overflow_events) {
    n += v;
  }
  return n;
}

void RunOnRtl(const char* yaml, const char* bits, std::optional<int> first_last, const char* preset,
              const char* model, int expect_pack, bool expect_xnor = false) {
  const models::NetworkSpec net = LoadTestNetwork(yaml, bits, first_last);
  const Flow f = RunFlow(net, LoadPreset(preset), RtlArrayOptions(model));
  CheckFlow(f);
  CHECK(MaxPack(f) == expect_pack);
  CHECK((XnorLayers(f) > 0) == expect_xnor);
  CHECK(f.cycle.simulated_cycles > 0);
}

TEST_CASE("RTL ws array runs every layer type at w8a8 bit-exactly", "[rtl][layers]") {
  RunOnRtl(kConvNetYaml, "w8a8", std::nullopt, "rtl_4x4_ws.yaml", "rtl_4x4_ws", 1);
}

TEST_CASE("RTL ws array runs 4-bit layers packed four products per PE cycle", "[rtl][layers]") {
  RunOnRtl(kConvNetYaml, "w4a4", 8, "rtl_4x4_ws.yaml", "rtl_4x4_ws", 4);
}

TEST_CASE("RTL ws array runs binary layers on 16 XNOR-popcount lanes", "[rtl][layers]") {
  RunOnRtl(kConvNetYaml, "w1a1", 8, "rtl_4x4_ws.yaml", "rtl_4x4_ws", 16, true);
}

TEST_CASE("RTL is array runs matmuls, transposes and fully connected layers", "[rtl][layers]") {
  RunOnRtl(kAttentionNetYaml, "w8a8", std::nullopt, "rtl_4x4_is.yaml", "rtl_4x4_is", 1);
}

TEST_CASE("RTL os array saturates its 16-bit accumulator as the golden reference does",
          "[rtl][layers]") {
  const models::NetworkSpec net = LoadTestNetwork(kOverflowNetYaml, "w8a8");
  const Flow f = RunFlow(net, LoadPreset("rtl_4x4_os.yaml"), RtlArrayOptions("rtl_4x4_os"));
  CheckFlow(f);
  CHECK(TotalOverflows(f) > 0);  // real overflows, counted alike
}

TEST_CASE("RTL os array runs 2-bit layers packed 16 products per PE cycle", "[rtl][layers]") {
  RunOnRtl(kTinyLenetYaml, "w2a2", 8, "rtl_4x4_os.yaml", "rtl_4x4_os", 16);
}

TEST_CASE("RTL os array runs binary layers on XNOR lanes", "[rtl][layers]") {
  RunOnRtl(kTinyLenetYaml, "w1a1", 8, "rtl_4x4_os.yaml", "rtl_4x4_os", 16, true);
}

TEST_CASE("Only the chosen layers run on the RTL array, and the run stops after the last",
          "[rtl][layers]") {
  // A stuck bit in the RTL: the chosen layer must show it, the layers before it (on the C++
  // array) must not, and nothing after it runs.
  const models::NetworkSpec net = LoadTestNetwork(kConvNetYaml, "w8a8");
  std::string chosen;  // the second convolution
  int convs = 0;
  for (const models::NetLayer& l : net.layers) {
    if (l.op == models::NetOp::kConv2d && ++convs == 2) {
      chosen = l.name;
    }
  }
  REQUIRE(!chosen.empty());
  FlowOptions o;
  o.cycle.array_name = "rtl_4x4_ws";
  o.cycle.make_array = []() -> std::unique_ptr<sim::cycle::ArrayIf> {
    std::unique_ptr<sim::rtl::RtlArray> a = sim::rtl::MakeRtlArray("rtl_4x4_ws", "");
    a->InjectStuckAt1(0, 18);
    return a;
  };
  o.cycle.array_layers = {chosen};
  o.cycle.stop_after = chosen;
  o.cycle.record_output_cycles = true;
  const Flow f = RunFlow(net, LoadPreset("rtl_4x4_ws.yaml"), o);
  size_t index = 0;
  while (net.layers[index].name != chosen) {
    const std::string& name = net.layers[index].name;
    INFO(name);
    CHECK(Mismatches(f.cycle.tensors.at(name), f.golden.tensors.at(name)) == 0);
    CHECK(f.cycle.output_cycles.count(name) == 0);  // recorded for the chosen layer only
    ++index;
  }
  CHECK(Mismatches(f.cycle.tensors.at(chosen), f.golden.tensors.at(chosen)) > 0);
  CHECK(f.cycle.layers.size() == index + 1);
  CHECK(f.cycle.tensors.count(net.layers[index + 1].name) == 0);
  // Every element of the chosen layer has the cycle it was finished, within the run.
  const std::vector<int64_t>& cycles = f.cycle.output_cycles.at(chosen);
  REQUIRE(static_cast<int64_t>(cycles.size()) == f.cycle.tensors.at(chosen).size());
  for (int64_t c : cycles) {
    CHECK(c > 0);
  }
}

TEST_CASE("A grid of RTL MACs runs an 8x8 output-stationary array bit-exactly", "[rtl][layers]") {
  // Any array size: the C++ registers of an 8x8 array around the 16-unit MAC bank built for
  // 8-bit signed MACs with 32-bit accumulators.
  const models::ArchSpec arch = SmallArch(8, 8, models::Dataflow::kOutputStationary);
  const sim::rtl::RtlModelInfo* bank = sim::rtl::FindMacBankFor(arch);
  REQUIRE(bank != nullptr);
  FlowOptions o;
  o.cycle.array_name = "rtl-mac";
  o.cycle.make_array = [&] {
    return sim::rtl::MakeMacGridArray(sim::rtl::MakeMacBank(bank->name));
  };
  const Flow f = RunFlow(LoadTestNetwork(kConvNetYaml, "w8a8"), arch, o);
  CheckFlow(f);
}

TEST_CASE("A stuck accumulator bit in the RTL array shows as mismatches", "[rtl][layers]") {
  sim::rtl::RtlArray* array = nullptr;
  FlowOptions o = RtlArrayOptions("rtl_4x4_ws", &array);
  o.cycle.make_array = [&]() -> std::unique_ptr<sim::cycle::ArrayIf> {
    std::unique_ptr<sim::rtl::RtlArray> a = sim::rtl::MakeRtlArray("rtl_4x4_ws", "");
    a->InjectStuckAt1(5, 20);  // PE (1, 1), bit 20 of its partial sum
    array = a.get();
    return a;
  };
  const Flow f = RunFlow(LoadTestNetwork(kConvNetYaml, "w8a8"), LoadPreset("rtl_4x4_ws.yaml"), o);
  REQUIRE(array != nullptr);
  const models::NetworkSpec& net = f.qnet.net;
  int64_t bad = 0;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const std::string& name = net.layers[i].name;
    bad += Mismatches(f.cycle.tensors.at(name), f.golden.tensors.at(name));
  }
  CHECK(bad > 0);
}

}  // namespace
}  // namespace quasar::test
