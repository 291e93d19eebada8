// EventCounts: summing the counts of two runs (layers, tiles, or backend phases).

#include "quasar/models/cost/events.h"

namespace quasar::models {

void EventCounts::AddCounts(const EventCounts& o) {
  macs += o.macs;
  pe_cycles += o.pe_cycles;
  register_bit_writes += o.register_bit_writes;
  input_reads += o.input_reads;
  input_writes += o.input_writes;
  weight_reads += o.weight_reads;
  weight_writes += o.weight_writes;
  output_reads += o.output_reads;
  output_writes += o.output_writes;
  dram_read_bytes += o.dram_read_bytes;
  dram_write_bytes += o.dram_write_bytes;
  post_multiplies += o.post_multiplies;
  post_adds += o.post_adds;
  post_compare_bits += o.post_compare_bits;
  cycles += o.cycles;
  // mac_a_bits, mac_w_bits, acc_bits and binary stay this object's (events.h).
}

}  // namespace quasar::models
