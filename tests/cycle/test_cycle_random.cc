// Seeded random configurations: array shape, dataflow, MAC (scaling, XNOR lanes, accumulator
// width and overflow mode), buffer sizes, words and double buffering, DRAM bandwidth and
// latency, post-processing rate, precision and network, each run through the whole flow and
// checked layer by layer (CheckFlow). A failure names the configuration and its seed.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cycle_test_util.h"
#include "quasar/compiler/mapper.h"

namespace quasar::test {
namespace {

struct RandomPrecision {
  const char* bits;
  std::optional<int> first_last_bits;
};

}  // namespace

TEST_CASE("Random accelerators precisions and networks", "[random]") {
  const RandomPrecision precisions[] = {{"w8a8", std::nullopt},
                                        {"w4a4", std::nullopt},
                                        {"w2a2", std::nullopt},
                                        {"w1a1", std::nullopt},
                                        {"wta8", std::nullopt},
                                        {"w4a8", std::nullopt},
                                        {"w2a4", 8},
                                        {"w1a1", 8},
                                        {"w3a5", std::nullopt},
                                        {"wta4", 8}};
  const char* const networks[] = {kConvNetYaml, kAttentionNetYaml, kOverflowNetYaml,
                                  kTinyLenetYaml};
  const models::Dataflow dataflows[] = {models::Dataflow::kOutputStationary,
                                        models::Dataflow::kWeightStationary,
                                        models::Dataflow::kInputStationary};
  const int lanes[] = {0, 0, 1, 3, 8, 16, 64, 5};
  const int64_t words[] = {1, 2, 4, 8, 16, 64};
  const double bandwidths[] = {0.5, 1, 3, 16, 64};
  const double post_rates[] = {0.5, 1, 2.5, 3, 32};
  const int acc_bits[] = {32, 32, 24, 16, 12, 10, 8, 64};
  // QUASAR_CYCLE_RANDOM_CONFIGS=N runs N configurations instead (a longer search).
  uint64_t configs = 1000;
  if (const char* env = std::getenv("QUASAR_CYCLE_RANDOM_CONFIGS"); env != nullptr && *env) {
    configs = std::stoull(env);
  }
  int64_t overflowing = 0;
  for (uint64_t seed = 1; seed <= configs; ++seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&rng](auto& choices) -> const auto& {
      return choices[rng() % std::size(choices)];
    };
    const RandomPrecision& p = pick(precisions);
    models::ArchSpec arch = SmallArch(1 + static_cast<int64_t>(rng() % 9),
                                      1 + static_cast<int64_t>(rng() % 9), pick(dataflows));
    arch.mac.scaling =
        rng() % 3 == 0 ? models::PrecisionScaling::kNone : models::PrecisionScaling::kBitFusion;
    arch.mac.binary_lanes = pick(lanes);
    arch.mac.accumulator = {pick(acc_bits), rng() % 2 == 0 ? models::OverflowMode::kWrap
                                                           : models::OverflowMode::kSaturate};
    for (models::BufferSpec* b : {&arch.input, &arch.weight, &arch.output}) {
      b->kib = 1 + static_cast<int64_t>(rng() % 3);
      b->word_bytes = pick(words);
      b->double_buffered = rng() % 4 != 0;
    }
    arch.dram.bytes_per_cycle = pick(bandwidths);
    arch.dram.latency_cycles = static_cast<int64_t>(rng() % 300);
    arch.post_elements_per_cycle = pick(post_rates);
    const models::NetworkSpec net = LoadTestNetwork(pick(networks), p.bits, p.first_last_bits);
    INFO("seed " << seed << ": " << net.name << " at " << p.bits
                 << (p.first_last_bits ? " first/last 8" : "") << " on " << Describe(arch));
    // Half of the configurations re-tile every weighted layer at random (extents that fit the
    // buffers, any loop order), as a schedule file may.
    FlowOptions o;
    const uint64_t tiling_seed = rng() % 2 == 0 ? 0 : rng();
    if (tiling_seed != 0) {
      o.edit_schedule = [&arch, tiling_seed](compiler::Schedule* s) {
        std::mt19937_64 r(tiling_seed);
        for (compiler::LayerSchedule& l : s->layers) {
          if (l.kind != compiler::LayerKind::kGemm) {
            continue;
          }
          for (int attempt = 0; attempt < 20; ++attempt) {
            compiler::Tiling t;
            t.m = 1 + static_cast<int64_t>(r() % static_cast<uint64_t>(l.gemm.m));
            t.k = 1 + static_cast<int64_t>(r() % static_cast<uint64_t>(l.gemm.k));
            t.n = 1 + static_cast<int64_t>(r() % static_cast<uint64_t>(l.gemm.n));
            if (std::getenv("QUASAR_CYCLE_RANDOM_UNALIGNED") == nullptr) {
              t.k = std::min(l.gemm.k, compiler::CeilDiv(t.k, l.pack) * l.pack);
            }
            t.order = compiler::kAllLoopOrders[r() % 6];
            if (compiler::TilingFits(l, t, arch)) {
              l.tiling = t;
              break;
            }
          }
        }
      };
    }
    const Flow f = RunFlow(net, arch, o);
    CheckFlow(f);
    overflowing += f.golden.overflow_events > 0 ? 1 : 0;
  }
  CHECK(overflowing > 0);
}

}  // namespace quasar::test
