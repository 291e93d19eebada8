#pragma once
// The tile sequencer: runs one tile of a GEMM (mt x kt times kt x nt, onto mt x nt running
// accumulators) through an ArrayIf cycle by cycle, feeding the array's edges with the skew of
// each dataflow, collecting what leaves it, and counting cycles and SRAM accesses. It is the
// array controller and the SRAM read/write ports of the accelerator; it is the same for every
// ArrayIf implementation.
//
// Folds (SCALE-Sim's mapping, gemm_timing.h): the GEMM with the reduction packed to
// Kp = ceil(kt / pack) becomes Sr x Sc spatial and T temporal (the dataflow's rows, cols and
// time: os: M, N, Kp; ws: Kp, N, M; is: Kp, M, N), run as ceil(Sr/R) * ceil(Sc/C) folds,
// column folds outer, row folds inner. The dataflow's movement columns (EdgeRolesOf) say which
// operand feeds which edge. One fold:
//   partial sums moving (ws, is)
//           R shift cycles load the held operand (the row for PE row R-1 enters first),
//           then R + C + T - 2 compute cycles: the moving operand of stream step t enters row r
//           at cycle t + r; the initial value of output (t, c) enters the top of column c at
//           cycle t + c and leaves the bottom, finished for this fold, at the end of cycle
//           t + c + R - 1. Row folds after the first take their initial values from the
//           results of the previous row fold (read back from the output SRAM).
//   output held (os)
//           R shift cycles move this fold's initial values into the accumulators while the
//           previous fold's results leave at the bottom, then R + C + T - 2 compute cycles:
//           PE (r, c) meets its k-th operand pair at cycle k + r + c. After the last fold, R
//           more shift cycles drain its results.
// So a fold takes 2R + C + T - 2 cycles, and os adds R per tile: exactly TimeGemm's figures,
// which the tests check against this sequencer cycle for cycle.

#include <cstdint>
#include <functional>
#include <vector>

#include "quasar/sim/cycle/array_if.h"

namespace quasar::sim::cycle {

struct TileOperands {
  int64_t m = 0, k = 0, n = 0;  // extents, k unpacked
  const int32_t* a = nullptr;   // m x k row-major: activations as the MAC sees them
  const int32_t* b = nullptr;   // k x n row-major: weights as the MAC sees them
  int64_t* acc = nullptr;       // m x n row-major: the running accumulators in, the results out
  // The initial values are partial sums read from the output SRAM (true), or biases loaded from
  // the bias registers (false, the first reduction tile of an output).
  bool init_from_sram = false;
};

struct TileCounts {
  int64_t cycles = 0, folds = 0;
  int64_t mapped_pe_folds = 0;            // sum over folds of rows used x cols used
  int64_t a_reads = 0, b_reads = 0;       // SRAM reads of packed operand elements
  int64_t out_writes = 0, out_reads = 0;  // output-SRAM writes and reads of accumulators

  TileCounts& operator+=(const TileCounts& o) {
    cycles += o.cycles, folds += o.folds, mapped_pe_folds += o.mapped_pe_folds;
    a_reads += o.a_reads, b_reads += o.b_reads;
    out_writes += o.out_writes, out_reads += o.out_reads;
    return *this;
  }
};

// Called after every cycle (for tracing): the edges' inputs and what left the bottom.
using CycleHook = std::function<void(const EdgeIn& in, const int64_t* south)>;

class TileRunner {
 public:
  // `array` must have been configured with `config` (ArrayIf::Configure).
  TileRunner(ArrayIf& array, const PeConfig& config);
  TileCounts Run(const TileOperands& tile, const CycleHook& hook = {});

 private:
  void Pack(const TileOperands& t);
  void Step(const EdgeIn& in, const CycleHook& hook, TileCounts* counts);
  // Fills dst (one edge's operands) with the groups [lo, hi) of an affine walk over src.
  void Feed(std::vector<int32_t>& dst, const int32_t* src, int64_t off, int64_t stride, int64_t lo,
            int64_t hi);
  // The two arrangements of array_if.h.
  void RunPsumsMoving(const TileOperands& t, const CycleHook& hook, TileCounts* counts);
  void RunOutputHeld(const TileOperands& t, const CycleHook& hook, TileCounts* counts);
  const int32_t* Packed(models::GemmOperand op) const;  // a_pk_ or b_pk_

  ArrayIf& array_;
  PeConfig cfg_;
  const models::DataflowTraits& traits_;
  EdgeRoles roles_;
  int64_t kp_ = 0;                    // packed reduction length of the current tile
  std::vector<int32_t> a_pk_, b_pk_;  // m x (kp*pack) and n x (kp*pack), zero padded
  std::vector<int32_t> west_, north_;
  std::vector<int64_t> north_psum_, south_;
};

}  // namespace quasar::sim::cycle
