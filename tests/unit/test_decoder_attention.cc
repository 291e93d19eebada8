// The attention of the generated decoder blocks (decoder_attention.cc): a batch of B sequences is
// B sequences run alone with each weight read once, prefill is causal, and prefill in query
// chunks skips the masked tiles and gives the unchunked block's output.

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "decoder_test_util.h"
#include "quasar/models/error.h"
#include "quasar/models/net/decoder_block.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"

using namespace quasar::models;
using quasar::InputError;
using quasar::test::Config;
using quasar::test::Macs;
using quasar::test::OutShape;

TEST_CASE("a batch of B sequences is B sequences run alone, its weights read once",
          "[decoder_block]") {
  // Small blocks, so that the float runs take milliseconds.
  const int64_t B = 3, S = 4, L = 5;
  for (DecoderFamily f : {DecoderFamily::kGpt2, DecoderFamily::kLlama}) {
    for (DecoderPhase p : {DecoderPhase::kPrefill, DecoderPhase::kDecode}) {
      INFO(DecoderFamilyName(f) << " " << DecoderPhaseName(p));
      DecoderBlockConfig c = Config(f, p, S, L);
      c.dims.hidden = 32;
      c.dims.heads = 4;
      c.dims.kv_heads = f == DecoderFamily::kLlama ? 2 : 4;
      c.dims.ffn = 48;
      c.dims.vocab = 40;
      c.lm_head = true;
      const NetworkSpec one = DecoderBlock(c);
      c.batch = B;
      const NetworkSpec batch = DecoderBlock(c);
      CHECK(batch.name == DecoderFamilyName(f) + "_" + DecoderPhaseName(p) +
                              (p == DecoderPhase::kPrefill ? "_s4" : "_l5") + "_b3_lm_head");
      // Every MAC B times; every weight once.
      CHECK(batch.TotalMacs() == B * one.TotalMacs());
      // The same layers, and in prefill the head's two reshapes around the last tokens' slice.
      REQUIRE(batch.layers.size() == one.layers.size() + (p == DecoderPhase::kPrefill ? 2 : 0));
      for (const NetLayer& l : one.layers) {
        const NetLayer* lb = batch.FindLayer(l.name);
        REQUIRE(lb != nullptr);
        CHECK(lb->params == l.params);
        CHECK(lb->macs == B * l.macs);
      }
      const int64_t T = c.SequenceTokens();
      CHECK(c.Tokens() == B * T);
      CHECK(batch.inputs[0].shape == Shape{B * T, c.dims.hidden});
      CHECK(OutShape(batch, "lm_head") == Shape{B, c.dims.vocab});
      // The values: sequence b of the batch gives what it gives alone, on every element.
      const FloatNetParams params = MakeFloatParams(one, 1);
      const std::map<std::string, FloatTensor> in = MakeInputs(batch, 1, 0);
      const FloatTensor got =
          RunFloatNetwork(batch, MakeFloatParams(batch, 1), in).at(batch.output);
      REQUIRE(got.shape == Shape{B, c.dims.vocab});
      for (int64_t b = 0; b < B; ++b) {
        std::map<std::string, FloatTensor> alone;
        for (const NetInput& i : one.inputs) {
          const FloatTensor& x = in.at(i.name);
          const int64_t n = NumElements(i.shape);
          // hidden_states holds the sequences' rows in turn; a cache input has a leading B.
          alone[i.name] = FloatTensor(
              i.shape, std::vector<float>(x.data.begin() + b * n, x.data.begin() + (b + 1) * n));
        }
        const FloatTensor want = RunFloatNetwork(one, params, alone).at(one.output);
        REQUIRE(want.shape == Shape{1, c.dims.vocab});
        for (int64_t v = 0; v < c.dims.vocab; ++v) {
          INFO("sequence " << b << ", logit " << v);
          CHECK(got[b * c.dims.vocab + v] == want[v]);
        }
      }
    }
  }
  DecoderBlockConfig c = Config(DecoderFamily::kLlama, DecoderPhase::kPrefill, 16, 0);
  c.batch = 0;
  CHECK_THROWS_WITH(DecoderBlock(c),
                    Catch::Contains("batch must be in 1..") && Catch::Contains("got 0"));
  // The largest batch stays within the format's limits; one more is refused by name, not by the
  // parser's shape check.
  c = Config(DecoderFamily::kLlama, DecoderPhase::kDecode, 0, 4096);
  c.lm_head = true;
  c.batch = MaxBatch(c);
  CHECK(c.batch > 1);
  CHECK_NOTHROW(DecoderBlock(c));
  c.batch += 1;
  CHECK_THROWS_WITH(DecoderBlock(c),
                    Catch::Contains("batch must be in 1.." + std::to_string(c.batch - 1)));
}

