// SCALE-Sim v2's USER-mode timing: its demand rows walked through its buffers (scalesim_stalls.h
// states the rules and their sources; scalesim_buffers.h the buffers').

#include "quasar/sim/scalesim_stalls.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "quasar/compiler/lower.h"
#include "quasar/compiler/schedule.h"
#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"
#include "quasar/models/spec/scalesim_config.h"
#include "scalesim_buffers.h"

namespace quasar::sim {

namespace {

using models::Dataflow;

using compiler::CeilDiv;

// An entry of a fold's matrix before the skew: (row u, column c, column fold, row fold) -> an
// address, or -1 for a null request. Output streams return 1 for a write.
using Entry = std::function<int64_t(int64_t u, int64_t c, int64_t fc, int64_t fr)>;

// One operand's demand rows within a fold: `width` columns; skewed ones shift column c down by
// c rows (skew_matrix), over `rows` rows before the skew.
struct Stream {
  int64_t width = 0;
  bool skewed = false;
  int64_t rows = 0;
  Entry at;

  int64_t Get(int64_t t, int64_t c, int64_t fc, int64_t fr) const {
    const int64_t u = skewed ? t - c : t;
    return u < 0 || u >= rows ? -1 : at(u, c, fc, fr);
  }
};

// A prefetch matrix of `rows` x `cols` (create_*_prefetch_mat): entries by (row, column).
struct Prefetch {
  int64_t rows = 0, cols = 0;
  bool rolled = false;  // read along anti-diagonals, each from its lowest row up
  std::function<int64_t(int64_t r, int64_t c)> at;

  // Visits the entries in v2's order.
  void Visit(const std::function<void(int64_t)>& f) const {
    if (!rolled) {
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) f(at(r, c));
      }
      return;
    }
    for (int64_t d = 0; d + 1 < rows + cols; ++d) {
      for (int64_t r = std::min(d, rows - 1); r >= std::max<int64_t>(0, d - cols + 1); --r) {
        f(at(r, d - r));
      }
    }
  }
};

struct Streams {
  int64_t sr = 0, sc = 0, t = 0;  // spatial rows and columns, temporal extent
  int64_t fold_rows = 0;          // demand rows per fold
  Stream ifmap, filter, ofmap;
  Prefetch ifmap_prefetch, filter_prefetch;
};

