// The evaluation cache (sim/eval_cache.h) changes nothing but the time: schedules compiled and
// evaluated through it are the uncached ones byte for byte (the schedule JSON, every mapper
// count, every figure of the report), on several networks, accelerators and objectives sharing
// one cache (so a key that missed a field would mix them up); accelerators that differ only in
// the clock or the accumulator's overflow mode reuse every evaluation, one that differs in a
// timing field does not; threads sharing a small cache (emptied as it fills) agree; and a sweep
// gives the same rows with and without it.

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "quasar/compiler/schedule_json.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_fields.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/report/sweep.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/eval_cache.h"
#include "sweep_test_util.h"
#include "workloads_util.h"

using namespace quasar;
using compiler::Objective;

using test::Preset;
using test::Zoo;

namespace {

// Every mapper count the JSON leaves out (priced), then the JSON.
void RequireSameSchedule(const compiler::Schedule& a, const compiler::Schedule& b) {
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    INFO(a.layers[i].name);
    CHECK(a.layers[i].priced == b.layers[i].priced);
    CHECK(a.layers[i].candidates == b.layers[i].candidates);
    CHECK(a.layers[i].feasible_candidates == b.layers[i].feasible_candidates);
  }
  REQUIRE(compiler::ScheduleToJson(a) == compiler::ScheduleToJson(b));
}

// Every count of every layer: cycles, stage times, tiles, folds and each event.
void RequireSameCounts(const sim::NetworkPerf& a, const sim::NetworkPerf& b) {
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const sim::LayerPerf &x = a.layers[i], &y = b.layers[i];
    INFO(x.name);
    CHECK(x.status == y.status);
    CHECK(x.cycles == y.cycles);
    CHECK(x.compute_cycles == y.compute_cycles);
    CHECK(x.stall_cycles == y.stall_cycles);
    CHECK(x.dram_cycles == y.dram_cycles);
    CHECK(x.post_cycles == y.post_cycles);
    CHECK(x.tiles == y.tiles);
    CHECK(x.folds == y.folds);
    CHECK(x.mapped_pe_folds == y.mapped_pe_folds);
    const models::EventCounts &e = x.events, &f = y.events;
    CHECK(e.macs == f.macs);
    CHECK(e.mac_a_bits == f.mac_a_bits);
    CHECK(e.mac_w_bits == f.mac_w_bits);
    CHECK(e.acc_bits == f.acc_bits);
    CHECK(e.pe_cycles == f.pe_cycles);
    CHECK(e.register_bit_writes == f.register_bit_writes);
    CHECK(e.input_reads == f.input_reads);
    CHECK(e.input_writes == f.input_writes);
    CHECK(e.weight_reads == f.weight_reads);
    CHECK(e.weight_writes == f.weight_writes);
    CHECK(e.output_reads == f.output_reads);
    CHECK(e.output_writes == f.output_writes);
    CHECK(e.dram_read_bytes == f.dram_read_bytes);
    CHECK(e.dram_write_bytes == f.dram_write_bytes);
    CHECK(e.post_multiplies == f.post_multiplies);
    CHECK(e.post_adds == f.post_adds);
    CHECK(e.post_compare_bits == f.post_compare_bits);
    CHECK(e.cycles == f.cycles);
    CHECK(x.required_acc_bits == y.required_acc_bits);
    CHECK(x.acc_too_narrow == y.acc_too_narrow);
  }
  CHECK(a.cycles == b.cycles);
}

// Every count (RequireSameCounts), every name, and every figure priced from the counts.
void RequireSamePerf(const sim::NetworkPerf& a, const sim::NetworkPerf& b) {
  REQUIRE(a.status == b.status);
  RequireSameCounts(a, b);
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const sim::LayerPerf &x = a.layers[i], &y = b.layers[i];
    INFO(x.name);
    CHECK(x.name == y.name);
    CHECK(x.op == y.op);
    CHECK(x.energy.Total() == y.energy.Total());  // exactly: the same counts priced the same way
  }
  CHECK(a.energy.Total() == b.energy.Total());
  CHECK(a.latency_s == b.latency_s);
  CHECK(a.utilization == b.utilization);
  CHECK(a.tops_per_watt == b.tops_per_watt);
}

}  // namespace

