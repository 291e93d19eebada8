#pragma once
// The mapper: turns each layer of a network into a LayerSchedule for an accelerator, choosing
// the tile extents and loop order that minimize an objective.
//
// The compiler enumerates the legal tilings; the backend prices them. The price is a callback
// (the analytical model's, in sim/analytical/include/quasar/sim/analytical.h), so the compiler
// never depends on a simulator and the search always optimizes exactly what is later reported.
//
// Search space per GEMM layer (the "spatial" dimensions are those the dataflow maps onto the
// array's rows and columns, lower.h / gemm_timing.h: os M x N, ws K x N, is K x M). Extents
// along K are counted in packed words (times pack, or all of K). A tiling is legal when its
// worst tile fits the usable (half, if double buffered) capacity of each buffer: the input
// footprint at a_bits, the weight tile at w_bits, the output tile at acc_bits. Every buffer's
// need grows with each extent. Four searches (MapperSearch):
//  - maximal: for a dimension of size E mapped to an array side of a PEs (a = 1 for the
//    temporal dimension), the balanced splits a * ceil(ceil(E / a) / 2^j), j = 0, 1, ..., then
//    ceil(a / 2^i) below one array side, down to 1 (CandidateExtents, about log2(E) + 1); only
//    maximal legal tilings of those (no dimension can grow to its next extent and still fit;
//    O(L^2) checks for L extents per dimension);
//  - fast (a sweep's default): those, plus each with one dimension raised to the largest
//    extent that fits with the other two (bisection), and that rounded down to whole array
//    sides: an extent that fits exactly is priced, not only its nearest halving;
//  - refined (the default): the fast search's choice improved by a descent over DenseExtents
//    (below): each round prices, by branch and bound, every move of the current tiling (one
//    dimension set to one of its extents with the other two kept; or traded: a second dimension
//    set to its largest fit and then the third to its own, so that one extent grows at
//    another's expense) and moves to the cheapest; where none is cheaper, it prices the pair
//    moves (two dimensions each set to a NeighbourExtents value, the third kept or at its
//    largest fit) and goes on from the cheapest, until neither kind is cheaper; each tiling is
//    tried once. Tens of times the fast search's time per layer, about 3 times per network
//    compile, a small fraction of the dense one's;
//  - dense: every fitting combination of DenseExtents (for each tile count n, the ends of the
//    interval of extents giving n tiles and its smallest and largest multiples of the array
//    side; about 4 x 2 sqrt(E) per dimension), and for every pair of two dimensions' extents the
//    largest fitting extent of the third, starting from the refined search's result. Seconds
//    per network.
// Each tiling is tried with every loop order that gives a distinct tile sequence (orders
// differing only in dimensions of one tile visit the same tiles). The candidates are priced in
// the order of a lower bound of their price (branch and bound, `bound`), stopping at the first
// bound above the best price; the cheapest wins and ties keep the earlier candidate (larger
// tiles, then mnk, mkn, nmk, ...), exactly as if every candidate had been priced, so a schedule
// is deterministic. tests/unit/test_mapper_optimal.cc compares the searches with brute force
// over every tm x tk x tn and order; docs/analytical-model.md section 3 gives the results.

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::compiler {

// Everything about a layer on this accelerator except its tiling: kind, GEMM, operand widths,
// packing, geometry, the type-bound accumulator width (with a warning when the accumulator is
// narrower), post-processing work. `status` says why it cannot run (e.g. a MAC too narrow for
// its operands); the tiling is left at one tile of the whole GEMM.
LayerSchedule PrepareLayer(const models::NetLayer& layer, const models::NetworkSpec& net,
                           const models::ArchSpec& arch);
// What PrepareLayer reads of an accelerator, as text: every `mac.*` field of the format and
// `conventions` (arch_fields.h). Accelerators with the same key get the same prepared layers, so
// a caller compiling one network for many accelerators (a sweep) may prepare it once per key.
std::string PrepareKey(const models::ArchSpec& arch);

// How much of the space the mapper searches (see the top of this file).
enum class MapperSearch {
  kMaximal,  // CandidateExtents' maximal tilings (the search of earlier versions)
  kFast,     // those, each with one dimension raised to its largest fit, and that rounded down
             // to whole array sides (a sweep's default: sweep.h)
  kDense,    // every fitting combination of DenseExtents, and the largest fits of each pair
  kRefined,  // kFast's choice, then a descent over DenseExtents with trades and pair moves
             // (kDense's first step; the default)
};
// The search of every command and call that does not name one: within 1 % of kDense on all but
// 5 of the zoo's 4,368 layer cases in bench_mapper (at most 4.7 %), at 1.5-1.8 times the
// compile time of earlier versions (docs/architecture.md, decision 63).
inline constexpr MapperSearch kDefaultMapperSearch = MapperSearch::kRefined;
std::string MapperSearchName(MapperSearch s);  // "maximal" | "fast" | "refined" | "dense"
std::optional<MapperSearch> ParseMapperSearch(const std::string& name);
std::string MapperSearchChoices();  // "maximal, fast, refined, dense", for messages

// The extents the fast search starts from for one dimension of size `extent` aligned to
// `align`: the balanced halvings.
std::vector<int64_t> CandidateExtents(int64_t extent, int64_t align);
// The extents the dense search tries: every distinct ceil(E / n), and align times every
// distinct ceil(ceil(E / align) / n) clipped to E, largest first.
std::vector<int64_t> DenseExtents(int64_t extent, int64_t align);
// How many extents on either side of a dimension's current one the refined search's pair moves
// reach.
inline constexpr size_t kPairMoveReach = 2;
// The extents of `extents` (descending and distinct, as DenseExtents gives them) within
// kPairMoveReach places of `v` on either side, `v` itself excluded; where `v` is not one of
// them, its place is where it would be inserted. The values a pair move gives one dimension.
std::vector<int64_t> NeighbourExtents(const std::vector<int64_t>& extents, int64_t v);

// Whether every tile of `tiling` fits the buffers; if not and `why` is given, says which buffer.
bool TilingFits(const LayerSchedule& l, const Tiling& tiling, const models::ArchSpec& arch,
                std::string* why = nullptr);

// The tilings `search` tries for a kGemm layer, all of which fit, each with every loop order that
// gives a distinct tile sequence; largest tiles first.
std::vector<Tiling> CandidateTilings(const LayerSchedule& l, const models::ArchSpec& arch,
                                     MapperSearch search = MapperSearch::kFast);

// Price of a layer under its current tiling; +infinity when it cannot run.
using CostFn = std::function<double(const LayerSchedule&)>;

// Picks the cheapest candidate tiling for a kGemm layer and records the search (candidates,
// feasible_candidates); sets `status` when nothing fits. Other kinds are left as they are.
// `bound`, when given, is a lower bound of `cost` for every tiling; candidates whose bound
// exceeds the best price found are not priced, which leaves the choice unchanged.
void MapLayer(LayerSchedule* layer, const models::ArchSpec& arch, const CostFn& cost,
              const CostFn& bound = nullptr, MapperSearch search = kDefaultMapperSearch);

// MapLayer's branch and bound over `n` candidates given by index: prices them in the order of
// `bound(i)` (stable; all -infinity when `bound` is null) and stops at the first bound above the
// best price; ties go to the lower index, as if every candidate had been priced. Counts
// `l->feasible_candidates` and `l->priced` as MapLayer does (it calls this); returns the
// chosen index (n if none could be priced) and its price in `best`. Callers that keep each
// candidate's price inputs (sim/eval_cache.h) run the same search without re-deriving them.
// `order`, when given, is the pricing order of an earlier search of the same candidates: it is
// used when it is still sorted by this search's bounds (checked, pair by pair, in O(n)) and
// replaced by the new order otherwise, so a caller that repeats a search under other prices
// sorts only when the order changed.
using IndexedPrice = std::function<double(size_t)>;
size_t PickCheapest(size_t n, const IndexedPrice& bound, const IndexedPrice& cost,
                    LayerSchedule* l, double* best, std::vector<size_t>* order = nullptr);
// MapLayer's last step: the chosen tiling, or (nullopt) the status of a layer nothing fits.
void SetMapping(LayerSchedule* l, const models::ArchSpec& arch,
                const std::optional<Tiling>& chosen);

// How one layer is mapped: MapLayer with the compilation's prices by default.
using LayerMapFn = std::function<void(LayerSchedule*)>;

// PrepareLayer + MapLayer for every layer. Layers with the same GEMM, geometry and widths are
// searched once. Never throws for a configuration that does not fit: the layer's status says.
Schedule CompileNetwork(const models::NetworkSpec& net, const models::ArchSpec& arch,
                        Objective objective, const CostFn& cost, const CostFn& bound = nullptr,
                        MapperSearch search = kDefaultMapperSearch);
// The same with `map` in place of MapLayer for each distinct kGemm layer that can run (it must
// give MapLayer's result). `prepared`, when given, holds PrepareLayer's result for every layer
// of `net` on an accelerator of the same PrepareKey, used in place of preparing them again.
Schedule CompileNetwork(const models::NetworkSpec& net, const models::ArchSpec& arch,
                        Objective objective, const LayerMapFn& map,
                        const std::vector<LayerSchedule>* prepared = nullptr);

// Why `schedule` cannot be run for `net` on `arch` (a Schedule read from a file, say), or an empty
// string: the layer count, names, kinds, GEMM shapes, widths and packing must be those
// PrepareLayer derives now. A tiling that does not fit the buffers is no mismatch: evaluating
// the layer makes it infeasible (docs/schedule-format.md).
std::string ScheduleMismatch(const Schedule& schedule, const models::NetworkSpec& net,
                             const models::ArchSpec& arch);

}  // namespace quasar::compiler
