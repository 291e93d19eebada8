#pragma once
// Technology cost tables: turn event counts into energy (pJ) and area (µm²). Simulators only
// count events (MACs, SRAM and DRAM accesses, register writes); a CostTable prices them, so every
// backend's energy is comparable by construction (the Accelergy ERT/ART split).
//
// A table is a YAML file in workloads/technology/ (format in docs/energy-area.md). Every entry
// carries value, unit and source; units are checked and unknown keys rejected, and every problem
// of a file is reported together. A table may derive from another (`base:`) with cited energy and
// area scale factors (`scale:`) and override single entries, which is how the second technology
// node and user tables are written.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quasar::models {

// One priced quantity. Scalar entries use `value`; curve entries (`add`, `sram_access_64bit`,
// `pe_area`) use `points`, sorted (x, y) pairs, and leave `value` at 0.
struct CostEntry {
  double value = 0;
  std::vector<std::pair<double, double>> points;
  std::string unit;
  std::string source;
};

struct RtlMacCells;  // rtl_area.h

struct CostTable {
  std::string name;  // "horowitz45"
  std::string node;  // "45nm"
  std::string file;  // where it was read from ("" when parsed from text)
  // Every entry the format defines, complete after parsing (docs/energy-area.md lists them).
  // Ordered by std::less<> so that Entry finds a key without building a string from it.
  std::map<std::string, CostEntry, std::less<>> entries;
  // The project's synthesized MAC cell counts (rtl_area.h), attached by LoadCostTable: the PE
  // area then follows the accumulator's width and overflow mode (AccumulatorAreaFactor). Null
  // for a table parsed from text, whose PE areas stay as the table gives them.
  std::shared_ptr<const RtlMacCells> rtl_mac_cells;

  const CostEntry& Entry(std::string_view key) const;  // std::logic_error if absent

  // The entries the prices below read, looked up by name once, when the table is complete
  // (Resolve; the parser calls it): a sweep prices thousands of candidates per configuration,
  // and a lookup by name cost more than the arithmetic. Copies of the table share it. A price
  // asked of a table never resolved is a std::logic_error.
  struct Resolved;
  std::shared_ptr<const Resolved> resolved;
  void Resolve();

  // ---- energy, pJ ----
  // a-bit × w-bit integer multiply: QKeras fit q·b² + l·b at b = √(a·w) (= q·a·w + l·√(a·w)).
  double MultiplyPj(int a_bits, int w_bits) const;
  // b-bit integer add: piecewise linear through the table's points, ∝ b outside them.
  double AddPj(int bits) const;
  // One multiply plus one accumulator add of `acc_bits`.
  double MacPj(int a_bits, int w_bits, int acc_bits) const;
  double RegisterPjPerBit() const;    // flip-flop write per bit
  double ComparatorPjPerBit() const;  // magnitude comparator (max pool, ReLU clamp) per bit
  double XnorPjPerLane() const;       // binary XNOR lane = ratio × AddPj(1)
  // One access (read or write) of `word_bits` to an SRAM of `capacity_bytes`: the 64-bit figure
  // interpolated in log(capacity), power-law extrapolated outside, scaled linearly to word_bits.
  double SramAccessPj(int64_t capacity_bytes, int64_t word_bits) const;
  double DramPjPerByte() const;
  // Leakage of `area_um2` of silicon over `seconds`: power density × area × time.
  double LeakagePj(double area_um2, double seconds) const;
  // Power (energy per operation) factor of a precision-scalable PE over a fixed one (Bit Fusion).
  double PrecisionScalablePowerFactor() const;

  // ---- area, µm² ----
  // PE of a_bits × w_bits, interpolated linearly in the product a·w through the table's points
  // (∝ a·w outside them). A precision-scalable PE (maximum widths a_bits × w_bits) costs the
  // table's area factor times the fixed PE.
  double PeAreaUm2(int a_bits, int w_bits, bool precision_scalable) const;
  double SramAreaUm2(int64_t capacity_bytes) const;
  double RegisterAreaUm2PerBit() const;  // accumulator / pipeline register, per bit
};

// workloads/technology/ of the source tree when the build defines QUASAR_SOURCE_DIR for the
// models library, else the relative "workloads/technology".
std::string DefaultTechnologyDir();

// Loads a table. A bare name ("horowitz45") is looked up as <technology_dir>/<name>.yaml;
// anything containing '/' or ending in ".yaml" is a path. Throws InputError listing every problem.
// Attaches the cell counts of DefaultRtlMacCellsPath() (read once per process).
CostTable LoadCostTable(const std::string& name_or_path,
                        const std::string& technology_dir = DefaultTechnologyDir());

// The table an accelerator names in `technology` (docs/arch-format.md): a bare name from
// `technology_dir`, a path relative to the directory of the architecture file. Throws InputError
// naming the architecture file when it cannot be loaded.
struct ArchSpec;
CostTable LoadArchCostTable(const ArchSpec& arch,
                            const std::string& technology_dir = DefaultTechnologyDir());

// The same from YAML text; `where` names the source in messages. A `base:` given by name is
// looked up in `technology_dir`, a relative path relative to the directory of `where`.
CostTable ParseCostTable(const std::string& yaml_text, const std::string& where,
                         const std::string& technology_dir = DefaultTechnologyDir());

}  // namespace quasar::models
