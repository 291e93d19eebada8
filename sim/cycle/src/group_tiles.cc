// W4A8 layers' tiles (format_tiles.h, "W4A8 groups"): the PEs multiply the raw int8 activation
// codes by q - zero; each group's exact sum, minus a_zero times the group's weight sum (a
// constant of the weights), is scaled and added in float32 by GroupAccumulate in K order, and
// GroupOutput applies the activation scale (ref/group_gemm.h).

#include "format_tiles_impl.h"
#include "quasar/models/error.h"
#include "quasar/models/group_quant.h"
#include "quasar/models/ref/group_gemm.h"
#include "quasar/sim/cycle/array_fit_error.h"

namespace quasar::sim::cycle {
namespace {

// The largest magnitude of an int8 code (-128).
constexpr int64_t kInt8Max = 128;

class GroupInt8Tiles final : public FormatTiles {
 public:
  GroupInt8Tiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
                 std::vector<std::vector<int32_t>> a, std::vector<std::vector<int32_t>> b,
                 int64_t max_b, int64_t group, const ArrayWidths& widths)
      : FormatTiles(layer, schedule, std::move(a), std::move(b), kInt8Max, max_b,
                    BlockRegister(kInt8Max, max_b, group, widths), group),
        group_(group) {
    for (const FormatGemm& g : layer.gemms) {
      std::vector<int64_t>& sums = weight_sums_.emplace_back();
      for (int64_t gi = 0; gi < g.w.Groups(); ++gi) {
        for (int64_t n = 0; n < g.n; ++n) {
          sums.push_back(models::GroupWeightSum(g.w, gi, n));
        }
      }
    }
  }

  int64_t block() const override { return group_; }

  void CloseBlock(const compiler::TileStep& t, int64_t b, const int64_t* acc) override {
    const FormatGemm& g = layer_.gemms[static_cast<size_t>(t.group)];
    std::vector<float>& y = y_[static_cast<size_t>(t.group)];
    const std::vector<int64_t>& weight_sums = weight_sums_[static_cast<size_t>(t.group)];
    for (int64_t i = 0; i < t.mt; ++i) {
      for (int64_t c = 0; c < t.nt; ++c) {
        const int64_t n = t.n0 + c;
        const int64_t sum =
            acc[i * t.nt + c] - int64_t{g.a_zero} * weight_sums[static_cast<size_t>(b * g.n + n)];
        float& out = y[static_cast<size_t>((t.m0 + i) * g.n + n)];
        out = models::GroupAccumulate(out, sum, g.w.Scale(b, n));
      }
    }
  }

  int64_t Finish(const compiler::TileStep& t, const int64_t*, int64_t*, int64_t) override {
    const FormatGemm& g = layer_.gemms[static_cast<size_t>(t.group)];
    std::vector<float>& y = y_[static_cast<size_t>(t.group)];
    for (int64_t i = 0; i < t.mt; ++i) {
      for (int64_t c = 0; c < t.nt; ++c) {
        float& out = y[static_cast<size_t>((t.m0 + i) * g.n + t.n0 + c)];
        out = models::GroupOutput(out, g.a_scale);
      }
    }
    return t.mt * t.nt;
  }

 private:
  int64_t group_;
  std::vector<std::vector<int64_t>> weight_sums_;  // per GEMM: GroupWeightSum, [group][N]
};

}  // namespace

std::unique_ptr<FormatTiles> MakeGroupInt8Tiles(const FormatLayer& layer,
                                                const compiler::LayerSchedule& schedule,
                                                const ArrayWidths& widths) {
  std::vector<std::vector<int32_t>> a, b;
  const models::GroupQuantSpec& spec = layer.gemms.at(0).w.spec;
  const int64_t max_b = models::GroupCodeMax(spec) - models::GroupCodeMin(spec);
  // int8 codes are -128..127: a lane of 8 bits holds them, as it holds magnitudes up to 127.
  if (std::max(kInt8Max - 1, max_b) > LaneMax(widths.lane_bits)) {
    throw ArrayFitError("int8 activation codes and weight offsets q - zero up to " +
                        std::to_string(max_b) + " pass the PE array's " +
                        std::to_string(widths.lane_bits) + "-bit signed operand lanes");
  }
  for (const FormatGemm& g : layer.gemms) {
    models::CheckGroupGemmInt8Operands(g.a_int8, g.m, g.a_zero, g.w);
    a.push_back(g.a_int8);
    std::vector<int32_t> q(static_cast<size_t>(g.k * g.n));
    for (int64_t k = 0; k < g.k; ++k) {
      for (int64_t j = 0; j < g.n; ++j) {
        q[static_cast<size_t>(k * g.n + j)] =
            g.w.Code(k, j) - g.w.ZeroPoint(k / g.w.spec.group_size, j);
      }
    }
    b.push_back(std::move(q));
  }
  return std::make_unique<GroupInt8Tiles>(layer, schedule, std::move(a), std::move(b), max_b,
                                          spec.group_size, widths);
}

}  // namespace quasar::sim::cycle
