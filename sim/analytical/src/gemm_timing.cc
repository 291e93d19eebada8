#include "quasar/sim/gemm_timing.h"

#include <array>
#include <stdexcept>
#include <tuple>
#include <utility>
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

namespace {

using models::DataflowTraits;
using models::GemmDim;
using models::GemmOperand;

// What TimeGemm needs of a dataflow's traits, derived from the table at compile time (TimeGemm
// runs once per tile of every candidate the mapper prices): the GEMM dimension on rows,
// columns and time as indices of {M, K, N}, and for each operand (A, B, output) whether it
// passes once per row fold and once per column fold, that is, does not span that dimension.
struct Fold {
  int rows, cols, time;
  bool per_row[3], per_col[3];
  bool drains;  // a stationary output leaves the array after the last fold (os)
  bool reads_back;  // the reduction lies on the rows: row folds accumulate onto partial sums
};
constexpr Fold FoldOf(const DataflowTraits& t) {
  constexpr GemmOperand kOps[3] = {GemmOperand::kA, GemmOperand::kB, GemmOperand::kOut};
  Fold f{static_cast<int>(t.rows), static_cast<int>(t.cols), static_cast<int>(t.time),
         {}, {}, t.stationary == GemmOperand::kOut, t.rows == GemmDim::kK};
  for (int i = 0; i < 3; ++i) {
    f.per_row[i] = !DataflowTraits::Spans(kOps[i], t.rows);
    f.per_col[i] = !DataflowTraits::Spans(kOps[i], t.cols);
  }
  return f;
}
// TimeGemm for the dataflow of row D of the traits table, with its Fold folded in as constants.
template <size_t D>
GemmTiming TimeGemmFor(const compiler::GemmShape& g, int64_t rows, int64_t cols) {
  constexpr Fold f = FoldOf(models::kDataflowTraits[D]);
  const int64_t extent[3] = {g.m, g.k, g.n};
  const int64_t sr = extent[f.rows], sc = extent[f.cols], t = extent[f.time];
  GemmTiming r;
  r.row_folds = CeilDiv(sr, rows);
  r.col_folds = CeilDiv(sc, cols);
  r.folds = r.row_folds * r.col_folds * g.count;
  r.cycles_per_fold = 2 * rows + cols + t - 2;
  // A stationary output (os): the last fold's results shift out of the bottom of the array with
  // nothing behind them.
  r.drain_cycles = f.drains ? rows : 0;
  r.cycles = r.folds * r.cycles_per_fold + r.drain_cycles;
  r.macs = g.Macs();
  // Summed over folds, rows_used * cols_used counts each cell of the Sr x Sc grid exactly once.
  r.mapped_pe_folds = sr * sc * g.count;
  // An operand is read (the output written) once per fold of each spatial dimension it does
  // not span; the stationary operand spans both. Accumulating a row fold onto the previous
  // one's partial sums reads them back when the reduction lies on the rows.
  auto passes = [&](int op) {
    return (f.per_row[op] ? r.row_folds : 1) * (f.per_col[op] ? r.col_folds : 1) * g.count;
  };
  r.a_reads = passes(0) * g.m * g.k;
  r.b_reads = passes(1) * g.k * g.n;
  r.out_writes = passes(2) * g.m * g.n;
  r.out_reads = f.reads_back ? (r.row_folds - 1) * g.m * g.n * g.count : 0;
  return r;
}

using Timer = GemmTiming (*)(const compiler::GemmShape&, int64_t, int64_t);
template <size_t... D>
constexpr std::array<Timer, sizeof...(D)> MakeTimers(std::index_sequence<D...>) {
  return {&TimeGemmFor<D>...};
}
// One timer per row of the traits table, in its order.
constexpr auto kTimers =
    MakeTimers(std::make_index_sequence<std::tuple_size_v<decltype(models::kDataflowTraits)>>{});

}  // namespace

GemmTiming TimeGemm(const compiler::GemmShape& g, int64_t rows, int64_t cols,
                    models::Dataflow dataflow) {
  if (g.count < 1 || g.m < 1 || g.k < 1 || g.n < 1 || rows < 1 || cols < 1) {
    throw std::invalid_argument("TimeGemm: dimensions must be >= 1");
  }
  return kTimers[static_cast<size_t>(dataflow)](g, rows, cols);
}

}  // namespace quasar::sim
