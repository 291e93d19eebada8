// The energy and area report: a tiny layer priced component by component against a hand
// computation from the horowitz45 numbers, the Bit Fusion power factor, binary XNOR-popcount
// lanes, the area of the presets, summing counts and breakdowns, TOPS/W, and bad input.

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/cost/events.h"
#include "quasar/models/spec/arch_spec.h"

using namespace quasar::models;

namespace {

std::string TechDir() { return std::string(QUASAR_SOURCE_DIR) + "/workloads/technology"; }

const CostTable& H45() {
  static const CostTable t = LoadCostTable("horowitz45", TechDir());
  return t;
}

std::string Preset(const std::string& file) {
  return std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators/" + file;
}

// A 2x3 int8 array with three 8 KiB SRAMs of 64-bit (8-byte) words, 500 MHz, one
// post-processing element per cycle. `scaling` and `lanes` fill the MAC's precision_scaling and
// binary_lanes.
ArchSpec TinyArch(const std::string& scaling = "none", int lanes = 0) {
  const std::string yaml = R"(
version: 1
name: tiny
array: {rows: 2, cols: 3, dataflow: ws}
mac:
  weight_bits: 8
  activation_bits: 8
  signed: true
  accumulator: {bits: 32, overflow: wrap}
  precision_scaling: )" + scaling +
                           R"(
  binary_lanes: )" + std::to_string(lanes) +
                           R"(
buffers:
  input:  {kib: 8, word_bytes: 8, double_buffered: true}
  weight: {kib: 8, word_bytes: 8, double_buffered: true}
  output: {kib: 8, word_bytes: 8, double_buffered: true}
dram: {bytes_per_cycle: 8, latency_cycles: 10}
clock_mhz: 500
technology: horowitz45
post_processing: {elements_per_cycle: 1}
)";
  return ParseArchSpec(yaml, "tiny.yaml");
}

// The events of a tiny int8 layer (2x2 output, 6 channels in: 24 MACs).
EventCounts TinyLayer() {
  EventCounts e;
  e.macs = 24;
  e.mac_a_bits = 8;
  e.mac_w_bits = 8;
  e.acc_bits = 32;
  e.pe_cycles = 6 * 8;
  e.register_bit_writes = 384;  // 24 MACs x (8-bit activation + 8-bit weight) moved
  e.input_reads = 10;
  e.input_writes = 2;
  e.weight_reads = 6;
  e.weight_writes = 6;
  e.output_reads = 3;
  e.output_writes = 6;
  e.dram_read_bytes = 96;
  e.dram_write_bytes = 6;
  e.post_multiplies = 6;
  e.post_adds = 12;
  e.post_compare_bits = 192;  // 6 outputs x 32-bit clamp
  e.cycles = 50;
  return e;
}

}  // namespace

