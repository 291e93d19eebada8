// Technology cost tables: the 45 nm table reproduces the published points it is built from, the
// formulas are monotone in width and capacity, the 32 nm table is the 45 nm one times its cited
// factors, user tables override entries, every validation problem is reported together, and the
// energy of a tiny layer matches a hand computation.

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/error.h"
#include "quasar/models/spec/arch_spec.h"

using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

std::string TechDir() { return std::string(QUASAR_SOURCE_DIR) + "/workloads/technology"; }

const CostTable& H45() {
  static const CostTable t = LoadCostTable("horowitz45", TechDir());
  return t;
}

// The message of the InputError that parsing `text` throws.
std::string ErrorOf(const std::string& text) {
  try {
    ParseCostTable(text, "user.yaml", TechDir());
  } catch (const quasar::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kEntryKeys[] = {"multiply_quadratic",
                            "multiply_linear",
                            "add",
                            "register_per_bit",
                            "comparator_per_bit",
                            "xnor_vs_1bit_add",
                            "sram_access_64bit",
                            "dram_per_byte",
                            "leakage_power_density",
                            "precision_scalable_power_factor",
                            "pe_area",
                            "precision_scalable_area_factor",
                            "sram_area_per_KiB",
                            "register_area_per_bit"};

}  // namespace

TEST_CASE("the 45 nm table has every entry with a unit and a source") {
  const CostTable& t = H45();
  CHECK(t.name == "horowitz45");
  CHECK(t.node == "45nm");
  CHECK(t.entries.size() == std::size(kEntryKeys));
  for (const char* key : kEntryKeys) {
    INFO(key);
    REQUIRE(t.entries.count(key) == 1);
    CHECK_FALSE(t.Entry(key).unit.empty());
    CHECK(t.Entry(key).source.size() > 20);
  }
  CHECK_THROWS_AS(t.Entry("nonexistent"), std::logic_error);
}

TEST_CASE("multiplies reproduce Horowitz's 8-bit and 32-bit integer multiply") {
  const CostTable& t = H45();
  CHECK(t.MultiplyPj(8, 8) == Approx(0.2).margin(1e-3));
  CHECK(t.MultiplyPj(32, 32) == Approx(3.1).margin(1e-3));
  // Mixed widths use b = sqrt(a*w): 8x2 is the same product as 4x4.
  CHECK(t.MultiplyPj(8, 2) == Approx(t.MultiplyPj(4, 4)));
  // 4x4 by hand: 0.002994792*16 + 0.001041667*4 = 0.047916672 + 0.004166668 = 0.05208334.
  CHECK(t.MultiplyPj(4, 4) == Approx(0.05208334).epsilon(1e-9));
}

TEST_CASE("adds hit Horowitz's 8/16/32-bit points and scale with width outside them") {
  const CostTable& t = H45();
  CHECK(t.AddPj(8) == Approx(0.03).epsilon(1e-12));
  CHECK(t.AddPj(16) == Approx(0.05).epsilon(1e-12));
  CHECK(t.AddPj(32) == Approx(0.1).epsilon(1e-12));
  CHECK(t.AddPj(24) == Approx(0.075));   // halfway between 16 and 32
  CHECK(t.AddPj(1) == Approx(0.00375));  // 0.03 / 8: proportional below 8 bits
  CHECK(t.AddPj(64) == Approx(0.2));     // 0.1 * 64 / 32 above 32 bits
  CHECK(t.MacPj(8, 8, 32) == Approx(0.3).margin(1e-3));
  // XNOR lane: 0.3 of a 1-bit adder = 0.3 * 0.00375.
  CHECK(t.XnorPjPerLane() == Approx(0.001125));
  CHECK(t.RegisterPjPerBit() == Approx(0.009));
  CHECK(t.ComparatorPjPerBit() == Approx(0.003125));
  CHECK_THROWS_AS(t.AddPj(0), std::invalid_argument);
}

TEST_CASE("SRAM accesses hit Horowitz's 8 KB / 32 KB / 1 MB points at 64 bits") {
  const CostTable& t = H45();
  CHECK(t.SramAccessPj(8 * 1024, 64) == Approx(10).epsilon(1e-12));
  CHECK(t.SramAccessPj(32 * 1024, 64) == Approx(20).epsilon(1e-12));
  CHECK(t.SramAccessPj(1024 * 1024, 64) == Approx(100).epsilon(1e-12));
  // Word width scales linearly from 64 bits.
  CHECK(t.SramAccessPj(32 * 1024, 8) == Approx(2.5));
  CHECK(t.SramAccessPj(32 * 1024, 128) == Approx(40));
  // Linear in log(capacity): 16 KB is halfway (in log) between 8 and 32 KB.
  CHECK(t.SramAccessPj(16 * 1024, 64) == Approx(15));
  // Power law below 8 KB with k = log(20/10)/log(4) = 0.5: 2 KB -> 10 * (1/4)^0.5 = 5 pJ.
  CHECK(t.SramAccessPj(2 * 1024, 64) == Approx(5));
  // Above 1 MB, k = log(100/20)/log(32): 4 MB -> 100 * 4^k.
  CHECK(t.SramAccessPj(4 * 1024 * 1024, 64) ==
        Approx(100 * std::pow(4.0, std::log(5.0) / std::log(32.0))));
  CHECK(t.DramPjPerByte() == Approx(1950.0 / 8));
  CHECK_THROWS_AS(t.SramAccessPj(0, 64), std::invalid_argument);
}

TEST_CASE("energies grow monotonically with width and capacity") {
  const CostTable& t = H45();
  for (int b = 1; b < 64; ++b) {
    INFO(b);
    CHECK(t.MultiplyPj(b + 1, b + 1) > t.MultiplyPj(b, b));
    CHECK(t.MultiplyPj(b + 1, 8) > t.MultiplyPj(b, 8));
    CHECK(t.AddPj(b + 1) > t.AddPj(b));
    CHECK(t.PeAreaUm2(b + 1, b + 1, false) > t.PeAreaUm2(b, b, false));
  }
  double previous = 0;
  for (int64_t bytes = 64; bytes <= (int64_t{1} << 30); bytes *= 2) {
    INFO(bytes);
    const double e = t.SramAccessPj(bytes, 64);
    CHECK(e > previous);
    previous = e;
    CHECK(t.SramAreaUm2(2 * bytes) > t.SramAreaUm2(bytes));
  }
}

TEST_CASE("PE area hits Bit Fusion's four fixed PEs and prices precision scaling") {
  const CostTable& t = H45();
  CHECK(t.PeAreaUm2(2, 2, false) == Approx(125));
  CHECK(t.PeAreaUm2(4, 4, false) == Approx(282));
  CHECK(t.PeAreaUm2(8, 8, false) == Approx(688));
  CHECK(t.PeAreaUm2(16, 16, false) == Approx(2203));
  // 8x4: product 32, a third of the way from 16 (282 um2) to 64 (688 um2).
  CHECK(t.PeAreaUm2(8, 4, false) == Approx(282 + (688 - 282) / 3.0));
  CHECK(t.PeAreaUm2(8, 8, true) == Approx(2.5 * 688));
  CHECK(t.PrecisionScalablePowerFactor() == Approx(2.0));
  CHECK(t.PeAreaUm2(1, 1, false) == Approx(125.0 / 4));  // proportional below 2x2
  CHECK(t.SramAreaUm2(1024) == Approx(9953.28));
  CHECK(t.RegisterAreaUm2PerBit() == Approx(5.98));
}

TEST_CASE("the 32 nm table is the 45 nm table times its cited factors") {
  const CostTable t32 = LoadCostTable("scaled32", TechDir());
  const CostTable& t45 = H45();
  CHECK(t32.name == "scaled32");
  CHECK(t32.node == "32nm");
  const double e = 0.6541, a = 0.46;  // workloads/technology/scaled32.yaml, scale.energy/area
  CHECK(t32.MultiplyPj(8, 8) == Approx(e * t45.MultiplyPj(8, 8)));
  CHECK(t32.MultiplyPj(3, 5) == Approx(e * t45.MultiplyPj(3, 5)));
  CHECK(t32.AddPj(16) == Approx(e * 0.05));
  CHECK(t32.RegisterPjPerBit() == Approx(e * t45.RegisterPjPerBit()));
  CHECK(t32.ComparatorPjPerBit() == Approx(e * t45.ComparatorPjPerBit()));
  CHECK(t32.XnorPjPerLane() == Approx(e * t45.XnorPjPerLane()));
  for (int64_t kib : {1, 8, 100, 1024, 8192}) {
    CHECK(t32.SramAccessPj(kib * 1024, 32) == Approx(e * t45.SramAccessPj(kib * 1024, 32)));
    CHECK(t32.SramAreaUm2(kib * 1024) == Approx(a * t45.SramAreaUm2(kib * 1024)));
  }
  CHECK(t32.PeAreaUm2(8, 8, false) == Approx(a * 688));
  CHECK(t32.PeAreaUm2(8, 8, true) == Approx(a * 2.5 * 688));
  CHECK(t32.RegisterAreaUm2PerBit() == Approx(a * 5.98));
  // Not scaled: off-chip DRAM, leakage density, ratios.
  CHECK(t32.DramPjPerByte() == t45.DramPjPerByte());
  CHECK(t32.LeakagePj(1e6, 1e-6) == t45.LeakagePj(1e6, 1e-6));
  CHECK(t32.PrecisionScalablePowerFactor() == 2.0);
  // Every scaled entry keeps its 45 nm source and names the scaling rule.
  CHECK_THAT(t32.Entry("add").source, Contains("Horowitz") && Contains("Stillmaker"));
  CHECK_THAT(t32.Entry("pe_area").source, Contains("Bit Fusion") && Contains("scale.area"));
  CHECK_THAT(t32.Entry("dram_per_byte").source, !Contains("Stillmaker"));
}

TEST_CASE("a user table derives from a named table and overrides single entries") {
  const CostTable t = ParseCostTable(R"(
version: 1
name: my-lpddr
node: 45nm
base: horowitz45
entries:
  dram_per_byte: {value: 40, unit: pJ/byte, source: "vendor LPDDR4 figure"}
  add: {points: [[8, 0.02], [32, 0.08]], unit: pJ, source: "my synthesis"}
)",
                                     "user.yaml", TechDir());
  CHECK(t.name == "my-lpddr");
  CHECK(t.file == "user.yaml");
  CHECK(t.DramPjPerByte() == 40);
  CHECK(t.Entry("dram_per_byte").source == "vendor LPDDR4 figure");
  CHECK(t.AddPj(16) == Approx(0.04));
  CHECK(t.MultiplyPj(8, 8) == H45().MultiplyPj(8, 8));  // not overridden
  CHECK(t.SramAccessPj(8192, 64) == 10);
}

