#include "quasar/sim/cycle/tile_runner.h"

#include <algorithm>
#include <cstring>

#include "quasar/models/int_math.h"

namespace quasar::sim::cycle {
namespace {

using models::CeilDiv;
using models::GemmDim;
using models::GemmOperand;

// The tile's extent along an output dimension (M or N).
int64_t Extent(const TileOperands& t, GemmDim d) { return d == GemmDim::kM ? t.m : t.n; }
// The step between neighbours along an output dimension in the row-major m x n accumulators.
int64_t OutStride(const TileOperands& t, GemmDim d) { return d == GemmDim::kM ? t.n : 1; }
// The SRAM read counter of an operand.
int64_t& Reads(GemmOperand op, TileCounts* counts) {
  return op == GemmOperand::kA ? counts->a_reads : counts->b_reads;
}

}  // namespace

TileRunner::TileRunner(ArrayIf& array, const PeConfig& config)
    : array_(array),
      cfg_(config),
      traits_(models::TraitsOf(config.dataflow)),
      roles_(EdgeRolesOf(config.dataflow)) {
  west_.assign(static_cast<size_t>(cfg_.rows * cfg_.pack), 0);
  north_.assign(static_cast<size_t>(cfg_.cols * cfg_.pack), 0);
  north_psum_.assign(static_cast<size_t>(cfg_.cols), 0);
  south_.assign(static_cast<size_t>(cfg_.cols), 0);
}

void TileRunner::Pack(const TileOperands& t) {
  const int64_t pack = cfg_.pack;
  kp_ = CeilDiv(t.k, pack);
  const int64_t kw = kp_ * pack;  // padded reduction
  a_pk_.assign(static_cast<size_t>(t.m * kw), 0);
  b_pk_.assign(static_cast<size_t>(t.n * kw), 0);
  for (int64_t i = 0; i < t.m; ++i) {
    std::memcpy(&a_pk_[static_cast<size_t>(i * kw)], t.a + i * t.k,
                static_cast<size_t>(t.k) * sizeof(int32_t));
  }
  for (int64_t kk = 0; kk < t.k; ++kk) {
    for (int64_t j = 0; j < t.n; ++j) {
      b_pk_[static_cast<size_t>(j * kw + kk)] = t.b[kk * t.n + j];
    }
  }
}

void TileRunner::Step(const EdgeIn& in, const CycleHook& hook, TileCounts* counts) {
  array_.Cycle(in, south_.data());
  ++counts->cycles;
  if (hook) {
    hook(in, south_.data());
  }
}

// dst's groups [lo, hi) <- the pack operands at src[off + i * stride] for group i; the others 0.
void TileRunner::Feed(std::vector<int32_t>& dst, const int32_t* src, int64_t off, int64_t stride,
                      int64_t lo, int64_t hi) {
  const int64_t pack = cfg_.pack;
  int32_t* d = dst.data();
  std::fill(dst.begin(), dst.end(), 0);
  if (pack == 1) {
    for (int64_t i = lo; i < hi; ++i) {
      d[i] = src[off + i * stride];
    }
  } else {
    for (int64_t i = lo; i < hi; ++i) {
      std::memcpy(d + i * pack, src + off + i * stride,
                  static_cast<size_t>(pack) * sizeof(int32_t));
    }
  }
}

TileCounts TileRunner::Run(const TileOperands& t, const CycleHook& hook) {
  TileCounts counts;
  Pack(t);
  if (roles_.out_held) {
    RunOutputHeld(t, hook, &counts);
  } else {
    RunPsumsMoving(t, hook, &counts);
  }
  return counts;
}

const int32_t* TileRunner::Packed(models::GemmOperand op) const {
  return op == GemmOperand::kA ? a_pk_.data() : b_pk_.data();
}

// Partial sums move south, so the rows hold the packed reduction (ws: B held, columns n, A
// streams in time over m; is: A held, columns m, B streams over n). The held operand enters
// the north edge, the moving one the west edge.
void TileRunner::RunPsumsMoving(const TileOperands& t, const CycleHook& hook, TileCounts* counts) {
  const int64_t R = cfg_.rows, C = cfg_.cols, pack = cfg_.pack, kw = kp_ * pack;
  const int64_t sc = Extent(t, traits_.cols), len = Extent(t, traits_.time);
  // Operand rows by index: stationary[col] and moving[step], each kw long.
  const int32_t* stationary = Packed(roles_.north);
  const int32_t* moving = Packed(roles_.west);
  const size_t group = static_cast<size_t>(pack) * sizeof(int32_t);
  for (int64_t cf = 0; cf < CeilDiv(sc, C); ++cf) {
    const int64_t c0 = cf * C, cols_used = std::min(C, sc - c0);
    for (int64_t rf = 0; rf < CeilDiv(kp_, R); ++rf) {
      const int64_t r0 = rf * R, rows_used = std::min(R, kp_ - r0);
      ++counts->folds;
      counts->mapped_pe_folds += rows_used * cols_used;
      // Preload: the values for PE row R-1 enter first.
      EdgeIn shift{Phase::kShift, nullptr, north_.data(), nullptr};
      for (int64_t s = 0; s < R; ++s) {
        const int64_t r = R - 1 - s;
        std::fill(north_.begin(), north_.end(), 0);
        if (r < rows_used) {
          for (int64_t c = 0; c < cols_used; ++c) {
            std::memcpy(&north_[static_cast<size_t>(c * pack)],
                        stationary + (c0 + c) * kw + (r0 + r) * pack, group);
          }
          Reads(roles_.north, counts) += cols_used;
        }
        Step(shift, hook, counts);
      }
      // Stream. The moving operand of step `cyc - r` enters row r, the initial value of
      // output (c0 + c, step cyc - c) enters column c, and the partial sum of step
      // cyc - c - (R - 1) leaves column c: operand and accumulator addresses are affine in r
      // and c, and the valid rows and columns of a cycle are one range each.
      const bool init_read = rf > 0 || t.init_from_sram;
      EdgeIn comp{Phase::kCompute, west_.data(), nullptr, north_psum_.data()};
      const int64_t cycles = R + C + len - 2;
      // acc_at(c0 + c, step) = t.acc[acc0 + step * step_stride + c * col_stride].
      const int64_t step_stride = OutStride(t, traits_.time);
      const int64_t col_stride = OutStride(t, traits_.cols), acc0 = c0 * col_stride;
      for (int64_t cyc = 0; cyc < cycles; ++cyc) {
        // Rows [rlo, rhi) receive step cyc - r of operand row r0 + r.
        const int64_t rlo = std::max<int64_t>(0, cyc - len + 1);
        const int64_t rhi = std::min(rows_used, cyc + 1);
        Feed(west_, moving, cyc * kw + r0 * pack, pack - kw, rlo, rhi);
        Reads(roles_.west, counts) += std::max<int64_t>(0, rhi - rlo);
        // Columns [clo, chi) receive the initial value of step cyc - c.
        const int64_t clo = std::max<int64_t>(0, cyc - len + 1);
        const int64_t chi = std::min(cols_used, cyc + 1);
        int64_t* nps = north_psum_.data();
        std::fill(nps, nps + C, 0);
        const int64_t in = acc0 + cyc * step_stride;
        for (int64_t c = clo; c < chi; ++c) {
          nps[c] = t.acc[in + c * (col_stride - step_stride)];
        }
        counts->out_reads += init_read ? std::max<int64_t>(0, chi - clo) : 0;
        Step(comp, hook, counts);
        // Columns [olo, ohi) deliver the finished partial sum of step cyc - c - (R - 1).
        const int64_t last = cyc - (R - 1);
        const int64_t olo = std::max<int64_t>(0, last - len + 1);
        const int64_t ohi = std::min(cols_used, last + 1);
        const int64_t out = acc0 + last * step_stride;
        for (int64_t c = olo; c < ohi; ++c) {
          t.acc[out + c * (col_stride - step_stride)] = south_[static_cast<size_t>(c)];
        }
        counts->out_writes += std::max<int64_t>(0, ohi - olo);
      }
    }
  }
}

// The output is held (os): PE (r, c) of fold (rf, cf) accumulates the output at (rf*R + r,
// cf*C + c) along the rows' and columns' dimensions (os: M, N); the operand spanning the rows
// enters the west edge, the one spanning the columns the north edge.
void TileRunner::RunOutputHeld(const TileOperands& t, const CycleHook& hook, TileCounts* counts) {
  const int64_t R = cfg_.rows, C = cfg_.cols, pack = cfg_.pack, kw = kp_ * pack;
  const int64_t sr = Extent(t, traits_.rows), sc = Extent(t, traits_.cols);
  const int64_t row_stride = OutStride(t, traits_.rows), col_stride = OutStride(t, traits_.cols);
  // acc_at(output at fold row r0 + r, column c0 + c) = t.acc[(r0 + r) * row_stride + ...].
  auto at = [&](int64_t row, int64_t col) { return row * row_stride + col * col_stride; };
  int64_t prev_r0 = -1, prev_c0 = 0, prev_rows = 0, prev_cols = 0;  // the fold in the array
  // R shift cycles: the previous fold's results leave, this fold's initial values enter.
  auto shift = [&](int64_t r0, int64_t rows_used, int64_t c0, int64_t cols_used) {
    EdgeIn in{Phase::kShift, nullptr, nullptr, north_psum_.data()};
    for (int64_t s = 0; s < R; ++s) {
      const int64_t r = R - 1 - s;  // the row whose value enters now, and the row leaving now
      std::fill(north_psum_.begin(), north_psum_.end(), 0);
      if (r < rows_used) {
        for (int64_t c = 0; c < cols_used; ++c) {
          north_psum_[static_cast<size_t>(c)] = t.acc[at(r0 + r, c0 + c)];
        }
        counts->out_reads += t.init_from_sram ? cols_used : 0;
      }
      Step(in, hook, counts);
      if (prev_r0 >= 0 && r < prev_rows) {
        for (int64_t c = 0; c < prev_cols; ++c) {
          t.acc[at(prev_r0 + r, prev_c0 + c)] = south_[static_cast<size_t>(c)];
        }
        counts->out_writes += prev_cols;
      }
    }
  };
  for (int64_t cf = 0; cf < CeilDiv(sc, C); ++cf) {
    const int64_t c0 = cf * C, cols_used = std::min(C, sc - c0);
    for (int64_t rf = 0; rf < CeilDiv(sr, R); ++rf) {
      const int64_t r0 = rf * R, rows_used = std::min(R, sr - r0);
      ++counts->folds;
      counts->mapped_pe_folds += rows_used * cols_used;
      shift(r0, rows_used, c0, cols_used);
      prev_r0 = r0, prev_c0 = c0, prev_rows = rows_used, prev_cols = cols_used;
      EdgeIn comp{Phase::kCompute, west_.data(), north_.data(), nullptr};
      const int64_t cycles = R + C + kp_ - 2;
      for (int64_t cyc = 0; cyc < cycles; ++cyc) {
        // Row r receives packed element cyc - r of the west operand's row r0 + r, column c
        // packed element cyc - c of the north operand's row c0 + c (both packed by their
        // spatial index), for the valid ranges.
        const int64_t lo = std::max<int64_t>(0, cyc - kp_ + 1);
        const int64_t rhi = std::min(rows_used, cyc + 1);
        Feed(west_, Packed(roles_.west), r0 * kw + cyc * pack, kw - pack, lo, rhi);
        Reads(roles_.west, counts) += std::max<int64_t>(0, rhi - lo);
        const int64_t chi = std::min(cols_used, cyc + 1);
        Feed(north_, Packed(roles_.north), c0 * kw + cyc * pack, kw - pack, lo, chi);
        Reads(roles_.north, counts) += std::max<int64_t>(0, chi - lo);
        Step(comp, hook, counts);
      }
    }
  }
  shift(0, 0, 0, 0);  // drain the last fold
}

}  // namespace quasar::sim::cycle
