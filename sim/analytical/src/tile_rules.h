#pragma once
// The analytical model's rules for one tile (analytical.h, timing rules 1, 2 and 4), one
// definition each: EvaluateGemm (analytical.cc) applies them tile by tile in loop order, and the
// mapper's bound (gemm_bound.cc) sums them over classes of equal tiles.

#include <cstdint>

#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/events.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/rules.h"
#include "quasar/sim/gemm_timing.h"

namespace quasar::sim::detail {

// One tile's pipeline work (timing rule 2).
struct StageWork {
  int64_t load = 0, store = 0, compute = 0, post = 0;
};

// The array side of a tile of mt x kt x nt: compute cycles (rule 1) and the events that do not
// depend on the loop order. `accumulates`: the tile adds onto partial sums of an earlier
// reduction tile (k0 > 0), which it reads from the output SRAM.
struct TileCompute {
  int64_t cycles = 0, folds = 0, mapped_pe_folds = 0;
  models::EventCounts events;
};
inline TileCompute ComputeTile(const compiler::LayerSchedule& l, const models::ArchSpec& arch,
                               int64_t mt, int64_t kt, int64_t nt, bool accumulates) {
  const compiler::LayerBits& b = l.bits;
  const int64_t kp = l.PackedK(kt);
  const GemmTiming g =
      TimeGemm(compiler::GemmShape{1, mt, kp, nt}, arch.rows, arch.cols, arch.dataflow);
  TileCompute r;
  r.cycles = g.cycles, r.folds = g.folds, r.mapped_pe_folds = g.mapped_pe_folds;
  models::EventCounts& e = r.events;
  const int64_t macs = mt * kt * nt, packed_ops = mt * kp * nt, outs = mt * nt;
  e.macs = macs;
  e.pe_cycles = arch.rows * arch.cols * g.cycles;
  // Array-side SRAM traffic: a packed element carries `pack` operands.
  e.input_reads = SramWords(g.a_reads, l.pack * b.a_bits, arch.input.word_bytes, b.a_scale, kp);
  e.weight_reads = SramWords(g.b_reads, l.pack * b.w_bits, arch.weight.word_bytes, b.w_scale, kp);
  e.output_writes = SramWords(g.out_writes, b.acc_bits, arch.output.word_bytes);
  e.output_reads =
      SramWords(g.out_reads + (accumulates ? outs : 0), b.acc_bits, arch.output.word_bytes);
  // PE registers: moving operands and partial sums, and the stationary operand's preload.
  e.register_bit_writes =
      RegisterBitWrites(arch.dataflow, b, l.pack, macs, packed_ops, outs, g.mapped_pe_folds);
  return r;
}

inline void AddPostOps(const compiler::LayerSchedule& l, int64_t outputs, int compare_bits,
                       models::EventCounts* e) {
  e->post_multiplies += outputs * l.post_multiplies_per_out;
  e->post_adds += outputs * l.post_adds_per_out;
  e->post_compare_bits += outputs * l.post_compares_per_out * compare_bits;
}

// The DRAM side of a tile (rule 4), as its flags say: loads of A, B and partial sums, and the
// store of its output tile (outputs after post-processing, or partial sums). Adds the bytes and
// post-processing time to `w` and the SRAM fills, drains, DRAM bytes and post-processing events
// to `e`. `a_footprint()` is the A tile's InputFootprint, asked only when the tile loads A, so
// that a caller may look it up instead of computing it again.
template <typename Footprint>
inline void AddTransfersWith(const compiler::LayerSchedule& l, const models::ArchSpec& arch,
                             const compiler::TileStep& t, Footprint&& a_footprint, StageWork* w,
                             models::EventCounts* e) {
  using compiler::CeilDiv;
  using compiler::PackedBytes;
  const compiler::LayerBits& b = l.bits;
  const int64_t outs = t.mt * t.nt;
  int64_t load = 0, store = 0;
  if (t.load_a) {
    const int64_t bytes = PackedBytes(a_footprint(), b.a_bits, b.a_scale, t.kt);
    load += bytes;
    e->input_writes += CeilDiv(bytes, arch.input.word_bytes);
  }
  if (t.load_b) {
    const int64_t bytes = PackedBytes(t.kt * t.nt, b.w_bits, b.w_scale, t.kt);
    load += bytes;
    e->weight_writes += CeilDiv(bytes, arch.weight.word_bytes);
  }
  if (t.psum_in) {
    const int64_t bytes = PackedBytes(outs, b.acc_bits);
    load += bytes;
    e->output_writes += CeilDiv(bytes, arch.output.word_bytes);
  }
  if (t.store) {
    e->output_reads += SramWords(outs, b.acc_bits, arch.output.word_bytes);
    if (t.final_out) {
      w->post += PostCycles(outs, arch.post_elements_per_cycle);
      store = PackedBytes(outs, b.out_bits, b.out_scale);
      AddPostOps(l, outs, b.acc_bits, e);
    } else {
      store = PackedBytes(outs, b.acc_bits);
    }
  }
  w->load += load, w->store += store;
  e->dram_read_bytes += load;
  e->dram_write_bytes += store;
}
inline void AddTransfers(const compiler::LayerSchedule& l, const models::ArchSpec& arch,
                         const compiler::TileStep& t, StageWork* w, models::EventCounts* e) {
  AddTransfersWith(
      l, arch, t, [&] { return compiler::InputFootprint(l, t.m0, t.mt, t.k0, t.kt); }, w, e);
}

}  // namespace quasar::sim::detail
