// The yosys cell counts of the MAC RTL (rtl/synth/mac_cells.yaml): the committed file parses and
// orders 8 > 4 > 2 bits > binary, MacSpecs match the closest configuration (or none), the area
// report carries the match beside the table's µm², and bad files name the key and value.

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/cost/rtl_area.h"
#include "quasar/models/error.h"
#include "quasar/models/spec/arch_spec.h"

using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

std::string CellsPath() { return std::string(QUASAR_SOURCE_DIR) + "/rtl/synth/mac_cells.yaml"; }

std::string Preset(const std::string& file) {
  return std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators/" + file;
}

const RtlMacCells& Committed() {
  static const RtlMacCells c = LoadRtlMacCells(CellsPath());
  return c;
}

const RtlMacConfig& Config(const std::string& name) {
  for (const RtlMacConfig& c : Committed().configurations) {
    if (c.name == name) {
      return c;
    }
  }
  FAIL("no configuration " << name << " in " << CellsPath());
  throw std::logic_error("unreachable");
}

MacSpec Mac(int a_bits, int w_bits) {
  MacSpec m;
  m.activation_bits = a_bits;
  m.weight_bits = w_bits;
  return m;
}

// A valid file with one 8-bit configuration; `extra` is appended to that configuration.
std::string OneConfig(const std::string& extra = "", const std::string& cells = "100") {
  return "version: 1\ntool: Yosys test\nconfigurations:\n"
         "  - {name: int8, a_bits: 8, w_bits: 8, lanes: 1, acc_bits: 32, signed: true,\n"
         "     xnor: false, saturate: false, cells: " +
         cells + extra + "}\n";
}

}  // namespace

TEST_CASE("the committed mac_cells.yaml parses and records its synthesis", "[rtl_area]") {
  const RtlMacCells& c = Committed();
  CHECK(c.file == CellsPath());
  CHECK_THAT(c.tool, Contains("Yosys 0.23"));
  CHECK_THAT(c.flow, Contains("abc -g"));
  // int8, int4, int2, binary at 32 bits wrapping, then each at 16 and 24 bits wrapping and at
  // 16, 24 and 32 bits saturating, named <operands>_acc<bits>[_sat].
  REQUIRE(c.configurations.size() == 24);
  for (size_t i = 0; i < c.configurations.size(); ++i) {
    const RtlMacConfig& cfg = c.configurations[i];
    INFO(cfg.name);
    const std::string base = cfg.name.substr(0, cfg.name.find('_'));
    const std::string suffix = i < 4 ? "" : "_acc" + std::to_string(cfg.acc_bits) +
                                                (cfg.saturate ? "_sat" : "");
    CHECK(cfg.name == base + suffix);
    CHECK(cfg.acc_bits == (i < 4 ? 32 : cfg.acc_bits));
    CHECK((cfg.acc_bits == 16 || cfg.acc_bits == 24 || cfg.acc_bits == 32));
    CHECK(cfg.saturate == (cfg.name.size() > 4 && cfg.name.substr(cfg.name.size() - 4) == "_sat"));
    CHECK(cfg.xnor == (base == "binary"));
    CHECK(cfg.lanes == 1);
    CHECK(cfg.is_signed);
    CHECK(cfg.cells > 0);
    int64_t sum = 0;
    for (const auto& kv : cfg.cell_types) {
      sum += kv.second;
    }
    CHECK(sum == cfg.cells);
  }
  CHECK(Config("int8").a_bits == 8);
  CHECK(Config("int4").a_bits == 4);
  CHECK(Config("int2").a_bits == 2);
  CHECK(Config("binary").xnor);
}

TEST_CASE("the synthesized MAC shrinks from 8 to 4 to 2 bits to binary", "[rtl_area]") {
  CHECK(Config("int8").cells > Config("int4").cells);
  CHECK(Config("int4").cells > Config("int2").cells);
  CHECK(Config("int2").cells > Config("binary").cells);
}

