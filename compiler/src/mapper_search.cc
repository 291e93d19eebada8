// The mapper's searches (mapper.h): the tilings each search enumerates and the branch and bound
// that prices them. The extents each dimension tries are in mapper_extents.cc; PrepareLayer, the
// fit test and the network-level compilation are in mapper.cc.

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <set>
#include <string>

#include "quasar/compiler/mapper.h"
#include "quasar/models/enum_names.h"

namespace quasar::compiler {
namespace {

// Which GEMM dimensions lie on the rows and the columns of the array: 0 = m, 1 = k, 2 = n.
std::pair<int, int> SpatialDims(models::Dataflow d) {
  const models::DataflowTraits& t = models::TraitsOf(d);
  return {static_cast<int>(t.rows), static_cast<int>(t.cols)};
}

constexpr models::EnumTable<MapperSearch, 4> kSearches = {{{MapperSearch::kMaximal, "maximal"},
                                                           {MapperSearch::kFast, "fast"},
                                                           {MapperSearch::kRefined, "refined"},
                                                           {MapperSearch::kDense, "dense"}}};

}  // namespace

std::string MapperSearchName(MapperSearch s) { return models::EnumName(kSearches, s); }

std::optional<MapperSearch> ParseMapperSearch(const std::string& name) {
  return models::ParseEnum(kSearches, name);
}

std::string MapperSearchChoices() { return models::EnumChoices(kSearches); }

namespace {

using Extents = std::array<int64_t, 3>;  // m, k, n

// What the searches share: the layer's extents and units, the extents each dimension tries, and
// the fit test.
struct Space {
  const LayerSchedule& l;
  const models::ArchSpec& arch;
  int64_t extent[3];
  int64_t unit[3];  // elements, or packed words along K
  std::vector<int64_t> ext[3];

