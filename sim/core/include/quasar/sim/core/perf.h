#pragma once
// What every backend reports: the timing, events and energy of each layer, and the network
// totals (docs/run-output.md describes every field). A backend fills a layer's counted fields
// (cycles, stages, tiles, folds, events) between NewLayerPerf and FinishLayerPerf; Summarize
// prices the layers with a cost table and sums them. One definition for all backends, so their
// reports compare field by field.

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/cost/events.h"
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

// Prices `layers` (from any backend) with `table` and sums them into a network report.
NetworkPerf Summarize(const std::string& network, const models::ArchSpec& arch,
                      const models::CostTable& table, std::vector<LayerPerf> layers);

}  // namespace quasar::sim
