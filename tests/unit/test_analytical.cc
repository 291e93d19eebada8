// The analytical backend: pipeline timing with DRAM latency and bandwidth, double buffering and
// post-processing, traffic and event counts, worked by hand; whole-network invariants; and
// infeasible configurations reported as a status.

#include <catch2/catch.hpp>
#include <string>

#include "quasar/sim/analytical.h"

using namespace quasar;
using compiler::GemmShape;
using compiler::LayerKind;
using compiler::LayerSchedule;
using compiler::LoopOrder;
using compiler::Tiling;

namespace {

// A 2 x 2 weight-stationary array with 4-byte SRAM words, 8 bytes/cycle of DRAM after a
// 10-cycle latency, and a post-processing unit of 4 outputs per cycle.
models::ArchSpec TinyArch(bool double_buffered = true) {
  const std::string db = double_buffered ? "true" : "false";
  return models::ParseArchSpec(
      "version: 1\nname: tiny\narray: {rows: 2, cols: 2, dataflow: ws}\n"
      "buffers:\n"
      "  input: {kib: 1, word_bytes: 4, double_buffered: " +
          db +
          "}\n"
          "  weight: {kib: 1, word_bytes: 4, double_buffered: " +
          db +
          "}\n"
          "  output: {kib: 1, word_bytes: 4, double_buffered: " +
          db +
          "}\n"
          "dram: {bytes_per_cycle: 8, latency_cycles: 10}\n"
          "post_processing: {elements_per_cycle: 4}\n",
      "tiny.yaml");
}

// A fully-connected-like GEMM (the A tile is the input itself) of int8 operands.
LayerSchedule Fc(int64_t m, int64_t k, int64_t n, Tiling t) {
  LayerSchedule l;
  l.name = "fc";
  l.op = "fully_connected";
  l.kind = LayerKind::kGemm;
  l.gemm = GemmShape{1, m, k, n};
  l.tiling = t;
  l.post_multiplies_per_out = 1, l.post_adds_per_out = 2, l.post_compares_per_out = 2;
  return l;
}

}  // namespace

TEST_CASE("one tile of M=5, K=4, N=3 on a 2x2 ws array, worked by hand") {
  const LayerSchedule l = Fc(5, 4, 3, Tiling{5, 4, 3, LoopOrder::kMNK});
  const sim::LayerPerf p = sim::EvaluateLayer(l, TinyArch());
  REQUIRE(p.ok());
  // Compute: ws, Sr = K = 4, Sc = N = 3, T = M = 5: 2 x 2 folds of 2R + C + T - 2 = 9 cycles.
  CHECK(p.compute_cycles == 36);
  // Step 0 loads A (5 x 4 = 20 bytes) and B (12 bytes): 10 + ceil(32 / 8) = 14.
  // Step 1 computes: 36. Step 2 post-processes 15 outputs, ceil(15 / 4) = 4, while storing 15
  // bytes, ceil(15 / 8) = 2 (writes pay no latency): max(2, 4) = 4.
  CHECK(p.cycles == 14 + 36 + 4);
  CHECK(p.stall_cycles == 18);
  CHECK(p.dram_cycles == 14 + 2);
  CHECK(p.post_cycles == 4);
  CHECK(p.tiles == 1);
  CHECK(p.folds == 4);
  CHECK(p.mapping_efficiency == Approx(12.0 / 16));
  CHECK(p.utilization == Approx(60.0 / (54.0 * 4)));
  const models::EventCounts& e = p.events;
  CHECK(e.macs == 60);
  CHECK(e.dram_read_bytes == 32);
  CHECK(e.dram_write_bytes == 15);
  CHECK(e.input_writes == 5);   // 20 bytes in 4-byte words
  CHECK(e.weight_writes == 3);  // 12 bytes
  CHECK(e.input_reads == 10);   // A read once per column fold: 2 x 20 int8 = 40 bytes
  CHECK(e.weight_reads == 3);   // each weight once
  // Partial sums (32-bit words): written once per row fold (2 x 15), read back once (15); the
  // post-processing unit reads the 15 results.
  CHECK(e.output_writes == 30);
  CHECK(e.output_reads == 15 + 15);
  // Registers: each product moves an 8-bit input and a 32-bit partial sum; 12 weights preloaded.
  CHECK(e.register_bit_writes == 60 * 8 + 60 * 32 + 12 * 8);
  CHECK(e.pe_cycles == 4 * 36);
  CHECK(e.post_multiplies == 15);
  CHECK(e.post_adds == 30);
  CHECK(e.post_compare_bits == 15 * 2 * 32);
  CHECK(e.cycles == 54);
}

