#pragma once
// Energy and area report: prices a backend's EventCounts (events.h) with a CostTable
// (cost_table.h) on an ArchSpec, giving picojoules per component and the chip's area in µm².
// Backends only count; every pricing rule is here, so all backends are priced identically. The
// rules, their formulas and sources are in docs/energy-area.md, section "From events to a report".

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/events.h"
#include "quasar/models/cost/rtl_area.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::models {

// Energy of one layer (or, summed with Add, of a network), in pJ.
struct EnergyBreakdown {
  // Products on the PE array. Non-binary: macs × MacPj(a, w, acc), × PrecisionScalablePowerFactor
  // on a Bit Fusion (precision-scalable) MAC. Binary on XNOR lanes: per product one XNOR lane plus
  // one popcount-tree add of ceil(log2(lanes + 1)) bits, and one accumulator add per `lanes`
  // products (an assumption modelled on XNOR-Net/FINN popcount trees). Binary without lanes: the
  // MAC path at 1 × 1 bits.
  double mac = 0;
  double pe_registers = 0;  // register_bit_writes × RegisterPjPerBit
  // (reads + writes) × SramAccessPj(buffer bytes, word bits) of each buffer.
  double input_sram = 0, weight_sram = 0, output_sram = 0;
  double dram = 0;  // (read + write bytes) × DramPjPerByte
  // post_multiplies × MultiplyPj(32, 32) + post_adds × AddPj(32)
  // + post_compare_bits × ComparatorPjPerBit.
  double post_processing = 0;
  double leakage = 0;  // LeakagePj(whole chip area, cycles / (clock_mhz · 10^6))

  double Total() const;                    // sum of every component (EnergyComponents())
  void Add(const EnergyBreakdown& other);  // component by component
};

// Area of the chip, in µm². DRAM is off chip and has none.
struct AreaBreakdown {
  // One PE: PeAreaUm2(activation_bits, weight_bits, scaling == kBitFusion) × accumulator_factor,
  // read as including the PE's operand and accumulator registers (Bit Fusion's synthesized PE
  // areas include them; the whole PE is scaled as its MAC logic is, an assumption), plus
  // binary_lanes × PeAreaUm2(1, 1, false) for the XNOR-popcount lanes (an assumption: the table's
  // product-proportional extrapolation below its 2 × 2 PE).
  double pe = 0;
  double pe_array = 0;                                      // pe × rows × cols
  double input_sram = 0, weight_sram = 0, output_sram = 0;  // SramAreaUm2(buffer bytes)
  // ceil(post_elements_per_cycle) lanes, each a 32 × 32 requantization multiplier priced as
  // PeAreaUm2(32, 32, false) (an assumption).
  double post_processing = 0;
  // The project's own MAC RTL synthesized by yosys (rtl/synth/mac_cells.yaml, docs/rtl-area.md):
  // cell count of the configuration closest to arch.mac and its ratio to the 8 x 8 MAC, beside
  // the table's `pe`. Gates, not µm², so not part of Total(). Empty unless AttachRtlMacArea filled
  // it and a configuration matched.
  std::optional<RtlMacArea> rtl_mac;
  // The factor `pe` (without its XNOR lanes) was scaled by for the accumulator: the synthesized
  // MAC's cells at this accumulator over its cells at the presets' 32-bit wrapping one
  // (AccumulatorAreaFactor; the table's PE areas are read as at that accumulator). 1 when the
  // table has no cell counts or no MAC of these operands was synthesized at two widths.
  double accumulator_factor = 1;

  // pe_array + the three SRAMs + post_processing (pe is inside pe_array): the in_total rows of
  // AreaComponents().
  double Total() const;
};

// The components of each breakdown, listed once (the tables are in energy.cc): Total(), Add() and
// every report (`quasar run` table, JSON and CSV, `quasar compare` rows and plots) iterate them in
// this order, so a new component is a field of the struct plus a row of its table (and the
// array's size one up).
struct EnergyComponent {
  const char* key;          // JSON key (energy_pj.<key>); CSV column energy_<key>_pj; compare
                            // metric energy_<key>_uj, labelled with the key's '_' as ' '
  const char* label;        // row of the `quasar run` text table ("PE registers")
  const char* plot_column;  // column header of compare_energy.dat, one word ("PE_registers")
  double EnergyBreakdown::*field;
};
struct AreaComponent {
  const char* key;    // JSON key (area_um2.<key>)
  const char* label;  // row of the `quasar run` text table, which lists the in_total components
  bool in_total;      // summed by Total(); false for `pe`, which pe_array contains
  double AreaBreakdown::*field;
};
const std::array<EnergyComponent, 8>& EnergyComponents();
const std::array<AreaComponent, 6>& AreaComponents();

// The area of `arch` priced with `table`.
AreaBreakdown PriceArea(const ArchSpec& arch, const CostTable& table);

// Sets area->rtl_mac to MatchRtlMac(LoadRtlMacCells(cells_yaml), arch.mac): the synthesized cell
// count of the MAC closest to arch.mac, or empty when none matches (16-bit, mixed-width or
// precision-scalable MACs). Leaves every µm² figure unchanged. `cells_yaml` is usually
// DefaultRtlMacCellsPath() (rtl/synth/mac_cells.yaml of the source tree). Throws InputError for a
// missing or invalid file.
void AttachRtlMacArea(const ArchSpec& arch, const std::string& cells_yaml, AreaBreakdown* area);

// The energy of one layer's events on `arch`, priced with `table`; `area` (PriceArea of the same
// arch and table) gives the silicon that leaks for events.cycles cycles at arch.clock_mhz.
// Throws std::invalid_argument for a negative count or a non-positive clock, and whatever the
// table throws for an operand width it cannot price (< 1 bit).
EnergyBreakdown PriceEvents(const EventCounts& events, const ArchSpec& arch, const CostTable& table,
                            const AreaBreakdown& area);

// Energy efficiency in TOPS/W: operations per pJ (1 op/pJ = 10^12 op/J = 1 TOPS/W). By the usual
// accelerator convention a MAC counts as 2 operations (a multiply and an add), so pass
// ops = 2 × macs. Throws std::invalid_argument if energy_pj is not positive or ops is negative.
double TopsPerWatt(int64_t ops, double energy_pj);

}  // namespace quasar::models
