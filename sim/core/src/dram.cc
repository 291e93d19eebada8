#include "quasar/sim/core/dram.h"

#include <algorithm>
#include <cmath>

#include "quasar/sim/core/cycle_count.h"

namespace quasar::sim {

int64_t LatencyBandwidthDram::StepCycles(int64_t load_bytes, int64_t store_bytes) const {
  const int64_t bytes = load_bytes + store_bytes;
  if (bytes == 0) {
    return 0;
  }
  const int64_t transfer = CyclesAtRate(bytes, spec_.bytes_per_cycle, "bytes", "dram.bytes_per_cycle");
  return AddCycles(load_bytes > 0 ? spec_.latency_cycles : 0, transfer, "a DRAM transfer");
}

int64_t LatencyBandwidthDram::MinCycles(int64_t load_steps, int64_t load_bytes,
                                        int64_t store_bytes) const {
  // A lower bound may be low: past the exact range it stops growing rather than overflow.
  const double latency = static_cast<double>(load_steps) * static_cast<double>(spec_.latency_cycles);
  const double transfer =
      std::floor(static_cast<double>(load_bytes + store_bytes) / spec_.bytes_per_cycle) - 1;
  return static_cast<int64_t>(
      std::clamp(latency + std::max(0.0, transfer), 0.0, static_cast<double>(kMaxCycles)));
}

const std::vector<DramModelInfo>& DramModels() {
  static const std::vector<DramModelInfo> models = {
      {"latency_bandwidth",
       "one channel: latency per step that reads, bandwidth shared by reads and writes",
       [](const models::DramSpec& s) { return std::make_unique<LatencyBandwidthDram>(s); }},
  };
  return models;
}

std::unique_ptr<DramModel> MakeDramModel(const models::DramSpec& spec) {
  return DramModels().front().make(spec);
}

}  // namespace quasar::sim
