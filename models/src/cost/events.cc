// EventCounts: summing the counts of two runs (layers, tiles, or backend phases).

#include "quasar/models/cost/events.h"

namespace quasar::models {

void EventCounts::AddCounts(const EventCounts& o, int64_t times) {
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
  // mac_a_bits, mac_w_bits, acc_bits and binary stay this object's (events.h).
}

}  // namespace quasar::models
