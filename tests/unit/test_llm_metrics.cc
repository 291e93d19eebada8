// The LLM figures of a run (sim/core/llm_metrics.h) against their definitions: time to first
// token, tokens/s, J/token and the DRAM-bound share for one block and N, the model's end counted
// once, and the overload that reads a generated block's configuration.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "quasar/models/net/decoder_block.h"
#include "quasar/sim/core/llm_metrics.h"

using namespace quasar::models;

TEST_CASE("LLM figures follow from the run's cycles and energy", "[decoder_block]") {
  using quasar::sim::LayerPerf;
  using quasar::sim::NetworkPerf;
  NetworkPerf perf;
  LayerPerf a, b, c;
  a.cycles = 600;  // compute-bound
  a.compute_cycles = 500;
  a.dram_cycles = 400;
  b.cycles = 300;  // DRAM-bound GEMM
  b.compute_cycles = 100;
  b.dram_cycles = 250;
  c.cycles = 100;  // a post layer waiting on DRAM
  c.post_cycles = 40;
  c.dram_cycles = 90;
  perf.layers = {a, b, c};
  perf.cycles = 1000;
  perf.energy.mac = 3e6;  // pJ
  const double clock = 1e9;
  const auto decode = quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 1);
  CHECK(decode.tokens_per_s == Approx(1e9 / 1000.0));
  CHECK(decode.time_to_first_token_s == 0);
  CHECK(decode.joules_per_token == Approx(3e-6));
  CHECK(decode.dram_bound_cycles == 400);
  CHECK(decode.dram_bound_fraction == Approx(0.4));
  const auto prefill = quasar::sim::ComputeLlmMetrics(perf, false, 16, clock, 1);
  CHECK(prefill.time_to_first_token_s == Approx(1e-6));
  CHECK(prefill.tokens_per_s == Approx(16 / 1e-6));
  CHECK(prefill.joules_per_token == Approx(3e-6 / 16));
  // 32 blocks one after another: 32 times the time and the energy, the same DRAM-bound share.
  const auto model = quasar::sim::ComputeLlmMetrics(perf, false, 16, clock, 32);
  CHECK(model.blocks == 32);
  CHECK(model.time_to_first_token_s == Approx(32e-6));
  CHECK(model.tokens_per_s == Approx(16 / 32e-6));
  CHECK(model.joules_per_token == Approx(32 * 3e-6 / 16));
  CHECK(model.dram_bound_cycles == 400);  // one block's, beside its cycles
  CHECK(model.dram_bound_fraction == Approx(0.4));
  const auto model_decode = quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 12);
  CHECK(model_decode.tokens_per_s == Approx(1e9 / 12000.0));
  CHECK(model_decode.time_to_first_token_s == 0);
  CHECK(model_decode.joules_per_token == Approx(12 * 3e-6));
  CHECK(model.ok);
  CHECK_FALSE(quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 0).ok);
  CHECK(quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 0).tokens_per_s == 0);
  perf.status = "infeasible";
  CHECK_FALSE(quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 1).ok);
  CHECK(quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 1).tokens_per_s == 0);
}

TEST_CASE("LLM figures count the model's end once, the block once per block", "[decoder_block]") {
  using quasar::sim::LayerPerf;
  using quasar::sim::NetworkPerf;
  NetworkPerf perf;
  LayerPerf a, b, head;
  a.name = "mlp.down_proj";  // compute-bound
  a.cycles = 600;
  a.compute_cycles = 500;
  a.dram_cycles = 400;
  a.energy.mac = 2e6;       // pJ
  b.name = "mlp_residual";  // DRAM-bound
  b.cycles = 300;
  b.post_cycles = 100;
  b.dram_cycles = 250;
  b.energy.dram = 0.5e6;
  head.name = "lm_head";  // DRAM-bound: the vocabulary's weights
  head.cycles = 100;
  head.compute_cycles = 10;
  head.dram_cycles = 90;
  head.energy.dram = 1e6;
  perf.layers = {a, b, head};
  perf.cycles = 1000;
  perf.energy.mac = 2e6;
  perf.energy.dram = 1.5e6;
  const double clock = 1e9;
  const std::vector<std::string> end = {"lm_head"};
  const auto m = quasar::sim::ComputeLlmMetrics(perf, false, 16, clock, 32, end);
  REQUIRE(m.ok);
  CHECK(m.model_end);
  CHECK(m.end_cycles == 100);
  const double model_cycles = 32 * 900 + 100;
  CHECK(m.time_to_first_token_s == Approx(model_cycles / clock));
  CHECK(m.tokens_per_s == Approx(16 * clock / model_cycles));
  CHECK(m.joules_per_token == Approx((32 * 2.5e6 + 1e6) * 1e-12 / 16));
  CHECK(m.dram_bound_cycles == 400);  // the run's: the block's 300 and the head's 100
  CHECK(m.dram_bound_fraction == Approx((32 * 300 + 100) / model_cycles));
  const auto decode = quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 12, end);
  CHECK(decode.tokens_per_s == Approx(clock / (12 * 900 + 100)));
  CHECK(decode.time_to_first_token_s == 0);
  // One block and the end: the run itself.
  const auto one = quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 1, end);
  CHECK(one.tokens_per_s == Approx(clock / 1000));
  CHECK(one.joules_per_token == Approx(3.5e-6));
  CHECK(one.dram_bound_fraction == Approx(0.4));
  // A name the run lacks counts nothing; without the end every layer is the block's.
  const auto none = quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 12, {"no_such_layer"});
  CHECK(none.end_cycles == 0);
  CHECK(none.tokens_per_s == Approx(clock / 12000));
  CHECK_FALSE(quasar::sim::ComputeLlmMetrics(perf, true, 1, clock, 12).model_end);
  // The overload for a generated block reads the phase, tokens, blocks and end from it.
  DecoderBlockConfig c;
  c.family = DecoderFamily::kLlama;
  c.phase = DecoderPhase::kPrefill;
  c.seq = 16;
  c.dims = DefaultDecoderDims(DecoderFamily::kLlama);
  c.blocks = 32;
  c.lm_head = true;
  const auto from_block = quasar::sim::ComputeLlmMetrics(perf, c, clock);
  CHECK(from_block.tokens_per_s == m.tokens_per_s);
  CHECK(from_block.joules_per_token == m.joules_per_token);
  c.lm_head = false;
  CHECK(quasar::sim::ComputeLlmMetrics(perf, c, clock).tokens_per_s == Approx(16 * clock / 32000));
}