TEST_CASE("a prefill block is causal: the first tokens' outputs ignore the later tokens",
          "[decoder_block]") {
  for (DecoderFamily f : {DecoderFamily::kGpt2, DecoderFamily::kLlama}) {
    INFO(DecoderFamilyName(f));
    auto small = [f](int64_t seq) {
      DecoderBlockConfig c = Config(f, DecoderPhase::kPrefill, seq, 0);
      c.dims.hidden = 32;
      c.dims.heads = 4;
      c.dims.kv_heads = f == DecoderFamily::kLlama ? 2 : 4;
      c.dims.ffn = 48;
      return DecoderBlock(c);
    };
    const NetworkSpec full = small(6), head = small(2);
    const NetLayer* probs =
        full.FindLayer(f == DecoderFamily::kLlama ? "self_attn.probs" : "attn.probs");
    REQUIRE(probs != nullptr);
    CHECK(probs->causal);
    CHECK(probs->causal_offset == 0);
    CHECK(probs->causal_period == 6);  // the rows are each query head's 6 tokens in turn
    const std::map<std::string, FloatTensor> in = MakeInputs(full, 1, 0);
    const FloatTensor& x = in.at("hidden_states");
    const FloatTensor y = RunFloatNetwork(full, MakeFloatParams(full, 1), in).at(full.output);
    const FloatTensor first =
        FloatTensor({2, 32}, std::vector<float>(x.data.begin(), x.data.begin() + 2 * 32));
    const FloatTensor y2 =
        RunFloatNetwork(head, MakeFloatParams(head, 1), {{"hidden_states", first}}).at(head.output);
    REQUIRE(y2.shape == Shape{2, 32});
    for (int64_t i = 0; i < 2 * 32; ++i) {
      INFO("element " << i);
      CHECK(y[i] == y2[i]);
    }
  }
}

TEST_CASE("prefill in query chunks skips the masked tiles and gives the same output",
          "[decoder_block]") {
  const int64_t S = 8, C = 4, Tc = S / C;
  for (DecoderFamily f : {DecoderFamily::kGpt2, DecoderFamily::kLlama}) {
    for (int64_t batch : {1, 2}) {
      INFO(DecoderFamilyName(f) << ", batch " << batch);
      DecoderBlockConfig c = Config(f, DecoderPhase::kPrefill, S, 0);
      c.dims.hidden = 32;
      c.dims.heads = 4;
      c.dims.kv_heads = f == DecoderFamily::kLlama ? 2 : 4;
      c.dims.ffn = 48;
      c.batch = batch;
      const NetworkSpec whole = DecoderBlock(c);
      c.query_chunks = C;
      const NetworkSpec chunked = DecoderBlock(c);
      const std::string attn = f == DecoderFamily::kLlama ? "self_attn." : "attn.";
      // Chunk i's scores: each head's Tc queries over (i + 1) Tc positions, d-long dot products;
      // its context the same MACs. In all, heads * d * Tc^2 * C (C + 1) / 2 for each, against
      // heads * d * S^2 unchunked.
      const int64_t heads = c.dims.heads, d = c.dims.HeadDim();
      int64_t scores = 0;
      for (int64_t i = 0; i < C; ++i) {
        const std::string chunk = attn + "chunk" + std::to_string(i) + ".";
        CHECK(Macs(chunked, chunk + "scores") == batch * heads * Tc * (i + 1) * Tc * d);
        CHECK(Macs(chunked, chunk + "context") == batch * heads * Tc * (i + 1) * Tc * d);
        scores += Macs(chunked, chunk + "scores");
        CHECK(chunked.FindLayer(chunk + "probs")->causal_offset == i * Tc);
        CHECK(chunked.FindLayer(chunk + "probs")->causal_period == Tc);
      }
      CHECK(scores == batch * heads * d * Tc * Tc * C * (C + 1) / 2);
      CHECK(Macs(whole, attn + "scores") == batch * heads * d * S * S);
      CHECK(whole.TotalMacs() - chunked.TotalMacs() == 2 * (batch * heads * d * S * S - scores));
      CHECK(OutShape(chunked, attn + "context_heads") == OutShape(whole, attn + "context_heads"));
      // The same output on every element: the skipped tiles are those the mask zeroes.
      const std::map<std::string, FloatTensor> in = MakeInputs(whole, 1, 0);
      const FloatTensor a = RunFloatNetwork(whole, MakeFloatParams(whole, 1), in).at(whole.output);
      const FloatTensor b =
          RunFloatNetwork(chunked, MakeFloatParams(chunked, 1), in).at(chunked.output);
      REQUIRE(a.shape == b.shape);
      for (int64_t i = 0; i < a.size(); ++i) {
        INFO("element " << i);
        CHECK(a[i] == b[i]);
      }
    }
  }
  DecoderBlockConfig c = Config(DecoderFamily::kGpt2, DecoderPhase::kPrefill, 10, 0);
  c.query_chunks = 4;
  CHECK_THROWS_WITH(DecoderBlock(c),
                    Catch::Contains("query_chunks must divide seq 10") && Catch::Contains("got 4"));
  c = Config(DecoderFamily::kGpt2, DecoderPhase::kDecode, 0, 16);
  c.query_chunks = 2;
  CHECK_THROWS_WITH(DecoderBlock(c), Catch::Contains("query_chunks"));
}