// systolic_compute_{os,ws,is}.py: the demand and prefetch matrices of each dataflow.
Streams StreamsOf(const ScaleSimOperands& op, int64_t R, int64_t C, Dataflow dataflow) {
  const int64_t M = op.m, K = op.k, N = op.n;
  auto A = [op](int64_t m, int64_t k) { return op.IfmapAddress(m, k); };
  auto B = [K](int64_t k, int64_t n) { return n * K + k; };
  Streams s;
  switch (dataflow) {
    case Dataflow::kOutputStationary: {
      const int64_t T = K;
      s.sr = M, s.sc = N, s.t = T;
      s.fold_rows = T + R + C - 2;
      // ifmap: A^T's T x R block of the row fold, C - 1 null rows after, skewed.
      s.ifmap = {R, true, T + C - 1, [=](int64_t u, int64_t c, int64_t, int64_t fr) {
                   const int64_t m = fr * R + c;
                   return u < T && m < M ? A(m, u) : -1;
                 }};
      // filter: B's T x C block of the column fold, R - 1 null rows after, skewed.
      s.filter = {C, true, T + R - 1, [=](int64_t u, int64_t c, int64_t fc, int64_t) {
                    const int64_t n = fc * C + c;
                    return u < T && n < N ? B(u, n) : -1;
                  }};
      // ofmap: T - 1 null rows, then the R x C output block with its rows reversed, skewed.
      s.ofmap = {C, true, T - 1 + R, [=](int64_t u, int64_t c, int64_t fc, int64_t fr) {
                   if (u < T - 1) return int64_t{-1};
                   const int64_t m = fr * R + (R - 1 - (u - (T - 1))), n = fc * C + c;
                   return m < M && n < N ? int64_t{1} : int64_t{-1};
                 }};
      s.ifmap_prefetch = {CeilDiv(M, R) * T, R, true, [=](int64_t r, int64_t c) {
                            const int64_t m = r / T * R + c;
                            return m < M ? A(m, r % T) : -1;
                          }};
      s.filter_prefetch = {CeilDiv(N, C) * T, C, true, [=](int64_t r, int64_t c) {
                             const int64_t n = r / T * C + c;
                             return n < N ? B(r % T, n) : -1;
                           }};
      break;
    }
    case Dataflow::kWeightStationary: {
      const int64_t T = M;
      s.sr = K, s.sc = N, s.t = T;
      s.fold_rows = 2 * R + C + T - 2;
      // ifmap: R null rows, A's T x R block of the row fold, C - 1 null rows, skewed.
      s.ifmap = {R, true, R + T + C - 1, [=](int64_t u, int64_t c, int64_t, int64_t fr) {
                   const int64_t k = fr * R + c;
                   return u >= R && u < R + T && k < K ? A(u - R, k) : -1;
                 }};
      // filter: B's R x C block with its rows reversed, then null rows; not skewed.
      s.filter = {C, false, s.fold_rows, [=](int64_t u, int64_t c, int64_t fc, int64_t fr) {
                    const int64_t k = fr * R + (R - 1 - u), n = fc * C + c;
                    return u < R && k < K && n < N ? B(k, n) : -1;
                  }};
      // ofmap: 2R - 1 null rows, then the T x C output block of the column fold, skewed.
      s.ofmap = {C, true, 2 * R - 1 + T, [=](int64_t u, int64_t c, int64_t fc, int64_t) {
                   return u >= 2 * R - 1 && fc * C + c < N ? int64_t{1} : int64_t{-1};
                 }};
      s.ifmap_prefetch = {CeilDiv(K, R) * T, R, true, [=](int64_t r, int64_t c) {
                            const int64_t k = r / T * R + c;
                            return k < K ? A(r % T, k) : -1;
                          }};
      s.filter_prefetch = {CeilDiv(N, C) * K, C, false, [=](int64_t r, int64_t c) {
                             const int64_t n = r / K * C + c;
                             return n < N ? B(r % K, n) : -1;
                           }};
      break;
    }
    case Dataflow::kInputStationary: {
      const int64_t T = N;
      s.sr = K, s.sc = M, s.t = T;
      s.fold_rows = 2 * R + C + T - 2;
      // ifmap: A^T's R x C block with its rows reversed, then null rows; not skewed.
      s.ifmap = {C, false, s.fold_rows, [=](int64_t u, int64_t c, int64_t fc, int64_t fr) {
                   const int64_t k = fr * R + (R - 1 - u), m = fc * C + c;
                   return u < R && k < K && m < M ? A(m, k) : -1;
                 }};
      // filter: R null rows, B^T's T x R block of the row fold, C - 1 null rows, skewed.
      s.filter = {R, true, R + T + C - 1, [=](int64_t u, int64_t c, int64_t, int64_t fr) {
                    const int64_t k = fr * R + c;
                    return u >= R && u < R + T && k < K ? B(k, u - R) : -1;
                  }};
      // ofmap: 2R - 1 null rows, then out^T's T x C block of the column fold, skewed.
      s.ofmap = {C, true, 2 * R - 1 + T, [=](int64_t u, int64_t c, int64_t fc, int64_t) {
                   return u >= 2 * R - 1 && fc * C + c < M ? int64_t{1} : int64_t{-1};
                 }};
      s.ifmap_prefetch = {CeilDiv(M, C) * K, C, false, [=](int64_t r, int64_t c) {
                            const int64_t m = r / K * C + c;
                            return m < M ? A(m, r % K) : -1;
                          }};
      s.filter_prefetch = {CeilDiv(K, R) * T, R, true, [=](int64_t r, int64_t c) {
                             const int64_t k = r / T * R + c;
                             return k < K ? B(k, r % T) : -1;
                           }};
      break;
    }
    default:  // a dataflow of this project's own (models/dataflow.h)
      throw InputError("SCALE-Sim's memory model has no dataflow " +
                       models::DataflowName(dataflow) + " (os, ws, is only)");
  }
  return s;
}

}  // namespace

