// SCALE-Sim v2's per-layer figures in closed form (scalesim_model.h states each rule and its
// source).

#include "quasar/sim/scalesim_model.h"

#include <algorithm>
#include <stdexcept>

namespace quasar::sim {

using models::GemmDim;
using models::GemmOperand;

namespace {

int64_t Extent(const compiler::GemmShape& g, GemmDim d) {
  return d == GemmDim::kM ? g.m : d == GemmDim::kK ? g.k : g.n;
}

}  // namespace

ScaleSimLayer ScaleSimGemm(const compiler::GemmShape& gemm, int64_t ifmap_elements, int64_t rows,
                           int64_t cols, models::Dataflow dataflow) {
  if (gemm.m < 1 || gemm.k < 1 || gemm.n < 1 || rows < 1 || cols < 1 || ifmap_elements < 1) {
    throw std::invalid_argument("ScaleSimGemm: non-positive dimension");
  }
  const models::DataflowTraits& t = models::TraitsOf(dataflow);
  const int64_t sr = Extent(gemm, t.rows), sc = Extent(gemm, t.cols), time = Extent(gemm, t.time);
  const bool os = t.out == models::Movement::kHeld;  // SCALE-Sim's os formulas
  ScaleSimLayer s;
  s.row_folds = compiler::CeilDiv(sr, rows);
  s.col_folds = compiler::CeilDiv(sc, cols);
  s.folds = s.row_folds * s.col_folds;
  s.cycles_per_fold = os ? time + rows + cols - 2 : 2 * rows + cols + time - 2;
  s.total_cycles = s.folds * s.cycles_per_fold - 1;
  s.macs = gemm.m * gemm.k * gemm.n;

  // Per fold, in scale-sim-v2's order (column folds outermost), as it averages them.
  const int64_t util_cycles = os ? time + rows + cols - 2 : 2 * rows + 2 * cols + time - 3;
  const int64_t pes = rows * cols;
  double mapping_sum = 0, compute_sum = 0;
  for (int64_t fc = 0; fc < s.col_folds; ++fc) {
    const int64_t used_cols = std::min(cols, sc - fc * cols);
    for (int64_t fr = 0; fr < s.row_folds; ++fr) {
      const int64_t used = std::min(rows, sr - fr * rows) * used_cols;
      s.mapped_pe_folds += used;
      mapping_sum += static_cast<double>(used) / static_cast<double>(pes);
      compute_sum += static_cast<double>(used * time) / static_cast<double>(pes * util_cycles);
    }
  }
  const double folds = static_cast<double>(s.folds);
  s.mapping_eff_percent = mapping_sum / folds * 100;
  s.compute_util_percent = compute_sum / folds * 100;
  s.overall_util_percent =
      static_cast<double>(s.macs * 100) / static_cast<double>(s.total_cycles * pes);

  // Each operand is read once per fold of the array dimension it does not span.
  auto reads = [&](GemmOperand op, int64_t elements) {
    int64_t times = 1;
    if (!models::DataflowTraits::Spans(op, t.rows)) {
      times *= s.row_folds;
    }
    if (!models::DataflowTraits::Spans(op, t.cols)) {
      times *= s.col_folds;
    }
    return elements * times;
  };
  s.ifmap_sram_reads = reads(GemmOperand::kA, gemm.m * gemm.k);
  s.filter_sram_reads = reads(GemmOperand::kB, gemm.k * gemm.n);
  s.ofmap_sram_writes =
      reads(GemmOperand::kOut, gemm.m * gemm.n) + (os ? s.folds * (rows + cols) : 0);

  s.ifmap_dram_reads = ifmap_elements;
  s.filter_dram_reads = gemm.k * gemm.n;
  s.ofmap_dram_writes = gemm.m * gemm.n;
  return s;
}

}  // namespace quasar::sim
