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
  int64_t sr = 0, sc = 0, t = 0;
  switch (dataflow) {
    case models::Dataflow::kOutputStationary:
      sr = g.m, sc = g.n, t = g.k;
      break;
    case models::Dataflow::kWeightStationary:
      sr = g.k, sc = g.n, t = g.m;
      break;
    case models::Dataflow::kInputStationary:
      sr = g.k, sc = g.m, t = g.n;
      break;
  }
  GemmTiming r;
  r.row_folds = CeilDiv(sr, rows);
  r.col_folds = CeilDiv(sc, cols);
  r.folds = r.row_folds * r.col_folds * g.count;
  r.cycles_per_fold = 2 * rows + cols + t - 2;
  // os: the last fold's results shift out of the bottom of the array with nothing behind them.
  r.drain_cycles = dataflow == models::Dataflow::kOutputStationary ? rows : 0;
  r.cycles = r.folds * r.cycles_per_fold + r.drain_cycles;
  r.macs = g.Macs();
  // Summed over folds, rows_used * cols_used counts each cell of the Sr x Sc grid exactly once.
  r.mapped_pe_folds = sr * sc * g.count;
  const int64_t mk = g.m * g.k, kn = g.k * g.n, mn = g.m * g.n;
  switch (dataflow) {
    case models::Dataflow::kOutputStationary:
      r.a_reads = r.col_folds * mk;
      r.b_reads = r.row_folds * kn;
      r.out_writes = mn;
      break;
    case models::Dataflow::kWeightStationary:
      r.a_reads = r.col_folds * mk;
      r.b_reads = kn;
      r.out_writes = r.row_folds * mn;
      r.out_reads = (r.row_folds - 1) * mn;
      break;
    case models::Dataflow::kInputStationary:
      r.a_reads = mk;
      r.b_reads = r.col_folds * kn;
      r.out_writes = r.row_folds * mn;
      r.out_reads = (r.row_folds - 1) * mn;
      break;
  }
  r.a_reads *= g.count;
  r.b_reads *= g.count;
  r.out_writes *= g.count;
  r.out_reads *= g.count;
  return r;
}

}  // namespace quasar::sim