ScaleSimOperands ScaleSimOperands::Of(const compiler::LayerSchedule& l) {
  ScaleSimOperands op;
  op.m = l.gemm.m;
  op.k = l.gemm.k;
  op.n = l.gemm.n;
  if (l.kernel_h > 0) {
    op.in_h = l.in_h;
    op.in_w = l.in_w;
    op.kernel_h = l.kernel_h;
    op.kernel_w = l.kernel_w;
    op.channels = std::max<int64_t>(1, l.gemm.k / (l.kernel_h * l.kernel_w));
    op.stride = l.stride_h;
    op.out_w = l.out_w;
  } else {  // an M x K input, a 1 x K filter
    op.in_h = l.gemm.m;
    op.in_w = l.gemm.k;
    op.kernel_h = 1;
    op.kernel_w = l.gemm.k;
    op.channels = 1;
    op.stride = 1;
    op.out_w = 1;
  }
  return op;
}

int64_t ScaleSimOperands::IfmapAddress(int64_t mi, int64_t ki) const {
  const int64_t row = mi / out_w * stride, col = mi % out_w * stride;
  const int64_t ky = ki / (kernel_w * channels), rest = ki % (kernel_w * channels);
  const int64_t kx = rest / channels, ch = rest % channels;
  if (row + ky >= in_h || col + kx >= in_w) {
    return -1;
  }
  return ((row + ky) * in_w + col + kx) * channels + ch;
}

std::optional<ScaleSimUserMemory> ScaleSimUserMemoryOf(const models::ArchSpec& arch) {
  if (arch.dram.bytes_per_cycle >= models::kScaleSimCalcBytesPerCycle) {
    return std::nullopt;
  }
  ScaleSimUserMemory m;
  m.ifmap_bytes = arch.input.Bytes();
  m.filter_bytes = arch.weight.Bytes();
  m.ofmap_bytes = arch.output.Bytes();
  m.words_per_cycle = std::max<int64_t>(1, static_cast<int64_t>(arch.dram.bytes_per_cycle / 3));
  return m;
}

