#pragma once
// Cell counts of the project's own MAC RTL (rtl/sv/quasar_mac.sv) as synthesized by yosys to
// generic gates (rtl/synth/synth_mac.sh writes rtl/synth/mac_cells.yaml): reading and validating
// that file, and matching a MacSpec to the closest synthesized configuration. These counts stand
// beside the cost table's PE areas; they are gates, not µm² (docs/rtl-area.md).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/spec/arch_spec.h"

namespace quasar::models {

// One synthesized configuration of quasar_mac (its parameters and the wrapper's tied inputs).
struct RtlMacConfig {
  std::string name;  // "int8", "int4", "int2", "binary"
  int a_bits = 0;    // A_W, bits of each activation lane
  int w_bits = 0;    // W_W, bits of each weight lane
  int lanes = 1;     // LANES, products per cycle
  int acc_bits = 0;  // ACC_W, accumulator bits
  bool is_signed = true;
  bool xnor = false;      // xnor_mode tied high: the binary (XNOR-popcount) MAC
  bool saturate = false;  // saturate tied high (false: wrap)
  int64_t cells = 0;      // total cells after mapping to the generic gate library
  std::map<std::string, int64_t> cell_types;  // per gate type ("NAND" -> 390), may be empty
};

// One synthesized configuration of the FP8 MAC (rtl/sv/quasar_fp8_mac.sv, the wrapper's tied
// overflow mode). Listed beside the integer MACs for comparison; an FP8 MacSpec (mac.format) is
// priced by format_mac.h, whose derivation these counts check (docs/formats.md).
struct RtlFp8MacConfig {
  std::string name;    // "fp8_e4m3_acc48"
  std::string format;  // a small-float format name (small_float.h): "fp8_e4m3"
  int acc_bits = 0;    // ACC_W, 8..128 (kMaxFp8AccumulatorBits, fp8_mac.h)
  bool saturate = false;
  int64_t cells = 0;
  std::map<std::string, int64_t> cell_types;
};

// The contents of mac_cells.yaml.
struct RtlMacCells {
  std::string file;  // where it was read from
  std::string tool;  // the yosys version line that produced the counts
  std::string flow;  // the yosys commands
  std::vector<std::string> gate_library;
  std::vector<RtlMacConfig> configurations;  // at least one plain 8 x 8 MAC (the reference)
  std::vector<RtlFp8MacConfig> fp8_configurations;  // optional
};

// rtl/synth/mac_cells.yaml of the source tree when the build defines QUASAR_SOURCE_DIR for the
// models library, else the relative "rtl/synth/mac_cells.yaml".
std::string DefaultRtlMacCellsPath();

// Reads and validates a cell-count file; every problem is reported together in one
// quasar::InputError ("<file>: <key.path>: <problem>, got <value>"), malformed YAML with its line.
RtlMacCells LoadRtlMacCells(const std::string& path);
// The same from text; `where` names it in messages and becomes RtlMacCells::file.
RtlMacCells ParseRtlMacCells(const std::string& yaml_text, const std::string& where);

// The synthesized MAC that stands for a MacSpec.
struct RtlMacArea {
  std::string config;  // name of the matched configuration
  std::string tool;    // RtlMacCells::tool, to cite
  int64_t cells = 0;   // its cell count
  // cells / cells of the plain 8 x 8 configuration (the one closest to the match in accumulator
  // width, signedness and overflow mode).
  double relative_to_int8 = 0;
  // True when accumulator width, overflow mode and (for integer MACs) signedness also match; false
  // when only the operand widths do (the counts then come from a different accumulator).
  bool exact = false;
};

// The configuration closest to `mac`, or nullopt when none has its operand widths:
//  - 1 x 1-bit operands (binary) match an XNOR configuration, any other widths an integer
//    configuration with a_bits == activation_bits and w_bits == weight_bits and one lane; so 16-bit
//    or mixed 8 x 4 operands match nothing in the committed file.
//  - A precision-scalable MAC (PrecisionScaling::kBitFusion) matches nothing: the synthesized
//    configurations are fixed-width MACs. Nor does a number-format MAC (mac.format): its cost
//    is format_mac.h's, and the FP8 MAC's cells are beside it in docs/formats.md.
//  - Among several candidates, the nearest accumulator width wins, then equal signedness, then
//    equal overflow mode, then file order.
// The XNOR lanes of a PE with binary_lanes > 0 are not included: the binary configuration is a
// whole MAC (one lane and a 32-bit accumulator add), not one lane of a popcount tree.
std::optional<RtlMacArea> MatchRtlMac(const RtlMacCells& cells, const MacSpec& mac);

// How the MAC's area changes with its accumulator: cells at `mac`'s accumulator width and
// overflow mode over cells at the presets' 32-bit wrapping accumulator, both for `mac`'s operands
// (as MatchRtlMac matches them). Cells against width are piecewise linear through the
// synthesized widths of that overflow mode (an adder, a register-free overflow check and a
// saturating mux are each linear in the width), extended linearly past the end ones. nullopt
// for a precision-scalable MAC, operands with fewer than two synthesized widths in either mode
// needed, a number-format MAC, or a line extended to zero cells. 1 at 32 bits wrapping.
std::optional<double> AccumulatorAreaFactor(const RtlMacCells& cells, const MacSpec& mac);

}  // namespace quasar::models