TEST_CASE("tables load by name or by path, and a missing one is a user error") {
  const std::string path = TechDir() + "/horowitz45.yaml";
  CHECK(LoadCostTable(path).file == path);
  CHECK(LoadCostTable("horowitz45", TechDir()).file == path);
  try {
    LoadCostTable("nosuchnode", TechDir());
    FAIL("no error");
  } catch (const quasar::InputError& e) {
    CHECK_THAT(e.what(), Contains("no table named 'nosuchnode'"));
  }
  CHECK_THAT(ErrorOf("version: 1\nname: x\nnode: y\nbase: nosuchnode\n"),
             Contains("user.yaml: base: cannot be loaded") && Contains("nosuchnode.yaml"));
}

TEST_CASE("validation reports every problem of a table together, each with its key path") {
  const std::string msg = ErrorOf(R"(
version: 1
name: broken
node: 45nm
base: horowitz45
colour: blue
entries:
  add: {points: [[8, 0.03], [16, 0.05]], unit: pJ}
  dram_per_byte: {value: 250, unit: pJ, source: "x"}
  register_per_bit: {value: -0.01, unit: pJ/bit, source: "x"}
  adder_per_bit: {value: 0.01, unit: pJ/bit, source: "x"}
  sram_area_per_KiB: {value: 9000, unit: um2/KiB, source: "x", note: "cacti"}
  pe_area: {points: [[4, 125], [4, 200]], unit: um2, source: "x"}
)");
  CHECK_THAT(msg, Contains("user.yaml: colour: unknown key"));
  CHECK_THAT(msg, Contains("user.yaml: entries.add.source: is required"));
  CHECK_THAT(msg,
             Contains("entries.dram_per_byte.unit: must be 'pJ/byte' for this entry, got 'pJ'"));
  CHECK_THAT(msg, Contains("entries.register_per_bit.value: must be a finite, non-negative number, "
                           "got '-0.01'"));
  CHECK_THAT(msg, Contains("entries.adder_per_bit: unknown entry (known: multiply_quadratic"));
  CHECK_THAT(msg, Contains("entries.sram_area_per_KiB.note: unknown key"));
  CHECK_THAT(msg, Contains("entries.pe_area.points[1]: x must increase"));
}

