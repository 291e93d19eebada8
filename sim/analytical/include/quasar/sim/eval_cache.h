#pragma once
// EvalCache: the analytical model's per-layer results remembered across calls, so that a sweep's
// configurations that share a layer's timing reuse its evaluation (docs/benchmarks.md, "Sweep
// throughput"; docs/architecture.md, decision 49).
//
// What is remembered. EvaluateLayer's LayerPerf (cycles, stage times, tiles, folds, events) and
// the mapper's GemmBound of a layer under one tiling, and a layer's fast-search candidate tilings
// with their bounds, or the bounds' prices when the objective prices a bound by its cycles alone
// (MapLayer below). All are integer counts that depend only on the layer's
// schedule (every numeric field of LayerSchedule: kind, GEMM, widths, packing,
// tiling, geometry, element counts, post-processing work) and on the accelerator's timing fields:
// rows, cols, dataflow, each buffer's capacity, word and double buffering, the DRAM's bandwidth
// and latency, the post-processing rate and the conventions (the fields analytical.cc,
// gemm_bound.cc, tile_rules.h, sim/core/rules.h, perf.cc's FinishLayerPerf and the DRAM model
// read). The key is exactly those values. Not in it, because no count reads them: the clock, the
// technology, the MAC's fields (they reach a layer only through its widths and packing, which are
// in the key) and the names. Energy is never cached: callers price the counts with their own
// table, clock and area each time, so a cached result is the uncached one bit for bit, and the
// mapper, which prices every candidate from these counts, chooses exactly the same tilings
// (tests/unit/test_eval_cache.cc compares both on several networks and accelerators).
//
// Thread-safe (sharded, one mutex per shard). Bounded: a shard that reaches its share of
// `max_entries` is emptied before the next insertion (results never depend on what is cached).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "quasar/compiler/mapper.h"
#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/dram.h"
#include "quasar/sim/core/perf.h"

namespace quasar::sim {

struct GemmBound;
class GemmBounder;

class EvalCache {
 public:
  static constexpr size_t kDefaultMaxEntries = size_t{1} << 17;
  explicit EvalCache(size_t max_entries = kDefaultMaxEntries);
  ~EvalCache();
  EvalCache(const EvalCache&) = delete;
  EvalCache& operator=(const EvalCache&) = delete;

  // EvaluateLayer(layer, arch, dram); `dram` must be MakeDramModel(arch.dram)'s model.
  LayerPerf Evaluate(const compiler::LayerSchedule& layer, const models::ArchSpec& arch,
                     const DramModel& dram);
  // The mapper's bound of a kGemm layer that can run: bounder->Bound(layer, arch, dram), or
  // BoundGemm when `bounder` is null.
  GemmBound Bound(const compiler::LayerSchedule& layer, const models::ArchSpec& arch,
                  const DramModel& dram, GemmBounder* bounder);

  // compiler::MapLayer with LayerCost and LayerCostBound as the price and bound, with the same
  // result. For the fast and maximal searches the candidate tilings and their bounds' counts
  // are remembered per layer and timing fields; each call prices them again with its own table,
  // clock and area and runs the same branch and bound (compiler::PickCheapest), evaluating the
  // candidates it prices through Evaluate. Other searches and conventions run MapLayer itself.
  void MapLayer(compiler::LayerSchedule* layer, const models::ArchSpec& arch,
                const models::CostTable& table, const models::AreaBreakdown& area,
                compiler::Objective objective, const DramModel& dram,
                compiler::MapperSearch search, GemmBounder* bounder);

  size_t hits() const;    // lookups answered from the cache
  size_t misses() const;  // lookups computed

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quasar::sim