TEST_CASE("a MacSpec matches the synthesized MAC of its operand widths", "[rtl_area]") {
  const auto m8 = MatchRtlMac(Committed(), Mac(8, 8));
  REQUIRE(m8);
  CHECK(m8->config == "int8");
  CHECK(m8->cells == Config("int8").cells);
  CHECK(m8->relative_to_int8 == 1.0);
  CHECK(m8->exact);
  CHECK_THAT(m8->tool, Contains("Yosys"));

  const auto m4 = MatchRtlMac(Committed(), Mac(4, 4));
  REQUIRE(m4);
  CHECK(m4->config == "int4");
  CHECK(m4->relative_to_int8 ==
        Approx(double(Config("int4").cells) / double(Config("int8").cells)));
  CHECK(m4->relative_to_int8 < 1.0);

  const auto m1 = MatchRtlMac(Committed(), Mac(1, 1));
  REQUIRE(m1);
  CHECK(m1->config == "binary");
  CHECK(m1->relative_to_int8 < MatchRtlMac(Committed(), Mac(2, 2))->relative_to_int8);

  // Only the operand widths match: a 16-bit saturating accumulator, unsigned operands.
  MacSpec narrow_acc = Mac(8, 8);
  narrow_acc.accumulator.bits = 16;
  narrow_acc.accumulator.overflow = quasar::models::OverflowMode::kSaturate;
  narrow_acc.is_signed = false;
  const auto m16acc = MatchRtlMac(Committed(), narrow_acc);
  REQUIRE(m16acc);
  CHECK(m16acc->config == "int8_acc16_sat");  // the accumulator matches, the signedness not
  CHECK_FALSE(m16acc->exact);
  narrow_acc.is_signed = true;
  CHECK(MatchRtlMac(Committed(), narrow_acc)->exact);
  // 20 bits: the nearest width (16 and 24 tie; file order takes 16).
  narrow_acc.accumulator.bits = 20;
  narrow_acc.accumulator.overflow = quasar::models::OverflowMode::kWrap;
  CHECK(MatchRtlMac(Committed(), narrow_acc)->config == "int8_acc16");
}

TEST_CASE("the accumulator scales the MAC area by the synthesized cells", "[rtl_area]") {
  using quasar::models::OverflowMode;
  const auto factor = [](int a, int w, int acc, OverflowMode mode) {
    MacSpec m = Mac(a, w);
    m.accumulator.bits = acc;
    m.accumulator.overflow = mode;
    const auto f = AccumulatorAreaFactor(Committed(), m);
    REQUIRE(f);
    return *f;
  };
  const auto cells = [](const std::string& name) { return double(Config(name).cells); };
  for (const auto& [bits, name] : {std::pair{8, "int8"}, {4, "int4"}, {2, "int2"}, {1, "binary"}}) {
    INFO(name);
    const std::string n = name;
    CHECK(factor(bits, bits, 32, OverflowMode::kWrap) == 1.0);
    // At a synthesized width: exactly the ratio of the cell counts.
    CHECK(factor(bits, bits, 16, OverflowMode::kWrap) == cells(n + "_acc16") / cells(n));
    CHECK(factor(bits, bits, 24, OverflowMode::kSaturate) == cells(n + "_acc24_sat") / cells(n));
    CHECK(factor(bits, bits, 32, OverflowMode::kSaturate) == cells(n + "_acc32_sat") / cells(n));
    // Between them linear, and linear past the ends.
    CHECK(factor(bits, bits, 20, OverflowMode::kWrap) ==
          Approx((cells(n + "_acc16") + cells(n + "_acc24")) / 2 / cells(n)));
    const double per_bit = (cells(n) - cells(n + "_acc24")) / 8;
    CHECK(factor(bits, bits, 48, OverflowMode::kWrap) ==
          Approx((cells(n) + 16 * per_bit) / cells(n)));
    CHECK(factor(bits, bits, 12, OverflowMode::kWrap) ==
          Approx((cells(n + "_acc16") - 4 * (cells(n + "_acc24") - cells(n + "_acc16")) / 8) /
                 cells(n)));
    // Narrower saves, saturation costs.
    CHECK(factor(bits, bits, 16, OverflowMode::kWrap) < factor(bits, bits, 24, OverflowMode::kWrap));
    CHECK(factor(bits, bits, 24, OverflowMode::kWrap) < 1.0);
    CHECK(factor(bits, bits, 32, OverflowMode::kSaturate) > 1.0);
  }
  MacSpec fusion = Mac(8, 8);
  fusion.scaling = PrecisionScaling::kBitFusion;
  CHECK_FALSE(AccumulatorAreaFactor(Committed(), fusion));
  CHECK_FALSE(AccumulatorAreaFactor(Committed(), Mac(16, 16)));
  // A file with one width per operand pair cannot tell a slope.
  CHECK_FALSE(AccumulatorAreaFactor(ParseRtlMacCells(OneConfig(), "one.yaml"), Mac(8, 8)));
}

