#include "quasar/sim/analytical.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

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
using detail::AddTransfersWith;
using detail::ComputeTile;
using detail::StageWork;

// What one step of the lockstep pipeline (timing rule 2) depends on: the bytes it loads and
// stores, and the compute and post-processing cycles of the tiles in those stages.
struct StepWork {
  int64_t load = 0, store = 0, compute = 0, post = 0;
  bool operator==(const StepWork& o) const {
    return load == o.load && store == o.store && compute == o.compute && post == o.post;
  }
};
// A step's DRAM, compute and post-processing cycles, and its length.
struct StepTimes {
  int64_t dram = 0, compute = 0, post = 0, step = 0;
};

// Step s of the pipeline over n tiles, tile i being tiles[i % tiles.size()]: tile s loads, tile
// s - 1 computes, tile s - 2 is post-processed and stored.
StepWork StepAt(const std::vector<StageWork>& tiles, int64_t n, int64_t s) {
  const size_t period = tiles.size();
  auto tile = [&](int64_t i) -> const StageWork& {
    const size_t k = static_cast<size_t>(i);
    return tiles[k < period ? k : k % period];
  };
  StepWork w;
  w.load = s < n ? tile(s).load : 0;
  w.store = s >= 2 ? tile(s - 2).store : 0;
  w.compute = s >= 1 && s <= n ? tile(s - 1).compute : 0;
  w.post = s >= 2 ? tile(s - 2).post : 0;
  return w;
}

StepTimes TimeStep(const StepWork& w, bool overlap, const DramModel& dram) {
  StepTimes t;
  t.dram = dram.StepCycles(w.load, w.store);
  t.compute = w.compute, t.post = w.post;
  t.step = overlap ? std::max({t.dram, t.compute, t.post})
                   : AddCycles(AddCycles(t.dram, t.compute, "a pipeline step"), t.post,
                               "a pipeline step");
  return t;
}

// The pipeline's cycle sums, added `times` equal steps at once; a run of equal steps, and a
// step equal to one of the last few distinct ones, is timed once (TimeStep is a pure function of
// its StepWork: DramModel's contract). `ok` turns false when a sum would leave [0, kMaxCycles].
class StepSums {
 public:
  StepSums(const LayerPerf& p, bool overlap, const DramModel& dram)
      : dram_(p.dram_cycles),
        post_(p.post_cycles),
        compute_(p.compute_cycles),
        overlap_(overlap),
        model_(dram) {}
  void Add(const StepWork& w, int64_t times) {
    if (run_ > 0 && w == run_work_) {
      run_ += times;
      return;
    }
    Flush();
    run_work_ = w, run_ = times, run_times_ = Time(w);
  }
  // The sums, once every step is added; false when one would pass kMaxCycles.
  bool Finish(int64_t* total, LayerPerf* p) {
    Flush();
    if (ok_) {
      *total = total_;
      p->dram_cycles = dram_, p->post_cycles = post_, p->compute_cycles = compute_;
    }
    return ok_;
  }

 private:
  static bool AddTimes(int64_t* sum, int64_t value, int64_t times) {
    int64_t product = 0;
    return !__builtin_mul_overflow(value, times, &product) &&
           !__builtin_add_overflow(*sum, product, sum) && *sum <= kMaxCycles;
  }
  void Flush() {
    if (run_ > 0) {
      const StepTimes& t = run_times_;
      ok_ = ok_ && AddTimes(&total_, t.step, run_) && AddTimes(&dram_, t.dram, run_) &&
            AddTimes(&post_, t.post, run_) && AddTimes(&compute_, t.compute, run_);
    }
    run_ = 0;
  }
  StepTimes Time(const StepWork& w) {
    for (size_t i = 0; i < seen_; ++i) {
      if (recent_[i].first == w) {
        return recent_[i].second;
      }
    }
    const StepTimes t = TimeStep(w, overlap_, model_);
    recent_[next_] = {w, t};
    next_ = (next_ + 1) % recent_.size();
    seen_ = std::min(seen_ + 1, recent_.size());
    return t;
  }

  int64_t total_ = 0, dram_, post_, compute_;
  bool ok_ = true;
  bool overlap_;
  const DramModel& model_;
  StepWork run_work_;
  StepTimes run_times_;
  int64_t run_ = 0;
  std::array<std::pair<StepWork, StepTimes>, 4> recent_{};
  size_t seen_ = 0, next_ = 0;
};

