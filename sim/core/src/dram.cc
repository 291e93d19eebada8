#include "quasar/sim/core/dram.h"

#include <algorithm>
#include <cmath>

namespace quasar::sim {

int64_t LatencyBandwidthDram::StepCycles(int64_t load_bytes, int64_t store_bytes) const {
  const int64_t bytes = load_bytes + store_bytes;
  if (bytes == 0) {
    return 0;
  }
  const auto transfer =
      static_cast<int64_t>(std::ceil(static_cast<double>(bytes) / spec_.bytes_per_cycle));
  return (load_bytes > 0 ? spec_.latency_cycles : 0) + transfer;
}

int64_t LatencyBandwidthDram::MinCycles(int64_t load_steps, int64_t load_bytes,
                                        int64_t store_bytes) const {
  const double transfer =
      std::floor(static_cast<double>(load_bytes + store_bytes) / spec_.bytes_per_cycle) - 1;
  return load_steps * spec_.latency_cycles + std::max<int64_t>(0, static_cast<int64_t>(transfer));
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
