#pragma once
// The figures of a decoder block run in one phase (docs/llm.md), from the run's own cycles and
// energy: time to first token, tokens/s, joules per token and the DRAM-bound fraction; for a
// model of `blocks` such blocks run one after another, each figure of the whole stack.

#include <cstdint>

#include "quasar/sim/core/perf.h"

namespace quasar::sim {

struct LlmMetrics {
  bool ok = false;  // the run is feasible and has cycles: the figures below are set
  bool decode = false;
  int64_t tokens = 0;                // new tokens the run produces K/V for: S, or 1 in decode
  int64_t blocks = 1;                // the model's decoder blocks, the run's block each
  double time_to_first_token_s = 0;  // prefill: blocks x the block's latency (cycles / clock);
                                     // decode: 0
  double tokens_per_s = 0;           // tokens / (blocks x latency) (decode, one block: clock /
                                     // cycles)
  double joules_per_token = 0;       // blocks x energy / tokens
  int64_t dram_bound_cycles = 0;     // one block's cycles in layers whose DRAM time exceeds
                                     // their compute and post-processing time
  double dram_bound_fraction = 0;    // of the block's cycles: the same for N blocks
};

// A layer is DRAM-bound when its DRAM-busy cycles exceed both its array cycles and its
// post-processing cycles (LayerPerf::dram_cycles > max(compute_cycles, post_cycles)).
bool DramBound(const LayerPerf& l);

// The metrics of a model of `blocks` blocks, each the run `perf` of a block that makes `tokens`
// new tokens (decode: 1) at `clock_hz`, one after another: the blocks of a decoder have the same
// shapes, and each waits for the one before. The embedding and the LM head are not included.
// `ok` false, and zeros but `decode`, `tokens` and `blocks`, when the run is infeasible or has
// no cycles: the reports print no figure then.
LlmMetrics ComputeLlmMetrics(const NetworkPerf& perf, bool decode, int64_t tokens, double clock_hz,
                             int64_t blocks);

}  // namespace quasar::sim
