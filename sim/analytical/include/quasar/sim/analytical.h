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
//     where D_s is the DRAM time of the step (its loads and stores share one channel,
//     DramCycles in schedule.h: latency when it reads, then bytes / bandwidth, rounded up),
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

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/cost/events.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::sim {

struct LayerPerf {
  std::string name, op, kind;  // kind: gemm | post | view
  std::string status;          // empty when the layer ran
  int64_t cycles = 0;          // wall clock of the layer
  int64_t compute_cycles = 0;  // the array busy: sum of the tiles' cycles (folds, os drain)
  int64_t stall_cycles = 0;    // cycles - compute_cycles
  int64_t dram_cycles = 0;     // sum of the steps' DRAM times (busy, overlapped or not)
  int64_t post_cycles = 0;     // sum of the post-processing times
  int64_t tiles = 0, folds = 0;
  int64_t mapped_pe_folds = 0;  // for mapping efficiency
  int64_t pack = 1;
  double utilization = 0;          // MACs / (cycles * PEs * pack)
  double mapping_efficiency = 0;   // mapped PEs / (folds * PEs)
  models::EventCounts events;      // MACs, SRAM accesses, DRAM bytes, post ops, cycles
  models::EnergyBreakdown energy;  // pJ
  int required_acc_bits = 0;
  bool acc_too_narrow = false;

  bool ok() const { return status.empty(); }
};

struct NetworkPerf {
  std::string network, arch, status;  // status: empty, or the first infeasible layer's reason
  std::vector<LayerPerf> layers;
  int64_t cycles = 0, compute_cycles = 0, stall_cycles = 0;
  int64_t macs = 0;
  int64_t dram_read_bytes = 0, dram_write_bytes = 0;
  double latency_s = 0;
  double inferences_per_s = 0;
  double effective_tops = 0;       // 2 * MACs / latency (one MAC = two operations)
  double peak_tops = 0;            // 2 * PEs * products/cycle * clock at the network's widest layer
  double utilization = 0;          // MACs / (cycles * PEs * pack), pack per layer
  models::EnergyBreakdown energy;  // pJ per inference
  models::AreaBreakdown area;      // µm²
  double tops_per_watt = 0;        // 2 * MACs / energy (ops per pJ = TOPS/W)
  int acc_too_narrow_layers = 0;

  bool ok() const { return status.empty(); }
};

// A layer's report before any backend has run it: names, kind, status, pack, accumulator
// check and the widths its events are priced at.
LayerPerf NewLayerPerf(const compiler::LayerSchedule& layer);
// The figures derived from a layer's counted cycles and events: stall cycles, events.cycles,
// utilization and mapping efficiency.
void FinishLayerPerf(const models::ArchSpec& arch, LayerPerf* perf);

// Timing and events of one layer under its schedule (no energy). A layer whose status is set,
// or whose tiling does not fit, comes back with a status and zero counts.
LayerPerf EvaluateLayer(const compiler::LayerSchedule& layer, const models::ArchSpec& arch);

// The whole network: EvaluateLayer for every layer, priced with `table`, summed.
NetworkPerf EvaluateSchedule(const compiler::Schedule& schedule, const models::ArchSpec& arch,
                             const models::CostTable& table);

// Prices `layers` (from any backend) with `table` and sums them into a network report.
NetworkPerf Summarize(const std::string& network, const models::ArchSpec& arch,
                      const models::CostTable& table, std::vector<LayerPerf> layers);

// The mapper's price of a layer for `objective` (cycles, pJ, or cycles x pJ); +infinity when the
// layer cannot run with its tiling.
double LayerCost(const compiler::LayerSchedule& layer, const models::ArchSpec& arch,
                 const models::CostTable& table, const models::AreaBreakdown& area,
                 compiler::Objective objective);

// Compiles `net` for `arch` with the analytical model as the mapper's price.
compiler::Schedule Compile(const models::NetworkSpec& net, const models::ArchSpec& arch,
                           const models::CostTable& table, compiler::Objective objective);

}  // namespace quasar::sim