// Runs the lockstep pipeline over `groups` repetitions of `tiles` (one group's steps; every group
// of a layer walks the same ones); returns the cycles and accumulates DRAM and post busy time
// into `p`. The n + 2 steps are: two filling the pipeline, steps 2 .. n - 1 that repeat with the
// period of one group, and two draining it; each distinct step is counted, not walked again.
// Counts are non-negative, so when the sums stay within kMaxCycles no partial sum left it either;
// otherwise, or when timing a step throws, the step-by-step walk below reports the first
// figure that overflows, as it would have.
int64_t RunPipeline(const std::vector<StageWork>& tiles, int64_t groups,
                    const models::ArchSpec& arch, const DramModel& dram, LayerPerf* p) {
  const bool overlap =
      arch.input.double_buffered && arch.weight.double_buffered && arch.output.double_buffered;
  const int64_t period = static_cast<int64_t>(tiles.size());
  const int64_t n = groups * period;
  try {
    StepSums sums(*p, overlap, dram);
    for (int64_t s = 0; s < 2; ++s) {  // filling
      sums.Add(StepAt(tiles, n, s), 1);
    }
    if (n > 2) {  // steps 2 .. n - 1: step s equals step s + period
      const int64_t q = (n - 2) / period, r = (n - 2) % period;
      const size_t size = tiles.size();
      auto wrap = [&](size_t k) { return k < size ? k : k % size; };
      for (size_t i = 0; i < size; ++i) {  // step 2 + i: as StepAt, without its bounds
        const int64_t times = q + (static_cast<int64_t>(i) < r ? 1 : 0);
        if (times > 0) {
          const StageWork& stored = tiles[i];
          sums.Add(StepWork{tiles[wrap(i + 2)].load, stored.store, tiles[wrap(i + 1)].compute,
                            stored.post},
                   times);
        }
      }
    }
    for (int64_t s = std::max<int64_t>(2, n); s < n + 2; ++s) {  // draining
      sums.Add(StepAt(tiles, n, s), 1);
    }
    int64_t total = 0;
    if (sums.Finish(&total, p)) {
      return total;
    }
  } catch (...) {  // the walk below throws the first error in step order
  }
  int64_t total = 0;
  for (int64_t s = 0; s < n + 2; ++s) {
    const StepTimes t = TimeStep(StepAt(tiles, n, s), overlap, dram);
    total = AddCycles(total, t.step, "the layer");
    p->dram_cycles = AddCycles(p->dram_cycles, t.dram, "the layer's DRAM transfers");
    p->post_cycles = AddCycles(p->post_cycles, t.post, "the layer's post-processing");
    p->compute_cycles = AddCycles(p->compute_cycles, t.compute, "the layer's compute");
  }
  return total;
}

// A tile's compute side (ComputeTile) depends only on its extents and whether it accumulates.
// Along each dimension every tile has the tiling's extent but perhaps the last, so a layer's
// tiles fall into at most 16 classes (full or last along m, k and n; k0 > 0 or not), each
// computed once and counted.
struct ComputeClass {
  bool known = false;
  detail::TileCompute compute;
  int64_t tiles = 0;
};
int ComputeClassOf(const LayerSchedule& l, const TileStep& t) {
  return (t.mt != l.tiling.m ? 1 : 0) | (t.kt != l.tiling.k ? 2 : 0) |
         (t.nt != l.tiling.n ? 4 : 0) | (t.k0 > 0 ? 8 : 0);
}

// Every group of a layer walks the same tiles (ForEachTile), so one group is walked and its
// counts multiplied by the groups; the A tiles' input footprints are looked up by tile index.
void EvaluateGemm(const LayerSchedule& l, const models::ArchSpec& arch, const DramModel& dram,
                  LayerPerf* p) {
  const int64_t groups = l.gemm.count;
  const int64_t tiles_m = l.TilesM(), tiles_k = l.TilesK();
  std::vector<StageWork> work;  // one group's
  std::array<ComputeClass, 16> classes{};
  models::EventCounts transfers;  // one group's DRAM-side events
  if (groups > 0) {
    work.reserve(static_cast<size_t>(tiles_m * tiles_k * l.TilesN()));
    std::vector<int64_t> footprints(static_cast<size_t>(tiles_m * tiles_k), -1);
    compiler::ForEachTileOfGroup(l, 0, [&](const TileStep& t) {
      ComputeClass& c = classes[static_cast<size_t>(ComputeClassOf(l, t))];
      if (!c.known) {
        c.compute = ComputeTile(l, arch, t.mt, t.kt, t.nt, t.k0 > 0);
        c.known = true;
      }
      ++c.tiles;
      StageWork w;
      w.compute = c.compute.cycles;
      AddTransfersWith(
          l, arch, t,
          [&] {
            int64_t& f =
                footprints[static_cast<size_t>(t.m0 / l.tiling.m * tiles_k + t.k0 / l.tiling.k)];
            if (f < 0) {
              f = compiler::InputFootprint(l, t.m0, t.mt, t.k0, t.kt);
            }
            return f;
          },
          &w, &transfers);
      work.push_back(w);
    });
  }
  for (const ComputeClass& c : classes) {
    const int64_t times = c.tiles * groups;
    p->folds += times * c.compute.folds;
    p->mapped_pe_folds += times * c.compute.mapped_pe_folds;
    p->events.AddCounts(c.compute.events, times);
  }
  p->events.AddCounts(transfers, groups);
  p->tiles = groups * static_cast<int64_t>(work.size());
  p->cycles = RunPipeline(work, groups, arch, dram, p);
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
  p->cycles = RunPipeline(work, 1, arch, dram, p);
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
