#pragma once
// The figures of a decoder block run in one phase (docs/llm.md), from the run's own cycles and
// energy: time to first token, tokens/s, joules per token and the DRAM-bound fraction; for a
// model of `blocks` such blocks run one after another, each figure of the whole stack, with the
// model's end (final norm and LM head) once after them when the run holds it.

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/models/net/decoder_block.h"
#include "quasar/sim/core/perf.h"

namespace quasar::sim {

struct LlmMetrics {
  bool ok = false;  // the run is feasible and has cycles: the figures below are set
  bool decode = false;
  int64_t tokens = 0;                // new tokens the run produces K/V for: B x S, or B in decode
  int64_t blocks = 1;                // the model's decoder blocks, the run's block each
  bool model_end = false;            // the run holds the model's end, counted once
  int64_t end_cycles = 0;            // the model end's cycles (0 without it)
  double time_to_first_token_s = 0;  // prefill: the model's latency, (blocks x the block's
                                     // cycles + the end's cycles) / clock; decode: 0
  double tokens_per_s = 0;           // tokens / the model's latency (decode, one block, no end:
                                     // clock / cycles)
  double joules_per_token = 0;       // (blocks x the block's energy + the end's) / tokens
  int64_t dram_bound_cycles = 0;     // the run's cycles (one block and the end) in layers whose
                                     // DRAM time exceeds their compute and post-processing time
  double dram_bound_fraction = 0;    // of the model's cycles: the same for N blocks without an
                                     // end
};

// A layer is DRAM-bound when its DRAM-busy cycles exceed both its array cycles and its
// post-processing cycles (LayerPerf::dram_cycles > max(compute_cycles, post_cycles)).
bool DramBound(const LayerPerf& l);

// The metrics of a model of `blocks` blocks, each the run `perf` of a block that makes `tokens`
// new tokens (B x S; decode: B) at `clock_hz`, one after another: the blocks of a decoder have the
// same shapes, and each waits for the one before. The layers named in `end_layers` (the model's
// end) run once, after the blocks; every other layer once per block. `ok` false, and zeros but
// `decode`, `tokens`, `blocks` and `model_end`, when the run is infeasible or has no cycles: the
// reports print no figure then.
LlmMetrics ComputeLlmMetrics(const NetworkPerf& perf, bool decode, int64_t tokens, double clock_hz,
                             int64_t blocks, const std::vector<std::string>& end_layers = {});
// The same for the run of the generated block `block` (its phase, new tokens, blocks and, with
// lm_head, DecoderEndLayers): the one call of every report.
LlmMetrics ComputeLlmMetrics(const NetworkPerf& perf, const models::DecoderBlockConfig& block,
                             double clock_hz);

}  // namespace quasar::sim