TEST_CASE("PriceArea scales the PE by the accumulator factor of a loaded table", "[rtl_area]") {
  const CostTable table = LoadCostTable("horowitz45", DefaultTechnologyDir());
  REQUIRE(table.rtl_mac_cells);
  ArchSpec edge = LoadArchSpec(Preset("edge_32x32_os.yaml"));
  const AreaBreakdown at32 = PriceArea(edge, table);
  CHECK(at32.accumulator_factor == 1.0);
  CHECK(at32.pe == table.PeAreaUm2(8, 8, false));
  edge.mac.accumulator.bits = 16;
  const AreaBreakdown at16 = PriceArea(edge, table);
  const double f = *AccumulatorAreaFactor(Committed(), edge.mac);
  CHECK(at16.accumulator_factor == f);
  CHECK(at16.pe == table.PeAreaUm2(8, 8, false) * f);
  CHECK(at16.pe_array == at16.pe * edge.rows * edge.cols);
  CHECK(at16.Total() < at32.Total());
  // A table without cell counts prices the table's PE whatever the accumulator.
  CostTable bare = table;
  bare.rtl_mac_cells = nullptr;
  CHECK(PriceArea(edge, bare).pe == table.PeAreaUm2(8, 8, false));
  CHECK(PriceArea(edge, bare).accumulator_factor == 1.0);
}

TEST_CASE("MACs that were not synthesized match nothing", "[rtl_area]") {
  CHECK_FALSE(MatchRtlMac(Committed(), Mac(16, 16)));
  CHECK_FALSE(MatchRtlMac(Committed(), Mac(8, 4)));
  CHECK_FALSE(MatchRtlMac(Committed(), Mac(3, 3)));
  MacSpec fusion = Mac(8, 8);
  fusion.scaling = PrecisionScaling::kBitFusion;
  CHECK_FALSE(MatchRtlMac(Committed(), fusion));
}

TEST_CASE("AttachRtlMacArea adds the RTL cells beside the table's area", "[rtl_area]") {
  const CostTable table = LoadCostTable("horowitz45", DefaultTechnologyDir());
  const ArchSpec edge = LoadArchSpec(Preset("edge_32x32_os.yaml"));
  const AreaBreakdown priced = PriceArea(edge, table);
  CHECK_FALSE(priced.rtl_mac);  // PriceArea alone leaves it empty
  AreaBreakdown area = priced;
  AttachRtlMacArea(edge, DefaultRtlMacCellsPath(), &area);
  REQUIRE(area.rtl_mac);
  CHECK(area.rtl_mac->config == "int8");
  CHECK(area.rtl_mac->cells == Config("int8").cells);
  CHECK(area.pe == priced.pe);  // the µm² figures are untouched
  CHECK(area.Total() == priced.Total());

  // Bit Fusion MACs are not among the synthesized configurations: empty, not a wrong number.
  AttachRtlMacArea(LoadArchSpec(Preset("bitfusion_16x32.yaml")), DefaultRtlMacCellsPath(), &area);
  CHECK_FALSE(area.rtl_mac);
  CHECK_THROWS_AS(AttachRtlMacArea(edge, "/nonexistent/mac_cells.yaml", &area), quasar::InputError);
}

