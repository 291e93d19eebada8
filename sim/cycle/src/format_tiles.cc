#include "quasar/sim/cycle/format_tiles.h"

#include <algorithm>
#include <stdexcept>

#include "format_tiles_impl.h"
#include "quasar/models/error.h"
#include "quasar/sim/cycle/array_fit_error.h"
#include "quasar/sim/cycle/format_gemm.h"

namespace quasar::sim::cycle {

using quasar::InputError;

FormatTiles::FormatTiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
                         std::vector<std::vector<int64_t>> a, std::vector<std::vector<int64_t>> b,
                         int64_t max_a, int64_t max_b, const LanePieces& lanes,
                         const models::AccumulatorSpec& acc, int64_t count)
    : layer_(layer),
      acc_(acc),
      a_(std::move(a)),
      b_(std::move(b)),
      lanes_(lanes),
      a_pieces_(lanes.Count(max_a)),
      b_pieces_(lanes.Count(max_b)) {
  const compiler::GemmShape& s = schedule.gemm;
  if (static_cast<int64_t>(layer.gemms.size()) != s.count) {
    throw InputError("the layer has " + std::to_string(layer.gemms.size()) +
                     " GEMMs, its schedule " + std::to_string(s.count));
  }
  for (const FormatGemm& g : layer.gemms) {
    if (g.m != s.m || g.k != s.k || g.n != s.n) {
      throw InputError("a GEMM of " + std::to_string(g.m) + " x " + std::to_string(g.k) + " x " +
                       std::to_string(g.n) + ", its schedule's " + std::to_string(s.m) + " x " +
                       std::to_string(s.k) + " x " + std::to_string(s.n));
    }
    y_.emplace_back(static_cast<size_t>(g.m * g.n), 0.0f);
  }
  const compiler::Tiling& tl = schedule.tiling;
  if (schedule.pack > 1 && tl.k < s.k && tl.k % schedule.pack != 0) {
    throw InputError("reduction tile k = " + std::to_string(tl.k) +
                     " is not a multiple of the pack (" + std::to_string(schedule.pack) +
                     "): a packed word would straddle two tiles");
  }
  if (acc.bits > models::kMaxAccumulatorBits) {
    throw ArrayFitError("the PE array's partial sums are 64-bit integers; the register has " +
                            std::to_string(acc.bits) + " bits",
                        "mac.accumulator");
  }
  k_ = s.k;
  overflow_impossible_ =
      ExactSumBits(lanes.PieceMax(max_a), lanes.PieceMax(max_b), count) <= acc.bits;
}

namespace {

// Piece p of `count` units from `row` into `out` (each whole when `pieces` is 1: they fit the
// lanes); returns the end of what was written.
int32_t* CopyPiece(const int64_t* row, int64_t count, const LanePieces& lanes, int pieces, int p,
                   int32_t* out) {
  if (pieces == 1) {
    return std::copy(row, row + count, out);
  }
  for (int64_t j = 0; j < count; ++j) {
    *out++ = lanes.Piece(row[j], pieces, p);
  }
  return out;
}

}  // namespace

void FormatTiles::BuildA(const compiler::TileStep& t, std::vector<int32_t>* a) const {
  const std::vector<int64_t>& src = a_[static_cast<size_t>(t.group)];
  a->resize(static_cast<size_t>(a_pieces_ * t.mt * t.kt));
  int32_t* out = a->data();
  for (int p = 0; p < a_pieces_; ++p) {
    for (int64_t i = 0; i < t.mt; ++i) {
      out = CopyPiece(src.data() + (t.m0 + i) * k_ + t.k0, t.kt, lanes_, a_pieces_, p, out);
    }
  }
}

void FormatTiles::BuildB(const compiler::TileStep& t, std::vector<int32_t>* b) const {
  const std::vector<int64_t>& src = b_[static_cast<size_t>(t.group)];
  const int64_t n = layer_.gemms[static_cast<size_t>(t.group)].n;
  b->resize(static_cast<size_t>(b_pieces_ * t.kt * t.nt));
  int32_t* out = b->data();
  for (int p = 0; p < b_pieces_; ++p) {
    for (int64_t j = 0; j < t.kt; ++j) {
      out = CopyPiece(src.data() + (t.k0 + j) * n + t.n0, t.nt, lanes_, b_pieces_, p, out);
    }
  }
}

void FormatTiles::LoadBias(const compiler::TileStep& t, int64_t* acc, int64_t*) const {
  std::fill(acc, acc + t.mt * t.nt * a_pieces_ * b_pieces_, int64_t{0});
}

models::int128 FormatTiles::Sum(const compiler::TileStep& t, const int64_t* acc, int64_t i,
                                int64_t c) const {
  const int64_t plane = t.mt * t.nt, o = i * t.nt + c;
  if (a_pieces_ * b_pieces_ == 1) {
    return acc[o];
  }
  models::int128 sum = 0;
  for (int pa = 0; pa < a_pieces_; ++pa) {
    for (int pb = 0; pb < b_pieces_; ++pb) {
      sum += lanes_.Weighted(acc[(pa * b_pieces_ + pb) * plane + o], pa, pb);
    }
  }
  return sum;
}

std::unique_ptr<FormatTiles> MakeFormatTiles(const FormatLayer& layer,
                                             const compiler::LayerSchedule& schedule,
                                             const models::AccumulatorSpec& fp8_acc,
                                             const ArrayWidths& widths) {
  switch (layer.kernel) {
    case FormatKernel::kSmallFloat:
      return MakeSmallFloatTiles(layer, schedule, SmallFloatRegister(layer, fp8_acc), widths);
    case FormatKernel::kMx:
      return MakeMxTiles(layer, schedule, widths);
    case FormatKernel::kGroupInt8:
      return MakeGroupInt8Tiles(layer, schedule, widths);
    case FormatKernel::kGroupFp16:
      return MakeGroupFp16Tiles(layer, schedule, widths);
  }
  throw std::logic_error("MakeFormatTiles: an unknown kernel");
}

models::AccumulatorSpec BlockRegister(int64_t max_a, int64_t max_b, int64_t count,
                                      const ArrayWidths& widths) {
  const LanePieces lanes{widths.lane_bits};
  const int exact = std::max(ExactSumBits(lanes.PieceMax(max_a), lanes.PieceMax(max_b), count),
                             models::kMinAccumulatorBits);
  if (widths.register_bits == 0) {
    return {exact, models::OverflowMode::kWrap};
  }
  if (widths.register_bits < exact) {
    throw ArrayFitError("a block's sums of " + std::to_string(count) + " products need a " +
                            std::to_string(exact) + "-bit register; the array's has " +
                            std::to_string(widths.register_bits) + " bits",
                        "mac.accumulator");
  }
  return {widths.register_bits, models::OverflowMode::kWrap};
}

}  // namespace quasar::sim::cycle
