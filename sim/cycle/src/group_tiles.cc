// Layers of weights per group (format_tiles.h, "W4A8 groups"; ref/group_gemm.h). The PEs
// multiply the activations by the weights' q - zero, and each group's exact sum is scaled and
// added in float32 in K order by the golden kernel's step:
//   W4A8   the raw int8 activation codes; GroupAccumulate after subtracting a_zero times the
//          group's weight sum (a constant of the weights), then GroupOutput applies the
//          activation scale;
//   W4A16  the fp16 activations in units of 2^-24 (40 bits: in pieces on 32-bit lanes);
//          GroupAccumulateFp16, with no output step.

#include "format_tiles_impl.h"
#include "quasar/models/group_quant.h"
#include "quasar/models/ref/group_gemm.h"

namespace quasar::sim::cycle {
namespace {

// What the two kernels share: the weights q - zero as B, and the blocks of a group.
class GroupTiles : public FormatTiles {
 public:
  GroupTiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
             std::vector<std::vector<int64_t>> a, std::vector<std::vector<int64_t>> b,
             int64_t max_a, int64_t max_b, const ArrayWidths& widths)
      : FormatTiles(layer, schedule, std::move(a), std::move(b), max_a, max_b,
                    LanePieces{widths.lane_bits}, BlockRegister(max_a, max_b, Group(layer), widths),
                    Group(layer)),
        group_(Group(layer)) {}

  int64_t block() const override { return group_; }

  // Group b's exact sums into the outputs' float32 accumulators, by `step(out, sum, n)`.
  template <typename Step>
  void Accumulate(const compiler::TileStep& t, const int64_t* acc, Step step) {
    const int64_t n = layer_.gemms[static_cast<size_t>(t.group)].n;
    std::vector<float>& y = y_[static_cast<size_t>(t.group)];
    for (int64_t i = 0; i < t.mt; ++i) {
      for (int64_t c = 0; c < t.nt; ++c) {
        float& out = y[static_cast<size_t>((t.m0 + i) * n + t.n0 + c)];
        out = step(out, Sum(t, acc, i, c), t.n0 + c);
      }
    }
  }

  // Per GEMM, q - zero (K x N, row-major), and the largest magnitude the weights' bits allow.
  static std::vector<std::vector<int64_t>> WeightOffsets(const FormatLayer& layer) {
    std::vector<std::vector<int64_t>> b;
    for (const FormatGemm& g : layer.gemms) {
      b.push_back(models::GroupWeightOffsets(g.w));
    }
    return b;
  }
  static int64_t WeightOffsetMax(const FormatLayer& layer) {
    return models::GroupWeightOffsetMax(layer.gemms.at(0).w.spec);
  }

 private:
  static int64_t Group(const FormatLayer& layer) { return layer.gemms.at(0).w.spec.group_size; }
  int64_t group_;
};

class GroupInt8Tiles final : public GroupTiles {
 public:
  GroupInt8Tiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
                 std::vector<std::vector<int64_t>> a, const ArrayWidths& widths)
      : GroupTiles(layer, schedule, std::move(a), WeightOffsets(layer), models::kInt8CodeMax,
                   WeightOffsetMax(layer), widths) {
    for (const FormatGemm& g : layer.gemms) {
      std::vector<int64_t>& sums = weight_sums_.emplace_back();
      for (int64_t gi = 0; gi < g.w.Groups(); ++gi) {
        for (int64_t n = 0; n < g.n; ++n) {
          sums.push_back(models::GroupWeightSum(g.w, gi, n));
        }
      }
    }
  }

  void CloseBlock(const compiler::TileStep& t, int64_t b, const int64_t* acc) override {
    const FormatGemm& g = layer_.gemms[static_cast<size_t>(t.group)];
    const std::vector<int64_t>& weight_sums = weight_sums_[static_cast<size_t>(t.group)];
    Accumulate(t, acc, [&](float out, models::int128 sum, int64_t n) {
      // A group of int8 x offset products is far inside int64, and so is the correction.
      const int64_t s = static_cast<int64_t>(sum) -
                        int64_t{g.a_zero} * weight_sums[static_cast<size_t>(b * g.n + n)];
      return models::GroupAccumulate(out, s, g.w.Scale(b, n));
    });
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
  std::vector<std::vector<int64_t>> weight_sums_;  // per GEMM: GroupWeightSum, [group][N]
};

class GroupFp16Tiles final : public GroupTiles {
 public:
  GroupFp16Tiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
                 std::vector<std::vector<int64_t>> a, const ArrayWidths& widths)
      : GroupTiles(layer, schedule, std::move(a), WeightOffsets(layer), models::kFp16MaxUnits,
                   WeightOffsetMax(layer), widths) {}

  void CloseBlock(const compiler::TileStep& t, int64_t b, const int64_t* acc) override {
    const FormatGemm& g = layer_.gemms[static_cast<size_t>(t.group)];
    Accumulate(t, acc, [&](float out, models::int128 sum, int64_t n) {
      return models::GroupAccumulateFp16(out, sum, g.w.Scale(b, n));
    });
  }

  // The float32 accumulators are the outputs.
  int64_t Finish(const compiler::TileStep& t, const int64_t*, int64_t*, int64_t) override {
    return t.mt * t.nt;
  }
};

}  // namespace

std::unique_ptr<FormatTiles> MakeGroupInt8Tiles(const FormatLayer& layer,
                                                const compiler::LayerSchedule& schedule,
                                                const ArrayWidths& widths) {
  std::vector<std::vector<int64_t>> a;
  for (const FormatGemm& g : layer.gemms) {
    models::CheckGroupGemmInt8Operands(g.a_int8, g.m, g.a_zero, g.w);
    a.emplace_back(g.a_int8.begin(), g.a_int8.end());
  }
  return std::make_unique<GroupInt8Tiles>(layer, schedule, std::move(a), widths);
}

std::unique_ptr<FormatTiles> MakeGroupFp16Tiles(const FormatLayer& layer,
                                                const compiler::LayerSchedule& schedule,
                                                const ArrayWidths& widths) {
  std::vector<std::vector<int64_t>> a;
  for (const FormatGemm& g : layer.gemms) {
    a.push_back(models::GroupGemmFp16Units(g.a_fp16, g.m, g.w));  // checks the operands
  }
  return std::make_unique<GroupFp16Tiles>(layer, schedule, std::move(a), widths);
}

}  // namespace quasar::sim::cycle
