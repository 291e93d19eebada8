#pragma once
// Event counts: what a simulator backend counts while it runs one layer, and all that the cost
// model needs to price it (energy.h). Backends fill these; they never compute energy themselves,
// so the analytical and the cycle-level backends are priced identically. The pricing rules are in
// docs/energy-area.md, "From events to a report".

#include <cstdint>

namespace quasar::models {

struct EventCounts {
  // ---- the PE array ----
  int64_t macs = 0;     // products computed (one multiply, or one XNOR lane, plus its add)
  int mac_a_bits = 8;   // activation operand width of those products as the MAC sees them
  int mac_w_bits = 8;   // weight operand width
  int acc_bits = 32;    // accumulator width the products are added into
  bool binary = false;  // the products ran on XNOR-popcount lanes, not the multiplier
  // Integer weights quantized per group of this many along K (0: not grouped): the MAC
  // dequantizes each group's integer sum with one float multiply-add (format_mac.h).
  int mac_w_group = 0;
  // PE-cycles the array was clocked: rows * cols * compute cycles. Reported for utilisation; not
  // priced (leakage is charged on `cycles` for the whole chip area).
  int64_t pe_cycles = 0;
  // Bits written into PE registers: operands and partial sums moving one PE per cycle, and the
  // stationary operand preloaded per fold.
  int64_t register_bit_writes = 0;

  // ---- on-chip SRAMs, in accesses of the buffer's word (ArchSpec BufferSpec::word_bytes) ----
  int64_t input_reads = 0, input_writes = 0;  // writes: fills from DRAM
  int64_t weight_reads = 0, weight_writes = 0;
  int64_t output_reads = 0, output_writes = 0;  // partial sums, read-backs, post-processing reads

  // ---- DRAM ----
  int64_t dram_read_bytes = 0;
  int64_t dram_write_bytes = 0;

  // ---- the post-processing unit ----
  int64_t post_multiplies = 0;  // 32 x 32-bit fixed-point multiplies (requantization, add rescale)
  int64_t post_adds = 0;        // 32-bit adds (rounding, zero points, average pooling, add)
  int64_t post_compare_bits = 0;  // comparator bits (clamps, ReLU, max pooling)

  // ---- time ----
  int64_t cycles = 0;  // wall-clock cycles of the layer, for leakage

  // Adds `times` x `o`'s counts; the widths (mac_*_bits, acc_bits, binary, mac_w_group) are per
  // layer and stay this object's: sum energies, not counts, across layers of different precision.
  // Inline: the mapper's bound adds counts of which most are known to be zero where it calls this.
  void AddCounts(const EventCounts& o, int64_t times = 1) {
    macs += times * o.macs;
    pe_cycles += times * o.pe_cycles;
    register_bit_writes += times * o.register_bit_writes;
    input_reads += times * o.input_reads;
    input_writes += times * o.input_writes;
    weight_reads += times * o.weight_reads;
    weight_writes += times * o.weight_writes;
    output_reads += times * o.output_reads;
    output_writes += times * o.output_writes;
    dram_read_bytes += times * o.dram_read_bytes;
    dram_write_bytes += times * o.dram_write_bytes;
    post_multiplies += times * o.post_multiplies;
    post_adds += times * o.post_adds;
    post_compare_bits += times * o.post_compare_bits;
    cycles += times * o.cycles;
  }
};

}  // namespace quasar::models
