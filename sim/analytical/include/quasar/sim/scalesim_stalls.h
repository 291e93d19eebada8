#pragma once
// SCALE-Sim v2's USER-mode timing (InterfaceBandwidth: USER) of one GEMM, as `conventions:
// scalesim` reports it (docs/scalesim.md). scale-sim-v2 (commit 22f88b1) serves its demand
// matrices row by row through three trace-driven buffers, and its stall count is the outcome of
// that walk over addresses, so Quasar walks the same rows in the same order:
//
// - Addresses (scalesim/compute/operand_matrix.py): ifmap A[m, k] of output pixel m = (oy, ox)
//   and window position k = (ky, kx, c), channel innermost, is ((oy * s + ky) * W + ox * s + kx)
//   * C + c, or none when the window leaves the H x W input (calc_ifmap_elem_addr); filter B[k,
//   n] is n * K + k (calc_filter_elem_addr). A GEMM topology row (M, N, K) is a conv of an M x K
//   input and a 1 x K filter (topology_utils.py load_arrays_gemm), so A[m, k] is m * K + k. The
//   .cfg's offsets do not matter: each buffer sees one operand.
// - Demand rows (systolic_compute_{os,ws,is}.py create_*_demand_mat): per fold, column folds
//   outermost, each operand's fold matrix with its null prefix and suffix rows, skewed by column
//   where v2 skews it (skew_matrix); the three matrices have the same rows (scalesim_model.h).
// - Prefetch orders (create_*_prefetch_mat): each input operand's matrix cut into blocks of one
//   array dimension (os: ifmap by row folds, filter by column folds; ws: ifmap by row folds,
//   filter by column folds; is: ifmap by column folds, filter by row folds), each block once,
//   stacked, and rolled out along anti-diagonals where v2 rolls them out.
// - Buffers: scalesim_buffers.h (read_buffer.py, write_buffer.py).
// - The walk (double_buffered_scratchpad_mem.py service_memory_requests, lines 152-209): row i is
//   issued at i plus the stalls so far; it stalls by the most that any of the three buffers
//   makes it wait; "Total Cycles" is the cycle the last row's output writes finish (the issue
//   cycle of the last row plus its write wait), "Stall Cycles" the sum over all rows.
// - Bandwidth and sizes (single_layer_sim.py lines 132-171): one-byte words, each buffer's whole
//   SRAM (both halves), every interface at the first Bandwidth entry's words per cycle (here a
//   third of the accelerator's DRAM bandwidth, ScaleSimUserMemoryOf).

#include <cstdint>
#include <optional>

#include "quasar/compiler/schedule.h"
#include "quasar/models/dataflow.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/scalesim_model.h"

namespace quasar::sim {

// A layer as SCALE-Sim lays out its operands.
struct ScaleSimOperands {
  int64_t m = 0, k = 0, n = 0;
  int64_t in_h = 0, in_w = 0, kernel_h = 0, kernel_w = 0, channels = 0, stride = 1, out_w = 0;

  // One of a layer's GEMMs: a convolution from its geometry (stride_h for both directions, as a
  // SCALE-Sim row with one stride gives), a matmul or fully connected layer as a GEMM row.
  static ScaleSimOperands Of(const compiler::LayerSchedule& l);
  int64_t IfmapAddress(int64_t m, int64_t k) const;  // -1: outside the input
  int64_t IfmapAddressCount() const { return in_h * in_w * channels; }
};

// The buffers and interface of a USER-mode accelerator.
struct ScaleSimUserMemory {
  int64_t ifmap_bytes = 0, filter_bytes = 0, ofmap_bytes = 0;
  int64_t words_per_cycle = 1;
};

// nullopt for CALC mode (dram.bytes_per_cycle of kScaleSimCalcBytesPerCycle or more). Otherwise
// each interface carries a third of dram.bytes_per_cycle in one-byte words, at least one: the
// import of a USER .cfg gives the DRAM three times its bandwidth (scalesim_config.h).
std::optional<ScaleSimUserMemory> ScaleSimUserMemoryOf(const models::ArchSpec& arch);

struct ScaleSimTiming {
  int64_t total_cycles = 0;  // COMPUTE_REPORT "Total Cycles"
  int64_t stall_cycles = 0;  // "Stall Cycles"
  int64_t rows = 0;          // demand rows walked
  // DETAILED_ACCESS_REPORT's DRAM counts: the words v2's buffers fetch and drain
  // (scalesim_buffers.h), re-reads and whole lines included.
  int64_t ifmap_dram_reads = 0, filter_dram_reads = 0, ofmap_dram_writes = 0;
};

// The largest walk Quasar takes on, in demand-matrix entries (its time: about a second per 10^8).
inline constexpr double kScaleSimMaxWalkEntries = 2e10;

// Walks the layer's demand rows on a rows x cols array. Throws std::invalid_argument for a
// non-positive dimension or size; InputError for a walk beyond kScaleSimMaxWalkEntries, a
// prefetch matrix of 2^31 entries or more, or buffers over the memory limit
// (models/memory_limit.h).
ScaleSimTiming ScaleSimUserTiming(const ScaleSimOperands& op, int64_t rows, int64_t cols,
                                  models::Dataflow dataflow, const ScaleSimUserMemory& memory);

// One of the layer's GEMMs on `arch` (conventions: scalesim): ScaleSimGemm's figures, with the
// USER-mode timing in place of CALC's total and v2's DRAM counts in place of Quasar's when the
// accelerator has a USER bandwidth (then "Overall Util %" divides by that total,
// single_layer_sim.py line 214).
// Throws InputError naming the layer beyond the walk's limits.
ScaleSimLayer ScaleSimLayerOf(const compiler::LayerSchedule& l, const models::ArchSpec& arch);

}  // namespace quasar::sim
