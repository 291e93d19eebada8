// The number formats as a network precision and a MAC (docs/formats.md): the --bits shorthand,
// the ArchSpec's mac.format and its checks, which MAC runs which layer, the bytes of block-scaled
// operands, the MAC's energy and area against the hand derivation and against the project's
// synthesized FP8 MAC, and the golden path's refusal.

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "quasar/compiler/mapper.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/cost/format_mac.h"
#include "quasar/models/cost/rtl_area.h"
#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/spec/arch_spec.h"

using namespace quasar;
using models::QuantCode;

namespace {

std::string ArchYaml(const std::string& mac) {
  return "version: 1\nname: t\narray: {rows: 4, cols: 4, dataflow: ws}\nmac: " + mac + "\n";
}

std::string ArchError(const std::string& mac) {
  try {
    models::ParseArchSpec(ArchYaml(mac), "t.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// Two fully connected layers; `bits` is the --bits shorthand applied to the policy.
models::NetworkSpec TwoFc(const std::string& code) {
  return models::ParseNetwork(R"(version: 1
name: two_fc
inputs:
  - {name: x, shape: [1, 256]}
precision:
  weights: {code: )" + code + R"(}
  activations: {code: )" + code + R"(}
layers:
  - {name: fc1, op: fully_connected, input: x, out_features: 64}
  - {name: fc2, op: fully_connected, out_features: 10}
)",
                              "two_fc.yaml");
}

}  // namespace

TEST_CASE("the --bits shorthand names a number format for both operands") {
  for (const auto& [text, code] : {std::pair<const char*, QuantCode>{"fp8", QuantCode::kFp8E4m3},
                                   {"fp8_e4m3", QuantCode::kFp8E4m3},
                                   {"fp8_e5m2", QuantCode::kFp8E5m2},
                                   {"mxfp8", QuantCode::kMxfp8E4m3},
                                   {"mxfp8_e5m2", QuantCode::kMxfp8E5m2},
                                   {"mxfp6", QuantCode::kMxfp6E2m3},
                                   {"mxfp6_e3m2", QuantCode::kMxfp6E3m2},
                                   {"mxfp4", QuantCode::kMxfp4E2m1},
                                   {"mxint8", QuantCode::kMxint8}}) {
    INFO(text);
    const auto [w, a] = models::ParseBitsShorthand(text);
    CHECK(w.code == code);
    CHECK(a.code == code);
    models::OperandPrecision p;
    w.ApplyTo(&p);
    CHECK(p.bits == models::QuantCodeOf(code).fixed_bits);
    CHECK(p.Describe() == models::QuantCodeName(code));
  }
  // Integer code names are not a format shorthand, nor are near misses.
  for (const char* bad : {"linear", "binary", "fp4", "mxfp", "fp8e4m3", "MXFP4"}) {
    CHECK_THROWS_WITH(
        models::ParseBitsShorthand(bad),
        Catch::Contains(std::string("got '") + bad + "'") && Catch::Contains("number format"));
  }
}

TEST_CASE("the code table states each format's bits and block scale") {
  for (const models::QuantCodeDef& d : models::QuantCodeDefs()) {
    INFO(d.name);
    if (d.format == nullptr) {
      CHECK(d.block == 0);
      CHECK(d.block_scale_bits == 0);
      continue;
    }
    CHECK(d.fixed_bits == d.min_bits);
    CHECK(d.fixed_bits == d.max_bits);
    const bool mx = std::string(d.name).rfind("mx", 0) == 0;
    // OCP MX v1.0, Table 1: 32 elements share one 8-bit E8M0 scale.
    CHECK(d.block == (mx ? 32 : 0));
    CHECK(d.block_scale_bits == (mx ? 8 : 0));
  }
  CHECK(models::QuantCodeOf(QuantCode::kMxfp4E2m1).fixed_bits == 4);
  CHECK(models::QuantCodeOf(QuantCode::kMxfp6E3m2).fixed_bits == 6);
  CHECK(models::QuantCodeOf(QuantCode::kFp8E5m2).fixed_bits == 8);
}

TEST_CASE("block-scaled operands: bits and bytes with their scales") {
  using compiler::BlockScale;
  using compiler::PackedBytes;
  using compiler::StoredBits;
  CHECK(StoredBits(32, 4, BlockScale{32, 8}) == 136);          // MXFP4: 4.25 bits per element
  CHECK(StoredBits(33, 4, BlockScale{32, 8}) == 33 * 4 + 16);  // a started block is whole
  CHECK(StoredBits(64, 8, BlockScale{32, 8}) == 528);
  CHECK(StoredBits(100, 8) == 800);
  CHECK(PackedBytes(32, 4, BlockScale{32, 8}) == 17);
  CHECK(PackedBytes(3, 4, BlockScale{32, 8}) == 3);  // 12 + 8 bits
  CHECK(PackedBytes(3, 4) == 2);
  CHECK(BlockScale{32, 8}.Key() != BlockScale{8, 32}.Key());
  // A tile of reduction extent k: each of its rows of K holds ceil(k / 32) scales, so a tile
  // that cuts blocks carries a scale with each part.
  CHECK(StoredBits(64 * 64, 8, BlockScale{32, 8}, 64) == 64 * 64 * 8 + 64 * 2 * 8);
  CHECK(StoredBits(16 * 64, 8, BlockScale{32, 8}, 16) == 16 * 64 * 8 + 64 * 1 * 8);
  CHECK(StoredBits(40 * 3, 4, BlockScale{32, 8}, 40) == 40 * 3 * 4 + 3 * 2 * 8);
  CHECK(StoredBits(40 * 3, 4, {}, 40) == 40 * 3 * 4);  // no blocks: k changes nothing
}

TEST_CASE("mac.format: a format MAC has its element's widths, no scaling, no XNOR lanes") {
  CHECK(ArchError("{format: fp8_e4m3}").empty());
  CHECK(ArchError("{format: mxfp4_e2m1, weight_bits: 4, activation_bits: 4}").empty());
  CHECK_THAT(ArchError("{format: mxfp4_e2m1}"),
             Catch::Contains("t.yaml: mac.weight_bits: mac.format mxfp4_e2m1 multiplies 4-bit "
                             "elements, so this must be 4, got 8") &&
                 Catch::Contains("mac.activation_bits"));
  CHECK_THAT(ArchError("{format: mxfp6_e2m3, weight_bits: 6, activation_bits: 8}"),
             Catch::Contains("mac.activation_bits: mac.format mxfp6_e2m3") &&
                 !Catch::Contains("mac.weight_bits"));
  CHECK_THAT(ArchError("{format: fp8_e5m2, binary_lanes: 64}"),
             Catch::Contains("mac.binary_lanes: mac.format fp8_e5m2 has no XNOR lanes, got 64"));
  CHECK_THAT(ArchError("{format: fp8_e4m3, precision_scaling: bit_fusion}"),
             Catch::Contains("mac.precision_scaling: mac.format fp8_e4m3 has no precision "
                             "scaling, got bit_fusion"));
  CHECK_THAT(ArchError("{format: fp16}"), Catch::Contains("mac.format: must be int, fp8_e4m3"));
  CHECK_THAT(ArchError("{format: linear}"), Catch::Contains("mac.format: must be int"));
  // Written and read back.
  const models::ArchSpec a = models::ParseArchSpec(ArchYaml("{format: mxint8}"), "t.yaml");
  CHECK(a.mac.format == QuantCode::kMxint8);
  CHECK(models::ParseArchSpec(models::ArchSpecToYaml(a), "again.yaml").mac.format ==
        QuantCode::kMxint8);
  CHECK(models::ParseArchSpec(ArchYaml("{format: int}"), "t.yaml").mac.format ==
        QuantCode::kLinear);
}

TEST_CASE("a format MAC runs its own format only; an integer MAC runs no format") {
  models::MacSpec fp8;
  fp8.format = QuantCode::kFp8E4m3;
  CHECK(fp8.ProductsPerCycle(QuantCode::kFp8E4m3, QuantCode::kFp8E4m3, 8, 8) == 1);
  CHECK(fp8.ProductsPerCycle(QuantCode::kFp8E5m2, QuantCode::kFp8E4m3, 8, 8) == 0);
  CHECK(fp8.ProductsPerCycle(QuantCode::kFp8E4m3, QuantCode::kMxfp8E4m3, 8, 8) == 0);
  CHECK(fp8.ProductsPerCycle(QuantCode::kLinear, QuantCode::kLinear, 8, 8) == 0);
  models::MacSpec int8;
  CHECK(int8.ProductsPerCycle(QuantCode::kLinear, QuantCode::kLinear, 8, 8) == 1);
  CHECK(int8.ProductsPerCycle(QuantCode::kLinear, QuantCode::kLinear, 8, 9) == 0);
  CHECK(int8.ProductsPerCycle(QuantCode::kMxint8, QuantCode::kMxint8, 8, 8) == 0);
  CHECK(int8.ProductsPerCycle(QuantCode::kLinear, QuantCode::kFp8E4m3, 8, 8) == 0);

  const models::NetworkSpec net = TwoFc("mxfp4_e2m1");
  const models::ArchSpec int_arch = models::ParseArchSpec(ArchYaml("{}"), "t.yaml");
  const compiler::LayerSchedule on_int = compiler::PrepareLayer(net.layers[0], net, int_arch);
  CHECK_FALSE(on_int.ok());
  CHECK_THAT(on_int.status,
             Catch::Contains("the 8-bit x 8-bit integer MAC cannot run mxfp4_e2m1 activations x "
                             "mxfp4_e2m1 weights"));
  const models::ArchSpec mx_arch = models::ParseArchSpec(
      ArchYaml("{format: mxfp4_e2m1, weight_bits: 4, activation_bits: 4}"), "t.yaml");
  const compiler::LayerSchedule on_mx = compiler::PrepareLayer(net.layers[0], net, mx_arch);
  REQUIRE(on_mx.ok());
  CHECK(on_mx.pack == 1);
  CHECK(on_mx.required_acc_bits == 0);  // no integer grid: no accumulator warning
  CHECK(on_mx.warnings.empty());
  CHECK(on_mx.bits.a_bits == 4);
  CHECK(on_mx.bits.w_bits == 4);
  CHECK(on_mx.bits.mac_a_bits == 4);
  CHECK(on_mx.bits.a_scale.Key() == compiler::BlockScale{32, 8}.Key());
  CHECK(on_mx.bits.w_scale.Key() == compiler::BlockScale{32, 8}.Key());
  CHECK(on_mx.bits.out_scale.Key() == compiler::BlockScale{32, 8}.Key());
  // The same network in integers runs on the integer MAC and not on the format MAC.
  const models::NetworkSpec ints = TwoFc("linear");
  CHECK(compiler::PrepareLayer(ints.layers[0], ints, int_arch).ok());
  const compiler::LayerSchedule int_on_mx = compiler::PrepareLayer(ints.layers[0], ints, mx_arch);
  CHECK_THAT(int_on_mx.status, Catch::Contains("the mxfp4_e2m1 MAC cannot run int8"));
  CHECK(int_on_mx.bits.a_scale.Key() == 0);
}

TEST_CASE("the shape of each format's MAC") {
  // E4M3: 4-bit significands, 5-bit exponent add; largest magnitude 448 = 229376 units of 2^-9
  // (18 bits), so an exact product takes 37 signed bits (docs/rtl-area.md).
  models::FormatMacShape s = models::FormatMacShapeOf(QuantCode::kFp8E4m3);
  CHECK(s.significand_bits == 4);
  CHECK(s.exponent_add_bits == 5);
  CHECK(s.product_bits == 37);
  CHECK(s.block == 0);
  // E5M2: 57344 = 2^16 * 57344 units of 2^-16, 32 bits: 65-bit products (fp8_mac.h).
  s = models::FormatMacShapeOf(QuantCode::kFp8E5m2);
  CHECK(s.significand_bits == 3);
  CHECK(s.exponent_add_bits == 6);
  CHECK(s.product_bits == 65);
  // MXFP4 E2M1: 6 = 12 units of 0.5 (4 bits), 9-bit products, block sum of 32: 14 bits.
  s = models::FormatMacShapeOf(QuantCode::kMxfp4E2m1);
  CHECK(s.significand_bits == 2);
  CHECK(s.exponent_add_bits == 3);
  CHECK(s.product_bits == 9);
  CHECK(s.block == 32);
  CHECK(models::BlockSumBits(s) == 14);
  // MXINT8: an 8 x 8 integer multiply of magnitudes up to 127, 15-bit products, sum of 32 below
  // 2^19 plus the sign (docs/number-formats.md: "an exact integer below 2^19").
  s = models::FormatMacShapeOf(QuantCode::kMxint8);
  CHECK(s.significand_bits == 8);
  CHECK(s.exponent_add_bits == 0);
  CHECK(s.product_bits == 15);
  CHECK(models::BlockSumBits(s) == 20);
  CHECK_THROWS_AS(models::FormatMacShapeOf(QuantCode::kLinear), std::invalid_argument);
}

TEST_CASE("format MAC energy: the hand derivation on horowitz45") {
  const models::CostTable t = models::LoadCostTable("horowitz45");
  // E4M3, 32-bit register: 4x4 multiply (0.002994792 * 16 + 0.001041667 * 4 = 0.052083) + 5-bit
  // add (0.03 * 5 / 8 = 0.01875) + 32-bit add (0.1) = 0.170833 pJ.
  CHECK(models::FormatMacPj(t, QuantCode::kFp8E4m3, 32) == Approx(0.170833).epsilon(1e-5));
  // MXINT8: 8x8 multiply (0.2) + 20-bit add (0.05 + 4 * 0.003125 = 0.0625) + per block of 32
  // (9-bit add 0.0325 + FP32 add 9 * 0.1) / 32 = 0.0291406: 0.2916406 pJ.
  CHECK(models::FormatMacPj(t, QuantCode::kMxint8, 32) == Approx(0.2916406).epsilon(1e-5));
  // MXFP4: 2x2 multiply (0.011979 + 0.002083 = 0.0140625) + 3-bit add (0.01125) + 14-bit add
  // (0.03 + 6 * 0.0025 = 0.045) + 0.0291406 = 0.0994531 pJ.
  CHECK(models::FormatMacPj(t, QuantCode::kMxfp4E2m1, 32) == Approx(0.0994531).epsilon(1e-5));
  // A non-MX MAC adds into its register; an MX MAC into its block sum, whatever the register.
  CHECK(models::FormatMacPj(t, QuantCode::kFp8E4m3, 64) >
        models::FormatMacPj(t, QuantCode::kFp8E4m3, 32));
  CHECK(models::FormatMacPj(t, QuantCode::kMxint8, 64) ==
        models::FormatMacPj(t, QuantCode::kMxint8, 32));
  // Area in proportion: the 8x8 PE (688 um2) times the energy ratio.
  CHECK(models::FormatPeAreaUm2(t, QuantCode::kFp8E4m3, 32) ==
        Approx(688 * 0.170833 / 0.3).epsilon(1e-5));
}

TEST_CASE("format MAC cost against the project's synthesized FP8 MAC") {
  // The derivation leaves the alignment shifter out; the synthesized MACs include it. Their
  // gate-count ratio to the 8x8 integer MAC and the derived energy ratio agree within 5 %.
  const models::CostTable t = models::LoadCostTable("horowitz45");
  const models::RtlMacCells cells = models::LoadRtlMacCells(models::DefaultRtlMacCellsPath());
  int64_t int8 = 0;
  for (const models::RtlMacConfig& c : cells.configurations) {
    if (c.name == "int8") {
      int8 = c.cells;
    }
  }
  REQUIRE(int8 > 0);
  int compared = 0;
  for (const models::RtlFp8MacConfig& c : cells.fp8_configurations) {
    if (c.saturate || (c.name != "fp8_e4m3_acc32" && c.name != "fp8_e5m2_acc80")) {
      continue;
    }
    INFO(c.name);
    const QuantCode code = *models::ParseQuantCode(c.format);
    const double derived = models::FormatMacPj(t, code, c.acc_bits) / t.MacPj(8, 8, 32);
    const double synthesized = static_cast<double>(c.cells) / static_cast<double>(int8);
    CHECK(std::fabs(derived / synthesized - 1) < 0.05);
    ++compared;
  }
  CHECK(compared == 2);
}

TEST_CASE("a format MAC's energy and area in the reports") {
  const models::CostTable t = models::LoadCostTable("horowitz45");
  models::ArchSpec a = models::ParseArchSpec(ArchYaml("{format: fp8_e5m2}"), "t.yaml");
  models::EventCounts e;
  e.macs = 1000;
  e.mac_a_bits = e.mac_w_bits = 8;
  e.acc_bits = 32;
  const models::AreaBreakdown area = models::PriceArea(a, t);
  CHECK(models::PriceEvents(e, a, t, area).mac ==
        Approx(1000 * models::FormatMacPj(t, QuantCode::kFp8E5m2, 32)));
  CHECK(area.pe == Approx(models::FormatPeAreaUm2(t, QuantCode::kFp8E5m2, 32)));
  a.mac.format = QuantCode::kLinear;
  CHECK(models::PriceEvents(e, a, t, models::PriceArea(a, t)).mac ==
        Approx(1000 * t.MacPj(8, 8, 32)));
  // No synthesized integer MAC stands for a format MAC.
  a.mac.format = QuantCode::kFp8E5m2;
  const models::RtlMacCells cells = models::LoadRtlMacCells(models::DefaultRtlMacCellsPath());
  CHECK_FALSE(models::MatchRtlMac(cells, a.mac).has_value());
  CHECK_FALSE(models::AccumulatorAreaFactor(cells, a.mac).has_value());
}

TEST_CASE("the golden path refuses a number format, naming the layer") {
  const models::NetworkSpec net = TwoFc("fp8_e4m3");
  const std::vector<std::map<std::string, models::FloatTensor>> calib(1);
  CHECK_THROWS_WITH(
      models::QuantizeNetwork(net, models::FloatNetParams{}, calib, {}),
      Catch::Contains("layer 'fc1': its weights are fp8_e4m3") && Catch::Contains("golden path"));
}

TEST_CASE("group-quantized weights: the shorthand, the network format and its checks") {
  const auto [w, a] = models::ParseBitsShorthand("w4a16g128");
  models::OperandPrecision pw, pa;
  w.ApplyTo(&pw);
  a.ApplyTo(&pa);
  CHECK(pw.code == QuantCode::kLinear);
  CHECK(pw.bits == 4);
  CHECK(pw.granularity == models::Granularity::kPerGroup);
  CHECK(pw.group_size == 128);
  CHECK_FALSE(pw.symmetric);  // GPTQ/AWQ keep a zero point per group
  CHECK(pw.Describe() == "int4 asym per-group-128 minmax");
  CHECK(pa.bits == 16);
  CHECK(pa.granularity == models::Granularity::kPerTensor);
  for (const char* bad : {"w4a16g0", "w4a16g", "w4a16g70000", "wta8g32", "w4a8gx"}) {
    INFO(bad);
    CHECK_THROWS_AS(models::ParseBitsShorthand(bad), InputError);
  }
  CHECK_THROWS_WITH(models::ParseBitsShorthand("wp4a8g32"), Catch::Contains("linear weights"));

  const std::string head = R"(version: 1
name: g
inputs:
  - {name: x, shape: [1, 256]}
precision:
  weights: )";
  const std::string tail = R"(
layers:
  - {name: fc, op: fully_connected, input: x, out_features: 64}
)";
  auto error = [&](const std::string& weights) {
    try {
      models::ParseNetwork(head + weights + tail, "g.yaml");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error("{bits: 4, granularity: per_group, group_size: 64}").empty());
  CHECK_THAT(error("{bits: 4, granularity: per_group}"),
             Catch::Contains("group_size") && Catch::Contains("got 0"));
  CHECK_THAT(error("{bits: 4, granularity: per_channel, group_size: 64}"),
             Catch::Contains("group_size: applies with granularity: per_group only, got 64"));
  CHECK_THAT(error("{bits: 4, granularity: per_group, group_size: 0}"),
             Catch::Contains("group_size: must be in 1..65536, got 0"));
  CHECK_THAT(error("{code: ternary, granularity: per_group, group_size: 32}"),
             Catch::Contains("per_group applies to linear weights, got code ternary"));
  // Written back and read again, the group stays.
  const models::NetworkSpec net = models::ParseNetwork(
      head + "{bits: 4, granularity: per_group, group_size: 64}" + tail, "g.yaml");
  const models::NetworkSpec again = models::ParseNetwork(models::NetworkToYaml(net), "again.yaml");
  CHECK(again.layers[0].precision.weights.granularity == models::Granularity::kPerGroup);
  CHECK(again.layers[0].precision.weights.group_size == 64);
}

TEST_CASE("group-quantized weights: stored scales, the MAC's dequantization, the golden refusal") {
  const models::NetworkSpec net = models::ParseNetwork(R"(version: 1
name: g
inputs:
  - {name: x, shape: [1, 256]}
precision:
  weights: {bits: 4, symmetric: false, granularity: per_group, group_size: 128}
  activations: {bits: 16}
layers:
  - {name: fc, op: fully_connected, input: x, out_features: 64}
)",
                                                       "g.yaml");
  const models::ArchSpec arch =
      models::ParseArchSpec(ArchYaml("{weight_bits: 4, activation_bits: 16}"), "t.yaml");
  const compiler::LayerSchedule l = compiler::PrepareLayer(net.layers[0], net, arch);
  REQUIRE(l.ok());
  // A float16 scale and a 4-bit zero point per group of 128 and column (llm-awq's WQLinear).
  CHECK(l.bits.w_scale.Key() == compiler::BlockScale{128, 20}.Key());
  CHECK(l.bits.w_grouped);
  CHECK(compiler::DequantGroup(l.bits) == 128);
  CHECK(l.bits.a_scale.Key() == 0);
  // The whole weight tile: 256 x 64 codes of 4 bits and 2 x 64 scales of 20 bits.
  CHECK(compiler::PackedBytes(256 * 64, l.bits.w_bits, l.bits.w_scale, 256) == 8192 + 320);
  // Symmetric groups store no zero point.
  models::NetworkSpec sym = net;
  sym.layers[0].precision.weights.symmetric = true;
  sym.policy.weights.symmetric = true;
  CHECK(compiler::PrepareLayer(sym.layers[0], sym, arch).bits.w_scale.Key() ==
        compiler::BlockScale{128, 16}.Key());

  // Energy: the 16 x 4 MAC, plus an FP32 multiply (3.7 pJ) and add (0.9 pJ) per group of 128.
  const models::CostTable t = models::LoadCostTable("horowitz45");
  CHECK(models::GroupDequantPjPerProduct(t, 128) == Approx((3.7 + 0.9) / 128));
  models::EventCounts e;
  e.macs = 256;
  e.mac_a_bits = 16, e.mac_w_bits = 4, e.acc_bits = 32, e.mac_w_group = 128;
  CHECK(models::PriceEvents(e, arch, t, models::PriceArea(arch, t)).mac ==
        Approx(256 * (t.MacPj(16, 4, 32) + 4.6 / 128)));

  const std::vector<std::map<std::string, models::FloatTensor>> calib(1);
  CHECK_THROWS_WITH(models::QuantizeNetwork(net, models::FloatNetParams{}, calib, {}),
                    Catch::Contains("layer 'fc': its weights are quantized per group of 128") &&
                        Catch::Contains("golden path"));
}