  Space(const LayerSchedule& layer, const models::ArchSpec& a, MapperSearch search)
      : l(layer),
        arch(a),
        extent{layer.gemm.m, layer.gemm.k, layer.gemm.n},
        unit{1, layer.pack, 1} {
    for (int d = 0; d < 3; ++d) {
      const int64_t align = Side(d);
      // Extents in units (a reduction tile boundary inside a packed word would leave lanes
      // idle, and split an XNOR lane group the golden kernel keeps whole), then in elements.
      const int64_t units = CeilDiv(extent[d], unit[d]);
      for (int64_t v : search == MapperSearch::kDense ? DenseExtents(units, align)
                                                      : CandidateExtents(units, align)) {
        const int64_t e = std::min(extent[d], v * unit[d]);
        if (ext[d].empty() || e < ext[d].back()) ext[d].push_back(e);
      }
    }
  }
  // The array side dimension d is spread over (1 for the temporal one).
  int64_t Side(int d) const {
    const auto [row_dim, col_dim] = SpatialDims(arch.dataflow);
    return d == row_dim ? arch.rows : d == col_dim ? arch.cols : 1;
  }
  bool Fits(const Extents& t) const {
    return TilingFits(l, Tiling{t[0], t[1], t[2], LoopOrder::kMNK}, arch);
  }
  // The largest extent of dimension d that fits with t's other two (every buffer's need grows
  // with the m and n extents, so bisection finds it), or 0 if none does. Along k with
  // block-scaled inputs the need is not monotone (FastTilings): there it is an extent that fits,
  // found by the same bisection, and not always the largest.
  int64_t LargestFit(Extents t, int d) const {
    int64_t lo = 0, hi = CeilDiv(extent[d], unit[d]);  // in units; lo fits (or is 0)
    while (lo < hi) {
      const int64_t mid = hi - (hi - lo) / 2;
      t[d] = std::min(extent[d], mid * unit[d]);
      if (Fits(t)) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return std::min(extent[d], lo * unit[d]);
  }
  // Calls f with `t` with dimension d at its largest fit, and with that rounded down to whole
  // array sides when it differs (not at all if nothing fits).
  template <typename F>
  void Fitted(Extents t, int d, F&& f) const {
    t[d] = LargestFit(t, d);
    if (t[d] == 0) return;
    f(t);
    const int64_t side = Side(d) * unit[d];  // whole array sides of packed words
    if (t[d] > side && t[d] % side != 0) {
      t[d] -= t[d] % side;
      f(t);
    }
  }
};

// kFast: the maximal legal tilings over CandidateExtents (no dimension can grow to its next
// extent and still fit); then each of those with one dimension raised to the largest extent that
// fits, and that extent rounded down to whole array sides.
//
// Each dimension's extents run from the largest down. A tiling that fits still fits with a
// smaller m or n extent (every buffer's need grows with them), but not always with a smaller k
// extent: with block-scaled inputs, a convolution's input footprint can stay the same while a
// smaller k stores more block scales. So first(i, j), the first n extent that fits with the i-th
// m and j-th k extents, is found by bisection over n below first(i - 1, j), which fits as m only
// shrank; and (i, j, first(i, j)) is maximal unless the larger m or k extent fits with that n,
// that is unless first(i - 1, j) or first(i, j - 1) <= first(i, j) (as fitting is monotone in
// n). One row of first() is kept. tests/unit/test_mapper.cc compares the result with the
// definition's scan, block-scaled layers included.
void FastTilings(const Space& sp, bool raise, std::vector<Extents>* out) {
  const auto& ext = sp.ext;
  const size_t nk = ext[2].size();
  std::vector<size_t> above(ext[1].size(), nk);  // first(i - 1, j); nk: none fits
  for (size_t i = 0; i < ext[0].size(); ++i) {
    size_t left = nk;  // first(i, j - 1)
    for (size_t j = 0; j < ext[1].size(); ++j) {
      size_t lo = 0, hi = above[j];  // first(i, j) is in [lo, hi]: hi fits or is nk
      while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (sp.Fits({ext[0][i], ext[1][j], ext[2][mid]})) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      const size_t k = lo;
      const bool maximal = k < nk && !(i > 0 && above[j] <= k) && !(j > 0 && left <= k);
      above[j] = left = k;
      if (!maximal) {
        continue;
      }
      const Extents t{ext[0][i], ext[1][j], ext[2][k]};
      out->push_back(t);
      for (int d = 0; raise && d < 3; ++d) {
        sp.Fitted(t, d, [&](const Extents& raised) { out->push_back(raised); });
      }
    }
  }
}

// kDense: every fitting combination of DenseExtents, and for every pair of two dimensions'
// extents the largest extent of the third that fits.
void DenseTilings(const Space& sp, std::vector<Extents>* out) {
  const auto& ext = sp.ext;
  for (int64_t m : ext[0]) {
    for (int64_t k : ext[1]) {
      for (int64_t n : ext[2]) {
        if (sp.Fits({m, k, n})) out->push_back({m, k, n});
      }
    }
  }
  for (int d = 0; d < 3; ++d) {
    const int a = (d + 1) % 3, b = (d + 2) % 3;
    for (int64_t va : ext[a]) {
      for (int64_t vb : ext[b]) {
        Extents t{};
        t[a] = va, t[b] = vb;
        sp.Fitted(t, d, [&](const Extents& fitted) { out->push_back(fitted); });
      }
    }
  }
}

// The loop orders that visit the tiles of `t` in distinct sequences: the sequence of the
// dimensions with more than one tile decides it.
struct Orders {
  std::array<LoopOrder, std::size(kAllLoopOrders)> order;
  size_t size = 0;
  const LoopOrder* begin() const { return order.data(); }
  const LoopOrder* end() const { return order.data() + size; }
};
Orders DistinctOrders(const Space& sp, const Extents& t) {
  Orders out;
  std::array<int, std::size(kAllLoopOrders)> seen{};
  for (LoopOrder o : kAllLoopOrders) {
    int key = 0;  // the dimensions with more than one tile, in loop order, as base-4 digits 1..3
    for (int d : LoopDimsOf(o)) {
      if (CeilDiv(sp.extent[d], t[d]) > 1) key = 4 * key + d + 1;
    }
    if (std::find(seen.begin(), seen.begin() + out.size, key) != seen.begin() + out.size) continue;
    seen[out.size] = key;
    out.order[out.size++] = o;
  }
  return out;
}

// The best of `candidates` by branch and bound (PickCheapest), pricing `l` under each tiling.
size_t BestOf(const std::vector<Tiling>& candidates, LayerSchedule* l, const CostFn& cost,
              const CostFn& bound, double* best) {
  IndexedPrice by_bound;
  if (bound) {
    by_bound = [&](size_t i) {
      l->tiling = candidates[i];
      return bound(*l);
    };
  }
  return PickCheapest(
      candidates.size(), by_bound,
      [&](size_t i) {
        l->tiling = candidates[i];
        return cost(*l);
      },
      l, best);
}

// Descent from `chosen` over the dense search's extents. The moves from a tiling set one
// dimension d to one of its DenseExtents and try: the other two kept (if that fits); and a
// trade, fitting or not, where one other dimension takes its largest fit (Fitted) and then the
// third its largest fit given those two, so that an extent can grow at another's expense. Each
// round prices all moves of the current tiling, in every distinct loop order, by branch and
// bound from the current price (candidates in the order of their bounds; none whose bound
// reaches the best price is priced), and moves to the cheapest. Where none is cheaper, the
// pair moves of that tiling are priced the same way: two dimensions each set to an extent near
// its current one (NeighbourExtents), the third kept (if that fits) or at its largest fit, so that
// two extents can shrink or grow at once. The descent goes on from a cheaper one, and ends where
// neither kind of move is cheaper. As the pair moves come only after the single moves have
// stopped, the descent never ends above where it would end without them.
void Descend(LayerSchedule* l, const models::ArchSpec& arch, const CostFn& cost,
             const CostFn& bound, const std::vector<Tiling>& searched, double* best,
             Tiling* chosen) {
  const Space sp(*l, arch, MapperSearch::kDense);
  // A tiling priced before (or pruned by its bound) in every loop order, by the search that
  // chose `chosen` or in an earlier round, cannot beat a price that only drops: each tiling is
  // a move once.
  std::set<Extents> tried;
  for (const Tiling& t : searched) tried.insert({t.m, t.k, t.n});
  std::vector<Tiling> moves;
  const auto add = [&](const Extents& t) {
    if (!tried.insert(t).second) return;
    for (LoopOrder o : DistinctOrders(sp, t)) moves.push_back(Tiling{t[0], t[1], t[2], o});
  };
  const auto single_moves = [&](const Extents& base) {
    for (int d = 0; d < 3; ++d) {
      for (int64_t v : sp.ext[d]) {
        if (v == base[d]) continue;
        Extents t = base;
        t[d] = v;
        if (sp.Fits(t)) add(t);
        for (int e = 0; e < 3; ++e) {
          if (e == d) continue;
          const int f = 3 - d - e;
          sp.Fitted(t, e, [&](const Extents& traded) {
            add(traded);
            sp.Fitted(traded, f, add);
          });
        }
      }
    }
  };
  const auto pair_moves = [&](const Extents& base) {
    for (int d = 0; d < 3; ++d) {
      for (int e = d + 1; e < 3; ++e) {
        const int f = 3 - d - e;
        for (int64_t vd : NeighbourExtents(sp.ext[d], base[d])) {
          for (int64_t ve : NeighbourExtents(sp.ext[e], base[e])) {
            Extents t = base;
            t[d] = vd, t[e] = ve;
            if (sp.Fits(t)) add(t);
            sp.Fitted(t, f, add);
          }
        }
      }
    }
  };
  // Prices `moves` by branch and bound from *best; the index of the cheapest below it, or
  // moves.size() if none is.
  std::vector<std::pair<double, size_t>> order;  // (bound, move)
  const auto cheapest = [&]() {
    l->candidates += static_cast<int64_t>(moves.size());
    l->feasible_candidates += static_cast<int64_t>(moves.size());
    order.clear();
    for (size_t i = 0; i < moves.size(); ++i) {
      l->tiling = moves[i];
      const double lower = bound ? bound(*l) : -std::numeric_limits<double>::infinity();
      if (lower < *best) order.emplace_back(lower, i);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t pick = moves.size();
    for (const auto& [lower, i] : order) {
      if (lower >= *best) break;
      l->tiling = moves[i];
      const double c = cost(*l);
      ++l->priced;
      if (c < *best) {
        *best = c;
        pick = i;
      }
    }
    return pick;
  };
  for (;;) {
    const Extents base{chosen->m, chosen->k, chosen->n};
    moves.clear();
    single_moves(base);
    size_t pick = cheapest();
    if (pick == moves.size()) {
      // A minimum of the single moves (where the descent without pair moves stops): the pair
      // moves are tried only here, so the descent never ends above that one.
      moves.clear();
      pair_moves(base);
      pick = cheapest();
      if (pick == moves.size()) break;
    }
    *chosen = moves[pick];
  }
}

}  // namespace

size_t PickCheapest(size_t n, const IndexedPrice& bound, const IndexedPrice& cost,
                    LayerSchedule* l, double* best, std::vector<size_t>* known_order) {
  std::vector<double> lower(n, -std::numeric_limits<double>::infinity());
  for (size_t i = 0; bound && i < n; ++i) {
    lower[i] = bound(i);
  }
  // The stable sort by bound is the order by (bound, index): a given order that is sorted so is
  // that order.
  const auto before = [&](size_t a, size_t b) {
    return lower[a] < lower[b] || (lower[a] == lower[b] && a < b);
  };
  std::vector<size_t> local;
  std::vector<size_t>& order = known_order != nullptr ? *known_order : local;
  bool sorted = order.size() == n;
  for (size_t j = 1; sorted && j < n; ++j) {
    sorted = before(order[j - 1], order[j]);
  }
  if (!sorted) {
    order.resize(n);
    for (size_t i = 0; i < n; ++i) {
      order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return lower[a] < lower[b]; });
  }
  *best = std::numeric_limits<double>::infinity();
  size_t chosen = n;
  for (size_t i : order) {
    if (bound && std::isfinite(lower[i])) ++l->feasible_candidates;
  }
  for (size_t i : order) {
    if (lower[i] > *best) break;
    const double c = cost(i);
    ++l->priced;
    if (!bound && std::isfinite(c)) ++l->feasible_candidates;
    if (std::isfinite(c) && (c < *best || (c == *best && i < chosen))) {
      *best = c;
      chosen = i;
    }
  }
  return chosen;
}

std::vector<Tiling> CandidateTilings(const LayerSchedule& l, const models::ArchSpec& arch,
                                     MapperSearch search) {
  const Space sp(l, arch, search);
  std::vector<Extents> tilings;
  if (search == MapperSearch::kDense) {
    DenseTilings(sp, &tilings);
  } else {
    FastTilings(sp, search == MapperSearch::kFast, &tilings);
  }
  // Largest tiles first (descending lexicographic order, each once), each with every loop order
  // that gives a distinct tile sequence.
  std::sort(tilings.begin(), tilings.end(), std::greater<Extents>());
  tilings.erase(std::unique(tilings.begin(), tilings.end()), tilings.end());
  std::vector<Orders> orders;
  orders.reserve(tilings.size());
  size_t count = 0;
  for (const Extents& t : tilings) {
    orders.push_back(DistinctOrders(sp, t));
    count += orders.back().size;
  }
  std::vector<Tiling> out;
  out.reserve(count);
  for (size_t i = 0; i < tilings.size(); ++i) {
    for (LoopOrder o : orders[i])
      out.push_back(Tiling{tilings[i][0], tilings[i][1], tilings[i][2], o});
  }
  return out;
}

void MapLayer(LayerSchedule* l, const models::ArchSpec& arch, const CostFn& cost,
              const CostFn& bound, MapperSearch search) {
  if (l->kind != LayerKind::kGemm || !l->ok()) {
    return;
  }
  l->candidates = l->feasible_candidates = l->priced = 0;
  if (arch.conventions == models::Conventions::kScaleSim) {
    // SCALE-Sim maps the whole layer, whatever the buffers hold (sim/scalesim_model.h):
    // PrepareLayer's tiling.
    l->candidates = l->feasible_candidates = 1;
    return;
  }
  // The refined and dense searches start from the fast one's result, so that they never do
  // worse.
  const bool descend = search == MapperSearch::kRefined || search == MapperSearch::kDense;
  const MapperSearch first = descend ? MapperSearch::kFast : search;
  std::vector<Tiling> candidates = CandidateTilings(*l, arch, first);
  l->candidates += static_cast<int64_t>(candidates.size());
  double best = 0;
  const size_t i = BestOf(candidates, l, cost, bound, &best);
  const bool found = i < candidates.size();
  Tiling chosen = found ? candidates[i] : Tiling{};
  if (found && descend) {
    // (For the dense search, a good price first makes the bound prune more of its candidates.)
    Descend(l, arch, cost, bound, candidates, &best, &chosen);
  }
  if (found && search == MapperSearch::kDense) {
    candidates = CandidateTilings(*l, arch, MapperSearch::kDense);
    l->candidates += static_cast<int64_t>(candidates.size());
    double dense_best = 0;
    const size_t j = BestOf(candidates, l, cost, bound, &dense_best);
    if (j < candidates.size() && dense_best < best) chosen = candidates[j];
  }
  SetMapping(l, arch, found ? std::optional<Tiling>(chosen) : std::nullopt);
}

void SetMapping(LayerSchedule* l, const models::ArchSpec& arch,
                const std::optional<Tiling>& chosen) {
  if (!chosen) {
    // Report what the smallest tile needs.
    std::string why;
    TilingFits(*l, Tiling{1, l->pack, 1, LoopOrder::kMNK}, arch, &why);
    l->tiling = Tiling{l->gemm.m, l->gemm.k, l->gemm.n, LoopOrder::kMNK};
    l->feasible_candidates = 0;
    l->status = why.empty() ? std::string("no tiling could be priced")
                            : "no tiling fits the buffers: even a 1 x " + std::to_string(l->pack) +
                                  " x 1 tile's " + why;
    return;
  }
  l->tiling = *chosen;
}

}  // namespace quasar::compiler
