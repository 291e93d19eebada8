// BoundGemm: the events of a kGemm layer summed over classes of equal tiles instead of tile by
// tile, and a lower bound of its cycles (analytical.h). The rules are tile_rules.h's, the same
// EvaluateGemm applies; only the counting differs.
//
// Tiles. Along a dimension of extent E cut into tiles of t, there are n = ceil(E / t) tiles:
// n - 1 of extent t and a last one of E - (n - 1) t. Along K the first tile differs from the
// others in one more way: it starts a reduction (k0 = 0) instead of accumulating onto one.
//
// Loads. In a loop nest d1 (outer), d2, d3 with tile counts c1, c2, c3, an operand whose tile is
// indexed by the dimensions S changes tile whenever the innermost dimension of S with more than
// one tile advances (an outer one advancing makes every inner one wrap). At position p that
// happens c1 * ... * cp - 1 times, plus the first load of each group: c1 * ... * cp loads, each
// distinct tile the same number of times, reps = loads / prod_{d in S} c_d (1 when no dimension
// of S has two tiles). For the output tile (S = {m, n}) the reps are its visits: every visit but
// the first reads its partial sums back, every visit but the last spills them, the last stores
// the outputs (ForEachTile's psum_in, store, final_out).

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "quasar/sim/analytical.h"
#include "quasar/sim/eval_cache.h"
#include "tile_rules.h"