TEST_CASE("Compiling and evaluating through the cache gives the uncached results exactly",
          "[eval_cache]") {
  const models::CostTable table = models::LoadCostTable("horowitz45");
  sim::EvalCache cache;  // one for all: a key missing a field would mix the accelerators up
  for (const char* net_name : {"lenet5", "resnet18", "bnn_cifar10", "bert_base_layer"}) {
    const models::NetworkSpec net = Zoo(net_name);
    for (const char* arch_name : {"edge_32x32_os", "eyeriss_12x14", "bitfusion_16x32",
                                  "binary_64x64"}) {
      const models::ArchSpec arch = Preset(arch_name);
      for (Objective o : {Objective::kCycles, Objective::kEnergy, Objective::kEdp}) {
        INFO(net_name << " on " << arch_name << ", " << compiler::ObjectiveName(o));
        const compiler::Schedule plain =
            sim::Compile(net, arch, table, o, compiler::MapperSearch::kFast);
        const size_t misses = cache.misses();
        const compiler::Schedule cached =
            sim::Compile(net, arch, table, o, compiler::MapperSearch::kFast, &cache);
        if (o == Objective::kCycles) {  // a new accelerator or network: new evaluations (the
          CHECK(cache.misses() > misses);  // other objectives reuse them: counts are not prices)
        }
        RequireSameSchedule(plain, cached);
        RequireSamePerf(sim::EvaluateSchedule(plain, arch, table),
                        sim::EvaluateSchedule(cached, arch, table, &cache));
        // Again: every evaluation now comes from the cache.
        const size_t before = cache.misses();
        RequireSameSchedule(
            plain, sim::Compile(net, arch, table, o, compiler::MapperSearch::kFast, &cache));
        CHECK(cache.misses() == before);
      }
    }
  }
}

TEST_CASE("The cache is keyed by the timing fields: the clock is not one, the DRAM is",
          "[eval_cache]") {
  const models::CostTable table = models::LoadCostTable("horowitz45");
  const models::NetworkSpec net = Zoo("resnet18");
  const models::ArchSpec base = Preset("edge_32x32_os");
  sim::EvalCache cache;
  sim::Compile(net, base, table, Objective::kEdp, compiler::MapperSearch::kFast, &cache);
  const size_t misses = cache.misses();
  REQUIRE(misses > 0);

  // The clock prices leakage (energy, EDP) but counts nothing: every evaluation is reused, and
  // the choice is still the uncached one.
  models::ArchSpec slow = base;
  slow.clock_mhz = 125;
  slow.mac.accumulator.overflow = models::OverflowMode::kSaturate;
  for (Objective o : {Objective::kCycles, Objective::kEnergy, Objective::kEdp}) {
    const compiler::Schedule s =
        sim::Compile(net, slow, table, o, compiler::MapperSearch::kFast, &cache);
    RequireSameSchedule(sim::Compile(net, slow, table, o, compiler::MapperSearch::kFast), s);
    RequireSamePerf(sim::EvaluateSchedule(s, slow, table),
                    sim::EvaluateSchedule(s, slow, table, &cache));
  }
  CHECK(cache.hits() > 0);
  // kEdp's evaluations were all made for `base`; the other objectives price other candidates.
  const size_t after_clock = cache.misses();
  sim::Compile(net, slow, table, Objective::kEdp, compiler::MapperSearch::kFast, &cache);
  CHECK(cache.misses() == after_clock);

  // The DRAM's bandwidth, the buffers and the post-processing rate change the counts: new keys.
  models::ArchSpec narrow_dram = base;
  narrow_dram.dram.bytes_per_cycle = 4;
  models::ArchSpec small_buffers = base;
  small_buffers.weight.kib = 16;
  models::ArchSpec slow_post = base;
  slow_post.post_elements_per_cycle = 4;
  for (const models::ArchSpec& a : {narrow_dram, small_buffers, slow_post}) {
    const size_t before = cache.misses();
    const compiler::Schedule s =
        sim::Compile(net, a, table, Objective::kEdp, compiler::MapperSearch::kFast, &cache);
    CHECK(cache.misses() > before);
    RequireSameSchedule(sim::Compile(net, a, table, Objective::kEdp, compiler::MapperSearch::kFast),
                        s);
    RequireSamePerf(sim::EvaluateSchedule(s, a, table), sim::EvaluateSchedule(s, a, table, &cache));
  }
}