TEST_CASE("a tiny layer's energy and area, worked out by hand", "[energy]") {
  const ArchSpec arch = TinyArch();
  const AreaBreakdown area = PriceArea(arch, H45());
  // Area:
  //   PE 8x8 (product 64):          688 um2 (Bit Fusion's fixed 8-bit PE)
  //   array 2 x 3 x 688           = 4,128 um2
  //   each SRAM 8 KiB x 9953.28   = 79,626.24 um2
  //   post: ceil(1) = 1 lane of a 32x32 PE, product 1024 = 4 x 256: 4 x 2203 = 8,812 um2
  //   total 4,128 + 3 x 79,626.24 + 8,812 = 251,818.72 um2
  CHECK(area.pe == Approx(688).epsilon(1e-12));
  CHECK(area.pe_array == Approx(4128).epsilon(1e-12));
  CHECK(area.input_sram == Approx(79626.24).epsilon(1e-12));
  CHECK(area.weight_sram == Approx(79626.24).epsilon(1e-12));
  CHECK(area.output_sram == Approx(79626.24).epsilon(1e-12));
  CHECK(area.post_processing == Approx(8812).epsilon(1e-12));
  CHECK(area.Total() == Approx(251818.72).epsilon(1e-12));

  const EnergyBreakdown e = PriceEvents(TinyLayer(), arch, H45(), area);
  // MAC: MultiplyPj(8, 8) = 0.002994792 x 64 + 0.001041667 x 8 = 0.191666688 + 0.008333336
  //      = 0.200000024 pJ; + AddPj(32) = 0.1 pJ; x 24 MACs = 24 x 0.300000024 = 7.200000576 pJ.
  CHECK(e.mac == Approx(7.200000576).epsilon(1e-12));
  // Registers: 384 bits x 0.009 pJ/bit = 3.456 pJ.
  CHECK(e.pe_registers == Approx(3.456).epsilon(1e-12));
  // SRAMs: 8 KiB, 64-bit word -> 10 pJ per access (Horowitz's 8 KB point).
  //   input (10 + 2) x 10 = 120 pJ; weight (6 + 6) x 10 = 120 pJ; output (3 + 6) x 10 = 90 pJ.
  CHECK(e.input_sram == Approx(120).epsilon(1e-12));
  CHECK(e.weight_sram == Approx(120).epsilon(1e-12));
  CHECK(e.output_sram == Approx(90).epsilon(1e-12));
  // DRAM: (96 + 6) bytes x 243.75 pJ/byte = 24,862.5 pJ.
  CHECK(e.dram == Approx(24862.5).epsilon(1e-12));
  // Post-processing: MultiplyPj(32, 32) = 0.002994792 x 1024 + 0.001041667 x 32
  //   = 3.066667008 + 0.033333344 = 3.100000352 pJ; 6 x 3.100000352 = 18.600002112 pJ;
  //   12 adds x 0.1 pJ = 1.2 pJ; 192 bits x 0.003125 pJ = 0.6 pJ; sum 20.400002112 pJ.
  CHECK(e.post_processing == Approx(20.400002112).epsilon(1e-12));
  // Leakage: 50 cycles at 500 MHz = 1e-7 s; 251,818.72 um2 = 0.25181872 mm2;
  //   12 mW/mm2 x 0.25181872 mm2 = 3.02182464 mW; x 1e-7 s = 3.02182464e-10 J = 302.182464 pJ.
  CHECK(e.leakage == Approx(302.182464).epsilon(1e-12));
  // Total: 7.200000576 + 3.456 + 120 + 120 + 90 + 24,862.5 + 20.400002112 + 302.182464
  //      = 25,525.738466688 pJ.
  CHECK(e.Total() == Approx(25525.738466688).epsilon(1e-12));
  // 48 ops (2 per MAC) / 25,525.738466688 pJ = 0.0018804... TOPS/W (DRAM dominates).
  CHECK(TopsPerWatt(2 * 24, e.Total()) == Approx(48 / 25525.738466688).epsilon(1e-12));
}

TEST_CASE("a Bit Fusion MAC costs twice the energy per product and 2.5x the PE area", "[energy]") {
  const ArchSpec fixed = TinyArch();
  const ArchSpec fusion = TinyArch("bit_fusion");
  const AreaBreakdown fixed_area = PriceArea(fixed, H45());
  const AreaBreakdown fusion_area = PriceArea(fusion, H45());
  CHECK(fusion_area.pe == Approx(2.5 * 688).epsilon(1e-12));  // 1,720 um2
  CHECK(fusion_area.pe_array == Approx(6 * 1720).epsilon(1e-12));
  CHECK(fusion_area.input_sram == fixed_area.input_sram);

  const EnergyBreakdown a = PriceEvents(TinyLayer(), fixed, H45(), fixed_area);
  const EnergyBreakdown b = PriceEvents(TinyLayer(), fusion, H45(), fusion_area);
  // 2.0 x 7.200000576 pJ.
  CHECK(b.mac == Approx(14.400001152).epsilon(1e-12));
  CHECK(b.pe_registers == a.pe_registers);
  CHECK(b.input_sram == a.input_sram);
  CHECK(b.dram == a.dram);
  CHECK(b.post_processing == a.post_processing);
  // Leakage grows with the area: 6 x (1720 - 688) = 6,192 um2 more, over 1e-7 s at 12 mW/mm2:
  //   12 x 0.006192 mW x 1e-7 s = 7.4304e-12 J = 7.4304 pJ.
  CHECK(b.leakage - a.leakage == Approx(7.4304).epsilon(1e-9));

  // Narrow operands on a Bit Fusion MAC: 2x2 products at MultiplyPj(2, 2) + AddPj(32), x 2.0.
  //   MultiplyPj(2, 2) = 0.002994792 x 4 + 0.001041667 x 2 = 0.011979168 + 0.002083334
  //   = 0.014062502 pJ; (0.014062502 + 0.1) x 2.0 x 24 = 5.475000096 pJ.
  EventCounts narrow = TinyLayer();
  narrow.mac_a_bits = 2;
  narrow.mac_w_bits = 2;
  CHECK(PriceEvents(narrow, fusion, H45(), fusion_area).mac == Approx(5.475000096).epsilon(1e-12));
}

