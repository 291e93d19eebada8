#include "quasar/compiler/schedule.h"

#include <algorithm>

#include "quasar/models/enum_names.h"

namespace quasar::compiler {

constexpr models::EnumTable<LoopOrder, 6> kLoopOrders = {{{LoopOrder::kMNK, "mnk"},
                                                         {LoopOrder::kMKN, "mkn"},
                                                         {LoopOrder::kNMK, "nmk"},
                                                         {LoopOrder::kNKM, "nkm"},
                                                         {LoopOrder::kKMN, "kmn"},
                                                         {LoopOrder::kKNM, "knm"}}};
constexpr models::EnumTable<Objective, 3> kObjectives = {
    {{Objective::kCycles, "cycles"}, {Objective::kEnergy, "energy"}, {Objective::kEdp, "edp"}}};
constexpr models::EnumTable<LayerKind, 3> kLayerKinds = {
    {{LayerKind::kGemm, "gemm"}, {LayerKind::kPost, "post"}, {LayerKind::kView, "view"}}};

std::string LoopOrderName(LoopOrder o) { return models::EnumName(kLoopOrders, o); }

std::optional<LoopOrder> ParseLoopOrder(const std::string& name) {
  return models::ParseEnum(kLoopOrders, name);
}

std::string ObjectiveName(Objective o) { return models::EnumName(kObjectives, o); }

std::optional<Objective> ParseObjective(const std::string& name) {
  return models::ParseEnum(kObjectives, name);
}

std::string LayerKindName(LayerKind k) { return models::EnumName(kLayerKinds, k); }

// A tile extent beyond the GEMM is one tile (and cannot overflow the division).
LayerFields LayerFieldsOf(const LayerSchedule& l) {
  const LayerBits& b = l.bits;
  return {static_cast<int64_t>(l.kind),
          l.gemm.count,
          l.gemm.m,
          l.gemm.k,
          l.gemm.n,
          l.in_h,
          l.in_w,
          l.out_h,
          l.out_w,
          l.kernel_h,
          l.kernel_w,
          l.stride_h,
          l.dilation_h,
          b.a_bits,
          b.w_bits,
          b.out_bits,
          b.mac_a_bits,
          b.mac_w_bits,
          b.acc_bits,
          b.binary,
          b.a_scale.Key(),
          b.w_scale.Key(),
          b.out_scale.Key(),
          b.w_grouped,
          l.pack,
          l.required_acc_bits,
          l.in_elements,
          l.out_elements,
          l.post_multiplies_per_out,
          l.post_adds_per_out,
          l.post_compares_per_out};
}

int64_t LayerSchedule::TilesM() const { return CeilDiv(gemm.m, std::min(tiling.m, gemm.m)); }
int64_t LayerSchedule::TilesK() const { return CeilDiv(gemm.k, std::min(tiling.k, gemm.k)); }
int64_t LayerSchedule::TilesN() const { return CeilDiv(gemm.n, std::min(tiling.n, gemm.n)); }

const LayerSchedule* Schedule::FirstInfeasible() const {
  for (const LayerSchedule& l : layers) {
    if (!l.ok()) {
      return &l;
    }
  }
  return nullptr;
}

// Input rows a run of output rows [oy_first, oy_last] touches: its windows' span, clipped to the
// input height. Padding rows are not subtracted, so this bounds the true count from above and
// equals it away from the borders.
static int64_t InputRows(const LayerSchedule& l, int64_t oy_first, int64_t oy_last) {
  const int64_t span = (oy_last - oy_first) * l.stride_h + (l.kernel_h - 1) * l.dilation_h + 1;
  return std::min(l.in_h, span);
}

int64_t InputRowsOf(const LayerSchedule& l, int64_t m0, int64_t mt) {
  const int64_t pixels = l.out_h * l.out_w;
  int64_t rows = 0;
  for (int64_t b = m0 / pixels; b <= (m0 + mt - 1) / pixels; ++b) {
    const int64_t first = std::max(m0, b * pixels) - b * pixels;
    const int64_t last = std::min(m0 + mt, (b + 1) * pixels) - 1 - b * pixels;
    rows += InputRows(l, first / l.out_w, last / l.out_w);
  }
  return rows;
}

int64_t InputChannelsOf(const LayerSchedule& l, int64_t k0, int64_t kt) {
  const int64_t window = l.kernel_h * l.kernel_w;
  return (k0 + kt - 1) / window - k0 / window + 1;
}

int64_t InputFootprint(const LayerSchedule& l, int64_t m0, int64_t mt, int64_t k0, int64_t kt) {
  if (l.kernel_h == 0) {
    return mt * kt;  // fully connected, matmul: A is the input itself
  }
  return std::min(mt * kt, InputChannelsOf(l, k0, kt) * InputRowsOf(l, m0, mt) * l.in_w);
}

int64_t InputFootprintBound(const LayerSchedule& l, int64_t mt, int64_t kt) {
  if (l.kernel_h == 0) {
    return mt * kt;
  }
  const int64_t window = l.kernel_h * l.kernel_w;
  const int64_t channels = std::min(CeilDiv(l.gemm.k, window), (kt + window - 2) / window + 1);
  const int64_t pixels = l.out_h * l.out_w;
  int64_t rows = 0;
  if (mt >= pixels) {
    const int64_t images = std::min(l.gemm.m / pixels, (mt + pixels - 2) / pixels + 1);
    rows = images * l.in_h;
  } else {
    // mt pixels of one image start anywhere in a row: at most u output rows. With more than
    // one image the run may end one image in r1 rows and start the next in r2, r1 + r2 <= u + 1,
    // touching at most (r1 + r2 - 2) * stride + 2 * span rows (span: one window's height).
    const int64_t u = (mt + l.out_w - 2) / l.out_w + 1;
    rows = InputRows(l, 0, std::min(l.out_h, u) - 1);
    if (l.gemm.m > pixels) {
      const int64_t span = (l.kernel_h - 1) * l.dilation_h + 1;
      rows = std::max(rows, std::min(2 * l.in_h, (u - 1) * l.stride_h + 2 * span));
    }
  }
  return std::min(mt * kt, channels * rows * l.in_w);
}

}  // namespace quasar::compiler
