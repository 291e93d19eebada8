#pragma once
// The analytical backend: cycles, traffic and events of a Schedule on an accelerator, in closed
// form per fold and by a short recurrence per tile. Fast enough to price every candidate tiling
// in the mapper and thousands of configurations in a sweep. Never throws for a configuration that
// cannot run: the result's status says why.
//
// Timing rules (docs/analytical-model.md gives them with a worked example; the SystemC backend
// (sim/cycle/) implements the same rules so that the two agree cycle for cycle):
//  1. Compute. A tile of mt x kt x nt is a GEMM of mt x ceil(kt / pack) x nt on the array
//     (packing, schedule.h), timed by TimeGemm (gemm_timing.h): folds one after another, each
//     2R + C + T - 2 cycles, and for os a final drain of R cycles per tile.
//  2. Pipeline. Each tile is one step through four stages: load (DRAM to SRAM), compute (array),
//     post-process, store (SRAM to DRAM). With all three buffers double buffered the stages of
//     different tiles overlap in lockstep: step s loads tile s, computes tile s-1 and
//     post-processes and stores tile s-2, and lasts as long as its slowest stage,
//       step_s = max(D_s, C_{s-1}, P_{s-2}),   s = 0 .. n+1 for n tiles,
//     where D_s is the DRAM time of the step (the DramModel of sim/core/dram.h: its loads and
//     stores share one channel, latency when it reads, then bytes / bandwidth, rounded up),
//     C the compute cycles and P = ceil(outputs / post_elements_per_cycle) for a tile whose
//     outputs are final (0 otherwise). If any buffer is single buffered nothing overlaps:
//     step_s = D_s + C_{s-1} + P_{s-2}.
//  3. Layers run one after another; each reads its inputs from DRAM and writes its output there
//     (no fusion across layers).
//  4. A tile loads its A tile (the input footprint, schedule.h InputFootprint, at a_bits) and
//     B tile (kt x nt at w_bits) only when they differ from the previous tile's, partial sums
//     (acc_bits) when its output tile was spilled before; it stores outputs (out_bits) when its
//     reduction is complete and partial sums (acc_bits) when the loop order leaves it
//     incomplete. Accumulating onto partial sums held in the output SRAM takes no extra cycles
//     (a read-modify-write accumulator memory, as TPUv1's).
//  5. Post-only layers (add, pools, transpose) stream through the post-processing unit in chunks
//     that fit the input and output buffers: C = 0, P = ceil(max(inputs, outputs) / rate).
//     Flatten and reshape are free.
// Derived figures: stall cycles = cycles - compute cycles (exposed DRAM and post-processing
// time); utilization = MACs / (cycles * PEs * pack); mapping efficiency as TimeGemm's.

#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "quasar/compiler/mapper.h"
#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/core/dram.h"
#include "quasar/sim/core/perf.h"

namespace quasar::sim {

class EvalCache;  // eval_cache.h: per-layer counts remembered across calls (null: none)

// Timing and events of one layer under its schedule (no energy). A layer whose status is set,
// or whose tiling does not fit, comes back with a status and zero counts.
LayerPerf EvaluateLayer(const compiler::LayerSchedule& layer, const models::ArchSpec& arch);
// The same with a DRAM model made once for many layers (MakeDramModel(arch.dram)).
LayerPerf EvaluateLayer(const compiler::LayerSchedule& layer, const models::ArchSpec& arch,
                        const DramModel& dram);

// The whole network: EvaluateLayer for every layer, priced with `table`, summed. With `cache`,
// the layers' counts come from it (the same figures, eval_cache.h).
NetworkPerf EvaluateSchedule(const compiler::Schedule& schedule, const models::ArchSpec& arch,
                             const models::CostTable& table, EvalCache* cache = nullptr);

// The mapper's price of a layer for `objective` (cycles, pJ, or cycles x pJ); +infinity when the
// layer cannot run with its tiling.
double LayerCost(const compiler::LayerSchedule& layer, const models::ArchSpec& arch,
                 const models::CostTable& table, const models::AreaBreakdown& area,
                 compiler::Objective objective);
double LayerCost(const compiler::LayerSchedule& layer, const models::ArchSpec& arch,
                 const models::CostTable& table, const models::AreaBreakdown& area,
                 compiler::Objective objective, const DramModel& dram,
                 EvalCache* cache = nullptr);

// LayerCost's price of a layer's counts: +infinity when it cannot run, else cycles (ties broken
// by energy), pJ or cycles x pJ.
double PriceCost(const LayerPerf& perf, const models::ArchSpec& arch,
                 const models::CostTable& table, const models::AreaBreakdown& area,
                 compiler::Objective objective);

// The mapper's bound (mapper.h): a kGemm layer under its tiling summed over classes of equal
// tiles (gemm_bound.cc) instead of tile by tile, so it costs a few dozen applications of the
// per-tile rules whatever the number of tiles.
struct GemmBound {
  models::EventCounts events;  // exactly EvaluateLayer's events, but `cycles` = min_cycles
  int64_t compute_cycles = 0;  // exactly EvaluateLayer's compute_cycles
  int64_t post_cycles = 0;     // exactly EvaluateLayer's post_cycles
  int64_t min_cycles = 0;      // <= EvaluateLayer's cycles: the pipeline's slowest stage in all
                               // (the sum of the three without double buffering)
};
// Bounds many tilings of one layer: keeps, for the last layer it saw, its A tiles grouped by
// footprint for each tile extent and one pass over them for each (tm, tk), so each extent's
// tiles are walked once, and the array side of
// the last tiling, which every loop order of it shares. The same arch for every call.
class GemmBounder {
 public:
  GemmBound Bound(const compiler::LayerSchedule& layer, const models::ArchSpec& arch,
                  const DramModel& dram);

