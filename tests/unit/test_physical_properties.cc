// Physical sanity of every report, on random accelerators (docs/reliability.md, "Physical
// figures"). For each of a fixed seed's random configurations (a preset with random array sides,
// dataflow, buffers, DRAM, clock and post-processing rate across their whole ranges, rates drawn
// log-uniformly so the extremes come up) and a zoo network:
// - every figure of every layer and of the total is finite and non-negative, counts stay within
//   the exact range of cycle_count.h, utilization is at most 1 and the effective throughput at
//   most the peak;
// - the figures move as physics says, each against the same configuration with one field
//   changed and compiled again (the mapper's optimum under the cycles objective): less DRAM
//   bandwidth, more DRAM latency or a slower post-processing unit never give fewer cycles; a
//   slower clock gives the same cycles and never a lower latency;
// - more PEs never need more folds for the same tiling, and cost at most the longer pipeline:
//   each fold of a bigger array fills and drains through its extra rows and columns (os
//   T + R + C - 2, ws and is 2R + C + T - 2 per fold; docs/analytical-model.md), which is why
//   more PEs can give more cycles on a layer smaller than the array (lenet5 on a 33 x 32 ws array
//   takes more cycles than on a 32 x 32 one) and why the optimum is not monotone in the PE count.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_fields.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/core/cycle_count.h"
#include "workloads_util.h"

using namespace quasar;
using compiler::Objective;

using test::Preset;
using test::Zoo;

