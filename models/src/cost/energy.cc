// Pricing of event counts and of an architecture's area. Each rule, with its formula and source or
// assumption, is documented in docs/energy-area.md ("From events to a report") and energy.h.

#include "quasar/models/cost/energy.h"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "quasar/models/cost/format_mac.h"
#include "quasar/models/int_math.h"

namespace quasar::models {
namespace {

void RequireNonNegative(int64_t v, const char* what) {
  if (v < 0) {
    throw std::invalid_argument(std::string("event counts: ") + what +
                                " must not be negative, got " + std::to_string(v));
  }
}

void CheckCounts(const EventCounts& e) {
  RequireNonNegative(e.macs, "macs");
  RequireNonNegative(e.pe_cycles, "pe_cycles");
  RequireNonNegative(e.register_bit_writes, "register_bit_writes");
  RequireNonNegative(e.input_reads, "input_reads");
  RequireNonNegative(e.input_writes, "input_writes");
  RequireNonNegative(e.weight_reads, "weight_reads");
  RequireNonNegative(e.weight_writes, "weight_writes");
  RequireNonNegative(e.output_reads, "output_reads");
  RequireNonNegative(e.output_writes, "output_writes");
  RequireNonNegative(e.dram_read_bytes, "dram_read_bytes");
  RequireNonNegative(e.dram_write_bytes, "dram_write_bytes");
  RequireNonNegative(e.post_multiplies, "post_multiplies");
  RequireNonNegative(e.post_adds, "post_adds");
  RequireNonNegative(e.post_compare_bits, "post_compare_bits");
  RequireNonNegative(e.cycles, "cycles");
}

// Bits of a popcount of `lanes` one-bit inputs (0..lanes): the smallest b with 2^b >= lanes + 1,
// i.e. ceil(log2(lanes + 1)), computed exactly in integers.
int PopcountBits(int lanes) {
  int bits = 0;
  while ((int64_t{1} << bits) < int64_t{lanes} + 1) {
    ++bits;
  }
  return bits;
}

double D(int64_t v) { return static_cast<double>(v); }

double SramPj(const BufferSpec& b, int64_t reads, int64_t writes, const CostTable& table) {
  if (reads + writes == 0) {
    return 0;
  }
  return D(reads + writes) * table.SramAccessPj(b.Bytes(), b.word_bytes * 8);
}

double MacEnergy(const EventCounts& e, const ArchSpec& arch, const CostTable& table) {
  if (e.macs == 0) {
    return 0;
  }
  const int lanes = arch.mac.binary_lanes;
  if (e.binary && lanes > 0) {
    // XNOR lane + its share of the popcount tree (one add of the popcount's width per lane),
    // plus one accumulator add per `lanes` products (ceil division).
    const int64_t accumulations = CeilDiv(e.macs, lanes);
    return D(e.macs) * (table.XnorPjPerLane() + table.AddPj(PopcountBits(lanes))) +
           D(accumulations) * table.AddPj(e.acc_bits);
  }
  if (arch.mac.format != QuantCode::kLinear) {  // a number-format MAC (format_mac.h)
    return D(e.macs) * FormatMacPj(table, arch.mac.format, e.acc_bits);
  }
  // The multiplier path; binary products without lanes run on it as 1 x 1-bit products.
  const int a_bits = e.binary ? 1 : e.mac_a_bits;
  const int w_bits = e.binary ? 1 : e.mac_w_bits;
  const double factor =
      arch.mac.scaling == PrecisionScaling::kBitFusion ? table.PrecisionScalablePowerFactor() : 1.0;
  const double dequant = e.mac_w_group > 0 ? GroupDequantPjPerProduct(table, e.mac_w_group) : 0;
  return D(e.macs) * (table.MacPj(a_bits, w_bits, e.acc_bits) * factor + dequant);
}

}  // namespace

const std::array<EnergyComponent, 8>& EnergyComponents() {
  using E = EnergyBreakdown;
  static const std::array<EnergyComponent, 8> table = {{
      {"mac", "MAC", "MAC", &E::mac},
      {"pe_registers", "PE registers", "PE_registers", &E::pe_registers},
      {"input_sram", "input SRAM", "input_SRAM", &E::input_sram},
      {"weight_sram", "weight SRAM", "weight_SRAM", &E::weight_sram},
      {"output_sram", "output SRAM", "output_SRAM", &E::output_sram},
      {"dram", "DRAM", "DRAM", &E::dram},
      {"post_processing", "post-processing", "post_processing", &E::post_processing},
      {"leakage", "leakage", "leakage", &E::leakage},
  }};
  return table;
}

const std::array<AreaComponent, 6>& AreaComponents() {
  using A = AreaBreakdown;
  static const std::array<AreaComponent, 6> table = {{
      {"pe", "PE", false, &A::pe},
      {"pe_array", "PE array", true, &A::pe_array},
      {"input_sram", "input SRAM", true, &A::input_sram},
      {"weight_sram", "weight SRAM", true, &A::weight_sram},
      {"output_sram", "output SRAM", true, &A::output_sram},
      {"post_processing", "post-processing", true, &A::post_processing},
  }};
  return table;
}

double EnergyBreakdown::Total() const {
  double total = 0;
  for (const EnergyComponent& c : EnergyComponents()) {
    total += this->*c.field;
  }
  return total;
}

void EnergyBreakdown::Add(const EnergyBreakdown& o) {
  for (const EnergyComponent& c : EnergyComponents()) {
    this->*c.field += o.*c.field;
  }
}

double AreaBreakdown::Total() const {
  double total = 0;
  for (const AreaComponent& c : AreaComponents()) {
    if (c.in_total) {
      total += this->*c.field;
    }
  }
  return total;
}

AreaBreakdown PriceArea(const ArchSpec& arch, const CostTable& table) {
  AreaBreakdown a;
  a.pe = arch.mac.format != QuantCode::kLinear
             ? FormatPeAreaUm2(table, arch.mac.format, arch.mac.accumulator.bits)
             : table.PeAreaUm2(arch.mac.activation_bits, arch.mac.weight_bits,
                               arch.mac.scaling == PrecisionScaling::kBitFusion);
  if (table.rtl_mac_cells) {
    if (const auto f = AccumulatorAreaFactor(*table.rtl_mac_cells, arch.mac)) {
      a.accumulator_factor = *f;
      a.pe *= *f;
    }
  }
  if (arch.mac.binary_lanes > 0) {
    a.pe += arch.mac.binary_lanes * table.PeAreaUm2(1, 1, false);
  }
  a.pe_array = a.pe * D(arch.rows) * D(arch.cols);
  a.input_sram = table.SramAreaUm2(arch.input.Bytes());
  a.weight_sram = table.SramAreaUm2(arch.weight.Bytes());
  a.output_sram = table.SramAreaUm2(arch.output.Bytes());
  a.post_processing = std::ceil(arch.post_elements_per_cycle) * table.PeAreaUm2(32, 32, false);
  return a;
}

void AttachRtlMacArea(const ArchSpec& arch, const std::string& cells_yaml, AreaBreakdown* area) {
  area->rtl_mac = MatchRtlMac(LoadRtlMacCells(cells_yaml), arch.mac);
}

EnergyBreakdown PriceEvents(const EventCounts& e, const ArchSpec& arch, const CostTable& table,
                            const AreaBreakdown& area) {
  CheckCounts(e);
  if (!(arch.clock_mhz > 0)) {
    throw std::invalid_argument("architecture '" + arch.name +
                                "': clock_mhz must be positive, got " +
                                std::to_string(arch.clock_mhz));
  }
  EnergyBreakdown r;
  r.mac = MacEnergy(e, arch, table);
  r.pe_registers = D(e.register_bit_writes) * table.RegisterPjPerBit();
  r.input_sram = SramPj(arch.input, e.input_reads, e.input_writes, table);
  r.weight_sram = SramPj(arch.weight, e.weight_reads, e.weight_writes, table);
  r.output_sram = SramPj(arch.output, e.output_reads, e.output_writes, table);
  r.dram = D(e.dram_read_bytes + e.dram_write_bytes) * table.DramPjPerByte();
  r.post_processing = D(e.post_multiplies) * table.MultiplyPj(32, 32) +
                      D(e.post_adds) * table.AddPj(32) +
                      D(e.post_compare_bits) * table.ComparatorPjPerBit();
  const double seconds = D(e.cycles) / (arch.clock_mhz * 1e6);
  r.leakage = table.LeakagePj(area.Total(), seconds);
  return r;
}

double TopsPerWatt(int64_t ops, double energy_pj) {
  if (ops < 0) {
    throw std::invalid_argument("TopsPerWatt: ops must not be negative, got " +
                                std::to_string(ops));
  }
  if (!(energy_pj > 0)) {
    throw std::invalid_argument("TopsPerWatt: energy must be positive, got " +
                                std::to_string(energy_pj) + " pJ");
  }
  return D(ops) / energy_pj;  // ops/pJ = 10^12 ops/J = TOPS/W
}

}  // namespace quasar::models
