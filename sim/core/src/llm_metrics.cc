#include "quasar/sim/core/llm_metrics.h"

#include <algorithm>

namespace quasar::sim {

bool DramBound(const LayerPerf& l) {
  return l.dram_cycles > std::max(l.compute_cycles, l.post_cycles);
}

LlmMetrics ComputeLlmMetrics(const NetworkPerf& perf, bool decode, int64_t tokens, double clock_hz,
                             int64_t blocks) {
  LlmMetrics m;
  m.decode = decode;
  m.tokens = tokens;
  m.blocks = blocks;
  if (!perf.ok() || perf.cycles <= 0 || tokens <= 0 || clock_hz <= 0 || blocks <= 0) {
    return m;
  }
  m.ok = true;
  const double n = static_cast<double>(blocks);
  const double latency = n * static_cast<double>(perf.cycles) / clock_hz;
  m.time_to_first_token_s = decode ? 0.0 : latency;
  m.tokens_per_s = static_cast<double>(tokens) / latency;
  m.joules_per_token = n * perf.energy.Total() * 1e-12 / static_cast<double>(tokens);
  for (const LayerPerf& l : perf.layers) {
    if (DramBound(l)) {
      m.dram_bound_cycles += l.cycles;
    }
  }
  m.dram_bound_fraction =
      static_cast<double>(m.dram_bound_cycles) / static_cast<double>(perf.cycles);
  return m;
}

}  // namespace quasar::sim