namespace {

// The range of an accelerator field, from the format's own table.
const models::ArchField& Field(const std::string& key) {
  const models::ArchField* f = models::FindArchField(key);
  REQUIRE(f != nullptr);
  return *f;
}

// Draws of the test: integers by modulo and reals from the top 53 bits, so the configurations are
// the same with any standard library.
struct Draw {
  std::mt19937_64 rng;
  int64_t Int(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  }
  double Unit() { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
  // Log-uniform in [lo, hi].
  double LogReal(double lo, double hi) {
    return std::exp(std::log(lo) + Unit() * (std::log(hi) - std::log(lo)));
  }
  double LogRealOf(const std::string& key, double hi_cap) {
    const models::ArchField& f = Field(key);
    return LogReal(f.lo, std::min(f.hi, hi_cap));
  }
};

models::ArchSpec RandomArch(Draw* d) {
  static const char* const kPresets[] = {"edge_32x32_os", "eyeriss_12x14", "bitfusion_16x32",
                                         "binary_64x64", "tpu_like_128x128_ws"};
  models::ArchSpec a = Preset(kPresets[d->Int(0, 4)]);
  a.rows = d->Int(1, 96);
  a.cols = d->Int(1, 96);
  a.dataflow = models::AllDataflows()[static_cast<size_t>(d->Int(0, 2))].dataflow;
  for (models::BufferSpec* b : {&a.input, &a.weight, &a.output}) {
    b->kib = int64_t{1} << d->Int(0, 10);
    b->double_buffered = d->Int(0, 1) == 1;
  }
  // Rates over the whole range (the upper ends capped where they stop mattering: a DRAM faster
  // than any tile's bytes, a post unit faster than any tile's outputs).
  a.dram.bytes_per_cycle = d->LogRealOf("dram.bytes_per_cycle", 4096);
  a.dram.latency_cycles = d->Int(0, 10000);
  a.clock_mhz = d->LogRealOf("clock_mhz", 1e5);
  a.post_elements_per_cycle = d->LogRealOf("post_processing.elements_per_cycle", 4096);
  models::CheckArchCombinations(a);
  return a;
}

sim::NetworkPerf Run(const models::NetworkSpec& net, const models::ArchSpec& arch,
                     const models::CostTable& table) {
  return sim::EvaluateSchedule(sim::Compile(net, arch, table, Objective::kCycles), arch, table);
}

bool Count(int64_t v) { return v >= 0 && v <= sim::kMaxCycles; }
bool NonNegative(double v) { return std::isfinite(v) && v >= 0; }

void RequirePhysical(const sim::NetworkPerf& r) {
  for (const sim::LayerPerf& p : r.layers) {
    INFO("layer " << p.name);
    CHECK(Count(p.cycles));
    CHECK(Count(p.compute_cycles));
    CHECK(Count(p.stall_cycles));
    CHECK(Count(p.dram_cycles));
    CHECK(Count(p.post_cycles));
    CHECK(p.stall_cycles == p.cycles - p.compute_cycles);
    CHECK(p.tiles >= 0);
    CHECK(p.folds >= 0);
    CHECK(NonNegative(p.utilization));
    CHECK(p.utilization <= 1.0 + 1e-12);
    CHECK(NonNegative(p.mapping_efficiency));
    CHECK(p.mapping_efficiency <= 1.0 + 1e-12);
    CHECK(p.events.macs >= 0);
    CHECK(p.events.dram_read_bytes >= 0);
    CHECK(p.events.dram_write_bytes >= 0);
    for (const models::EnergyComponent& c : models::EnergyComponents()) {
      INFO(c.key);
      CHECK(NonNegative(p.energy.*c.field));
    }
  }
  CHECK(Count(r.cycles));
  CHECK(Count(r.compute_cycles));
  CHECK(Count(r.stall_cycles));
  CHECK(r.macs >= 0);
  CHECK(r.dram_read_bytes >= 0);
  CHECK(r.dram_write_bytes >= 0);
  for (double v : {r.latency_s, r.inferences_per_s, r.effective_tops, r.peak_tops, r.utilization,
                   r.tops_per_watt, r.energy.Total(), r.area.Total()}) {
    CHECK(NonNegative(v));
  }
  for (const models::EnergyComponent& c : models::EnergyComponents()) {
    INFO(c.key);
    CHECK(NonNegative(r.energy.*c.field));
  }
  for (const models::AreaComponent& c : models::AreaComponents()) {
    INFO(c.key);
    CHECK(NonNegative(r.area.*c.field));
  }
  CHECK(r.area.Total() > 0);
  CHECK(r.peak_tops > 0);
  CHECK(r.utilization <= 1.0 + 1e-12);
  if (r.ok() && r.cycles > 0) {
    CHECK(r.latency_s > 0);
    CHECK(r.effective_tops <= r.peak_tops * (1 + 1e-12));
  }
}

// `slower` is `base` with one field changed for the worse: never fewer cycles, layer by layer
// and in all (when both run).
void RequireNoFaster(const sim::NetworkPerf& base, const sim::NetworkPerf& slower) {
  REQUIRE(base.layers.size() == slower.layers.size());
  if (!base.ok() || !slower.ok()) {
    CHECK(base.status == slower.status);  // no field changed here decides whether a layer fits
    return;
  }
  for (size_t i = 0; i < base.layers.size(); ++i) {
    INFO("layer " << base.layers[i].name);
    CHECK(slower.layers[i].cycles >= base.layers[i].cycles);
  }
  CHECK(slower.cycles >= base.cycles);
}

}  // namespace

TEST_CASE("Every figure of every report is finite, non-negative and moves as physics says",
          "[physical]") {
  const models::CostTable table = models::LoadCostTable("horowitz45");
  const std::vector<models::NetworkSpec> nets = {Zoo("lenet5"), Zoo("bnn_cifar10"),
                                                 Zoo("resnet18"), Zoo("bert_base_layer")};
  Draw d{std::mt19937_64(20261204)};
  int compared = 0;
  for (int i = 0; i < 40; ++i) {
    const models::ArchSpec arch = RandomArch(&d);
    const models::NetworkSpec& net = nets[static_cast<size_t>(d.Int(0, 3))];
    INFO("configuration " << i << ": " << net.name << " on " << models::ArchSpecToYaml(arch));
    const sim::NetworkPerf base = Run(net, arch, table);
    RequirePhysical(base);

    models::ArchSpec narrow = arch;  // half the DRAM bandwidth, within the range
    narrow.dram.bytes_per_cycle = std::max(arch.dram.bytes_per_cycle / 2, Field("dram.bytes_per_cycle").lo);
    const sim::NetworkPerf narrow_r = Run(net, narrow, table);
    RequirePhysical(narrow_r);
    RequireNoFaster(base, narrow_r);

    models::ArchSpec late = arch;  // more DRAM latency
    late.dram.latency_cycles = arch.dram.latency_cycles * 2 + 1;
    RequireNoFaster(base, Run(net, late, table));

    models::ArchSpec slow_post = arch;  // a slower post-processing unit
    slow_post.post_elements_per_cycle =
        std::max(arch.post_elements_per_cycle / 3, Field("post_processing.elements_per_cycle").lo);
    RequireNoFaster(base, Run(net, slow_post, table));

    models::ArchSpec slow_clock = arch;  // the clock prices time, not cycles
    slow_clock.clock_mhz = std::max(arch.clock_mhz / 2, Field("clock_mhz").lo);
    const sim::NetworkPerf slow_clock_r = Run(net, slow_clock, table);
    RequirePhysical(slow_clock_r);
    CHECK(slow_clock_r.cycles == base.cycles);
    CHECK(slow_clock_r.latency_s >= base.latency_s);
    if (base.ok() && base.cycles > 0 && slow_clock.clock_mhz < arch.clock_mhz) {
      CHECK(slow_clock_r.latency_s > base.latency_s);
    }
    compared += base.ok() ? 1 : 0;
  }
  CHECK(compared >= 20);  // the comparisons above ran on feasible configurations, not only errors
}

TEST_CASE("More PEs never need more folds for a tiling, and cost at most the longer pipeline",
          "[physical]") {
  const models::CostTable table = models::LoadCostTable("horowitz45");
  const std::vector<models::NetworkSpec> nets = {Zoo("lenet5"), Zoo("resnet18"),
                                                 Zoo("bert_base_layer")};
  Draw d{std::mt19937_64(4096)};
  int gemms = 0;
  for (int i = 0; i < 30; ++i) {
    const models::ArchSpec small = RandomArch(&d);
    models::ArchSpec big = small;
    big.rows = std::min<int64_t>(4096, small.rows + d.Int(0, 40));
    big.cols = std::min<int64_t>(4096, small.cols + d.Int(0, 40));
    const int64_t grow = 2 * (big.rows - small.rows) + 2 * (big.cols - small.cols);
    const models::NetworkSpec& net = nets[static_cast<size_t>(d.Int(0, 2))];
    INFO("configuration " << i << ": " << net.name << ", " << small.rows << " x " << small.cols
                          << " -> " << big.rows << " x " << big.cols << " "
                          << models::DataflowName(small.dataflow));
    const compiler::Schedule s = sim::Compile(net, small, table, Objective::kCycles);
    for (const compiler::LayerSchedule& l : s.layers) {
      if (!l.ok() || l.kind != compiler::LayerKind::kGemm) {
        continue;
      }
      INFO("layer " << l.name);
      const sim::LayerPerf a = sim::EvaluateLayer(l, small);
      const sim::LayerPerf b = sim::EvaluateLayer(l, big);
      REQUIRE(a.ok());
      REQUIRE(b.ok());  // the same tiling fits the same buffers
      CHECK(b.events.macs == a.events.macs);
      CHECK(b.folds <= a.folds);
      // Each fold of each tile, and each tile's drain, at most `grow` cycles longer.
      CHECK(b.compute_cycles <= a.compute_cycles + (a.folds + a.tiles) * grow);
      if (grow == 0) {
        CHECK(b.cycles == a.cycles);
      }
      ++gemms;
    }
  }
  CHECK(gemms > 100);
}
