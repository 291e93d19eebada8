// The array unit's work on one tile (accelerator.h): the PE array configured for the layer,
// the tile's reduction run through the tile sequencer block by block, wide elements in pieces
// (format_tiles.h), folds across a block bound as segmented columns, and the time spent.

#include <algorithm>
#include <stdexcept>
#include <string>

#include "accelerator.h"

namespace quasar::sim::cycle {

using compiler::TileStep;

// The array unit's work on tile i (accelerator.h, ComputeTile).
TileCounts Accelerator::ComputeTile(size_t i, int64_t* dropped_overflows) {
  const TileStep& t = tile_steps_[i];
  const compiler::LayerSchedule& l = *job_.schedule;
  std::vector<int64_t>& acc = acc_.at(visit_[i]);
  PeConfig pe;
  pe.dataflow = arch_.dataflow;
  pe.rows = arch_.rows;
  pe.cols = arch_.cols;
  pe.pack = l.pack;
  pe.chunked = job_.layer->chunked();
  pe.acc = job_.layer->accumulator();
  pe.checked = job_.check_overflow || !job_.layer->overflow_impossible();
  array_->Configure(pe);
  TileRunner runner(*array_, pe);
  const int32_t* a_tile = input_.Slot(a_slot_[i]).data();
  const int32_t* b_tile = weight_.Slot(b_slot_[i]).data();
  TileCounts c;
  // A clocked RTL array spends its cycles itself; the C++ array's are waited for here.
  const bool clocked = array_->advances_time();
  const sc_core::sc_time t0 = sc_core::sc_time_stamp();
  // One run of the tile sequencer: timed (its cycles spent and counted, traced) or not.
  auto run_piece = [&](const TileOperands& op, bool timed) {
    if (!timed) {
      runner.Run(op);
      return;
    }
    TileCounts n;
    if (tracing_) {
      n = runner.Run(op, [&](const EdgeIn&, const int64_t*) {
        for (int64_t r = 0; r < arch_.rows; ++r) {
          for (int64_t col = 0; col < arch_.cols; ++col) {
            psum_sig_[static_cast<size_t>(r * arch_.cols + col)]->write(array_->Psum(r, col));
          }
        }
        if (!clocked) {
          sc_core::wait(CycleTime());
        }
      });
    } else {
      n = runner.Run(op);
      if (!clocked) {
        WaitCycles(n.cycles);
      }
    }
    c += n;
  };
  // Runs the tile's reduction range [k0, k1) onto the accumulators `into`: timed (its cycles
  // spent and counted, traced), or for its sums alone. Wide elements (gemm_data.h): each of the
  // first `planes` pairs of pieces onto its plane; the first pair's run is the timed one (and the
  // traced partial sums are its), and the others, which a MAC of whole elements does in the same
  // cycles, add no time.
  const int b_pieces = job_.layer->b_pieces();
  const int64_t plane = t.mt * t.nt;
  auto run_range = [&](int64_t k0, int64_t k1, int64_t* into, bool timed, int planes) {
    for (int p = 0; p < planes; ++p) {
      const int64_t pa = p / b_pieces, pb = p % b_pieces;
      const int32_t* a_piece = a_tile + pa * t.mt * t.kt;
      TileOperands op{
          t.mt,  k1 - k0, t.nt, a_piece, b_tile + (pb * t.kt + k0 - t.k0) * t.nt, into + p * plane,
          k0 > 0};
      if (k1 - k0 != t.kt) {  // A's columns of the range
        block_a_.resize(static_cast<size_t>(t.mt * (k1 - k0)));
        for (int64_t r = 0; r < t.mt; ++r) {
          std::copy_n(a_piece + r * t.kt + (k0 - t.k0), k1 - k0, block_a_.begin() + r * (k1 - k0));
        }
        op.a = block_a_.data();
      }
      run_piece(op, timed && p == 0);
    }
  };
  const int64_t block = job_.layer->block();
  *dropped_overflows = 0;
  if (block == 0) {
    run_range(t.k0, t.k0 + t.kt, acc.data(), true, planes_);
  } else {
    // Block by block (gemm_data.h): a block's sums start from 0, and the MAC's block step
    // (CloseBlock) takes them when its last product is in; a range after the tile's first reads its
    // initial values from the output SRAM, as a row fold does.
    const int64_t end = t.k0 + t.kt;
    auto by_block = [&](bool timed) {
      for (int64_t k0 = t.k0; k0 < end;) {
        const int64_t k1 = std::min(end, (k0 / block + 1) * block);
        run_range(k0, k1, acc.data(), timed, planes_);
        if (k1 % block == 0 || k1 == l.gemm.k) {
          job_.layer->CloseBlock(t, (k1 - 1) / block, acc.data());
          std::fill(acc.begin(), acc.end(), int64_t{0});
        }
        k0 = k1;
      }
    };
    if (FoldsWithinBlocks(t)) {
      by_block(true);  // the blocks' ranges are whole folds: the tile's own
    } else {
      // A fold across a block bound: the block format's columns are segmented at the bound, each
      // block's rows summed apart in the same fold. The array runs the tile's folds as they
      // stand for the time, on a copy of the accumulators whose mixed sums are dropped; each
      // block's sums come from a run of its own rows, which adds no time.
      scratch_acc_ = acc;
      const int64_t before = array_->overflow_events();
      run_range(t.k0, end, scratch_acc_.data(), true, 1);  // the time alone: one plane
      *dropped_overflows = array_->overflow_events() - before;
      by_block(false);
    }
  }
  if (clocked && sc_core::sc_time_stamp() - t0 != static_cast<double>(c.cycles) * CycleTime()) {
    throw std::logic_error("cycle model: the " + array_->Name() + " array spent " +
                           (sc_core::sc_time_stamp() - t0).to_string() + " on a tile of " +
                           std::to_string(c.cycles) + " cycles");
  }
  return c;
}

// Whether every fold of tile `t` reduces within one block: R packed elements per fold when the
// partial sums move (ws, is), the tile's whole reduction when the output is held (os).
bool Accelerator::FoldsWithinBlocks(const TileStep& t) const {
  const int64_t block = job_.layer->block();
  const bool out_held = EdgeRolesOf(arch_.dataflow).out_held;
  const int64_t end = t.k0 + t.kt;
  const int64_t span = out_held ? t.kt : arch_.rows * job_.schedule->pack;
  for (int64_t f0 = t.k0; f0 < end; f0 += span) {
    if ((f0 / block + 1) * block < std::min(end, f0 + span)) {
      return false;
    }
  }
  return true;
}

}  // namespace quasar::sim::cycle
