#include "quasar/sim/core/llm_metrics.h"

#include <algorithm>

namespace quasar::sim {

bool DramBound(const LayerPerf& l) {
  return l.dram_cycles > std::max(l.compute_cycles, l.post_cycles);
}

LlmMetrics ComputeLlmMetrics(const NetworkPerf& perf, bool decode, int64_t tokens, double clock_hz,
                             int64_t blocks, const std::vector<std::string>& end_layers) {
  LlmMetrics m;
  m.decode = decode;
  m.tokens = tokens;
  m.blocks = blocks;
  m.model_end = !end_layers.empty();
  if (!perf.ok() || perf.cycles <= 0 || tokens <= 0 || clock_hz <= 0 || blocks <= 0) {
    return m;
  }
  m.ok = true;
  double end_energy = 0;
  int64_t end_dram_bound = 0;
  for (const LayerPerf& l : perf.layers) {
    const bool bound = DramBound(l);
    m.dram_bound_cycles += bound ? l.cycles : 0;
    if (std::find(end_layers.begin(), end_layers.end(), l.name) != end_layers.end()) {
      m.end_cycles += l.cycles;
      end_energy += l.energy.Total();
      end_dram_bound += bound ? l.cycles : 0;
    }
  }
  // The blocks' layers count N times, the end's once.
  const double n = static_cast<double>(blocks);
  const double model_cycles =
      n * static_cast<double>(perf.cycles - m.end_cycles) + static_cast<double>(m.end_cycles);
  const double latency = model_cycles / clock_hz;
  m.time_to_first_token_s = decode ? 0.0 : latency;
  m.tokens_per_s = static_cast<double>(tokens) / latency;
  m.joules_per_token =
      (n * (perf.energy.Total() - end_energy) + end_energy) * 1e-12 / static_cast<double>(tokens);
  m.dram_bound_fraction = (n * static_cast<double>(m.dram_bound_cycles - end_dram_bound) +
                           static_cast<double>(end_dram_bound)) /
                          model_cycles;
  return m;
}

LlmMetrics ComputeLlmMetrics(const NetworkPerf& perf, const models::DecoderBlockConfig& block,
                             double clock_hz) {
  return ComputeLlmMetrics(perf, block.phase == models::DecoderPhase::kDecode, block.Tokens(),
                           clock_hz, block.blocks, models::DecoderEndLayers(block));
}

}  // namespace quasar::sim