TEST_CASE("a table without a base must define every entry, scales need a base") {
  const std::string msg = ErrorOf(R"(
version: 2
name: partial
node: 7nm
scale:
  energy: {value: 0.5, unit: ratio, source: "x"}
  area: {value: 0.1, unit: "%", source: "y"}
entries:
  dram_per_byte: {value: 250, unit: pJ/byte, source: "x"}
  add: {points: [[8, 0.03]], unit: pJ, source: "x"}
)");
  CHECK_THAT(msg, Contains("version: must be 1, got '2'"));
  CHECK_THAT(msg, Contains("scale: needs a base table to scale"));
  CHECK_THAT(msg, Contains("scale.area.unit: must be 'ratio' for this entry, got '%'"));
  CHECK_THAT(msg, Contains("entries.add.points: must be a list of at least two [x, value] pairs"));
  CHECK_THAT(msg, Contains("entries.multiply_quadratic: is required"));
  CHECK_THAT(msg, Contains("entries.register_area_per_bit: is required"));
  CHECK_THAT(msg, !Contains("entries.dram_per_byte"));
  CHECK_THAT(ErrorOf("name: [unclosed"), Contains("user.yaml:1:") && Contains("malformed YAML"));
  CHECK_THAT(ErrorOf("- 1\n- 2\n"), Contains("a cost table must be a mapping"));
}

