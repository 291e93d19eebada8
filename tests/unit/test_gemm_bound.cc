// The mapper's bound (analytical.h, BoundGemm): the events of a layer summed over classes of
// equal tiles equal the tile-by-tile evaluation's, field by field, and its cycles bound never
// exceeds the evaluated cycles, on the zoo's convolutions, every dataflow and loop order, packed
// binary layers and grouped convolutions, with and without double buffering.

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "quasar/compiler/mapper.h"
#include "quasar/models/net/network.h"
#include "quasar/sim/analytical.h"

using namespace quasar;
using compiler::LayerKind;
using compiler::LayerSchedule;
using compiler::LoopOrder;
using compiler::Tiling;

namespace {

std::string Workload(const std::string& rel) {
  return std::string(QUASAR_SOURCE_DIR) + "/workloads/" + rel;
}

void CheckBound(const LayerSchedule& l, const models::ArchSpec& arch, sim::GemmBounder* bounder) {
  const sim::LayerPerf p = sim::EvaluateLayer(l, arch);
  REQUIRE(p.ok());
  const std::unique_ptr<sim::DramModel> dram = sim::MakeDramModel(arch.dram);
  const sim::GemmBound b = bounder->Bound(l, arch, *dram);
  const models::EventCounts &x = b.events, &y = p.events;
  CHECK(x.macs == y.macs);
  CHECK(x.pe_cycles == y.pe_cycles);
  CHECK(x.register_bit_writes == y.register_bit_writes);
  CHECK(x.input_reads == y.input_reads);
  CHECK(x.input_writes == y.input_writes);
  CHECK(x.weight_reads == y.weight_reads);
  CHECK(x.weight_writes == y.weight_writes);
  CHECK(x.output_reads == y.output_reads);
  CHECK(x.output_writes == y.output_writes);
  CHECK(x.dram_read_bytes == y.dram_read_bytes);
  CHECK(x.dram_write_bytes == y.dram_write_bytes);
  CHECK(x.post_multiplies == y.post_multiplies);
  CHECK(x.post_adds == y.post_adds);
  CHECK(x.post_compare_bits == y.post_compare_bits);
  CHECK(b.compute_cycles == p.compute_cycles);
  CHECK(b.post_cycles == p.post_cycles);
  CHECK(b.min_cycles <= p.cycles);
  CHECK(b.min_cycles > 0);
  CHECK(x.cycles == b.min_cycles);
}

// Every GEMM layer of `net_file` on `arch_file` (with buffers large enough for any tile), under
// random tilings and every loop order.
void CheckNetwork(const std::string& net_file, const std::string& arch_file, bool double_buffered,
                  uint32_t seed) {
  models::NetworkSpec net = models::LoadNetwork(Workload("networks/" + net_file));
  models::ArchSpec arch = models::LoadArchSpec(Workload("accelerators/" + arch_file));
  arch.input.kib = arch.weight.kib = arch.output.kib = 1 << 20;
  arch.input.double_buffered = arch.weight.double_buffered = arch.output.double_buffered =
      double_buffered;
  std::mt19937 rng(seed);
  auto pick = [&](int64_t extent) {
    // Small tiles (many of them), a third of the extent, or all of it.
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 0:
        return std::uniform_int_distribution<int64_t>(1, std::min<int64_t>(extent, 7))(rng);
      case 1:
        return std::max<int64_t>(1, extent / 3 + 1);
      default:
        return extent;
    }
  };
  sim::GemmBounder bounder;
  int checked = 0;
  for (const models::NetLayer& layer : net.layers) {
    LayerSchedule l = compiler::PrepareLayer(layer, net, arch);
    if (l.kind != LayerKind::kGemm || !l.ok()) continue;
    // Keep the tile count small enough for the tile-by-tile evaluation to stay quick.
    for (int trial = 0; trial < 3; ++trial) {
      Tiling t{pick(l.gemm.m), pick(l.gemm.k), pick(l.gemm.n), LoopOrder::kMNK};
      if (l.pack > 1 && t.k < l.gemm.k) t.k = std::max<int64_t>(1, t.k / l.pack) * l.pack;
      while (compiler::CeilDiv(l.gemm.m, t.m) * compiler::CeilDiv(l.gemm.k, t.k) *
                 compiler::CeilDiv(l.gemm.n, t.n) * l.gemm.count >
             20000) {
        t.m = std::min(l.gemm.m, t.m * 2);
        t.n = std::min(l.gemm.n, t.n * 2);
      }
      for (LoopOrder o : compiler::kAllLoopOrders) {
        t.order = o;
        l.tiling = t;
        INFO(net_file << " on " << arch_file << ", layer " << l.name << ", tiling " << t.m << " x "
                      << t.k << " x " << t.n << " " << compiler::LoopOrderName(o));
        CheckBound(l, arch, &bounder);
        ++checked;
      }
    }
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("the bound's events equal the tile-by-tile evaluation's on every dataflow") {
  CheckNetwork("resnet18.yaml", "rtl_4x4_os.yaml", true, 1);
  CheckNetwork("resnet18.yaml", "rtl_4x4_ws.yaml", true, 2);
  CheckNetwork("resnet18.yaml", "rtl_4x4_is.yaml", false, 3);
  CheckNetwork("lenet5.yaml", "eyeriss_12x14.yaml", true, 4);
}

TEST_CASE("the bound's events equal the evaluation's for packed and grouped layers") {
  CheckNetwork("bnn_cifar10.yaml", "binary_64x64.yaml", true, 5);      // XNOR lanes, pack 64
  CheckNetwork("mobilenetv2.yaml", "bitfusion_16x32.yaml", false, 6);  // depthwise: count > 1
}