ScaleSimTiming ScaleSimUserTiming(const ScaleSimOperands& op, int64_t rows, int64_t cols,
                                  Dataflow dataflow, const ScaleSimUserMemory& memory) {
  if (op.m < 1 || op.k < 1 || op.n < 1 || rows < 1 || cols < 1 || op.out_w < 1 || op.channels < 1 ||
      op.kernel_w < 1 || op.stride < 1) {
    throw std::invalid_argument("ScaleSimUserTiming: non-positive dimension");
  }
  const Streams s = StreamsOf(op, rows, cols, dataflow);
  const int64_t row_folds = CeilDiv(s.sr, rows), col_folds = CeilDiv(s.sc, cols);
  // Bounds on the walk's time, and on its memory: a 4-byte set index per prefetched element,
  // two 8-byte counts per address (scalesim_buffers.cc), under the memory limit (decision 50).
  const double walk = static_cast<double>(row_folds) * static_cast<double>(col_folds) *
                      static_cast<double>(s.fold_rows) *
                      static_cast<double>(s.ifmap.width + s.filter.width + s.ofmap.width);
  if (walk > kScaleSimMaxWalkEntries) {
    throw InputError(fmt::format(
        "SCALE-Sim's USER-mode demand matrices of this layer have {:.0f} entries, more than the "
        "{:.0f} Quasar walks",
        walk, kScaleSimMaxWalkEntries));
  }
  uint64_t bytes = 0;
  for (const auto& [p, addresses] : {std::pair{&s.ifmap_prefetch, op.IfmapAddressCount()},
                                     std::pair{&s.filter_prefetch, op.k * op.n}}) {
    const uint64_t entries =
        models::SaturatingMul(static_cast<uint64_t>(p->rows), static_cast<uint64_t>(p->cols));
    if (entries > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      throw InputError(fmt::format(
          "SCALE-Sim's USER-mode prefetch matrix of this layer has {} entries, more than the {} "
          "Quasar walks",
          entries, std::numeric_limits<int32_t>::max()));
    }
    bytes = models::SaturatingAdd(
        bytes, models::SaturatingAdd(
                   4 * entries, models::SaturatingMul(16, static_cast<uint64_t>(addresses) + 1)));
  }
  models::CheckAllocation(bytes, "SCALE-Sim's USER-mode buffers of this layer");

  auto order = [](const Prefetch& p) {
    return [&p](const std::function<void(int64_t)>& f) { p.Visit(f); };
  };
  scalesim::ReadBuffer ifmap(order(s.ifmap_prefetch), op.IfmapAddressCount(), memory.ifmap_bytes,
                             memory.words_per_cycle);
  scalesim::ReadBuffer filter(order(s.filter_prefetch), op.k * op.n, memory.filter_bytes,
                              memory.words_per_cycle);
  scalesim::WriteBuffer ofmap(memory.ofmap_bytes, memory.words_per_cycle);
  std::vector<int64_t> in(static_cast<size_t>(s.ifmap.width));
  std::vector<int64_t> wt(static_cast<size_t>(s.filter.width));
  ScaleSimTiming out;
  for (int64_t fc = 0; fc < col_folds; ++fc) {
    for (int64_t fr = 0; fr < row_folds; ++fr) {
      for (int64_t t = 0; t < s.fold_rows; ++t, ++out.rows) {
        const int64_t cycle = out.rows + out.stall_cycles;
        for (int64_t c = 0; c < s.ifmap.width; ++c)
          in[static_cast<size_t>(c)] = s.ifmap.Get(t, c, fc, fr);
        for (int64_t c = 0; c < s.filter.width; ++c)
          wt[static_cast<size_t>(c)] = s.filter.Get(t, c, fc, fr);
        int64_t writes = 0;
        for (int64_t c = 0; c < s.ofmap.width; ++c) writes += s.ofmap.Get(t, c, fc, fr) >= 0;
        const int64_t wait_in = ifmap.ServeRow(in.data(), s.ifmap.width, cycle);
        const int64_t wait_wt = filter.ServeRow(wt.data(), s.filter.width, cycle);
        const int64_t wait_out = ofmap.WriteRow(writes, cycle);
        out.total_cycles = cycle + wait_out;
        out.stall_cycles += std::max({wait_in, wait_wt, wait_out});
      }
    }
  }
  out.ifmap_dram_reads = ifmap.dram_reads();
  out.filter_dram_reads = filter.dram_reads();
  out.ofmap_dram_writes = ofmap.Finish();
  return out;
}

ScaleSimLayer ScaleSimLayerOf(const compiler::LayerSchedule& l, const models::ArchSpec& arch) {
  const compiler::GemmShape& g = l.gemm;
  ScaleSimLayer s = ScaleSimGemm(g, compiler::InputFootprint(l, 0, g.m, 0, g.k), arch.rows,
                                 arch.cols, arch.dataflow);
  const std::optional<ScaleSimUserMemory> memory = ScaleSimUserMemoryOf(arch);
  if (memory) {
    ScaleSimTiming t;
    try {
      t = ScaleSimUserTiming(ScaleSimOperands::Of(l), arch.rows, arch.cols, arch.dataflow, *memory);
    } catch (const InputError& e) {
      throw InputError("layer '" + l.name + "': " + e.what());
    }
    s.total_cycles = t.total_cycles;
    s.stall_cycles = t.stall_cycles;
    s.ifmap_dram_reads = t.ifmap_dram_reads;
    s.filter_dram_reads = t.filter_dram_reads;
    s.ofmap_dram_writes = t.ofmap_dram_writes;
    s.overall_util_percent = static_cast<double>(s.macs * 100) /
                             static_cast<double>(s.total_cycles * arch.rows * arch.cols);
  }
  return s;
}

}  // namespace quasar::sim