TEST_CASE("the energy of a tiny layer, worked out by hand") {
  // A 1x1 convolution of 8-bit activations and weights with 32-bit accumulators on the 45 nm
  // table: 1,000 MACs, 250 reads of 64-bit words from a 32 KiB input buffer, 125 reads of 64-bit
  // words from an 8 KiB weight buffer, 1 KiB of weights fetched from DRAM, 16 32-bit
  // accumulator registers written once per MAC they take part in (1,000 writes of 32 bits).
  //
  //   MACs:      1,000 x (0.2 pJ mult 8x8 + 0.1 pJ add 32b)    =   300 pJ
  //   input SRAM:  250 x 20 pJ (32 KiB, 64 bits)               = 5,000 pJ
  //   weight SRAM: 125 x 10 pJ (8 KiB, 64 bits)                = 1,250 pJ
  //   DRAM:      1,024 bytes x 243.75 pJ/byte (1950 pJ / 8 B)  = 249,600 pJ
  //   registers: 1,000 x 32 bits x 0.009 pJ/bit                =   288 pJ
  //   leakage:   16 PEs x 688 um2 = 11,008 um2 = 0.011008 mm2; at 12 mW/mm2 for 1 us:
  //              12 x 0.011008 mW x 1e-6 s = 1.32096e-10 J      =   132.096 pJ
  //   total                                                     = 256,570.096 pJ
  const CostTable& t = H45();
  const double mac = 1000 * t.MacPj(8, 8, 32);
  const double sram = 250 * t.SramAccessPj(32 * 1024, 64) + 125 * t.SramAccessPj(8 * 1024, 64);
  const double dram = 1024 * t.DramPjPerByte();
  const double regs = 1000 * 32 * t.RegisterPjPerBit();
  const double leak = t.LeakagePj(16 * t.PeAreaUm2(8, 8, false), 1e-6);
  CHECK(mac == Approx(300).epsilon(1e-6));
  CHECK(sram == Approx(6250).epsilon(1e-9));
  CHECK(dram == Approx(249600).epsilon(1e-12));
  CHECK(regs == Approx(288).epsilon(1e-12));
  CHECK(leak == Approx(132.096).epsilon(1e-9));
  CHECK(mac + sram + dram + regs + leak == Approx(256570.096).epsilon(1e-8));
}

TEST_CASE("docs/energy-area.md documents every entry of the format") {
  std::ifstream in(std::string(QUASAR_SOURCE_DIR) + "/docs/energy-area.md");
  REQUIRE(in);
  std::stringstream doc;
  doc << in.rdbuf();
  for (const char* key : kEntryKeys) {
    INFO(key);
    CHECK_THAT(doc.str(), Contains(std::string("`") + key + "`"));
  }
}

TEST_CASE("an accelerator's technology: a name, or a path relative to the architecture file") {
  const std::string dir = std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators/";
  const std::string head = "version: 1\nname: a\narray: {rows: 2, cols: 2, dataflow: os}\n";
  const quasar::models::ArchSpec by_name =
      quasar::models::ParseArchSpec(head + "technology: scaled32\n", dir + "a.yaml");
  CHECK(quasar::models::LoadArchCostTable(by_name).name == "scaled32");
  const quasar::models::ArchSpec by_path = quasar::models::ParseArchSpec(
      head + "technology: ../technology/scaled32.yaml\n", dir + "a.yaml");
  CHECK(quasar::models::LoadArchCostTable(by_path).name == "scaled32");
  const quasar::models::ArchSpec missing =
      quasar::models::ParseArchSpec(head + "technology: nosuch\n", dir + "a.yaml");
  CHECK_THROWS_WITH(quasar::models::LoadArchCostTable(missing),
                    Catch::Contains(dir + "a.yaml: technology: cannot be loaded"));
}
