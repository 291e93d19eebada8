#pragma once
// Counting and timing rules both backends apply in the same way (analytical.cc and the cycle
// model, sim/cycle/): what one SRAM access moves, how long the post-processing unit takes, how a
// post-only layer is cut into chunks, and the PE-register bits of a tile. One definition each,
// so the backends cannot drift apart.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/cycle_count.h"

namespace quasar::sim {

// SRAM accesses of `elements` values of `bits` each, with their block scales (in rows of `k`
// along the reduction, compiler::StoredBits), through words of `word_bytes`.
inline int64_t SramWords(int64_t elements, int64_t bits, int64_t word_bytes,
                         compiler::BlockScale scale = {}, int64_t k = 0) {
  return compiler::CeilDiv(compiler::StoredBits(elements, bits, scale, k), 8 * word_bytes);
}

// Cycles of the post-processing unit for `elements` at `per_cycle` elements per cycle.
inline int64_t PostCycles(int64_t elements, double per_cycle) {
  return CyclesAtRate(elements, per_cycle, "elements", "post_processing.elements_per_cycle");
}

// One chunk of a post-only layer (add, pools, transpose): as few chunks as the input and output
// buffers allow, the elements split evenly (chunk j gets [j * E / chunks, (j + 1) * E / chunks)).
struct PostChunk {
  int64_t in_elements = 0, out_elements = 0;
  int64_t load_bytes = 0, store_bytes = 0;
  int64_t Streamed() const { return std::max(in_elements, out_elements); }  // the unit's work
};
inline std::vector<PostChunk> PostChunks(const compiler::LayerSchedule& l,
                                         const models::ArchSpec& arch) {
  using compiler::CeilDiv;
  using compiler::PackedBytes;
  const int64_t in_bytes = PackedBytes(l.in_elements, l.bits.a_bits, l.bits.a_scale);
  const int64_t out_bytes = PackedBytes(l.out_elements, l.bits.out_bits, l.bits.out_scale);
  const int64_t chunks = std::max<int64_t>({1, CeilDiv(in_bytes, arch.input.UsableBytes()),
                                            CeilDiv(out_bytes, arch.output.UsableBytes())});
  std::vector<PostChunk> out;
  for (int64_t j = 0; j < chunks; ++j) {
    PostChunk c;
    c.in_elements = (j + 1) * l.in_elements / chunks - j * l.in_elements / chunks;
    c.out_elements = (j + 1) * l.out_elements / chunks - j * l.out_elements / chunks;
    c.load_bytes = PackedBytes(c.in_elements, l.bits.a_bits, l.bits.a_scale);
    c.store_bytes = PackedBytes(c.out_elements, l.bits.out_bits, l.bits.out_scale);
    out.push_back(c);
  }
  return out;
}

// Bits written into PE registers by one tile (EventCounts::register_bit_writes): the moving
// operands and partial sums latched once per product, and the stationary operand preloaded once
// per fold (docs/energy-area.md, "PE register bits"). The cycle model moves these values but
// does not count latch writes one by one.

// `macs` products, `packed_ops` = mt * ceil(kt / pack) * nt packed products, `outs` = mt * nt
// outputs, `mapped_pe_folds` as TimeGemm's.
inline int64_t RegisterBitWrites(models::Dataflow dataflow, const compiler::LayerBits& b,
                                 int64_t pack, int64_t macs, int64_t packed_ops, int64_t outs,
                                 int64_t mapped_pe_folds) {
  switch (models::TraitsOf(dataflow).stationary) {
    case models::GemmOperand::kOut:  // both operands move; the accumulator stays
      return macs * (b.mac_a_bits + b.mac_w_bits) + outs * b.acc_bits;
    case models::GemmOperand::kB:  // weights preloaded
      return macs * b.mac_a_bits + packed_ops * b.acc_bits + mapped_pe_folds * pack * b.mac_w_bits;
    case models::GemmOperand::kA:  // inputs preloaded
      return macs * b.mac_w_bits + packed_ops * b.acc_bits + mapped_pe_folds * pack * b.mac_a_bits;
  }
  return 0;
}

}  // namespace quasar::sim
