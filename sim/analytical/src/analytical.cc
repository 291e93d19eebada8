#include "quasar/sim/analytical.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "quasar/compiler/mapper.h"
#include "quasar/models/error.h"
#include "quasar/sim/core/cycle_count.h"
#include "quasar/sim/core/dram.h"
#include "quasar/sim/core/rules.h"
#include "quasar/sim/eval_cache.h"
#include "quasar/sim/gemm_timing.h"
#include "quasar/sim/scalesim_model.h"
#include "quasar/sim/scalesim_stalls.h"
#include "tile_rules.h"

namespace quasar::sim {
namespace {

using compiler::CeilDiv;
using compiler::LayerKind;
using compiler::LayerSchedule;
using compiler::PackedBytes;
using compiler::TileStep;
using detail::AddPostOps;
using detail::AddTransfers;
using detail::ComputeTile;
using detail::StageWork;

// Runs the lockstep pipeline over the tiles; returns the cycles and accumulates DRAM and post
// busy time into `p`.
int64_t RunPipeline(const std::vector<StageWork>& tiles, const models::ArchSpec& arch,
                    const DramModel& dram, LayerPerf* p) {
  const bool overlap =
      arch.input.double_buffered && arch.weight.double_buffered && arch.output.double_buffered;
  const size_t n = tiles.size();
  int64_t total = 0;
  for (size_t s = 0; s < n + 2; ++s) {
    const int64_t load = s < n ? tiles[s].load : 0;
    const int64_t store = s >= 2 ? tiles[s - 2].store : 0;
    const int64_t d = dram.StepCycles(load, store);
    const int64_t c = s >= 1 && s <= n ? tiles[s - 1].compute : 0;
    const int64_t post = s >= 2 ? tiles[s - 2].post : 0;
    const int64_t step = overlap ? std::max({d, c, post})
                                 : AddCycles(AddCycles(d, c, "a pipeline step"), post,
                                             "a pipeline step");
    total = AddCycles(total, step, "the layer");
    p->dram_cycles = AddCycles(p->dram_cycles, d, "the layer's DRAM transfers");
    p->post_cycles = AddCycles(p->post_cycles, post, "the layer's post-processing");
    p->compute_cycles = AddCycles(p->compute_cycles, c, "the layer's compute");
  }
  return total;
}

void EvaluateGemm(const LayerSchedule& l, const models::ArchSpec& arch, const DramModel& dram,
                  LayerPerf* p) {
  std::vector<StageWork> work;
  work.reserve(static_cast<size_t>(l.gemm.count * l.TilesM() * l.TilesK() * l.TilesN()));
  compiler::ForEachTile(l, [&](const TileStep& t) {
    const detail::TileCompute c = ComputeTile(l, arch, t.mt, t.kt, t.nt, t.k0 > 0);
    StageWork w;
    w.compute = c.cycles;
    p->folds += c.folds;
    p->mapped_pe_folds += c.mapped_pe_folds;
    p->events.AddCounts(c.events);
    AddTransfers(l, arch, t, &w, &p->events);
    work.push_back(w);
  });
  p->tiles = static_cast<int64_t>(work.size());
  p->cycles = RunPipeline(work, arch, dram, p);
}

void EvaluatePost(const LayerSchedule& l, const models::ArchSpec& arch, const DramModel& dram,
                  LayerPerf* p) {
  models::EventCounts& e = p->events;
  std::vector<StageWork> work;
  for (const PostChunk& c : PostChunks(l, arch)) {
    StageWork w;
    w.load = c.load_bytes;
    w.store = c.store_bytes;
    w.post = PostCycles(c.Streamed(), arch.post_elements_per_cycle);
    e.input_writes += CeilDiv(w.load, arch.input.word_bytes);
    e.input_reads += CeilDiv(w.load, arch.input.word_bytes);
    e.output_writes += CeilDiv(w.store, arch.output.word_bytes);
    e.output_reads += CeilDiv(w.store, arch.output.word_bytes);
    AddPostOps(l, c.out_elements, l.bits.a_bits, &e);
    e.dram_read_bytes += w.load;
    e.dram_write_bytes += w.store;
    work.push_back(w);
  }
  p->tiles = static_cast<int64_t>(work.size());
  p->cycles = RunPipeline(work, arch, dram, p);
}

// conventions: scalesim. Each of the layer's GEMMs is a SCALE-Sim layer of its own (it splits a
// depthwise layer per channel); the post-processing unit is not modelled, and DRAM timing only
// as SCALE-Sim's USER-mode buffers stall the array (scalesim_stalls.h).
void EvaluateScaleSim(const LayerSchedule& l, const models::ArchSpec& arch, LayerPerf* p) {
  p->pack = 1;
  if (l.kind != LayerKind::kGemm) {
    return;
  }
  const compiler::GemmShape& g = l.gemm;
  if (l.tiling.m < g.m || l.tiling.k < g.k || l.tiling.n < g.n) {
    p->status = fmt::format(
        "conventions: scalesim maps whole layers, but the schedule tiles this one {} x {} x {} "
        "(M x K x N = {} x {} x {})",
        l.tiling.m, l.tiling.k, l.tiling.n, g.m, g.k, g.n);
    return;
  }
  ScaleSimLayer s;
  try {
    s = ScaleSimLayerOf(l, arch);
  } catch (const InputError& e) {  // beyond the USER-mode walk's limits
    p->status = e.what();
    return;
  }
  const int64_t n = g.count;
  p->tiles = n;
  p->cycles = n * s.total_cycles;
  p->compute_cycles = n * (s.total_cycles - s.stall_cycles);  // stall_cycles: SCALE-Sim's
  p->folds = n * s.folds;
  p->mapped_pe_folds = n * s.mapped_pe_folds;
  models::EventCounts& e = p->events;
  e.macs = n * s.macs;
  e.pe_cycles = arch.PeCount() * p->cycles;
  e.input_reads = n * s.ifmap_sram_reads;
  e.weight_reads = n * s.filter_sram_reads;
  e.output_writes = n * s.ofmap_sram_writes;
  e.input_writes = n * s.ifmap_dram_reads;  // fills from DRAM
  e.weight_writes = n * s.filter_dram_reads;
  e.output_reads = n * s.ofmap_dram_writes;  // read out to DRAM
  e.dram_read_bytes = n * (s.ifmap_dram_reads + s.filter_dram_reads);
  e.dram_write_bytes = n * s.ofmap_dram_writes;
}

}  // namespace

LayerPerf EvaluateLayer(const LayerSchedule& l, const models::ArchSpec& arch) {
  return EvaluateLayer(l, arch, *MakeDramModel(arch.dram));
}

LayerPerf EvaluateLayer(const LayerSchedule& l, const models::ArchSpec& arch,
                        const DramModel& dram) {
  LayerPerf p = NewLayerPerf(l);
  if (!p.ok() || l.kind == LayerKind::kView) {
    return p;
  }
  if (arch.conventions == models::Conventions::kScaleSim) {
    EvaluateScaleSim(l, arch, &p);
  } else if (l.kind == LayerKind::kGemm) {
    std::string why;
    if (!compiler::TilingFits(l, l.tiling, arch, &why)) {
      p.status = "tiling does not fit: " + why;
      return p;
    }
    EvaluateGemm(l, arch, dram, &p);
  } else {
    EvaluatePost(l, arch, dram, &p);
  }
  FinishLayerPerf(arch, &p);
  return p;
}

double LayerCost(const LayerSchedule& l, const models::ArchSpec& arch,
                 const models::CostTable& table, const models::AreaBreakdown& area,
                 compiler::Objective objective) {
  return LayerCost(l, arch, table, area, objective, *MakeDramModel(arch.dram));
}

double LayerCost(const LayerSchedule& l, const models::ArchSpec& arch,
                 const models::CostTable& table, const models::AreaBreakdown& area,
                 compiler::Objective objective, const DramModel& dram, EvalCache* cache) {
  return PriceCost(cache != nullptr ? cache->Evaluate(l, arch, dram) : EvaluateLayer(l, arch, dram),
                   arch, table, area, objective);
}

double PriceCost(const LayerPerf& p, const models::ArchSpec& arch,
                 const models::CostTable& table, const models::AreaBreakdown& area,
                 compiler::Objective objective) {
  if (!p.ok()) {
    return std::numeric_limits<double>::infinity();
  }
  const double energy = models::PriceEvents(p.events, arch, table, area).Total();
  switch (objective) {
    case compiler::Objective::kCycles:
      // Cycles are integers: adding energy / (energy + 1) < 1 breaks ties by energy only.
      return static_cast<double>(p.cycles) + energy / (energy + 1.0);
    case compiler::Objective::kEnergy:
      return energy;
    case compiler::Objective::kEdp:
      return energy * static_cast<double>(p.cycles);
  }
  return energy;
}

compiler::Schedule Compile(const models::NetworkSpec& net, const models::ArchSpec& arch,
                           const models::CostTable& table, compiler::Objective objective,
                           compiler::MapperSearch search, EvalCache* cache,
                           const std::vector<compiler::LayerSchedule>* prepared) {
  const models::AreaBreakdown area = models::PriceArea(arch, table);
  const std::unique_ptr<DramModel> dram = MakeDramModel(arch.dram);
  GemmBounder bounder;
  if (cache != nullptr) {
    return compiler::CompileNetwork(
        net, arch, objective,
        [&](LayerSchedule* l) {
          cache->MapLayer(l, arch, table, area, objective, *dram, search, &bounder);
        },
        prepared);
  }
  return compiler::CompileNetwork(
      net, arch, objective,
      [&](const LayerSchedule& l) {
        return LayerCost(l, arch, table, area, objective, *dram);
      },
      [&](const LayerSchedule& l) {
        return LayerCostBound(l, arch, table, area, objective, *dram, &bounder);
      },
      search);
}

NetworkPerf EvaluateSchedule(const compiler::Schedule& s, const models::ArchSpec& arch,
                             const models::CostTable& table, EvalCache* cache) {
  std::vector<LayerPerf> layers;
  layers.reserve(s.layers.size());
  const std::unique_ptr<DramModel> dram = MakeDramModel(arch.dram);
  for (const LayerSchedule& l : s.layers) {
    layers.push_back(cache != nullptr ? cache->Evaluate(l, arch, *dram)
                                      : EvaluateLayer(l, arch, *dram));
  }
  return Summarize(s.network, arch, table, std::move(layers));
}

}  // namespace quasar::sim
