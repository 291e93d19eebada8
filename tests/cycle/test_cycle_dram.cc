// DRAM-bound configurations: a slow channel (half a byte per cycle, 200 cycles of latency) makes
// the DMA engine the slowest pipeline stage, so layers stall. The cycle model's controller is
// step-synchronous like the analytical model's lockstep rule, so its cycles must still equal
// the analytical model's exactly (the documented bound is 0), with the three buffers double
// buffered (stages overlap) and with one single buffered (they run one after another).

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cycle_test_util.h"

namespace quasar::test {
namespace {

using models::Dataflow;

constexpr Dataflow kDataflows[] = {Dataflow::kOutputStationary, Dataflow::kWeightStationary,
                                   Dataflow::kInputStationary};

models::ArchSpec SlowDramArch(Dataflow df) {
  models::ArchSpec arch = SmallArch(4, 4, df);
  arch.dram.bytes_per_cycle = 0.5;
  arch.dram.latency_cycles = 200;
  return arch;
}

// Runs both test networks on `arch`; checks every layer and that some layer stalled. Returns
// the networks' cycles.
std::vector<int64_t> CheckStalls(const models::ArchSpec& arch) {
  std::vector<int64_t> cycles;
  for (const char* yaml : {kConvNetYaml, kAttentionNetYaml}) {
    const models::NetworkSpec net = LoadTestNetwork(yaml, "w8a8");
    INFO(net.name << " on " << Describe(arch));
    const Flow f = RunFlow(net, arch);
    CheckFlow(f);
    int64_t stalled_layers = 0, dram_bound_layers = 0;
    for (const sim::LayerPerf& l : f.cycle.layers) {
      stalled_layers += l.stall_cycles > 0 ? 1 : 0;
      dram_bound_layers += l.kind == "gemm" && l.dram_cycles > l.compute_cycles ? 1 : 0;
    }
    CHECK(stalled_layers > 0);
    CHECK(dram_bound_layers > 0);
    cycles.push_back(f.cycle.simulated_cycles);
  }
  return cycles;
}

}  // namespace

TEST_CASE("A slow DRAM stalls layers and cycles still equal the analytical model", "[dram]") {
  for (const Dataflow df : kDataflows) {
    CheckStalls(SlowDramArch(df));
  }
}

TEST_CASE(
    "A single-buffered SRAM serializes the stages and cycles still equal the analytical "
    "model",
    "[dram]") {
  for (const Dataflow df : kDataflows) {
    const std::vector<int64_t> overlapped = CheckStalls(SlowDramArch(df));
    for (const char* which : {"input", "weight", "output"}) {
      models::ArchSpec arch = SlowDramArch(df);
      models::BufferSpec& b = std::string(which) == "input"    ? arch.input
                              : std::string(which) == "weight" ? arch.weight
                                                               : arch.output;
      b.double_buffered = false;
      INFO("single-buffered " << which << " SRAM");
      const std::vector<int64_t> serial = CheckStalls(arch);
      REQUIRE(serial.size() == overlapped.size());
      for (size_t i = 0; i < serial.size(); ++i) {
        CHECK(serial[i] > overlapped[i]);  // nothing overlaps any more
      }
    }
  }
}

}  // namespace quasar::test