 private:
  struct TileGroup {
    int64_t start = 0, extent = 0, times = 0;  // a representative tile, and how many are alike
  };
  const std::vector<TileGroup>& Groups(const compiler::LayerSchedule& layer, int dim,
                                       int64_t tile);
  // Loading every distinct A tile once: its events and bytes, for a tiling's (tm, tk).
  struct APass {
    models::EventCounts events;
    int64_t bytes = 0;
  };
  const APass& PassOfA(const compiler::LayerSchedule& layer, const models::ArchSpec& arch);
  std::map<std::pair<int64_t, int64_t>, APass> a_passes_;
  void SeeLayer(const compiler::LayerSchedule& layer);  // clears the caches for a new layer
  compiler::LayerFields layer_{};
  std::map<int64_t, std::vector<TileGroup>> groups_[2];  // m, k: tile extent -> groups
  std::array<int64_t, 3> array_extents_{};               // the tiling array_side_ is of
  GemmBound array_side_;  // its compute_cycles and order-independent events
};
GemmBound BoundGemm(const compiler::LayerSchedule& layer, const models::ArchSpec& arch,
                    const DramModel& dram);

// A lower bound of LayerCost for the same layer and tiling (the mapper skips tilings whose bound
// exceeds the best cost found): the cycles bound for kCycles, else the exact events priced at
// the cycles bound. `bounder` may be null.
double LayerCostBound(const compiler::LayerSchedule& layer, const models::ArchSpec& arch,
                      const models::CostTable& table, const models::AreaBreakdown& area,
                      compiler::Objective objective, const DramModel& dram,
                      GemmBounder* bounder = nullptr, EvalCache* cache = nullptr);

// LayerCostBound's price of a kGemm layer's bound.
double PriceBound(const GemmBound& bound, const models::ArchSpec& arch,
                  const models::CostTable& table, const models::AreaBreakdown& area,
                  compiler::Objective objective);
// Whether PriceBound under `objective` reads the bound alone, not the arch, table or area (the
// cycles bound for kCycles): a cached search keeps such prices instead of the bounds' counts.
bool BoundPriceIsCounts(compiler::Objective objective);

// Compiles `net` for `arch` with the analytical model as the mapper's price. With `cache`, the
// prices' counts and bounds come from it: the same schedule (eval_cache.h), faster when
// accelerators share timing fields (a sweep over the clock, say) or are compiled again.
// `prepared` (with a cache only): the network's layers as compiler::PrepareLayer makes them for an
// accelerator of the same compiler::PrepareKey (CompileNetwork's `prepared`).
compiler::Schedule Compile(const models::NetworkSpec& net, const models::ArchSpec& arch,
                           const models::CostTable& table, compiler::Objective objective,
                           compiler::MapperSearch search = compiler::kDefaultMapperSearch,
                           EvalCache* cache = nullptr,
                           const std::vector<compiler::LayerSchedule>* prepared = nullptr);

// Registers the analytical model as backend "analytical" (EvaluateSchedule; moves no values).
void RegisterAnalyticalBackend(BackendRegistry* registry);

}  // namespace quasar::sim