TEST_CASE("binary products are priced on XNOR-popcount lanes, or on the MAC at 1x1 bits",
          "[energy]") {
  EventCounts e;
  e.binary = true;
  e.macs = 130;
  e.mac_a_bits = 1;
  e.mac_w_bits = 1;
  e.acc_bits = 32;

  // 64 lanes: popcount of 64 bits needs ceil(log2(65)) = 7 bits; AddPj(7) = 7 x 0.03 / 8 =
  // 0.02625 pJ. XNOR lane = 0.3 x AddPj(1) = 0.3 x 0.00375 = 0.001125 pJ.
  //   130 x (0.001125 + 0.02625) = 130 x 0.027375 = 3.55875 pJ
  //   accumulator adds: ceil(130 / 64) = 3 x AddPj(32) = 0.3 pJ
  //   total 3.85875 pJ
  const ArchSpec lanes64 = TinyArch("none", 64);
  const AreaBreakdown area64 = PriceArea(lanes64, H45());
  CHECK(PriceEvents(e, lanes64, H45(), area64).mac == Approx(3.85875).epsilon(1e-12));
  // PE area: 688 + 64 x PeAreaUm2(1, 1) = 688 + 64 x 125 / 4 = 688 + 2000 = 2688 um2.
  CHECK(area64.pe == Approx(2688).epsilon(1e-12));
  CHECK(area64.pe_array == Approx(6 * 2688).epsilon(1e-12));

  // 1 lane: popcount width ceil(log2(2)) = 1 bit, AddPj(1) = 0.00375; one accumulation per
  // product: 130 x (0.001125 + 0.00375 + 0.1) = 130 x 0.104875 = 13.63375 pJ.
  const ArchSpec lanes1 = TinyArch("none", 1);
  CHECK(PriceEvents(e, lanes1, H45(), PriceArea(lanes1, H45())).mac ==
        Approx(13.63375).epsilon(1e-12));

  // No lanes: the MAC path at 1x1 bits whatever the widths say, MultiplyPj(1, 1) =
  // 0.002994792 + 0.001041667 = 0.004036459 pJ; 130 x (0.004036459 + 0.1) = 13.52473967 pJ.
  e.mac_a_bits = 8;
  e.mac_w_bits = 8;
  const ArchSpec none = TinyArch();
  CHECK(PriceEvents(e, none, H45(), PriceArea(none, H45())).mac ==
        Approx(13.52473967).epsilon(1e-12));
  // ... and on a Bit Fusion MAC (binary uses one BitBrick) at twice that.
  const ArchSpec fusion = TinyArch("bit_fusion");
  CHECK(PriceEvents(e, fusion, H45(), PriceArea(fusion, H45())).mac ==
        Approx(2 * 13.52473967).epsilon(1e-12));
  // Non-binary layers on a PE with lanes still use the multiplier.
  EventCounts int8 = TinyLayer();
  CHECK(PriceEvents(int8, lanes64, H45(), area64).mac == Approx(7.200000576).epsilon(1e-12));
}

TEST_CASE("the area of the presets, component by component", "[energy]") {
  // bitfusion-16x32: 16 x 32 precision-scalable 8x8 PEs, 64 + 64 + 32 KiB, 32 post lanes.
  //   PE 2.5 x 688 = 1,720 um2; array 512 x 1,720 = 880,640 um2
  //   input, weight: 64 x 9953.28 = 637,009.92 um2; output: 32 x 9953.28 = 318,504.96 um2
  //   post: 32 x 8,812 = 281,984 um2
  //   total 880,640 + 2 x 637,009.92 + 318,504.96 + 281,984 = 2,755,148.8 um2
  const AreaBreakdown bf = PriceArea(LoadArchSpec(Preset("bitfusion_16x32.yaml")), H45());
  CHECK(bf.pe == Approx(1720).epsilon(1e-12));
  CHECK(bf.pe_array == Approx(880640).epsilon(1e-12));
  CHECK(bf.input_sram == Approx(637009.92).epsilon(1e-12));
  CHECK(bf.weight_sram == Approx(637009.92).epsilon(1e-12));
  CHECK(bf.output_sram == Approx(318504.96).epsilon(1e-12));
  CHECK(bf.post_processing == Approx(281984).epsilon(1e-12));
  CHECK(bf.Total() == Approx(2755148.8).epsilon(1e-12));

  // binary-64x64: int8 PE + 64 lanes = 2,688 um2; 4,096 PEs = 11,010,048 um2;
  //   SRAMs 128, 256, 64 KiB; 64 post lanes = 563,968 um2.
  const AreaBreakdown bin = PriceArea(LoadArchSpec(Preset("binary_64x64.yaml")), H45());
  CHECK(bin.pe == Approx(2688).epsilon(1e-12));
  CHECK(bin.pe_array == Approx(11010048).epsilon(1e-12));
  CHECK(bin.input_sram == Approx(128 * 9953.28).epsilon(1e-12));
  CHECK(bin.weight_sram == Approx(256 * 9953.28).epsilon(1e-12));
  CHECK(bin.output_sram == Approx(64 * 9953.28).epsilon(1e-12));
  CHECK(bin.post_processing == Approx(563968).epsilon(1e-12));

  // A fractional post-processing rate rounds up to whole lanes: 1.5 -> 2 x 8,812 um2.
  ArchSpec frac = TinyArch();
  frac.post_elements_per_cycle = 1.5;
  CHECK(PriceArea(frac, H45()).post_processing == Approx(17624).epsilon(1e-12));
}