TEST_CASE("the same tile on os and is arrays: only the compute stage and array traffic change") {
  const LayerSchedule l = Fc(5, 4, 3, Tiling{5, 4, 3, LoopOrder::kMNK});
  models::ArchSpec arch = TinyArch();
  SECTION("os: Sr = M = 5, Sc = N = 3, T = K = 4: 3 x 2 folds of 8 cycles, then R = 2 drain") {
    arch.dataflow = models::Dataflow::kOutputStationary;
    const sim::LayerPerf p = sim::EvaluateLayer(l, arch);
    CHECK(p.compute_cycles == 50);        // 6 folds x (2R + C + T - 2) + R drain = 6 x 8 + 2
    CHECK(p.cycles == 14 + 50 + 4);       // load 14, compute 50, post 4 (as in the ws case)
    CHECK(p.events.input_reads == 10);    // A once per column fold: 40 bytes
    CHECK(p.events.weight_reads == 9);    // B once per row fold: 36 bytes
    CHECK(p.events.output_writes == 15);  // each output once
    CHECK(p.events.output_reads == 15);   // read once by the post-processing unit
    CHECK(p.events.register_bit_writes == 60 * (8 + 8) + 15 * 32);
  }
  SECTION("is: Sr = K = 4, Sc = M = 5, T = N = 3: 2 x 3 folds of 7 cycles") {
    arch.dataflow = models::Dataflow::kInputStationary;
    const sim::LayerPerf p = sim::EvaluateLayer(l, arch);
    CHECK(p.compute_cycles == 42);
    CHECK(p.cycles == 14 + 42 + 4);
    CHECK(p.events.input_reads == 5);     // A once: 20 bytes
    CHECK(p.events.weight_reads == 9);    // B once per column fold: 3 x 12 bytes
    CHECK(p.events.output_writes == 30);  // partial sums once per row fold
    CHECK(p.events.output_reads == 15 + 15);
    CHECK(p.events.register_bit_writes == 60 * 8 + 60 * 32 + 20 * 8);  // 20 inputs preloaded
  }
}

TEST_CASE("two M tiles overlap loads and post-processing with compute") {
  const LayerSchedule l = Fc(5, 4, 3, Tiling{3, 4, 3, LoopOrder::kMNK});
  // Tile 0: M = 3, 4 folds of 4 + 2 + 3 - 2 = 7 -> 28 cycles; loads A 12 + B 12 bytes.
  // Tile 1: M = 2, 4 folds of 6 -> 24 cycles; loads A 8 bytes (B is the same tile).
  SECTION("double buffered: each step lasts as long as its slowest stage") {
    const sim::LayerPerf p = sim::EvaluateLayer(l, TinyArch(true));
    REQUIRE(p.ok());
    // s0: load 24 bytes: 10 + 3 = 13.
    // s1: load 8 bytes (10 + 1 = 11) under compute of tile 0 (28): 28.
    // s2: compute tile 1 (24); post tile 0: 9 outputs, 3 cycles; store 9 bytes, 2 cycles: 24.
    // s3: post tile 1: 6 outputs, 2 cycles; store 6 bytes, 1 cycle: 2.
    CHECK(p.compute_cycles == 52);
    CHECK(p.cycles == 13 + 28 + 24 + 2);
    CHECK(p.events.dram_read_bytes == 32);
    CHECK(p.events.dram_write_bytes == 15);
  }
  SECTION("single buffered: nothing overlaps") {
    const sim::LayerPerf p = sim::EvaluateLayer(l, TinyArch(false));
    // s0 13; s1 11 + 28; s2 2 + 24 + 3; s3 1 + 2.
    CHECK(p.cycles == 13 + 39 + 29 + 3);
  }
}