TEST_CASE("A field that counts nothing changes no count, and one that counts changes some",
          "[eval_cache]") {
  // models::ArchField::counts: RunSweep hands configurations that differ only in such fields to
  // one worker, so that they reuse one another's mappings. Each such field, set to another value,
  // leaves every layer's schedule and counts as they were, under every objective.
  const models::CostTable table = models::LoadCostTable("horowitz45");
  const models::NetworkSpec net = Zoo("resnet18");
  const models::ArchSpec base = Preset("edge_32x32_os");
  size_t uncounted = 0;
  for (const models::ArchField& f : models::ArchFields()) {
    if (f.counts) {
      continue;
    }
    ++uncounted;
    INFO(f.key);
    REQUIRE(f.sweepable);
    models::ArchSpec other = base;
    const models::ArchValue v = f.get(base);
    if (f.kind == models::ArchFieldKind::kReal) {
      f.set(&other, std::get<double>(v) * 0.5);
    } else {
      REQUIRE(f.kind == models::ArchFieldKind::kName);
      REQUIRE(f.names.size() >= 2);
      f.set(&other, std::get<std::string>(v) == f.names[0] ? f.names[1] : f.names[0]);
    }
    REQUIRE(f.get(other) != v);
    for (Objective o : {Objective::kCycles, Objective::kEnergy, Objective::kEdp}) {
      const compiler::Schedule a = sim::Compile(net, base, table, o, compiler::MapperSearch::kFast);
      const compiler::Schedule b =
          sim::Compile(net, other, table, o, compiler::MapperSearch::kFast);
      if (o == Objective::kCycles) {  // the energy objectives price the clock's leakage
        RequireSameSchedule(a, b);
      }
      const sim::NetworkPerf pa = sim::EvaluateSchedule(a, base, table);
      const sim::NetworkPerf pb = sim::EvaluateSchedule(a, other, table);
      RequireSameCounts(pa, pb);
    }
  }
  CHECK(uncounted == 2);  // the clock and the overflow mode
  // A field that counts: the array's rows change the cycles.
  models::ArchSpec taller = base;
  taller.rows = base.rows * 2;
  const compiler::Schedule s =
      sim::Compile(net, base, table, Objective::kCycles, compiler::MapperSearch::kFast);
  CHECK(sim::EvaluateSchedule(s, base, table).cycles !=
        sim::EvaluateSchedule(
            sim::Compile(net, taller, table, Objective::kCycles, compiler::MapperSearch::kFast),
            taller, table)
            .cycles);
}

TEST_CASE("Threads sharing a small cache get the uncached schedules", "[eval_cache]") {
  const models::CostTable table = models::LoadCostTable("horowitz45");
  const models::NetworkSpec net = Zoo("resnet18");
  std::vector<models::ArchSpec> arches;
  for (int64_t rows : {8, 16, 32}) {
    for (double clock : {200.0, 800.0}) {
      models::ArchSpec a = Preset("edge_32x32_os");
      a.rows = rows;
      a.clock_mhz = clock;
      arches.push_back(a);
    }
  }
  std::vector<std::string> plain;
  for (const models::ArchSpec& a : arches) {
    plain.push_back(compiler::ScheduleToJson(
        sim::Compile(net, a, table, Objective::kCycles, compiler::MapperSearch::kFast)));
  }
  sim::EvalCache cache(64);  // small: shards are emptied while the threads use them
  std::vector<std::vector<std::string>> cached(2, std::vector<std::string>(arches.size()));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < arches.size(); ++i) {
        const size_t j = t == 0 ? i : arches.size() - 1 - i;  // opposite orders
        cached[t][j] = compiler::ScheduleToJson(sim::Compile(
            net, arches[j], table, Objective::kCycles, compiler::MapperSearch::kFast, &cache));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t t = 0; t < 2; ++t) {
    for (size_t i = 0; i < arches.size(); ++i) {
      INFO("thread " << t << ", configuration " << i);
      CHECK(cached[t][i] == plain[i]);
    }
  }
}

TEST_CASE("A sweep gives the same rows with and without its evaluation cache", "[eval_cache]") {
  sim::explore::SweepSpec spec = test::Parse(R"(version: 1
base: edge_32x32_os
networks: [resnet18]
objective: edp
sweep:
  array.rows: [8, 32]
  dram.bytes_per_cycle: [8, 32]
  clock_mhz: [100, 700]
  mac.accumulator.overflow: [wrap, saturate]
  mac.accumulator.bits: [16, 32]
)");
  REQUIRE(spec.eval_cache != nullptr);  // ParseSweep makes one, and the prepared layers
  REQUIRE(spec.prepared != nullptr);     // per MAC (the accumulator fields are MAC fields)
  const auto with = sim::explore::RunSweep(spec, {});
  CHECK(spec.eval_cache->hits() > 0);
  const std::string csv = report::SweepCsv(spec, with.rows, MarkFront(spec, with.rows));
  spec.eval_cache = nullptr;
  const auto without = sim::explore::RunSweep(spec, {});
  CHECK(report::SweepCsv(spec, without.rows, MarkFront(spec, without.rows)) == csv);
}

