// FP8, FP6 and FP4 layers' tiles (format_tiles.h, "small float").

#include "format_tiles_impl.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/small_float.h"

namespace quasar::sim::cycle {
namespace {

class SmallFloatTiles final : public FormatTiles {
 public:
  SmallFloatTiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
                  std::vector<std::vector<int64_t>> a, std::vector<std::vector<int64_t>> b,
                  int64_t max_abs, const LanePieces& lanes, const models::AccumulatorSpec& acc)
      : FormatTiles(layer, schedule, std::move(a), std::move(b), max_abs, max_abs, lanes, acc,
                    schedule.gemm.k) {}

  // The post unit converts each finished register once.
  int64_t Finish(const compiler::TileStep& t, const int64_t* acc, int64_t*, int64_t) override {
    std::vector<float>& y = y_[static_cast<size_t>(t.group)];
    const int64_t n = layer_.gemms[static_cast<size_t>(t.group)].n;
    for (int64_t i = 0; i < t.mt; ++i) {
      for (int64_t c = 0; c < t.nt; ++c) {
        y[static_cast<size_t>((t.m0 + i) * n + t.n0 + c)] = models::Fp8AccumulatorToFloat(
            *layer_.small_float, models::Fp8MacState{Sum(t, acc, i, c), false});
      }
    }
    return t.mt * t.nt;
  }
};

// Codes (rows x cols) as units; `what` names the operand for the errors.
std::vector<int64_t> UnitsOf(const UnitTable& table, const std::vector<uint32_t>& codes,
                             int64_t cols, const char* what) {
  std::vector<int64_t> out(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    const int64_t r = static_cast<int64_t>(i) / cols, c = static_cast<int64_t>(i) % cols;
    out[i] = Units(table, codes[i], what, r, c);
  }
  return out;
}

}  // namespace

std::unique_ptr<FormatTiles> MakeSmallFloatTiles(const FormatLayer& layer,
                                                 const compiler::LayerSchedule& schedule,
                                                 const models::AccumulatorSpec& fp8_acc,
                                                 const ArrayWidths& widths) {
  const models::SmallFloatFormat& f = *layer.small_float;
  const UnitTable table = MakeUnitTable(f.name, f.code_count(), [&](uint32_t c, bool& finite) {
    return models::SmallFloatUnits(f, c, finite);
  });
  models::CheckFp8Accumulator(fp8_acc);
  const LanePieces lanes{widths.lane_bits};
  // Whole elements add through the FP8 MAC's register, wrapping or saturating per product. In
  // pieces, or with a register wider than the array's 64-bit partial sums, the sums are exact (in
  // a pass's register, each plane apart), and the FP8 register must hold any of them: then
  // neither can overflow, and the results are the same.
  const int64_t k = schedule.gemm.k;
  models::AccumulatorSpec acc = fp8_acc;
  if (SmallFloatRunsExact(lanes, table.max_abs, fp8_acc)) {
    CheckFp8RegisterForPieces(f.name, lanes, table.max_abs, k, fp8_acc);
    acc = BlockRegister(table.max_abs, table.max_abs, k, widths);
  }
  std::vector<std::vector<int64_t>> a, b;
  for (const FormatGemm& g : layer.gemms) {
    a.push_back(UnitsOf(table, g.a_codes, g.k, "A"));
    b.push_back(UnitsOf(table, g.b_codes, g.n, "B"));
  }
  return std::make_unique<SmallFloatTiles>(layer, schedule, std::move(a), std::move(b),
                                           table.max_abs, lanes, acc);
}

}  // namespace quasar::sim::cycle
