#pragma once
// The figures of a decoder block run in one phase (docs/llm.md), from the run's own cycles and
// energy: time to first token, tokens/s, joules per token and the DRAM-bound fraction.

#include <cstdint>

#include "quasar/sim/core/perf.h"

namespace quasar::sim {

struct LlmMetrics {
  bool decode = false;
  int64_t tokens = 0;                // new tokens the run produces K/V for: S, or 1 in decode
  double time_to_first_token_s = 0;  // prefill: the block's latency (cycles / clock); decode: 0
  double tokens_per_s = 0;           // tokens / latency (decode: 1 / latency = clock / cycles)
  double joules_per_token = 0;       // energy / tokens
  int64_t dram_bound_cycles = 0;     // cycles of the layers whose DRAM time exceeds their
                                     // compute and post-processing time
  double dram_bound_fraction = 0;    // dram_bound_cycles / cycles
};

// A layer is DRAM-bound when its DRAM-busy cycles exceed both its array cycles and its
// post-processing cycles (LayerPerf::dram_cycles > max(compute_cycles, post_cycles)).
bool DramBound(const LayerPerf& l);

// The metrics of `perf` for a block that makes `tokens` new tokens (decode: 1) at `clock_hz`.
// Zeros when the run is infeasible or has no cycles.
LlmMetrics ComputeLlmMetrics(const NetworkPerf& perf, bool decode, int64_t tokens, double clock_hz);

}  // namespace quasar::sim