TEST_CASE("bad cell-count files name the key and the value", "[rtl_area]") {
  REQUIRE_NOTHROW(ParseRtlMacCells(OneConfig(), "ok.yaml"));
  auto message = [](const std::string& text) {
    try {
      ParseRtlMacCells(text, "bad.yaml");
    } catch (const quasar::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(message(OneConfig("", "-3")),
             Contains("bad.yaml: configurations[0].cells: ") && Contains("got '-3'"));
  CHECK_THAT(message(OneConfig("", "many")),
             Contains("configurations[0].cells: must be an integer, got 'many'"));
  CHECK_THAT(message(OneConfig(", color: red")), Contains("configurations[0].color: unknown key"));
  CHECK_THAT(message(OneConfig(", cell_types: {NAND: 60, XOR: 30}")),
             Contains("configurations[0].cell_types: must add up to cells (100), got 90"));
  CHECK_THAT(message(OneConfig() +
                     "  - {name: bin, a_bits: 1, w_bits: 1, lanes: 1, acc_bits: 32, signed: true,\n"
                     "     xnor: true, saturate: false, cells: 5}\n"),
             Contains("configurations[1].xnor: an XNOR lane holds a valid bit and a sign bit"));
  CHECK_THAT(message(OneConfig() + "flavour: x\n"), Contains("bad.yaml: flavour: unknown key"));
  CHECK_THAT(message("version: 2\ntool: y\nconfigurations: []\n"),
             Contains("bad.yaml: version: must be 1, got '2'") &&
                 Contains("bad.yaml: configurations: must be a non-empty list"));
  CHECK_THAT(message("version: 1\ntool: y\nconfigurations:\n"
                     "  - {name: int4, a_bits: 4, w_bits: 4, lanes: 1, acc_bits: 32,\n"
                     "     signed: true, xnor: false, saturate: false, cells: 5}\n"),
             Contains("configurations: must include a plain 8 x 8-bit MAC"));
  // yaml-cpp reports an unclosed flow sequence where the text ends.
  CHECK_THAT(message("version: 1\ntool: [oops\n"), Contains("bad.yaml:3:1: malformed YAML"));
  CHECK_THROWS_AS(LoadRtlMacCells("/nonexistent/mac_cells.yaml"), quasar::InputError);
}

TEST_CASE("the committed mac_cells.yaml lists the FP8 MAC beside the integer MACs", "[rtl_area]") {
  const RtlMacCells& c = Committed();
  REQUIRE(c.fp8_configurations.size() == 6);
  const std::vector<std::pair<std::string, int>> want = {
      {"fp8_e4m3_acc48", 48}, {"fp8_e4m3_acc48_sat", 48}, {"fp8_e4m3_acc32", 32},
      {"fp8_e5m2_acc80", 80}, {"fp8_e5m2_acc80_sat", 80}, {"fp8_e5m2_acc48", 48}};
  for (size_t i = 0; i < want.size(); ++i) {
    const RtlFp8MacConfig& f = c.fp8_configurations[i];
    INFO(f.name);
    CHECK(f.name == want[i].first);
    CHECK(f.format == f.name.substr(0, 8));  // "fp8_e4m3" or "fp8_e5m2"
    CHECK(f.acc_bits == want[i].second);
    CHECK(f.saturate == (f.name.find("_sat") != std::string::npos));
    CHECK(f.cells > 0);
  }
  // Saturation and a wider register cost gates, as for the integer MACs.
  CHECK(c.fp8_configurations[1].cells > c.fp8_configurations[0].cells);
  CHECK(c.fp8_configurations[0].cells > c.fp8_configurations[2].cells);
  CHECK(c.fp8_configurations[4].cells > c.fp8_configurations[3].cells);
  // E5M2's wider products and register cost more than E4M3's at the same mode.
  CHECK(c.fp8_configurations[3].cells > c.fp8_configurations[0].cells);
  CHECK(c.fp8_configurations[5].cells > c.fp8_configurations[0].cells);
}

TEST_CASE("bad FP8 rows of a cell-count file name the key and the value", "[rtl_area]") {
  auto message = [](const std::string& fp8_rows) {
    try {
      ParseRtlMacCells(OneConfig() + "fp8_configurations:\n" + fp8_rows, "bad.yaml");
    } catch (const quasar::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string ok =
      "  - {name: f, format: fp8_e4m3, acc_bits: 48, saturate: false, cells: 9}\n";
  CHECK(message(ok) == "no error");
  CHECK(ParseRtlMacCells(OneConfig() + "fp8_configurations:\n" + ok, "ok.yaml")
            .fp8_configurations.at(0)
            .acc_bits == 48);
  CHECK_THAT(message("  - {name: f, format: fp9, acc_bits: 48, saturate: false, cells: 9}\n"),
             Contains("fp8_configurations[0].format: ") && Contains("fp9"));
  CHECK_THAT(message(ok + ok), Contains("fp8_configurations[1].name: appears twice"));
  CHECK_THAT(message("  - {name: f, format: fp8_e4m3, acc_bits: 4, saturate: false, cells: 9}\n"),
             Contains("fp8_configurations[0].acc_bits: must be an integer in 8..128, got '4'"));
  CHECK(ParseRtlMacCells(OneConfig() + "fp8_configurations:\n" +
                             "  - {name: f, format: fp8_e5m2, acc_bits: 128, saturate: false, "
                             "cells: 9}\n",
                         "ok.yaml")
            .fp8_configurations.at(0)
            .acc_bits == 128);
  CHECK_THAT(message("  - {name: f, format: fp8_e5m2, acc_bits: 129, saturate: false, cells: 9}\n"),
             Contains("fp8_configurations[0].acc_bits: must be an integer in 8..128, got '129'"));
  CHECK_THAT(message("  - {name: f, format: fp8_e4m3, acc_bits: 48, saturate: false, cells: 9,\n"
                     "     cell_types: {AND: 3}}\n"),
             Contains("fp8_configurations[0].cell_types: must add up to cells (9), got 3"));
  CHECK_THAT(message("  - {name: f, format: fp8_e4m3, acc_bits: 48, lanes: 2, saturate: false, "
                     "cells: 9}\n"),
             Contains("fp8_configurations[0].lanes: unknown key"));
}