TEST_CASE("The search's candidates are keyed by the packing and the block scales too",
          "[eval_cache]") {
  // Two accelerators whose layers differ only in products per cycle (Bit Fusion packs 4-bit
  // operands four to a PE, a plain MAC one): the fast search's candidate tilings differ (K is
  // cut in whole packs), so one cache must not hand one accelerator's to the other.
  const models::CostTable table = models::LoadCostTable("horowitz45");
  models::NetworkSpec net = Zoo("lenet5");
  models::ArchSpec fused = Preset("bitfusion_16x32");
  models::ArchSpec plain = fused;
  plain.mac.scaling = models::PrecisionScaling::kNone;
  plain.name = "plain";
  net.policy.weights.bits = 4, net.policy.activations.bits = 4;
  net = models::ResolvePrecision(std::move(net));
  sim::EvalCache cache;
  for (const models::ArchSpec* arch : {&fused, &plain, &fused}) {
    INFO(arch->name);
    const compiler::Schedule uncached =
        sim::Compile(net, *arch, table, Objective::kCycles, compiler::MapperSearch::kFast);
    const compiler::Schedule cached =
        sim::Compile(net, *arch, table, Objective::kCycles, compiler::MapperSearch::kFast, &cache);
    RequireSameSchedule(uncached, cached);
  }
}

TEST_CASE("LayerFieldsOf holds every field of a layer's schedule that is priced") {
  compiler::LayerSchedule l;
  const compiler::LayerFields base = compiler::LayerFieldsOf(l);
  std::vector<std::function<void(compiler::LayerSchedule&)>> edits = {
      [](auto& x) { x.kind = compiler::LayerKind::kPost; },
      [](auto& x) { x.gemm.count = 2; },
      [](auto& x) { x.gemm.m = 2; },
      [](auto& x) { x.gemm.k = 2; },
      [](auto& x) { x.gemm.n = 2; },
      [](auto& x) { x.in_h = 2; },
      [](auto& x) { x.in_w = 2; },
      [](auto& x) { x.out_h = 2; },
      [](auto& x) { x.out_w = 2; },
      [](auto& x) { x.kernel_h = 2; },
      [](auto& x) { x.kernel_w = 2; },
      [](auto& x) { x.stride_h = 2; },
      [](auto& x) { x.dilation_h = 2; },
      [](auto& x) { x.bits.a_bits = 3; },
      [](auto& x) { x.bits.w_bits = 3; },
      [](auto& x) { x.bits.out_bits = 3; },
      [](auto& x) { x.bits.mac_a_bits = 3; },
      [](auto& x) { x.bits.mac_w_bits = 3; },
      [](auto& x) { x.bits.acc_bits = 3; },
      [](auto& x) { x.bits.binary = true; },
      [](auto& x) {
        x.bits.a_scale = {32, 8};
      },
      [](auto& x) {
        x.bits.w_scale = {32, 8};
      },
      [](auto& x) {
        x.bits.out_scale = {32, 8};
      },
      [](auto& x) { x.bits.w_grouped = true; },
      [](auto& x) { x.pack = 2; },
      [](auto& x) { x.required_acc_bits = 3; },
      [](auto& x) { x.in_elements = 3; },
      [](auto& x) { x.out_elements = 3; },
      [](auto& x) { x.post_multiplies_per_out = 3; },
      [](auto& x) { x.post_adds_per_out = 3; },
      [](auto& x) { x.post_compares_per_out = 3; }};
  CHECK(edits.size() == base.size());
  for (size_t i = 0; i < edits.size(); ++i) {
    INFO("edit " << i);
    compiler::LayerSchedule x;
    edits[i](x);
    CHECK(compiler::LayerFieldsOf(x) != base);
  }
  // Not keyed: the tiling (each cache keys it apart) and the mapper's counts and messages.
  compiler::LayerSchedule y;
  y.tiling.m = 7, y.candidates = 9, y.status = "x", y.name = "y";
  CHECK(compiler::LayerFieldsOf(y) == base);
}