namespace quasar::sim {
namespace {

using compiler::CeilDiv;
using compiler::LayerSchedule;
using compiler::TileStep;

// Tiles of one dimension with the same extent (and, along K, the same k0 == 0 or not).
struct DimClass {
  int64_t start = 0, extent = 0, times = 0;
};
// At most three classes: the first tile, the full tiles after it, the last tile.
struct DimClasses {
  DimClass c[3];
  int size = 0;
  int64_t tiles = 0;
};
DimClasses Classes(int64_t extent, int64_t tile, bool split_first) {
  const int64_t t = std::min(tile, extent);
  const int64_t n = CeilDiv(extent, t);
  DimClasses r;
  r.tiles = n;
  auto add = [&](int64_t start, int64_t e, int64_t times) {
    if (times > 0) r.c[r.size++] = DimClass{start, e, times};
  };
  if (n == 1) {
    add(0, extent, 1);
  } else if (split_first) {
    add(0, t, 1);
    add(t, t, n - 2);
    add((n - 1) * t, extent - (n - 1) * t, 1);
  } else {
    add(0, t, n - 1);
    add((n - 1) * t, extent - (n - 1) * t, 1);
  }
  return r;
}

// How many times each distinct tile of an operand indexed by `in_s` (per dimension) is loaded,
// per group.
int64_t Reps(const std::array<int, 3>& dims, const int64_t tiles[3], const bool in_s[3]) {
  int inner = -1;
  for (int q = 0; q < 3; ++q) {
    if (in_s[dims[q]] && tiles[dims[q]] > 1) inner = q;
  }
  int64_t reps = 1;
  for (int q = 0; q < inner; ++q) {
    if (!in_s[dims[q]]) reps *= tiles[dims[q]];
  }
  return reps;
}

}  // namespace

void GemmBounder::SeeLayer(const LayerSchedule& l) {
  // Everything the cached figures depend on besides the tile extents.
  const compiler::LayerFields layer = compiler::LayerFieldsOf(l);
  if (layer != layer_) {
    layer_ = layer;
    groups_[0].clear(), groups_[1].clear();
    a_passes_.clear();
    array_extents_ = {0, 0, 0};
  }
}

const std::vector<GemmBounder::TileGroup>& GemmBounder::Groups(const LayerSchedule& l, int dim,
                                                               int64_t tile) {
  SeeLayer(l);
  auto [it, fresh] = groups_[dim].try_emplace(tile);
  if (!fresh) {
    return it->second;
  }
  // The tiles of this extent with the same footprint factor (a convolution's input rows along
  // M, its input channels along K; the extent alone for other layers), keyed by (extent, factor).
  const int64_t extent = dim == 0 ? l.gemm.m : l.gemm.k;
  const DimClasses c = Classes(extent, tile, dim == 1);
  std::map<std::pair<int64_t, int64_t>, TileGroup> by_key;
  const bool conv = l.kernel_h > 0;
  for (int i = 0; i < c.size; ++i) {
    const DimClass& cls = c.c[i];
    for (int64_t t = 0; t < (conv ? cls.times : 1); ++t) {
      const int64_t start = cls.start + t * cls.extent;
      const int64_t factor = !conv      ? 0
                             : dim == 0 ? compiler::InputRowsOf(l, start, cls.extent)
                                        : compiler::InputChannelsOf(l, start, cls.extent);
      auto [g, added] = by_key.try_emplace({cls.extent, factor}, TileGroup{start, cls.extent, 0});
      (void)added;
      g->second.times += conv ? 1 : cls.times;
    }
  }
  for (const auto& kv : by_key) it->second.push_back(kv.second);
  return it->second;
}

const GemmBounder::APass& GemmBounder::PassOfA(const LayerSchedule& l,
                                               const models::ArchSpec& arch) {
  SeeLayer(l);
  auto [it, fresh] = a_passes_.try_emplace({l.tiling.m, l.tiling.k});
  if (!fresh) {
    return it->second;
  }
  const std::vector<TileGroup>& ms = Groups(l, 0, l.tiling.m);
  const std::vector<TileGroup>& ks = Groups(l, 1, l.tiling.k);
  for (const TileGroup& mg : ms) {
    for (const TileGroup& kg : ks) {
      TileStep t;
      t.m0 = mg.start, t.mt = mg.extent, t.k0 = kg.start, t.kt = kg.extent;
      t.load_a = true;
      detail::StageWork tw;
      models::EventCounts te;
      detail::AddTransfers(l, arch, t, &tw, &te);
      it->second.events.AddCounts(te, mg.times * kg.times);
      it->second.bytes += mg.times * kg.times * tw.load;
    }
  }
  return it->second;
}

GemmBound GemmBounder::Bound(const LayerSchedule& l, const models::ArchSpec& arch,
                             const DramModel& dram) {
  GemmBound r;
  models::EventCounts& e = r.events;
  const compiler::GemmShape& g = l.gemm;
  const DimClasses cm = Classes(g.m, l.tiling.m, false), ck = Classes(g.k, l.tiling.k, true),
                   cn = Classes(g.n, l.tiling.n, false);
  const int64_t tiles[3] = {cm.tiles, ck.tiles, cn.tiles};
  const std::array<int, 3> dims = compiler::LoopDimsOf(l.tiling.order);
  const bool in_a[3] = {true, true, false}, in_b[3] = {false, true, true},
             in_out[3] = {true, false, true};
  const int64_t reps_a = Reps(dims, tiles, in_a), reps_b = Reps(dims, tiles, in_b),
                visits = Reps(dims, tiles, in_out);

  // The array side, order-independent: the same for every loop order of one tiling, which the
  // mapper bounds one after another.
  SeeLayer(l);
  const std::array<int64_t, 3> extents = {l.tiling.m, l.tiling.k, l.tiling.n};
  if (extents == array_extents_) {
    r.compute_cycles = array_side_.compute_cycles;
    e = array_side_.events;
  } else {
    for (int i = 0; i < cm.size; ++i) {
      for (int j = 0; j < ck.size; ++j) {
        for (int q = 0; q < cn.size; ++q) {
          const int64_t times = g.count * cm.c[i].times * ck.c[j].times * cn.c[q].times;
          const detail::TileCompute c = detail::ComputeTile(l, arch, cm.c[i].extent, ck.c[j].extent,
                                                            cn.c[q].extent, ck.c[j].start > 0);
          r.compute_cycles += times * c.cycles;
          e.AddCounts(c.events, times);
        }
      }
    }
    array_extents_ = extents;
    array_side_.compute_cycles = r.compute_cycles;
    array_side_.events = e;
  }
  // A: every distinct (m, k) tile, reps_a times; one pass of them depends on (tm, tk) only.
  int64_t load_bytes = 0, store_bytes = 0;
  const APass& a = PassOfA(l, arch);
  e.AddCounts(a.events, g.count * reps_a);
  load_bytes += g.count * reps_a * a.bytes;
  // B: every distinct (k, n) tile, reps_b times.
  for (int j = 0; j < ck.size; ++j) {
    for (int q = 0; q < cn.size; ++q) {
      TileStep t;
      t.k0 = ck.c[j].start, t.kt = ck.c[j].extent, t.nt = cn.c[q].extent;
      t.load_b = true;
      detail::StageWork tw;
      models::EventCounts te;
      detail::AddTransfers(l, arch, t, &tw, &te);
      const int64_t times = g.count * reps_b * ck.c[j].times * cn.c[q].times;
      e.AddCounts(te, times);
      load_bytes += times * tw.load;
    }
  }
  // Outputs: every output tile visited `visits` times.
  for (int i = 0; i < cm.size; ++i) {
    for (int q = 0; q < cn.size; ++q) {
      const int64_t times = g.count * cm.c[i].times * cn.c[q].times;
      TileStep t;
      t.mt = cm.c[i].extent, t.nt = cn.c[q].extent;
      auto add = [&](bool psum_in, bool store, bool final_out, int64_t n) {
        t.psum_in = psum_in, t.store = store, t.final_out = final_out;
        detail::StageWork tw;
        models::EventCounts te;
        detail::AddTransfers(l, arch, t, &tw, &te);
        e.AddCounts(te, times * n);
        load_bytes += times * n * tw.load;
        store_bytes += times * n * tw.store;
        r.post_cycles += times * n * tw.post;
      };
      add(false, true, true, 1);
      if (visits > 1) {
        add(true, false, false, visits - 1);  // read back
        add(false, true, false, visits - 1);  // spilled
      }
    }
  }
  // Steps that read: at least the loads of whichever operand is loaded most often.
  const int64_t load_steps =
      g.count * std::max({reps_a * tiles[0] * tiles[1], reps_b * tiles[1] * tiles[2],
                          (visits - 1) * tiles[0] * tiles[2]});
  const int64_t dram_min = dram.MinCycles(load_steps, load_bytes, store_bytes);
  const bool overlap =
      arch.input.double_buffered && arch.weight.double_buffered && arch.output.double_buffered;
  r.min_cycles = overlap ? std::max({dram_min, r.compute_cycles, r.post_cycles})
                         : dram_min + r.compute_cycles + r.post_cycles;
  e.cycles = r.min_cycles;
  return r;
}

GemmBound BoundGemm(const LayerSchedule& l, const models::ArchSpec& arch, const DramModel& dram) {
  GemmBounder bounder;
  return bounder.Bound(l, arch, dram);
}

double LayerCostBound(const LayerSchedule& l, const models::ArchSpec& arch,
                      const models::CostTable& table, const models::AreaBreakdown& area,
                      compiler::Objective objective, const DramModel& dram, GemmBounder* bounder,
                      EvalCache* cache) {
  if (!l.ok() || l.kind != compiler::LayerKind::kGemm) {
    return LayerCost(l, arch, table, area, objective, dram, cache);
  }
  const GemmBound b = cache != nullptr     ? cache->Bound(l, arch, dram, bounder)
                      : bounder != nullptr ? bounder->Bound(l, arch, dram)
                                           : BoundGemm(l, arch, dram);
  return PriceBound(b, arch, table, area, objective);
}

double PriceBound(const GemmBound& b, const models::ArchSpec& arch, const models::CostTable& table,
                  const models::AreaBreakdown& area, compiler::Objective objective) {
  if (BoundPriceIsCounts(objective)) {
    return static_cast<double>(b.min_cycles);
  }
  const double energy = models::PriceEvents(b.events, arch, table, area).Total();
  return objective == compiler::Objective::kEnergy ? energy
                                                   : energy * static_cast<double>(b.min_cycles);
}

bool BoundPriceIsCounts(compiler::Objective objective) {
  return objective == compiler::Objective::kCycles;
}

}  // namespace quasar::sim
