// Every layer type through the golden reference, the analytical model and the SystemC cycle
// model: two small networks (convolutions of every kind, pools, adds, flatten, fully connected;
// fully connected, matmuls of activations, transposes, reshapes, adds) on 4x4, 3x5, 8x8, 1x6
// and 7x2 arrays in each dataflow with the mapper's schedules, and re-tiled by hand in every
// loop order (partial sums spilled and read back), at every precision the accelerator runs
// (sub-byte ones on Bit Fusion MACs so that packing is exercised, binary with and without XNOR
// lanes). For every layer the outputs must equal the golden reference's on every element and
// the cycles and every event count the analytical model's.

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cycle_test_util.h"
#include "quasar/models/net/ops.h"

namespace quasar::test {
namespace {

using models::Dataflow;

constexpr Dataflow kDataflows[] = {Dataflow::kOutputStationary, Dataflow::kWeightStationary,
                                   Dataflow::kInputStationary};
struct ArraySize {
  int64_t rows, cols;
};
constexpr ArraySize kArrays[] = {{4, 4}, {3, 5}, {8, 8}, {1, 6}, {7, 2}};

struct PrecisionCase {
  const char* bits;
  std::optional<int> first_last_bits;
  bool bit_fusion;
  int binary_lanes;
  int expect_pack;     // the largest pack some layer must reach
  bool expect_binary;  // some layer must be binary x binary (XNOR lanes or the MAC path)
};

models::ArchSpec MakeArch(const PrecisionCase& p, ArraySize size, Dataflow df) {
  models::ArchSpec arch = SmallArch(size.rows, size.cols, df);
  if (p.bit_fusion) {
    arch.mac.scaling = models::PrecisionScaling::kBitFusion;
  }
  arch.mac.binary_lanes = p.binary_lanes;
  return arch;
}

std::string Name(const models::NetworkSpec& net, const PrecisionCase& p) {
  return net.name + " at " + p.bits +
         (p.first_last_bits ? " first/last " + std::to_string(*p.first_last_bits) : "");
}

void RunEveryLayerType(const PrecisionCase& p) {
  int max_pack = 1, runs = 0;
  bool binary = false, multi_tile = false;
  int64_t spills = 0, reloads = 0;
  std::set<models::NetOp> ops;
  for (const char* yaml : {kConvNetYaml, kAttentionNetYaml, kElementwiseNetYaml}) {
    const models::NetworkSpec net = LoadTestNetwork(yaml, p.bits, p.first_last_bits);
    for (const models::NetLayer& l : net.layers) {
      ops.insert(l.op);
    }
    // The mapper's schedules on arrays of several shapes.
    for (const Dataflow df : kDataflows) {
      for (const ArraySize size : kArrays) {
        const models::ArchSpec arch = MakeArch(p, size, df);
        INFO(Name(net, p) << " on " << Describe(arch) << " with the mapper's schedule");
        const Flow f = RunFlow(net, arch);
        CheckFlow(f);
        for (const sim::LayerPerf& l : f.cycle.layers) {
          max_pack = std::max(max_pack, static_cast<int>(l.pack));
          binary = binary || l.events.binary;
          multi_tile = multi_tile || (l.kind == "gemm" && l.tiles > 1);
        }
        ++runs;
      }
    }
    // Every weighted layer re-tiled by hand with K split, in every loop order.
    for (const Dataflow df : kDataflows) {
      for (const compiler::LoopOrder order : compiler::kAllLoopOrders) {
        const models::ArchSpec arch = MakeArch(p, {3, 5}, df);
        INFO(Name(net, p) << " on " << Describe(arch) << " re-tiled "
                          << compiler::LoopOrderName(order) << " splitting K");
        FlowOptions o;
        o.edit_schedule = [&arch, order](compiler::Schedule* s) {
          for (compiler::LayerSchedule& l : s->layers) {
            RetileSplitK(&l, arch, order);
          }
        };
        const Flow f = RunFlow(net, arch, o);
        CheckFlow(f);
        for (const compiler::LayerSchedule& l : f.schedule.layers) {
          const SpillCounts c = CountSpills(l);
          spills += c.spills;
          reloads += c.reloads;
        }
        ++runs;
      }
    }
  }
  CHECK(runs == 3 * 3 * (5 + 6));
  CHECK(ops.size() == models::Ops().size());  // every NetOp, conv2d to concat
  // The configuration exercised what it is meant to: packing (8 on XNOR lanes), binary
  // layers, several tiles, partial sums spilled and read back.
  CHECK(max_pack == p.expect_pack);
  CHECK(binary == p.expect_binary);
  CHECK(multi_tile);
  CHECK(spills > 0);
  CHECK(reloads > 0);
}

}  // namespace

TEST_CASE("Every layer type at w8a8 matches golden and analytical in os ws is", "[layers]") {
  RunEveryLayerType({"w8a8", std::nullopt, false, 0, 1, false});
}

TEST_CASE("Every layer type at w4a4 on Bit Fusion MACs", "[layers]") {
  RunEveryLayerType({"w4a4", std::nullopt, true, 0, 4, false});
}

TEST_CASE("Every layer type at w2a2 on Bit Fusion MACs", "[layers]") {
  RunEveryLayerType({"w2a2", std::nullopt, true, 0, 16, false});
}

TEST_CASE("Every layer type binary w1a1 on 8 XNOR lanes", "[layers]") {
  RunEveryLayerType({"w1a1", std::nullopt, true, 8, 8, true});
}

TEST_CASE("Every layer type binary w1a1 on the Bit Fusion MAC path without lanes", "[layers]") {
  RunEveryLayerType({"w1a1", std::nullopt, true, 0, 16, true});
}

TEST_CASE("Every layer type binary w1a1 on plain 8-bit MACs", "[layers]") {
  RunEveryLayerType({"w1a1", std::nullopt, false, 0, 1, true});
}

TEST_CASE("Every layer type ternary wta8 on Bit Fusion MACs", "[layers]") {
  RunEveryLayerType({"wta8", std::nullopt, true, 0, 4, false});
}

TEST_CASE("Every layer type mixed w4a4 with 8-bit first and last layers", "[layers]") {
  RunEveryLayerType({"w4a4", 8, true, 0, 4, false});
}

TEST_CASE("Every layer type mixed w1a1 with 8-bit first and last layers on XNOR lanes",
          "[layers]") {
  RunEveryLayerType({"w1a1", 8, true, 8, 8, true});
}

// A zoo network at full size on every accelerator preset, at a precision each runs natively.
TEST_CASE("LeNet-5 from the zoo on every accelerator preset", "[layers]") {
  struct Preset {
    const char* file;
    const char* bits;
    std::optional<int> first_last_bits;
  };
  const Preset presets[] = {{"edge_32x32_os", "w8a8", std::nullopt},
                            {"eyeriss_12x14", "w8a8", std::nullopt},
                            {"tpu_like_128x128_ws", "w8a8", std::nullopt},
                            {"bitfusion_16x32", "w2a2", 8},
                            {"binary_64x64", "w1a1", 8}};
  for (const Preset& preset : presets) {
    const models::ArchSpec arch = models::LoadArchSpec(
        std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators/" + preset.file + ".yaml");
    const models::NetworkSpec net = LoadTestNetwork("lenet5", preset.bits, preset.first_last_bits);
    INFO("lenet5 at " << preset.bits << " on " << preset.file);
    const Flow f = RunFlow(net, arch);
    CheckFlow(f);
  }
}

// The overflow check that the layer's bound makes unnecessary, forced on every addition, must
// change nothing where overflow is impossible (32-bit accumulator, 8-bit operands).
TEST_CASE("always_check_overflow changes nothing where overflow is impossible", "[overflow]") {
  for (const char* yaml : {kConvNetYaml, kAttentionNetYaml}) {
    const models::NetworkSpec net = LoadTestNetwork(yaml, "w8a8");
    for (const Dataflow df : kDataflows) {
      const models::ArchSpec arch = SmallArch(3, 5, df);
      INFO(net.name << " on " << Describe(arch));
      const Flow plain = RunFlow(net, arch);
      FlowOptions o;
      o.cycle.always_check_overflow = true;
      const Flow checked = RunFlow(net, arch, o);
      CheckFlow(plain);
      CheckFlow(checked);
      REQUIRE(plain.cycle.layers.size() == checked.cycle.layers.size());
      for (size_t i = 0; i < plain.cycle.layers.size(); ++i) {
        const std::string& name = net.layers[i].name;
        INFO("layer " << name);
        CHECK(plain.golden.layers[i].stats.overflow_events == 0);
        CHECK(plain.cycle.overflow_events[i] == 0);
        CHECK(checked.cycle.overflow_events[i] == 0);
        CHECK(Mismatches(plain.cycle.tensors.at(name), checked.cycle.tensors.at(name)) == 0);
        CHECK(plain.cycle.layers[i].cycles == checked.cycle.layers[i].cycles);
        CHECK(plain.cycle.layers[i].compute_cycles == checked.cycle.layers[i].compute_cycles);
      }
      CHECK(plain.cycle.simulated_cycles == checked.cycle.simulated_cycles);
    }
  }
}

}  // namespace quasar::test
