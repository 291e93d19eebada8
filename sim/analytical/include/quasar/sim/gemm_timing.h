#pragma once
// Compute-only timing of one GEMM on a rows x cols systolic array, in closed form, for the three
// dataflows. This is the core of the analytical model; memory stalls and post-processing are
// added on top of it per tile (analytical.h).
//
// Mapping (SCALE-Sim's, scale-sim-v2 scalesim/compute/systolic_compute_{os,ws,is}.py,
// set_params): the GEMM out[M, N] = A[M, K] x B[K, N] becomes spatial dimensions Sr x Sc and a
// temporal one T:
//   os: Sr = M, Sc = N, T = K   (each PE owns one output; operands stream in skewed)
//   ws: Sr = K, Sc = N, T = M   (weights preloaded; inputs stream; partial sums flow down)
//   is: Sr = K, Sc = M, T = N   (inputs preloaded; weights stream)
// The array runs ceil(Sr/R) * ceil(Sc/C) folds, one after another (no overlap between folds,
// except os's shift-out under the next fold's shift-in, below).
//
// Cycles per fold, whatever part of the array a partial fold uses (idle PEs still wait for
// the skewed wavefront): 2R + C + T - 2. For os this is SCALE-Sim's published formula
// (Samajdar et al., arXiv:1811.02883; its maintainers confirm it as intended in scale-sim-v3
// issue #4, where v2's code counts R + C + T - 2). Each os PE accumulates its output in place,
// starting from the running value (the bias, or the partial sums of earlier reduction tiles) so
// that it adds in the golden kernels' order. Those R initial values enter each column through
// its vertical accumulator shift chain, one row per cycle from the top, while the previous
// fold's results shift out at the bottom: R cycles, then R + C + T - 2 to compute (PE(r, c)
// meets its k-th operand pair at cycle k + r + c). The shift cannot hide under the compute: a
// column's single value lane places its R values only after R shifts (the top row's last), but
// row r needs its value by cycle r + c. After the last fold of a call nothing shifts in behind
// its results, so they need R more cycles to leave the array: os pays drain_cycles = R once per
// call (the folds of one call, `count` > 1 included, hide each drain under the next fold's
// shift-in). For ws and is it is v2's own count: R cycles to preload the stationary operand,
// then R + C + T - 2 to stream, skew and drain; their partial sums leave at the bottom during the
// stream and the initial value enters the top of the column with it, so drain_cycles = 0. A
// layer of `count` GEMMs (groups, batches) runs them one after another:
//   cycles = folds * (2R + C + T - 2) + drain_cycles.
//
// SRAM traffic (elements; v2 counts the same in create_*_demand_mat, minus its spurious
// "+ rows + cols" per fold on os output writes): os reads A once per column fold and B once per
// row fold and writes each output once; ws reads A once per column fold and B once, and writes
// partial sums once per row fold; is reads A once and B once per column fold, and writes partial
// sums once per row fold. Quasar also counts the partial-sum read-back that accumulating a row
// fold onto the previous one needs ((row folds - 1) * M * N for ws and is); SCALE-Sim does not.

#include <cstdint>

#include "quasar/compiler/lower.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::sim {

struct GemmTiming {
  int64_t row_folds = 0, col_folds = 0;
  int64_t folds = 0;  // row_folds * col_folds * count
  int64_t cycles_per_fold = 0;
  int64_t drain_cycles = 0;  // os: R, the last fold's results leaving the array; 0 for ws and is
  int64_t cycles = 0;        // folds * cycles_per_fold + drain_cycles
  int64_t macs = 0;          // count * M * K * N
  // Sum over folds of the PEs a fold maps (rows used * cols used), for mapping efficiency.
  int64_t mapped_pe_folds = 0;
  int64_t a_reads = 0, b_reads = 0;       // SRAM element reads of A (inputs) and B (weights)
  int64_t out_writes = 0, out_reads = 0;  // output/partial-sum element writes and read-backs

  // Mapped PEs over available PE-folds: how well the GEMM's shape fills the array.
  double MappingEfficiency(int64_t rows, int64_t cols) const;
  // Useful MACs over PE-cycles: mapping efficiency times the fill/drain overhead.
  double Utilization(int64_t rows, int64_t cols) const;
};

// Throws std::invalid_argument for a non-positive dimension (a bug: shapes come validated).
GemmTiming TimeGemm(const compiler::GemmShape& gemm, int64_t rows, int64_t cols,
                    models::Dataflow dataflow);

}  // namespace quasar::sim
