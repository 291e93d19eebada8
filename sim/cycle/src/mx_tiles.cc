// MX layers' tiles (format_tiles.h, "MX"): blocks of 32 along K, each block's exact sum scaled
// by its two E8M0 scales and added in float32 from +0, in K order (ref/mx_gemm.h).

#include "format_tiles_impl.h"
#include "quasar/models/mx_format.h"
#include "quasar/models/ref/mx_gemm.h"

namespace quasar::sim::cycle {
namespace {

class MxTiles final : public FormatTiles {
 public:
  MxTiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
          std::vector<std::vector<int64_t>> a, std::vector<std::vector<int64_t>> b, int64_t max_a,
          int64_t max_b, int64_t block, const ArrayWidths& widths)
      : FormatTiles(layer, schedule, std::move(a), std::move(b), max_a, max_b,
                    LanePieces{widths.lane_bits}, BlockRegister(max_a, max_b, block, widths),
                    block),
        block_(block) {}

  int64_t block() const override { return block_; }

  void CloseBlock(const compiler::TileStep& t, int64_t b, const int64_t* acc) override {
    const FormatGemm& g = layer_.gemms[static_cast<size_t>(t.group)];
    std::vector<float>& y = y_[static_cast<size_t>(t.group)];
    for (int64_t i = 0; i < t.mt; ++i) {
      for (int64_t c = 0; c < t.nt; ++c) {
        float& out = y[static_cast<size_t>((t.m0 + i) * g.n + t.n0 + c)];
        out +=
            models::MxBlockSumToFloat(Sum(t, acc, i, c), *g.a_mx.format, g.a_mx.Scale(t.m0 + i, b),
                                      *g.wt_mx.format, g.wt_mx.Scale(t.n0 + c, b));
      }
    }
  }

  // The float32 accumulators are the outputs.
  int64_t Finish(const compiler::TileStep& t, const int64_t*, int64_t*, int64_t) override {
    return t.mt * t.nt;
  }

 private:
  int64_t block_;
};

// The format's codes as units.
UnitTable MxUnits(const models::MxFormat& f) {
  return MakeUnitTable(f.name, models::MxElementCodeCount(f), [&](uint32_t c, bool& finite) {
    return models::MxElementUnits(f, c, finite);
  });
}

}  // namespace

std::unique_ptr<FormatTiles> MakeMxTiles(const FormatLayer& layer,
                                         const compiler::LayerSchedule& schedule,
                                         const ArrayWidths& widths) {
  const FormatGemm& first = layer.gemms.at(0);
  const UnitTable la = MxUnits(*first.a_mx.format), lw = MxUnits(*first.wt_mx.format);
  std::vector<std::vector<int64_t>> a, b;
  for (const FormatGemm& g : layer.gemms) {
    models::CheckMxGemmOperands(g.a_mx, g.wt_mx);
    std::vector<int64_t> ga(static_cast<size_t>(g.m * g.k)), gb(static_cast<size_t>(g.k * g.n));
    for (int64_t i = 0; i < g.m; ++i) {
      for (int64_t k = 0; k < g.k; ++k) {
        ga[static_cast<size_t>(i * g.k + k)] = Units(la, g.a_mx.Code(i, k), "A", i, k);
      }
    }
    for (int64_t j = 0; j < g.n; ++j) {
      for (int64_t k = 0; k < g.k; ++k) {
        gb[static_cast<size_t>(k * g.n + j)] = Units(lw, g.wt_mx.Code(j, k), "W", j, k);
      }
    }
    a.push_back(std::move(ga));
    b.push_back(std::move(gb));
  }
  return std::make_unique<MxTiles>(layer, schedule, std::move(a), std::move(b), la.max_abs,
                                   lw.max_abs, first.a_mx.format->block_size, widths);
}

}  // namespace quasar::sim::cycle
