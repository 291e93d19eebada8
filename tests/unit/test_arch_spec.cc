// The accelerator description: the presets, defaults, the MAC throughput formulas, the YAML round
// trip and every validation message.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/spec/arch_spec.h"

using namespace quasar::models;
using quasar::InputError;

namespace {

// The complete example of docs/arch-format.md.
const char* kExample = R"(
version: 1
name: tpu-like
description: A 128x128 weight-stationary int8 array.
source: "Jouppi et al., ISCA 2017"
array: {rows: 128, cols: 128, dataflow: ws}
mac:
  weight_bits: 8
  activation_bits: 8
  signed: true
  accumulator: {bits: 32, overflow: wrap}
  precision_scaling: none
  binary_lanes: 0
buffers:
  input:  {kib: 256, word_bytes: 16, double_buffered: true}
  weight: {kib: 256, word_bytes: 16, double_buffered: true}
  output: {kib: 256, word_bytes: 16, double_buffered: true}
dram: {bytes_per_cycle: 32, latency_cycles: 100}
clock_mhz: 700
technology: horowitz45
post_processing: {elements_per_cycle: 32}
conventions: quasar
)";

const char* kMinimal = R"(
version: 1
name: tiny
array: {rows: 4, cols: 8, dataflow: os}
)";

// The message of the InputError that parsing `text` throws ("" if it parses).
std::string ParseError(const std::string& text) {
  try {
    ParseArchSpec(text, "arch.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// kExample with `from` replaced by `to`.
std::string Edit(const std::string& from, const std::string& to) {
  std::string s = kExample;
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string Preset(const std::string& file) {
  return std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators/" + file;
}

void CheckSame(const ArchSpec& a, const ArchSpec& b) {
  CHECK(a.name == b.name);
  CHECK(a.description == b.description);
  CHECK(a.source == b.source);
  CHECK(a.rows == b.rows);
  CHECK(a.cols == b.cols);
  CHECK(a.dataflow == b.dataflow);
  CHECK(a.mac.weight_bits == b.mac.weight_bits);
  CHECK(a.mac.activation_bits == b.mac.activation_bits);
  CHECK(a.mac.is_signed == b.mac.is_signed);
  CHECK(a.mac.accumulator.bits == b.mac.accumulator.bits);
  CHECK(a.mac.accumulator.overflow == b.mac.accumulator.overflow);
  CHECK(a.mac.scaling == b.mac.scaling);
  CHECK(a.mac.binary_lanes == b.mac.binary_lanes);
  for (auto [x, y] : {std::pair{a.input, b.input}, {a.weight, b.weight}, {a.output, b.output}}) {
    CHECK(x.kib == y.kib);
    CHECK(x.word_bytes == y.word_bytes);
    CHECK(x.double_buffered == y.double_buffered);
  }
  CHECK(a.dram.bytes_per_cycle == b.dram.bytes_per_cycle);
  CHECK(a.dram.latency_cycles == b.dram.latency_cycles);
  CHECK(a.clock_mhz == b.clock_mhz);
  CHECK(a.technology == b.technology);
  CHECK(a.post_elements_per_cycle == b.post_elements_per_cycle);
  CHECK(a.conventions == b.conventions);
}

}  // namespace

TEST_CASE("the documented example parses") {
  const ArchSpec a = ParseArchSpec(kExample, "example.yaml");
  CHECK(a.file == "example.yaml");
  CHECK(a.name == "tpu-like");
  CHECK(a.source == "Jouppi et al., ISCA 2017");
  CHECK(a.PeCount() == 128 * 128);
  CHECK(a.dataflow == Dataflow::kWeightStationary);
  CHECK(a.input.Bytes() == 256 * 1024);
  CHECK(a.input.UsableBytes() == 128 * 1024);
  // 16384 PEs x 1 product x 700 MHz.
  CHECK(a.PeakMacsPerSecond(8, 8) == Approx(16384.0 * 700e6));
  CHECK(a.PeakMacsPerSecond(16, 8) == 0.0);  // an int8 MAC cannot run 16-bit weights
  CHECK(a.conventions == Conventions::kQuasar);
}

TEST_CASE("every preset parses") {
  struct Row {
    const char* file;
    int64_t rows, cols;
    Dataflow dataflow;
    PrecisionScaling scaling;
    int lanes;
  };
  const std::vector<Row> rows = {
      {"tpu_like_128x128_ws.yaml", 128, 128, Dataflow::kWeightStationary, PrecisionScaling::kNone,
       0},
      {"eyeriss_12x14.yaml", 12, 14, Dataflow::kOutputStationary, PrecisionScaling::kNone, 0},
      {"edge_32x32_os.yaml", 32, 32, Dataflow::kOutputStationary, PrecisionScaling::kNone, 0},
      {"bitfusion_16x32.yaml", 16, 32, Dataflow::kWeightStationary, PrecisionScaling::kBitFusion,
       0},
      {"binary_64x64.yaml", 64, 64, Dataflow::kOutputStationary, PrecisionScaling::kNone, 64},
  };
  for (const Row& r : rows) {
    INFO(r.file);
    const ArchSpec a = LoadArchSpec(Preset(r.file));
    CHECK(a.rows == r.rows);
    CHECK(a.cols == r.cols);
    CHECK(a.dataflow == r.dataflow);
    CHECK(a.mac.scaling == r.scaling);
    CHECK(a.mac.binary_lanes == r.lanes);
    CHECK(a.mac.weight_bits == 8);
    CHECK(a.mac.activation_bits == 8);
    CHECK(a.mac.accumulator.bits == 32);
    CHECK_FALSE(a.description.empty());
    CHECK_FALSE(a.source.empty());
    CheckSame(ParseArchSpec(ArchSpecToYaml(a), "again"), a);
  }
  const ArchSpec eyeriss = LoadArchSpec(Preset("eyeriss_12x14.yaml"));
  CHECK(eyeriss.input.kib + eyeriss.weight.kib + eyeriss.output.kib == 108);
  const ArchSpec tpu = LoadArchSpec(Preset("tpu_like_128x128_ws.yaml"));
  CHECK(tpu.PeakMacsPerSecond(8, 8) == Approx(128.0 * 128 * 700e6));  // 11.5 TMAC/s
}

TEST_CASE("absent keys take the documented defaults") {
  const ArchSpec a = ParseArchSpec(kMinimal, "min.yaml");
  CHECK(a.conventions == Conventions::kQuasar);
  CHECK(a.description.empty());
  CHECK(a.source.empty());
  CHECK(a.dataflow == Dataflow::kOutputStationary);
  CHECK(a.mac.weight_bits == 8);
  CHECK(a.mac.activation_bits == 8);
  CHECK(a.mac.is_signed);
  CHECK(a.mac.accumulator.bits == 32);
  CHECK(a.mac.accumulator.overflow == OverflowMode::kWrap);
  CHECK(a.mac.scaling == PrecisionScaling::kNone);
  CHECK(a.mac.binary_lanes == 0);
  for (const BufferSpec& b : {a.input, a.weight, a.output}) {
    CHECK(b.kib == 256);
    CHECK(b.word_bytes == 16);
    CHECK(b.double_buffered);
  }
  CHECK(a.dram.bytes_per_cycle == 32);
  CHECK(a.dram.latency_cycles == 100);
  CHECK(a.clock_mhz == 700);
  CHECK(a.technology == "horowitz45");
  CHECK(a.post_elements_per_cycle == 32);
  // A partial nested mapping keeps the defaults of the keys it leaves out.
  const ArchSpec b = ParseArchSpec(std::string(kMinimal) +
                                       "mac: {accumulator: {overflow: saturate}}\n"
                                       "buffers: {weight: {kib: 8}}\n",
                                   "min.yaml");
  CHECK(b.mac.accumulator.bits == 32);
  CHECK(b.mac.accumulator.overflow == OverflowMode::kSaturate);
  CHECK(b.weight.kib == 8);
  CHECK(b.weight.word_bytes == 16);
  CHECK(b.input.kib == 256);
}

TEST_CASE("dataflow and precision-scaling names round trip") {
  for (Dataflow d :
       {Dataflow::kOutputStationary, Dataflow::kWeightStationary, Dataflow::kInputStationary}) {
    CHECK(ParseDataflow(DataflowName(d)) == d);
  }
  CHECK(DataflowName(Dataflow::kInputStationary) == "is");
  CHECK_FALSE(ParseDataflow("rs").has_value());
  CHECK(ParsePrecisionScaling("bit_fusion") == PrecisionScaling::kBitFusion);
  CHECK(PrecisionScalingName(PrecisionScaling::kNone) == "none");
  CHECK_FALSE(ParsePrecisionScaling("fusion").has_value());
}

TEST_CASE("products per cycle without precision scaling") {
  MacSpec m;  // 8 x 8
  CHECK(m.ProductsPerCycle(8, 8) == 1);
  CHECK(m.ProductsPerCycle(4, 4) == 1);  // narrower operands still take a whole MAC
  CHECK(m.ProductsPerCycle(1, 1) == 1);
  CHECK(m.ProductsPerCycle(9, 8) == 0);
  CHECK(m.ProductsPerCycle(8, 16) == 0);
  CHECK(m.ProductsPerCycle(0, 8) == 0);
  CHECK(m.ProductsPerCycle(8, 17) == 0);
  CHECK(m.BinaryProductsPerCycle() == 1);  // no lanes: +-1 on the MAC path
  m.binary_lanes = 64;
  CHECK(m.BinaryProductsPerCycle() == 64);
  CHECK(m.ProductsPerCycle(1, 1) == 1);  // the lanes serve binary layers only
}

TEST_CASE("products per cycle with Bit Fusion") {
  MacSpec m;
  m.scaling = PrecisionScaling::kBitFusion;  // an 8x8 Fusion Unit of 16 BitBricks
  CHECK(m.ProductsPerCycle(8, 8) == 1);
  CHECK(m.ProductsPerCycle(2, 8) == 4);  // act-lab: 2-bit weights x 8-bit inputs, four F-PEs
  CHECK(m.ProductsPerCycle(8, 2) == 4);
  CHECK(m.ProductsPerCycle(4, 4) == 4);
  CHECK(m.ProductsPerCycle(4, 8) == 2);
  CHECK(m.ProductsPerCycle(2, 2) == 16);
  CHECK(m.ProductsPerCycle(1, 1) == 16);  // binary uses one 2-bit brick, not a 1-bit one
  CHECK(m.ProductsPerCycle(3, 8) == 2);   // 3 bits run in the 4-bit configuration
  CHECK(m.ProductsPerCycle(5, 5) == 1);   // 8-bit configuration
  CHECK(m.ProductsPerCycle(16, 8) == 0);
  CHECK(m.BinaryProductsPerCycle() == 16);
  m.weight_bits = 16;  // a 16x8 unit
  CHECK(m.ProductsPerCycle(16, 8) == 1);
  CHECK(m.ProductsPerCycle(2, 2) == 32);

  const ArchSpec bf = LoadArchSpec(Preset("bitfusion_16x32.yaml"));
  CHECK(bf.PeakMacsPerSecond(8, 8) == Approx(512 * 500e6));
  CHECK(bf.PeakMacsPerSecond(2, 2) == Approx(16 * 512 * 500e6));
  const ArchSpec bin = LoadArchSpec(Preset("binary_64x64.yaml"));
  CHECK(bin.PeakBinaryMacsPerSecond() == Approx(64.0 * 4096 * 500e6));
}

TEST_CASE("ArchSpecToYaml round trips every field") {
  ArchSpec a = ParseArchSpec(kExample, "example.yaml");
  a.name = "odd: name";  // needs quoting
  a.description = "two\nlines";
  a.dataflow = Dataflow::kInputStationary;
  a.mac.weight_bits = 4;
  a.mac.activation_bits = 16;
  a.mac.is_signed = false;
  a.mac.accumulator = {24, OverflowMode::kSaturate};
  a.mac.scaling = PrecisionScaling::kBitFusion;
  a.mac.binary_lanes = 32;
  a.input = {1, 1, false};
  a.weight = {1048576, 1024, true};
  a.output = {3, 64, false};
  a.dram = {0.1, 0};
  a.clock_mhz = 333.3333333333333;
  a.technology = "tables/my node.yaml";
  a.post_elements_per_cycle = 2.5;
  a.conventions = Conventions::kScaleSim;
  const std::string yaml = ArchSpecToYaml(a);
  const ArchSpec b = ParseArchSpec(yaml, "written.yaml");
  CheckSame(a, b);
  CHECK(yaml.find("bytes_per_cycle: 0.1,") != std::string::npos);  // shortest form
  CHECK(yaml.find("elements_per_cycle: 2.5}") != std::string::npos);
  a.clock_mhz = 200;
  CHECK(ArchSpecToYaml(a).find("clock_mhz: 200\n") != std::string::npos);  // not 2e+02
  // The smallest clock's next double (17 significant digits) reads back exactly. (This was
  // 1e-300 MHz in exponent form, which the range now refuses: clocks are at least 1 kHz.)
  a.clock_mhz = std::nextafter(0.001, 1.0);
  CHECK(ParseArchSpec(ArchSpecToYaml(a), "tiny.yaml").clock_mhz == std::nextafter(0.001, 1.0));
  CHECK(ArchSpecToYaml(b) == yaml);
}

TEST_CASE("validation messages name the file, key path and value") {
  CHECK(ParseError(Edit("clock_mhz: 700", "clock_mhz: 700\nfrequency: 1")) ==
        "arch.yaml: frequency: unknown key (allowed: version, name, description, source, array, "
        "mac, buffers, dram, clock_mhz, technology, post_processing, conventions)");
  CHECK(ParseError(Edit("rows: 128", "rows: 0")) ==
        "arch.yaml: array.rows: must be in 1..4096, got 0");
  CHECK(ParseError(Edit("cols: 128", "cols: 5000")) ==
        "arch.yaml: array.cols: must be in 1..4096, got 5000");
  CHECK(ParseError(Edit("dataflow: ws", "dataflow: xs")) ==
        "arch.yaml: array.dataflow: must be os, ws or is, got 'xs'");
  CHECK(ParseError(Edit("conventions: quasar", "conventions: scale-sim")) ==
        "arch.yaml: conventions: must be quasar or scalesim, got 'scale-sim'");
  CHECK(ParseError(Edit("bits: 32", "bits: 70")) ==
        "arch.yaml: mac.accumulator.bits: must be in 8..64 (up to 128 on an FP8 MAC, mac.format "
        "fp8_e4m3 or fp8_e5m2), got 70");
  CHECK(ParseError(Edit("bits: 32", "bits: 129")) ==
        "arch.yaml: mac.accumulator.bits: must be in 8..128, got 129");
  CHECK(ParseError(Edit("overflow: wrap", "overflow: clamp")) ==
        "arch.yaml: mac.accumulator.overflow: must be wrap or saturate, got 'clamp'");
  CHECK(ParseError(Edit("weight_bits: 8", "weight_bits: 17")) ==
        "arch.yaml: mac.weight_bits: must be in 1..16, got 17");
  CHECK(ParseError(Edit("signed: true", "signed: maybe")) ==
        "arch.yaml: mac.signed: must be true or false, got 'maybe'");
  CHECK(ParseError(Edit("precision_scaling: none", "precision_scaling: fused")) ==
        "arch.yaml: mac.precision_scaling: must be none or bit_fusion, got 'fused'");
  CHECK(ParseError(Edit("binary_lanes: 0", "binary_lanes: -1")) ==
        "arch.yaml: mac.binary_lanes: must be in 0..1024, got -1");
  CHECK(ParseError(Edit("input:  {kib: 256", "input:  {kib: 0")) ==
        "arch.yaml: buffers.input.kib: must be in 1..1048576, got 0");
  CHECK(
      ParseError(Edit("weight: {kib: 256, word_bytes: 16", "weight: {kib: 256, word_bytes: 12")) ==
      "arch.yaml: buffers.weight.word_bytes: must be a power of two in 1..1024, got 12");
  CHECK(ParseError(Edit("output: {kib: 256", "output: {kib: 256, banks: 4")) ==
        "arch.yaml: buffers.output.banks: unknown key (allowed: kib, word_bytes, "
        "double_buffered)");
  CHECK(ParseError(Edit("bytes_per_cycle: 32", "bytes_per_cycle: 0")) ==
        "arch.yaml: dram.bytes_per_cycle: must be a number >= 0.001 and <= 65536 bytes per cycle, "
        "got 0");
  CHECK(ParseError(Edit("bytes_per_cycle: 32", "bytes_per_cycle: -4.5")) ==
        "arch.yaml: dram.bytes_per_cycle: must be a number >= 0.001 and <= 65536 bytes per cycle, "
        "got -4.5");
  CHECK(ParseError(Edit("bytes_per_cycle: 32", "bytes_per_cycle: .nan")) ==
        "arch.yaml: dram.bytes_per_cycle: must be a number >= 0.001 and <= 65536 bytes per cycle, "
        "got .nan");
  CHECK(ParseError(Edit("bytes_per_cycle: 32", "bytes_per_cycle: 1e-15")) ==  // was accepted
        "arch.yaml: dram.bytes_per_cycle: must be a number >= 0.001 and <= 65536 bytes per "
        "cycle, got 1e-15");
  CHECK(ParseError(Edit("clock_mhz: 700", "clock_mhz: 1e-300")) ==
        "arch.yaml: clock_mhz: must be a number >= 0.001 and <= 100000 MHz, got 1e-300");
  CHECK(ParseError(Edit("latency_cycles: 100", "latency_cycles: 1.5")) ==
        "arch.yaml: dram.latency_cycles: must be an integer, got '1.5'");
  CHECK(ParseError(Edit("clock_mhz: 700", "clock_mhz: .inf")) ==
        "arch.yaml: clock_mhz: must be a number >= 0.001 and <= 100000 MHz, got .inf");
  CHECK(ParseError(Edit("clock_mhz: 700", "clock_mhz: 700000000")) ==  // Hz, not MHz
        "arch.yaml: clock_mhz: must be a number >= 0.001 and <= 100000 MHz, got 700000000");
  CHECK(ParseError(Edit("clock_mhz: 700", "clock_mhz: fast")) ==
        "arch.yaml: clock_mhz: must be a number, got 'fast'");
  CHECK(ParseError(Edit("technology: horowitz45", "technology: ''")) ==
        "arch.yaml: technology: must not be empty, got ''");
  CHECK(ParseError(Edit("elements_per_cycle: 32", "elements_per_cycle: 0")) ==
        "arch.yaml: post_processing.elements_per_cycle: must be a number >= 0.001 and <= 1048576 "
        "elements per cycle, got 0");
  CHECK(ParseError(Edit("version: 1", "version: 2")) == "arch.yaml: version: must be 1, got 2");
  CHECK(ParseError(Edit("array: {rows: 128, cols: 128, dataflow: ws}", "array: 128")) ==
        "arch.yaml: array: must be a mapping, got '128'");
  CHECK(ParseError(Edit("mac:", "mac:\n  weight_bits: 8\n")) ==
        "arch.yaml: mac.weight_bits: appears more than once in the mapping");
}

TEST_CASE("bit_fusion needs power-of-two MAC widths") {
  const std::string bf = Edit("precision_scaling: none", "precision_scaling: bit_fusion");
  CHECK(ParseError(bf).empty());
  std::string s = bf;
  s.replace(s.find("weight_bits: 8"), 14, "weight_bits: 6");
  CHECK(ParseError(s) ==
        "arch.yaml: mac.weight_bits: precision_scaling bit_fusion needs a power of two in 2..16 "
        "(a whole number of 2-bit BitBricks that narrower power-of-two operands divide), got 6");
  s = bf;
  s.replace(s.find("activation_bits: 8"), 18, "activation_bits: 1");
  CHECK(ParseError(s).find("mac.activation_bits: precision_scaling bit_fusion needs a power of "
                           "two in 2..16") != std::string::npos);
  // An out-of-range width is reported once, by its range check.
  s = bf;
  s.replace(s.find("weight_bits: 8"), 14, "weight_bits: 99");
  CHECK(ParseError(s) == "arch.yaml: mac.weight_bits: must be in 1..16, got 99");
  // The same widths are fine without precision scaling.
  CHECK(ParseError(Edit("weight_bits: 8", "weight_bits: 6")).empty());
}

TEST_CASE("required keys") {
  CHECK(ParseError("version: 1\n") ==
        "arch.yaml: name: is required\narch.yaml: array: is required");
  CHECK(ParseError("name: x\narray: {}\n") ==
        "arch.yaml: version: is required\n"
        "arch.yaml: array.rows: is required\n"
        "arch.yaml: array.cols: is required\n"
        "arch.yaml: array.dataflow: is required");
}

TEST_CASE("several errors are reported together, in file order") {
  const std::string text = R"(
version: 1
name: broken
array: {rows: 0, cols: 16, dataflow: xs}
mac: {accumulator: {bits: 200}, precision_scaling: bit_fusion, weight_bits: 6}
buffers: {input: {kib: 0}}
dram: {bytes_per_cycle: -1}
clock_mhz: 0
colour: red
)";
  const std::string msg = ParseError(text);
  const std::vector<std::string> expected = {
      "arch.yaml: colour: unknown key",
      "arch.yaml: array.rows: must be in 1..4096, got 0",
      "arch.yaml: array.dataflow: must be os, ws or is, got 'xs'",
      "arch.yaml: mac.accumulator.bits: must be in 8..128, got 200",
      "arch.yaml: mac.weight_bits: precision_scaling bit_fusion needs a power of two",
      "arch.yaml: buffers.input.kib: must be in 1..1048576, got 0",
      "arch.yaml: dram.bytes_per_cycle: must be a number >= 0.001",
      "arch.yaml: clock_mhz: must be a number >= 0.001",
  };
  size_t at = 0;
  for (const std::string& e : expected) {
    INFO(e);
    const size_t found = msg.find(e, at);
    CHECK(found != std::string::npos);
    at = found == std::string::npos ? at : found;
  }
  CHECK(std::count(msg.begin(), msg.end(), '\n') == 7);  // exactly these eight
}

TEST_CASE("malformed or unexpected YAML is an InputError, never a crash") {
  CHECK(ParseError("version: 1\nname: [unclosed\n").rfind("arch.yaml:3:1: malformed YAML", 0) == 0);
  CHECK(ParseError("") == "arch.yaml: an architecture file must be a YAML mapping, got nothing");
  CHECK(ParseError("[1, 2]") ==
        "arch.yaml: an architecture file must be a YAML mapping, got '[1, 2]'");
  CHECK(ParseError("just text") ==
        "arch.yaml: an architecture file must be a YAML mapping, got 'just text'");
  const std::vector<std::string> odd = {
      "{version: 1, name: x, array: {rows: [1], cols: {a: 1}, dataflow: [os]}}",
      "{version: 1, name: {a: b}, array: {rows: 1e400, cols: 99999999999999999999999, "
      "dataflow: ''}}",
      "{version: x, name: x, array: {rows: 1, cols: 1, dataflow: os}, mac: [1], buffers: 3, "
      "dram: {bytes_per_cycle: [1]}, clock_mhz: {}, technology: [a], post_processing: ~}",
      "{version: 1, name: x, array: {rows: 1, cols: 1, dataflow: os}, mac: {accumulator: 5}, "
      "buffers: {input: [1], weight: {kib: x, word_bytes: -8, double_buffered: 2}}}",
      "{? [a, b] : 1, version: 1}",
      "&a {version: 1, name: *a}",
      "version: 1\nname: x\narray: {rows: 1, cols: 1, dataflow: os}\nmac: {binary_lanes: "
      "0x7fffffffffffffff}\n",
  };
  for (const std::string& text : odd) {
    INFO(text);
    CHECK_FALSE(ParseError(text).empty());
  }
  CHECK_THROWS_AS(LoadArchSpec("/nonexistent/arch.yaml"), InputError);
}