TEST_CASE("counts and breakdowns add up, widths stay the receiver's", "[energy]") {
  EventCounts a = TinyLayer();
  EventCounts b;
  b.macs = 1;
  b.mac_a_bits = 4;
  b.mac_w_bits = 2;
  b.acc_bits = 16;
  b.binary = true;
  b.pe_cycles = 2;
  b.register_bit_writes = 3;
  b.input_reads = 4;
  b.input_writes = 5;
  b.weight_reads = 6;
  b.weight_writes = 7;
  b.output_reads = 8;
  b.output_writes = 9;
  b.dram_read_bytes = 10;
  b.dram_write_bytes = 11;
  b.post_multiplies = 12;
  b.post_adds = 13;
  b.post_compare_bits = 14;
  b.cycles = 15;
  a.AddCounts(b);
  CHECK(a.macs == 25);
  CHECK(a.pe_cycles == 50);
  CHECK(a.register_bit_writes == 387);
  CHECK(a.input_reads == 14);
  CHECK(a.input_writes == 7);
  CHECK(a.weight_reads == 12);
  CHECK(a.weight_writes == 13);
  CHECK(a.output_reads == 11);
  CHECK(a.output_writes == 15);
  CHECK(a.dram_read_bytes == 106);
  CHECK(a.dram_write_bytes == 17);
  CHECK(a.post_multiplies == 18);
  CHECK(a.post_adds == 25);
  CHECK(a.post_compare_bits == 206);
  CHECK(a.cycles == 65);
  CHECK(a.mac_a_bits == 8);
  CHECK(a.mac_w_bits == 8);
  CHECK(a.acc_bits == 32);
  CHECK_FALSE(a.binary);

  EnergyBreakdown x{1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(x.Total() == 36);
  const EnergyBreakdown y{10, 20, 30, 40, 50, 60, 70, 80};
  x.Add(y);
  CHECK(x.mac == 11);
  CHECK(x.pe_registers == 22);
  CHECK(x.input_sram == 33);
  CHECK(x.weight_sram == 44);
  CHECK(x.output_sram == 55);
  CHECK(x.dram == 66);
  CHECK(x.post_processing == 77);
  CHECK(x.leakage == 88);
  CHECK(x.Total() == 396);

  // Pricing is linear in the counts: a layer run twice costs twice.
  const ArchSpec arch = TinyArch();
  const AreaBreakdown area = PriceArea(arch, H45());
  EventCounts twice = TinyLayer();
  twice.AddCounts(TinyLayer());
  CHECK(PriceEvents(twice, arch, H45(), area).Total() ==
        Approx(2 * 25525.738466688).epsilon(1e-12));
}

TEST_CASE("bad counts, clocks and energies are rejected", "[energy]") {
  const ArchSpec arch = TinyArch();
  const AreaBreakdown area = PriceArea(arch, H45());
  EventCounts e = TinyLayer();
  e.dram_write_bytes = -1;
  CHECK_THROWS_WITH(PriceEvents(e, arch, H45(), area),
                    Catch::Matchers::Contains("dram_write_bytes must not be negative"));
  ArchSpec stopped = arch;
  stopped.clock_mhz = 0;
  CHECK_THROWS_AS(PriceEvents(TinyLayer(), stopped, H45(), area), std::invalid_argument);
  // An empty layer costs nothing, and needs no valid widths.
  EventCounts empty;
  empty.mac_a_bits = 0;
  CHECK(PriceEvents(empty, arch, H45(), area).Total() == 0);
  CHECK(TopsPerWatt(0, 1) == 0);
  CHECK(TopsPerWatt(2000, 1000) == 2);  // 2 ops per pJ = 2 TOPS/W
  CHECK_THROWS_AS(TopsPerWatt(1, 0), std::invalid_argument);
  CHECK_THROWS_AS(TopsPerWatt(-1, 1), std::invalid_argument);
}
