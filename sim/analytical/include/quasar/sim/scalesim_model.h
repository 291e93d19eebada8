#pragma once
// SCALE-Sim v2's model of one GEMM on a systolic array, as `conventions: scalesim` applies it
// (docs/scalesim.md). Every figure is the closed form of what scale-sim-v2 (commit 22f88b1)
// computes by building its demand matrices, stated here so that Quasar reproduces its
// COMPUTE_REPORT and its SRAM counts exactly:
//
// - Mapping (scalesim/compute/systolic_compute_{os,ws,is}.py, set_params): the whole GEMM, no
//   tiling under buffer capacity; spatial Sr x Sc and temporal T as models/dataflow.h states
//   them; ceil(Sr/R) row folds x ceil(Sc/C) column folds, column folds outermost.
// - Cycles per fold: the rows of the output demand matrix after its skew, os T + R + C - 2
//   (T - 1 prefix rows, R output rows, C - 1 skew), ws and is 2R + C + T - 2 (2R - 1 prefix
//   rows, T output rows, C - 1 skew); the layer's total is that sum minus one, since
//   double_buffered_scratchpad_mem.py service_memory_requests reports the cycle of the last
//   demand row, numbered from 0 (the "- 1" of scale-sim-v2 issue #125), plus its stalls.
// - Stall cycles: none when the interface bandwidth is CALC (read_buffer_estimate_bw.py serves
//   every read at its hit latency; the output write buffer drains C words a cycle). In USER
//   mode, ScaleSimLayerOf (scalesim_stalls.h) walks v2's demand rows through its buffers.
// - SRAM reads (create_*_demand_mat, the `*_reads +=` lines): each operand once per fold of the
//   array dimension it does not span (models::DataflowTraits::Spans); os output writes also count
//   R + C per fold, an overcount (scale-sim-v2 issue #166) reproduced as is.
// - Mapping efficiency: the mean over folds of used PEs / (R * C). Compute utilization: the mean
//   over folds of used PEs * T / (R * C * F), where F is the fold's demand rows plus its width
//   minus one, before the skew: os T + R + C - 2; ws and is 2R + 2C + T - 3. Both are averaged
//   in the order scale-sim-v2 sums them, so the percentages are bit-identical.
// - Overall utilization: MACs * 100 / (total cycles * R * C) (single_layer_sim.py).
//
// DRAM counts here are Quasar's, not SCALE-Sim's CALC-mode ones: each element of each operand
// read once and each output written once (the whole-layer mapping's minimum); in USER mode
// ScaleSimLayerOf gives v2's. scale-sim-v2 counts the addresses its
// set-associative prefetch model misses on, which depends on its buffer sets and address layout;
// docs/scalesim.md compares the two.

#include <cstdint>

#include "quasar/compiler/lower.h"
#include "quasar/models/dataflow.h"

namespace quasar::sim {

struct ScaleSimLayer {
  int64_t row_folds = 0, col_folds = 0, folds = 0;
  int64_t cycles_per_fold = 0;
  int64_t total_cycles = 0;  // COMPUTE_REPORT "Total Cycles"
  int64_t stall_cycles = 0;  // "Stall Cycles" (0 from ScaleSimGemm: CALC mode)
  int64_t macs = 0;
  int64_t mapped_pe_folds = 0;      // sum over folds of used PEs
  double overall_util_percent = 0;  // "Overall Util %"
  double mapping_eff_percent = 0;   // "Mapping Efficiency %"
  double compute_util_percent = 0;  // "Compute Util %"
  int64_t ifmap_sram_reads = 0;     // DETAILED_ACCESS_REPORT "SRAM IFMAP Reads"
  int64_t filter_sram_reads = 0;    // "SRAM Filter Reads"
  int64_t ofmap_sram_writes = 0;    // "SRAM OFMAP Writes"
  int64_t ifmap_dram_reads = 0;     // Quasar's counts (CALC), see above
  int64_t filter_dram_reads = 0;
  int64_t ofmap_dram_writes = 0;
};

// One GEMM out[M, N] = A[M, K] x B[K, N] (gemm.count is ignored: each of a layer's GEMMs is a
// layer of its own to SCALE-Sim, as it splits a depthwise layer per channel) whose A operand
// holds `ifmap_elements` distinct elements (an im2col matrix repeats its input's). Throws
// std::invalid_argument for a non-positive dimension.
ScaleSimLayer ScaleSimGemm(const compiler::GemmShape& gemm, int64_t ifmap_elements, int64_t rows,
                           int64_t cols, models::Dataflow dataflow);

}  // namespace quasar::sim
