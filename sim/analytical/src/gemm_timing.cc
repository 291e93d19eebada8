#include "quasar/sim/gemm_timing.h"

#include <stdexcept>
#include <string>

namespace quasar::sim {

using compiler::CeilDiv;

double GemmTiming::MappingEfficiency(int64_t rows, int64_t cols) const {
  return folds == 0 ? 0.0
                    : static_cast<double>(mapped_pe_folds) /
                          (static_cast<double>(folds) * static_cast<double>(rows * cols));
}

double GemmTiming::Utilization(int64_t rows, int64_t cols) const {
  return cycles == 0 ? 0.0
                     : static_cast<double>(macs) /
                           (static_cast<double>(cycles) * static_cast<double>(rows * cols));
}

GemmTiming TimeGemm(const compiler::GemmShape& g, int64_t rows, int64_t cols,
                    models::Dataflow dataflow) {
  if (g.count < 1 || g.m < 1 || g.k < 1 || g.n < 1 || rows < 1 || cols < 1) {
    throw std::invalid_argument("TimeGemm: dimensions must be >= 1");
  }
  const models::DataflowTraits& df = models::TraitsOf(dataflow);
  auto extent = [&g](models::GemmDim d) {
    return d == models::GemmDim::kM ? g.m : d == models::GemmDim::kK ? g.k : g.n;
  };
  const int64_t sr = extent(df.rows), sc = extent(df.cols), t = extent(df.time);
  GemmTiming r;
  r.row_folds = CeilDiv(sr, rows);
  r.col_folds = CeilDiv(sc, cols);
  r.folds = r.row_folds * r.col_folds * g.count;
  r.cycles_per_fold = 2 * rows + cols + t - 2;
  // A stationary output (os): the last fold's results shift out of the bottom of the array with
  // nothing behind them.
  r.drain_cycles = df.stationary == models::GemmOperand::kOut ? rows : 0;
  r.cycles = r.folds * r.cycles_per_fold + r.drain_cycles;
  r.macs = g.Macs();
  // Summed over folds, rows_used * cols_used counts each cell of the Sr x Sc grid exactly once.
  r.mapped_pe_folds = sr * sc * g.count;
  // An operand is read (the output written) once per fold of each spatial dimension it does
  // not span; the stationary operand spans both. Accumulating a row fold onto the previous
  // one's partial sums reads them back when the reduction lies on the rows.
  using models::DataflowTraits;
  using models::GemmOperand;
  auto passes = [&](GemmOperand op) {
    return (DataflowTraits::Spans(op, df.rows) ? 1 : r.row_folds) *
           (DataflowTraits::Spans(op, df.cols) ? 1 : r.col_folds);
  };
  r.a_reads = passes(GemmOperand::kA) * g.m * g.k;
  r.b_reads = passes(GemmOperand::kB) * g.k * g.n;
  r.out_writes = passes(GemmOperand::kOut) * g.m * g.n;
  r.out_reads = df.rows == models::GemmDim::kK ? (r.row_folds - 1) * g.m * g.n : 0;
  r.a_reads *= g.count;
  r.b_reads *= g.count;
  r.out_writes *= g.count;
  r.out_reads *= g.count;
  return r;
}

}  // namespace quasar::sim