TEST_CASE("groups follow one another through the pipeline, worked by hand") {
  // Each group is the one tile of M=5, K=4, N=3 above: load 32 bytes, compute 36, post 4, store
  // 15 bytes. A group's load shares its step with the store of the group two steps back.
  LayerSchedule l = Fc(5, 4, 3, Tiling{5, 4, 3, LoopOrder::kMNK});
  SECTION("four groups, double buffered") {
    l.gemm.count = 4;
    const sim::LayerPerf p = sim::EvaluateLayer(l, TinyArch(true));
    REQUIRE(p.ok());
    // s0: load 14. s1: load 14 under compute 36. s2, s3: load 32 + store 15 bytes, 10 +
    // ceil(47 / 8) = 16, under compute 36 and post 4. s4: store 2, compute 36, post 4. s5: post 4.
    CHECK(p.cycles == 14 + 36 + 36 + 36 + 36 + 4);
    CHECK(p.dram_cycles == 14 + 14 + 16 + 16 + 2 + 2);
    CHECK(p.compute_cycles == 4 * 36);
    CHECK(p.post_cycles == 4 * 4);
    CHECK(p.tiles == 4);
    CHECK(p.folds == 4 * 4);
    CHECK(p.events.macs == 4 * 60);
    CHECK(p.events.dram_read_bytes == 4 * 32);
    CHECK(p.events.dram_write_bytes == 4 * 15);
    CHECK(p.events.input_writes == 4 * 5);
    CHECK(p.events.output_reads == 4 * (15 + 15));
    CHECK(p.events.post_adds == 4 * 30);
  }
  SECTION("two groups, single buffered") {
    l.gemm.count = 2;
    const sim::LayerPerf p = sim::EvaluateLayer(l, TinyArch(false));
    // s0: 14. s1: 14 + 36. s2: store 2 + compute 36 + post 4. s3: store 2 + post 4.
    CHECK(p.cycles == 14 + 50 + 42 + 6);
    CHECK(p.dram_cycles == 14 + 14 + 2 + 2);
  }
  SECTION("a layer past 2^53 cycles names its total, as the step-by-step sum reaches it") {
    l.gemm.count = 3;
    models::ArchSpec arch = TinyArch(true);
    // 32 bytes take 2^52 cycles: each step stays below 2^53, the first two steps' sum passes it.
    arch.dram.bytes_per_cycle = 1.0 / static_cast<double>(int64_t{1} << 47);
    CHECK_THROWS_WITH(sim::EvaluateLayer(l, arch),
                      Catch::Contains("the layer would take more than 2^53"));
  }
}

TEST_CASE("with one output tile, k outside keeps the output on chip (no spill)") {
  const LayerSchedule l = Fc(4, 4, 2, Tiling{4, 2, 2, LoopOrder::kKMN});
  const sim::LayerPerf p = sim::EvaluateLayer(l, TinyArch());
  CHECK(p.events.dram_write_bytes == 8);
  CHECK(p.events.dram_read_bytes == 2 * 8 + 2 * 4);
}

TEST_CASE("a loop order with k outside spills partial sums at accumulator width") {
  // Tiles (k, m) = (0, 0), (0, 2), (2, 0), (2, 2): each output tile (2 x 2) leaves the chip
  // between its two K tiles as 4 partial sums of 4 bytes and comes back.
  const LayerSchedule l = Fc(4, 4, 2, Tiling{2, 2, 2, LoopOrder::kKMN});
  const sim::LayerPerf p = sim::EvaluateLayer(l, TinyArch());
  REQUIRE(p.ok());
  // Writes: 2 spills of 16 bytes, 2 final int8 stores of 4. Reads: A 4 x 4, B 2 x 4 (reused
  // while m moves), partial sums 2 x 16.
  CHECK(p.events.dram_write_bytes == 32 + 8);
  CHECK(p.events.dram_read_bytes == 16 + 8 + 32);
  // Only the final store is post-processed.
  CHECK(p.events.post_multiplies == 8);
}

TEST_CASE("packing shortens the reduction the array sees") {
  LayerSchedule l = Fc(5, 8, 3, Tiling{5, 8, 3, LoopOrder::kMNK});
  const sim::LayerPerf one = sim::EvaluateLayer(l, TinyArch());
  l.pack = 2;  // 8 reduction elements -> 4 packed ones: the 5x4x3 case
  const sim::LayerPerf two = sim::EvaluateLayer(l, TinyArch());
  CHECK(one.compute_cycles == 4 * 2 * 9);  // K = 8 on 2 rows: 4 row folds
  CHECK(two.compute_cycles == 36);
  CHECK(two.events.macs == 120);
  CHECK(two.utilization == Approx(120.0 / (static_cast<double>(two.cycles) * 4 * 2)));
}

