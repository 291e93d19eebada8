#include "quasar/sim/cycle/tile_runner.h"

#include <algorithm>
#include <cstring>

namespace quasar::sim::cycle {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

TileRunner::TileRunner(ArrayIf& array, const PeConfig& config) : array_(array), cfg_(config) {
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
  if (cfg_.dataflow == models::Dataflow::kOutputStationary) {
    RunOutputStationary(t, hook, &counts);
  } else {
    RunStationary(t, hook, &counts);
  }
  return counts;
}

// ws and is. In ws the stationary operand is B (rows: packed k, cols: n) and A streams (T = m);
// in is the stationary operand is A (rows: packed k, cols: m) and B streams (T = n).
void TileRunner::RunStationary(const TileOperands& t, const CycleHook& hook, TileCounts* counts) {
  const bool ws = cfg_.dataflow == models::Dataflow::kWeightStationary;
  const int64_t R = cfg_.rows, C = cfg_.cols, pack = cfg_.pack, kw = kp_ * pack;
  const int64_t sc = ws ? t.n : t.m, len = ws ? t.m : t.n;
  // Operand rows by index: stationary[col] and moving[step], each kw long.
  const int32_t* stationary = ws ? b_pk_.data() : a_pk_.data();
  const int32_t* moving = ws ? a_pk_.data() : b_pk_.data();
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
          counts->b_reads += ws ? cols_used : 0;
          counts->a_reads += ws ? 0 : cols_used;
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
      const int64_t step_stride = ws ? t.n : 1, col_stride = ws ? 1 : t.n;
      const int64_t acc0 = ws ? c0 : c0 * t.n;
      for (int64_t cyc = 0; cyc < cycles; ++cyc) {
        // Rows [rlo, rhi) receive step cyc - r of operand row r0 + r.
        const int64_t rlo = std::max<int64_t>(0, cyc - len + 1);
        const int64_t rhi = std::min(rows_used, cyc + 1);
        Feed(west_, moving, cyc * kw + r0 * pack, pack - kw, rlo, rhi);
        (ws ? counts->a_reads : counts->b_reads) += std::max<int64_t>(0, rhi - rlo);
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

// os: PE (r, c) of fold (rf, cf) accumulates output (rf*R + r, cf*C + c).
void TileRunner::RunOutputStationary(const TileOperands& t, const CycleHook& hook,
                                     TileCounts* counts) {
  const int64_t R = cfg_.rows, C = cfg_.cols, pack = cfg_.pack, kw = kp_ * pack;
  int64_t prev_r0 = -1, prev_c0 = 0, prev_rows = 0, prev_cols = 0;  // the fold in the array
  // R shift cycles: the previous fold's results leave, this fold's initial values enter.
  auto shift = [&](int64_t r0, int64_t rows_used, int64_t c0, int64_t cols_used) {
    EdgeIn in{Phase::kShift, nullptr, nullptr, north_psum_.data()};
    for (int64_t s = 0; s < R; ++s) {
      const int64_t r = R - 1 - s;  // the row whose value enters now, and the row leaving now
      std::fill(north_psum_.begin(), north_psum_.end(), 0);
      if (r < rows_used) {
        for (int64_t c = 0; c < cols_used; ++c) {
          north_psum_[static_cast<size_t>(c)] = t.acc[(r0 + r) * t.n + c0 + c];
        }
        counts->out_reads += t.init_from_sram ? cols_used : 0;
      }
      Step(in, hook, counts);
      if (prev_r0 >= 0 && r < prev_rows) {
        for (int64_t c = 0; c < prev_cols; ++c) {
          t.acc[(prev_r0 + r) * t.n + prev_c0 + c] = south_[static_cast<size_t>(c)];
        }
        counts->out_writes += prev_cols;
      }
    }
  };
  for (int64_t cf = 0; cf < CeilDiv(t.n, C); ++cf) {
    const int64_t c0 = cf * C, cols_used = std::min(C, t.n - c0);
    for (int64_t rf = 0; rf < CeilDiv(t.m, R); ++rf) {
      const int64_t r0 = rf * R, rows_used = std::min(R, t.m - r0);
      ++counts->folds;
      counts->mapped_pe_folds += rows_used * cols_used;
      shift(r0, rows_used, c0, cols_used);
      prev_r0 = r0, prev_c0 = c0, prev_rows = rows_used, prev_cols = cols_used;
      EdgeIn comp{Phase::kCompute, west_.data(), north_.data(), nullptr};
      const int64_t cycles = R + C + kp_ - 2;
      for (int64_t cyc = 0; cyc < cycles; ++cyc) {
        // Row r receives packed element cyc - r of A's row r0 + r, column c packed element
        // cyc - c of B's column c0 + c (B is packed by column), for the valid ranges.
        const int64_t lo = std::max<int64_t>(0, cyc - kp_ + 1);
        const int64_t rhi = std::min(rows_used, cyc + 1);
        Feed(west_, a_pk_.data(), r0 * kw + cyc * pack, kw - pack, lo, rhi);
        counts->a_reads += std::max<int64_t>(0, rhi - lo);
        const int64_t chi = std::min(cols_used, cyc + 1);
        Feed(north_, b_pk_.data(), c0 * kw + cyc * pack, kw - pack, lo, chi);
        counts->b_reads += std::max<int64_t>(0, chi - lo);
        Step(comp, hook, counts);
      }
    }
  }
  shift(0, 0, 0, 0);  // drain the last fold
}

}  // namespace quasar::sim::cycle
