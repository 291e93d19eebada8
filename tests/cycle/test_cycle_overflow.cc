// Narrow accumulators: 8-bit operands on a 12- or 10-bit register overflow at many additions.
// The cycle model must wrap or saturate at exactly the additions the golden reference does (the
// same count per layer, the same outputs on every element) in every dataflow, with reductions
// split over several K tiles and with partial sums spilled to DRAM and read back at the
// register's width.

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cycle_test_util.h"
#include "quasar/compiler/mapper.h"

namespace quasar::test {
namespace {

using compiler::LayerSchedule;
using compiler::LoopOrder;
using models::Dataflow;
using models::OverflowMode;

constexpr Dataflow kDataflows[] = {Dataflow::kOutputStationary, Dataflow::kWeightStationary,
                                   Dataflow::kInputStationary};

void RunNarrowAccumulator(OverflowMode mode) {
  const models::NetworkSpec net = LoadTestNetwork(kOverflowNetYaml, "w8a8");
  // The mapper's schedule, then conv2 and fc1 re-tiled by hand in every loop order.
  const std::optional<LoopOrder> orders[] = {std::nullopt,    LoopOrder::kKMN, LoopOrder::kKNM,
                                             LoopOrder::kMKN, LoopOrder::kNKM, LoopOrder::kMNK,
                                             LoopOrder::kNMK};
  for (const int bits : {12, 10}) {
    for (const Dataflow df : kDataflows) {
      for (const std::optional<LoopOrder> order : orders) {
        models::ArchSpec arch = SmallArch(4, 4, df);
        arch.mac.accumulator = {bits, mode};
        INFO(Describe(arch) << (order ? " with conv2 and fc1 re-tiled " +
                                            compiler::LoopOrderName(*order) + " splitting K"
                                      : std::string(" with the mapper's schedule")));
        FlowOptions o;
        if (order) {
          o.edit_schedule = [&arch, order](compiler::Schedule* s) {
            for (LayerSchedule& l : s->layers) {
              if (l.name == "fc1" || l.name == "conv2") {
                INFO("layer " << l.name);
                REQUIRE(RetileSplitK(&l, arch, *order));
              }
            }
          };
        }
        const Flow f = RunFlow(net, arch, o);
        CheckFlow(f);
        // The configuration exercises what it is meant to.
        int64_t golden_overflows = 0, cycle_overflows = 0, k_split = 0, spills = 0, reloads = 0;
        for (size_t i = 0; i < f.schedule.layers.size(); ++i) {
          const LayerSchedule& l = f.schedule.layers[i];
          golden_overflows += f.golden.layers[i].stats.overflow_events;
          cycle_overflows += f.cycle.overflow_events[i];
          if (l.kind == compiler::LayerKind::kGemm) {
            INFO("layer " << l.name);
            if (l.gemm.k >= 64) {  // fc2's 8-term sums may fit
              CHECK(f.golden.layers[i].stats.overflow_events > 0);
            }
            k_split += l.TilesK() > 1 ? 1 : 0;
            const SpillCounts c = CountSpills(l);
            spills += c.spills;
            reloads += c.reloads;
          }
        }
        CHECK(golden_overflows > 0);
        CHECK(cycle_overflows == golden_overflows);
        CHECK(k_split > 0);
        if (order == LoopOrder::kKMN || order == LoopOrder::kKNM) {  // k outermost
          CHECK(spills >= 2);
          CHECK(reloads >= 2);
        }
      }
    }
  }
}

// Binary layers whose sums reach hundreds: inputs and weights mostly +1 (a fixed pseudo-random
// fifth and sixth of them -1). The XNOR-popcount lanes add one lane group at a time, the MAC
// path one product at a time; zero padding is a correction added after the sum; all of it
// overflows an 8- or 9-bit register.
const char* const kBinaryOverflowNetYaml = R"(version: 1
name: cycle-test-binary-overflow
inputs:
  - {name: x, shape: [1, 64, 4, 4]}
layers:
  - {name: bconv1, op: conv2d, out_channels: 8, kernel: 3, padding: 1, output_shape: [1, 8, 4, 4]}
  - {name: bconv2, op: conv2d, out_channels: 32, kernel: 3, padding: 1, groups: 2}
  - {name: flat, op: flatten, output_shape: [1, 512]}
  - {name: bfc, op: fully_connected, out_features: 4}
)";

// Mostly +1 weights and inputs, so that binary sums grow.
FlowOptions MostlyPlusOne() {
  FlowOptions o;
  o.edit_network = [](models::QuantizedNetwork* q) {
    for (models::QuantizedLayer& l : q->layers) {
      for (size_t i = 0; i < l.weights.data.size(); ++i) {
        l.weights.data[i] = ((i * 2654435761u) >> 7) % 5 == 0 ? -1 : 1;
      }
    }
  };
  o.edit_inputs = [](std::map<std::string, models::FloatTensor>* in) {
    for (auto& [name, t] : *in) {
      for (size_t i = 0; i < t.data.size(); ++i) {
        t.data[i] = ((i * 40503u) >> 3) % 6 == 0 ? -1.0f : 1.0f;
      }
    }
  };
  return o;
}

void RunBinaryOverflow(OverflowMode mode) {
  const models::NetworkSpec net = LoadTestNetwork(kBinaryOverflowNetYaml, "w1a1");
  struct Mac {
    bool bit_fusion;
    int lanes;
  };
  // XNOR lanes (pack 8, and 5: a last lane group of K mod 5), the Bit Fusion MAC path (pack
  // 16, one addition per product), a plain MAC (pack 1).
  const Mac macs[] = {{false, 8}, {false, 5}, {true, 0}, {false, 0}};
  for (const int bits : {8, 9}) {
    for (const Mac mac : macs) {
      for (const Dataflow df : kDataflows) {
        for (const bool split_k : {false, true}) {
          models::ArchSpec arch = SmallArch(4, 3, df);
          arch.mac.accumulator = {bits, mode};
          arch.mac.binary_lanes = mac.lanes;
          if (mac.bit_fusion) {
            arch.mac.scaling = models::PrecisionScaling::kBitFusion;
          }
          INFO(Describe(arch) << (split_k ? " re-tiled kmn splitting K"
                                          : " with the mapper's schedule"));
          FlowOptions o = MostlyPlusOne();
          if (split_k) {
            o.edit_schedule = [&arch](compiler::Schedule* s) {
              for (LayerSchedule& l : s->layers) {
                if (l.kind == compiler::LayerKind::kGemm) {
                  INFO("layer " << l.name);
                  REQUIRE(RetileSplitK(&l, arch, LoopOrder::kKMN));
                  REQUIRE(l.tiling.k % l.pack == 0);
                }
              }
            };
          }
          const Flow f = RunFlow(net, arch, o);
          CheckFlow(f);
          CHECK(f.schedule.layers[0].bits.binary);
          CHECK(f.golden.layers[0].stats.overflow_events > 0);
          CHECK(f.golden.layers[3].stats.overflow_events > 0);
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("Narrow wrapping accumulators overflow as in the golden reference", "[overflow]") {
  RunNarrowAccumulator(OverflowMode::kWrap);
}

TEST_CASE("Narrow saturating accumulators overflow as in the golden reference", "[overflow]") {
  RunNarrowAccumulator(OverflowMode::kSaturate);
}

TEST_CASE("Binary layers overflow wrapping accumulators as in the golden reference", "[overflow]") {
  RunBinaryOverflow(OverflowMode::kWrap);
}

TEST_CASE("Binary layers overflow saturating accumulators as in the golden reference",
          "[overflow]") {
  RunBinaryOverflow(OverflowMode::kSaturate);
}

// The array skips the overflow check for a layer whose bound (bias + K * max|a| * max|w| over
// its actual operands) fits the accumulator. Here every sum reaches the bound exactly (all
// inputs at the top of their range, all weights 127, every bias the same), on an accumulator
// one bit too narrow for it: the check must run and count the overflow; one bit wider: none.
TEST_CASE("Sums that reach the overflow bound exactly are checked", "[overflow]") {
  const models::NetworkSpec net = LoadTestNetwork(R"(version: 1
name: cycle-test-overflow-bound
inputs:
  - {name: x, shape: [2, 24]}
layers:
  - {name: fc, op: fully_connected, out_features: 5}
)",
                                                  "w8a8");
  FlowOptions o;
  o.edit_network = [](models::QuantizedNetwork* q) {
    std::fill(q->layers[0].weights.data.begin(), q->layers[0].weights.data.end(), 127);
    std::fill(q->layers[0].bias->data.begin(), q->layers[0].bias->data.end(), 1000);
  };
  o.edit_inputs = [](std::map<std::string, models::FloatTensor>* in) {
    for (auto& [name, t] : *in) {
      std::fill(t.data.begin(), t.data.end(), 100.0f);  // far above the calibrated range
    }
  };
  for (const Dataflow df : kDataflows) {
    for (const OverflowMode mode : {OverflowMode::kWrap, OverflowMode::kSaturate}) {
      models::ArchSpec arch = SmallArch(3, 2, df);
      arch.mac.accumulator = {32, mode};
      const Flow wide = RunFlow(net, arch, o);
      const int64_t bound = wide.golden.layers[0].stats.acc_max;
      REQUIRE(wide.golden.layers[0].stats.acc_min == bound);  // every sum is the bound
      int bits = 1;
      while ((int64_t{1} << (bits - 1)) - 1 < bound) {
        ++bits;
      }
      for (const int b : {bits - 1, bits}) {  // max < bound <= 2 max, then bound <= max
        arch.mac.accumulator = {b, mode};
        INFO("every sum " << bound << " on " << Describe(arch));
        const Flow f = RunFlow(net, arch, o);
        CheckFlow(f);
        CHECK((f.golden.layers[0].stats.overflow_events > 0) == (b < bits));
      }
    }
  }
}

// A reduction tile that is not a whole number of packed words would split an XNOR lane group
// across two tiles, where the golden reference (ReferenceForHardware: binary_lanes = pack)
// keeps every group of the reduction whole: with a saturating accumulator the sums would
// differ. The mapper only makes whole-word tiles, `run --schedule` rejects others
// (compiler::ScheduleMismatch), and the cycle model refuses them with the layer's name.
TEST_CASE("A reduction tile that splits packed words is refused", "[overflow]") {
  const models::NetworkSpec net = LoadTestNetwork(R"(version: 1
name: cycle-test-binary-lane-groups
inputs:
  - {name: x, shape: [1, 8, 4, 4]}
layers:
  - {name: c0, op: conv2d, out_channels: 64, kernel: 1}
  - {name: bconv, op: conv2d, out_channels: 8, kernel: 3, padding: 1}
  - {name: flat, op: flatten}
  - {name: fc, op: fully_connected, out_features: 4}
)",
                                                  "w1a1", 8);
  models::ArchSpec arch = SmallArch(4, 3, Dataflow::kOutputStationary);
  arch.mac.accumulator = {8, OverflowMode::kSaturate};
  arch.mac.binary_lanes = 8;
  FlowOptions o = MostlyPlusOne();
  // The mapper's own tiles of every layer are whole packed words.
  const Flow mapped = RunFlow(net, arch, o);
  for (const LayerSchedule& l : mapped.schedule.layers) {
    if (l.kind == compiler::LayerKind::kGemm && l.tiling.k < l.gemm.k) {
      CHECK(l.tiling.k % l.pack == 0);
    }
  }
  CheckFlow(mapped);
  o.edit_schedule = [&arch, &net](compiler::Schedule* s) {
    LayerSchedule& l = s->layers[1];
    REQUIRE(RetileSplitK(&l, arch, LoopOrder::kKNM));
    l.tiling.k -= 1;  // 287 of K = 576: lane groups of 8 would restart at k = 287 and 574
    REQUIRE(l.tiling.k % l.pack != 0);
    CHECK_THAT(compiler::ScheduleMismatch(*s, net, arch), Catch::Contains("packed words"));
  };
  CHECK_THROWS_WITH(RunFlow(net, arch, o), Catch::Contains("bconv") && Catch::Contains("pack"));
}

namespace {
const char* kBinaryPadNet = R"(version: 1
name: bpad
inputs:
  - {name: x, shape: [1, 64, 4, 4]}
layers:
  - {name: bconv1, op: conv2d, out_channels: 8, kernel: 3, padding: 1}
  - {name: bconv2, op: conv2d, out_channels: 8, kernel: 3, padding: 1}
)";
}  // namespace

// QuantizeNetwork always pads binary convolutions with zero (the border correction); +1 and -1
// padding take part in the XNOR-popcount instead. All three, on lanes and on the MAC path.
TEST_CASE("Binary convolutions padded with -1 or +1 or zero", "[overflow]") {
  const models::NetworkSpec net = LoadTestNetwork(kBinaryPadNet, "w1a1");
  for (models::BinaryPad pad :
       {models::BinaryPad::kMinusOne, models::BinaryPad::kPlusOne, models::BinaryPad::kZero}) {
    for (int lanes : {0, 8}) {
      for (int bits : {8, 32}) {
        models::ArchSpec arch = SmallArch(4, 3, Dataflow::kOutputStationary);
        arch.mac.binary_lanes = lanes;
        arch.mac.accumulator = {bits, OverflowMode::kSaturate};
        FlowOptions o;
        o.edit_network = [pad](models::QuantizedNetwork* q) {
          for (models::QuantizedLayer& l : q->layers) l.spec.binary_pad = pad;
        };
        INFO("pad " << models::BinaryPadName(pad) << " lanes " << lanes << " bits " << bits);
        CheckFlow(RunFlow(net, arch, o));
      }
    }
  }
}

// Lane groups wider than one 64-bit word (binary_lanes up to 1024) with an accumulator that
// overflows: the reference adds each group of 128 once, as the PE does.
TEST_CASE("128 XNOR lanes with a narrow saturating accumulator", "[overflow]") {
  const models::NetworkSpec net = LoadTestNetwork(kBinaryPadNet, "w1a1");
  models::ArchSpec arch = SmallArch(4, 3, Dataflow::kOutputStationary);
  arch.mac.binary_lanes = 128;
  arch.mac.accumulator = {8, OverflowMode::kSaturate};
  FlowOptions o;
  o.edit_network = [](models::QuantizedNetwork* q) {
    for (models::QuantizedLayer& l : q->layers) {
      for (size_t i = 0; i < l.weights.data.size(); ++i) l.weights.data[i] = i % 7 == 0 ? -1 : 1;
    }
  };
  o.edit_inputs = [](std::map<std::string, models::FloatTensor>* in) {
    for (auto& [name, t] : *in) {
      for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = i % 9 == 0 ? -1.f : 1.f;
    }
  };
  const Flow f = RunFlow(net, arch, o);
  REQUIRE(f.schedule.layers[0].pack == 128);
  REQUIRE(f.golden.layers[0].stats.overflow_events > 0);
  CheckFlow(f);
}

}  // namespace quasar::test