TEST_CASE("post-only layers stream through the post-processing unit in chunks") {
  LayerSchedule l;
  l.name = "add";
  l.op = "add";
  l.kind = LayerKind::kPost;
  l.in_elements = 2 * 1000;
  l.out_elements = 1000;
  l.post_multiplies_per_out = 3;
  // Input usable: 512 bytes -> ceil(2000 / 512) = 4 chunks of 500 inputs, 250 outputs.
  const sim::LayerPerf p = sim::EvaluateLayer(l, TinyArch());
  REQUIRE(p.ok());
  CHECK(p.tiles == 4);
  // Per chunk: load 500 bytes = 10 + 63 cycles; post 125 cycles; store 250 bytes = 32 cycles.
  // s0 loads chunk 0: 73. s1 loads chunk 1: 73. s2 loads chunk 2 and stores chunk 0 on the
  // one channel, 10 + ceil(750 / 8) = 104, beside post 125: 125; s3 likewise 125; s4 and s5
  // store (32) beside post (125): 125 each.
  CHECK(p.cycles == 73 + 73 + 125 + 125 + 125 + 125);
  CHECK(p.compute_cycles == 0);
  CHECK(p.events.post_multiplies == 3000);
  CHECK(p.events.dram_read_bytes == 2000);
  CHECK(p.events.dram_write_bytes == 1000);
}

TEST_CASE("a whole network: totals are the layers' sums, an impossible MAC is a status") {
  const models::NetworkSpec net = models::ParseNetwork(R"(version: 1
name: t
inputs: [{name: x, shape: [1, 3, 16, 16]}]
layers:
  - {name: c1, op: conv2d, out_channels: 8, kernel: 3, padding: 1, activation: relu}
  - {name: p, op: max_pool, kernel: 2, stride: 2}
  - {name: dw, op: depthwise_conv2d, kernel: 3, padding: 1}
  - {name: f, op: flatten}
  - {name: fc, op: fully_connected, out_features: 10}
)",
                                                       "t.yaml");
  const models::ArchSpec arch = TinyArch();
  const models::CostTable table = models::LoadCostTable("horowitz45");
  for (compiler::Objective o :
       {compiler::Objective::kCycles, compiler::Objective::kEnergy, compiler::Objective::kEdp}) {
    INFO(compiler::ObjectiveName(o));
    const compiler::Schedule s = sim::Compile(net, arch, table, o);
    const sim::NetworkPerf r = sim::EvaluateSchedule(s, arch, table);
    REQUIRE(r.ok());
    int64_t cycles = 0, macs = 0;
    double energy = 0;
    for (const sim::LayerPerf& p : r.layers) {
      cycles += p.cycles;
      macs += p.events.macs;
      energy += p.energy.Total();
      CHECK(p.cycles >= p.compute_cycles);
    }
    CHECK(r.cycles == cycles);
    CHECK(macs == net.TotalMacs());
    CHECK(r.macs == macs);
    CHECK(r.energy.Total() == Approx(energy));
    CHECK(r.latency_s == Approx(static_cast<double>(cycles) / 700e6));
    CHECK(r.tops_per_watt == Approx(2.0 * static_cast<double>(macs) / energy));
    CHECK(r.layers[3].cycles == 0);  // flatten is a view
  }
  // The cycle objective's choice is never slower than the energy objective's, and vice versa.
  const auto by_cycles = sim::EvaluateSchedule(
      sim::Compile(net, arch, table, compiler::Objective::kCycles), arch, table);
  const auto by_energy = sim::EvaluateSchedule(
      sim::Compile(net, arch, table, compiler::Objective::kEnergy), arch, table);
  CHECK(by_cycles.cycles <= by_energy.cycles);
  CHECK(by_energy.energy.Total() <= by_cycles.energy.Total() * (1 + 1e-12));

  models::ArchSpec narrow = arch;
  narrow.mac.weight_bits = narrow.mac.activation_bits = 4;
  const compiler::Schedule s = sim::Compile(net, narrow, table, compiler::Objective::kCycles);
  const sim::NetworkPerf r = sim::EvaluateSchedule(s, narrow, table);
  CHECK_FALSE(r.ok());
  CHECK(r.status.find("layer c1") != std::string::npos);
  CHECK(r.inferences_per_s == 0);
}
