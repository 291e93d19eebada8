// The generated decoder blocks (decoder_block.h): they parse, every GEMM's MACs equal the
// closed-form count of a transformer block, grouped-query attention has the folded shapes, decode
// grows linearly in the cache length, decode reads the KV cache in place (no post-unit copy), and
// the KV cache keeps its own precision; the model's end (final norm and LM head) follows the block
// unchanged. The attention's batches, causal mask and query chunks are in
// test_decoder_attention.cc, the LLM figures of a run in test_llm_metrics.cc.

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

TEST_CASE("gpt2 prefill block: projections and attention MACs in closed form", "[decoder_block]") {
  const int64_t S = 16, hidden = 768, heads = 12, d = 64, ffn = 3072;
  const NetworkSpec net = DecoderBlock(Config(DecoderFamily::kGpt2, DecoderPhase::kPrefill, S, 0));
  CHECK(net.inputs.size() == 1);
  CHECK(net.inputs[0].shape == Shape{S, hidden});
  // A fully connected layer of [S, in] -> [S, out]: S * in * out MACs.
  for (const char* proj : {"attn.q_proj", "attn.k_proj", "attn.v_proj", "attn.c_proj"}) {
    CHECK(Macs(net, proj) == S * hidden * hidden);
  }
  CHECK(Macs(net, "mlp.c_fc") == S * hidden * ffn);
  CHECK(Macs(net, "mlp.c_proj") == S * ffn * hidden);
  // Scores: every head, every query token, every key position, a d-long dot product.
  CHECK(Macs(net, "attn.scores") == heads * S * S * d);
  CHECK(Macs(net, "attn.context") == heads * S * S * d);
  CHECK(OutShape(net, "attn.scores") == Shape{heads, S, S});
  CHECK(OutShape(net, "mlp_residual") == Shape{S, hidden});
  // LayerNorm as RMSNorm of the centred input.
  CHECK(net.FindLayer("ln_1")->op == NetOp::kRmsNorm);
  CHECK(net.FindLayer("ln_1")->inputs == std::vector<std::string>{"ln_1.centered"});
  CHECK(net.FindLayer("ln_1.centered")->inputs ==
        std::vector<std::string>{"hidden_states", "ln_1.mean"});
  // The block's MACs: four projections, the FFN and the two attention matmuls.
  CHECK(net.TotalMacs() == 4 * S * hidden * hidden + 2 * S * hidden * ffn + 2 * heads * S * S * d);
}

TEST_CASE("llama decode block: GQA folds the query group into M", "[decoder_block]") {
  const int64_t L = 100, hidden = 4096, heads = 32, kv = 8, d = 128, ffn = 14336;
  const int64_t g = heads / kv;
  const NetworkSpec net = DecoderBlock(Config(DecoderFamily::kLlama, DecoderPhase::kDecode, 0, L));
  REQUIRE(net.inputs.size() == 3);
  CHECK(net.inputs[0].shape == Shape{1, hidden});
  CHECK(net.inputs[1].name == "past_key");
  CHECK(net.inputs[1].shape == Shape{kv, d, L});
  CHECK(net.inputs[2].name == "past_value");
  CHECK(net.inputs[2].shape == Shape{kv, L, d});
  CHECK(OutShape(net, "self_attn.query_groups") == Shape{kv, g, d});
  // The attention is split at the cache: the cache's L positions, read in place, and the new
  // token's; the scores over L + 1 positions are joined, the two contexts added.
  CHECK(net.FindLayer("self_attn.scores_past")->inputs ==
        std::vector<std::string>{"self_attn.query_groups", "past_key"});
  CHECK(net.FindLayer("self_attn.scores_new")->inputs ==
        std::vector<std::string>{"self_attn.query_groups", "self_attn.key_kt"});
  CHECK(net.FindLayer("self_attn.context_past")->inputs ==
        std::vector<std::string>{"self_attn.probs_past", "past_value"});
  CHECK(net.FindLayer("self_attn.context_new")->inputs ==
        std::vector<std::string>{"self_attn.probs_new", "self_attn.value_t"});
  CHECK(OutShape(net, "self_attn.scores_past") == Shape{kv, g, L});
  CHECK(OutShape(net, "self_attn.scores_new") == Shape{kv, g, 1});
  CHECK(OutShape(net, "self_attn.probs_past") == Shape{kv, g, L});
  CHECK(OutShape(net, "self_attn.probs_new") == Shape{kv, g, 1});
  CHECK(OutShape(net, "self_attn.scores") == Shape{kv, g, L + 1});
  CHECK(OutShape(net, "self_attn.context") == Shape{kv, g, d});
  CHECK(Macs(net, "self_attn.scores_past") + Macs(net, "self_attn.scores_new") ==
        heads * (L + 1) * d);
  CHECK(Macs(net, "self_attn.context_past") + Macs(net, "self_attn.context_new") ==
        heads * (L + 1) * d);
  CHECK(Macs(net, "self_attn.q_proj") == hidden * heads * d);
  CHECK(Macs(net, "self_attn.k_proj") == hidden * kv * d);
  CHECK(Macs(net, "self_attn.v_proj") == hidden * kv * d);
  CHECK(Macs(net, "self_attn.o_proj") == hidden * hidden);
  CHECK(Macs(net, "mlp.gate_proj") == hidden * ffn);
  CHECK(Macs(net, "mlp.up_proj") == hidden * ffn);
  CHECK(Macs(net, "mlp.down_proj") == ffn * hidden);
  // Rotary positions continue after the cache: the new token is at position L.
  REQUIRE(net.FindLayer("self_attn.query_rope") != nullptr);
  CHECK(net.FindLayer("self_attn.query_rope")->op == NetOp::kRotaryEmbedding);
  CHECK(net.FindLayer("self_attn.query_rope")->rope_offset == L);
  CHECK(net.FindLayer("self_attn.key_rope")->rope_offset == L);
  CHECK(net.FindLayer("self_attn.key_rope")->rope_base == 500000.0);
  CHECK(OutShape(net, "self_attn.key_rope") == Shape{kv, 1, d});
  CHECK(net.FindLayer("input_layernorm")->op == NetOp::kRmsNorm);
  // No biases in Llama's projections: parameters are the weights only.
  CHECK(net.FindLayer("self_attn.q_proj")->params == hidden * hidden);
  // The block's MACs: four projections (K and V of kv * d outputs), the FFN's three and the
  // attention's over L + 1 positions.
  CHECK(net.TotalMacs() ==
        hidden * (2 * hidden + 2 * kv * d) + 3 * hidden * ffn + 2 * heads * (L + 1) * d);
}

TEST_CASE("decode reads the KV cache in place, each input once, by a matmul", "[decoder_block]") {
  for (DecoderFamily f : {DecoderFamily::kGpt2, DecoderFamily::kLlama}) {
    const int64_t L = 40;
    const NetworkSpec net = DecoderBlock(Config(f, DecoderPhase::kDecode, 0, L));
    const DecoderDims dims = DefaultDecoderDims(f);
    const int64_t g = dims.heads / dims.kv_heads;
    for (const char* cache : {"past_key", "past_value"}) {
      int readers = 0;
      for (const NetLayer& l : net.layers) {
        for (const std::string& in : l.inputs) {
          if (in == cache) {
            ++readers;
            CHECK(l.op == NetOp::kMatMul);
          }
        }
      }
      CHECK(readers == 1);
    }
    // No layer off the array moves a tensor of the cache's size: the largest post-unit output
    // is the FFN's [T, ffn] or the scores' kv * g * (L + 1), below one cache input's kv * d * L.
    const int64_t bound = std::max(dims.ffn, dims.kv_heads * g * (L + 1));
    REQUIRE(bound < dims.kv_heads * dims.HeadDim() * L);
    for (const NetLayer& l : net.layers) {
      if (AccumulatesProducts(l.op)) {
        continue;
      }
      int64_t n = 1;
      for (int64_t e : l.output_shape) {
        n *= e;
      }
      INFO(l.name);
      CHECK(n <= bound);
    }
  }
}

TEST_CASE("llama prefill block: S tokens, each KV head's g query heads in one matmul",
          "[decoder_block]") {
  DecoderBlockConfig c = Config(DecoderFamily::kLlama, DecoderPhase::kPrefill, 8, 0);
  c.dims.hidden = 64;
  c.dims.heads = 8;
  c.dims.kv_heads = 2;
  c.dims.ffn = 96;
  const NetworkSpec net = DecoderBlock(c);
  CHECK(OutShape(net, "self_attn.query_groups") == Shape{2, 4 * 8, 8});
  CHECK(OutShape(net, "self_attn.scores") == Shape{2, 4 * 8, 8});
  CHECK(Macs(net, "self_attn.scores") == 8 * 8 * 8 * 8);   // heads * S * S * d
  CHECK(Macs(net, "self_attn.k_proj") == 8 * 64 * 2 * 8);  // S * hidden * kv * d
  CHECK(net.FindLayer("past_key") == nullptr);
  CHECK(net.FindLayer("self_attn.query_rope")->rope_offset == 0);
  CHECK(OutShape(net, "self_attn.query_rope") == Shape{8, 8, 8});
}

TEST_CASE("decode MACs grow linearly in the cache length", "[decoder_block]") {
  for (DecoderFamily f : {DecoderFamily::kGpt2, DecoderFamily::kLlama}) {
    const DecoderDims dims = DefaultDecoderDims(f);
    auto total = [&](int64_t L) {
      return DecoderBlock(Config(f, DecoderPhase::kDecode, 0, L)).TotalMacs();
    };
    const int64_t m1 = total(1), m2 = total(257), m3 = total(513);
    // Each cached position adds one d-long dot product per head to the scores and one to the
    // context.
    CHECK(m2 - m1 == 256 * 2 * dims.heads * dims.HeadDim());
    CHECK(m3 - m2 == m2 - m1);
  }
}

TEST_CASE("the KV cache keeps its own precision", "[decoder_block]") {
  DecoderBlockConfig c = Config(DecoderFamily::kLlama, DecoderPhase::kDecode, 0, 64);
  c.kv_bits = 4;
  const NetworkSpec net = ResolvePrecision(DecoderBlock(c));
  CHECK(net.tensor_precision.at("past_key").bits == 4);
  CHECK(net.tensor_precision.at("past_value").bits == 4);
  // The matmuls read the cache at its bits, the new token's K and V at the activations'.
  CHECK(GemmBPrecision(*net.FindLayer("self_attn.scores_past"), net).bits == 4);
  CHECK(GemmBPrecision(*net.FindLayer("self_attn.context_past"), net).bits == 4);
  CHECK(GemmBPrecision(*net.FindLayer("self_attn.scores_new"), net).bits == 8);
  CHECK(GemmBPrecision(*net.FindLayer("self_attn.context_new"), net).bits == 8);
  CHECK(net.tensor_precision.at("hidden_states").bits == 8);
  CHECK(net.tensor_precision.at("self_attn.q_proj").bits == 8);
  // Without kv_bits the cache is at the activations' precision.
  c.kv_bits = 0;
  CHECK(ResolvePrecision(DecoderBlock(c)).tensor_precision.at("past_key").bits == 8);
}

TEST_CASE("a network input's precision key parses, resolves and round-trips", "[decoder_block]") {
  const std::string yaml = R"(
version: 1
name: cache
inputs:
  - {name: x, shape: [2, 4]}
  - {name: cache, shape: [2, 4], precision: {bits: 4, symmetric: true}}
layers:
  - {name: joined, op: concat, inputs: [x, cache], axis: 0}
)";
  const NetworkSpec net = ResolvePrecision(ParseNetwork(yaml, "t"));
  CHECK(net.tensor_precision.at("cache").bits == 4);
  CHECK(net.tensor_precision.at("cache").symmetric);
  CHECK(net.tensor_precision.at("x").bits == 8);
  const NetworkSpec again = ResolvePrecision(ParseNetwork(NetworkToYaml(net), "t2"));
  CHECK(again.tensor_precision.at("cache").bits == 4);
  CHECK(again.tensor_precision.at("x").bits == 8);
  // A bad value names the input.
  std::string yaml_bad = yaml;
  yaml_bad.replace(yaml_bad.find("bits: 4"), 7, "bits: 40");
  try {
    ParseNetwork(yaml_bad, "t");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("inputs[1].precision.bits") != std::string::npos);
  }
}

TEST_CASE("a KV cache stored in a number format: the inputs' storage key", "[decoder_block]") {
  DecoderBlockConfig c = Config(DecoderFamily::kLlama, DecoderPhase::kDecode, 0, 64);
  c.kv_format = QuantCode::kMxfp4E2m1;
  const NetworkSpec net = ResolvePrecision(DecoderBlock(c));
  for (const char* cache : {"past_key", "past_value"}) {
    REQUIRE(net.FindInput(cache) != nullptr);
    CHECK(net.FindInput(cache)->storage == QuantCode::kMxfp4E2m1);
    // The matmuls still read it at the activations' precision (converted at the array's edge).
    CHECK(net.tensor_precision.at(cache).code == QuantCode::kLinear);
    CHECK(net.tensor_precision.at(cache).bits == 8);
  }
  CHECK_FALSE(net.FindInput("hidden_states")->storage);
  CHECK(net.FindInput("no_such_input") == nullptr);
  // Written and read back.
  const NetworkSpec again = ParseNetwork(NetworkToYaml(net), "again.yaml");
  CHECK(again.FindInput("past_key")->storage == QuantCode::kMxfp4E2m1);
  CHECK(NetworkToYaml(again).find("storage: mxfp4_e2m1") != std::string::npos);
  // Decode only, number formats only.
  c.kv_format = QuantCode::kLinear;
  CHECK_THROWS_WITH(DecoderBlock(c), Catch::Contains("kv_format must be a number format"));
  c = Config(DecoderFamily::kLlama, DecoderPhase::kPrefill, 16, 0);
  c.kv_format = QuantCode::kFp8E4m3;
  CHECK_THROWS_WITH(DecoderBlock(c), Catch::Contains("kv_format applies to the decode phase"));
  // In a network file, an integer code is refused naming the input's key.
  const std::string yaml = R"(
version: 1
name: cache
inputs:
  - {name: x, shape: [2, 4]}
  - {name: cache, shape: [2, 4], storage: int8}
layers:
  - {name: joined, op: concat, inputs: [x, cache], axis: 0}
)";
  CHECK_THROWS_WITH(ParseNetwork(yaml, "t.yaml"),
                    Catch::Contains("inputs[1].storage: must be a number format") &&
                        Catch::Contains("got 'int8'"));
}

TEST_CASE("an inconsistent block is refused with the field named", "[decoder_block]") {
  DecoderBlockConfig c = Config(DecoderFamily::kLlama, DecoderPhase::kDecode, 0, 16);
  c.dims.kv_heads = 5;
  CHECK_THROWS_WITH(DecoderBlock(c), Catch::Contains("kv_heads must divide heads 32"));
  c = Config(DecoderFamily::kGpt2, DecoderPhase::kDecode, 0, 0);
  CHECK_THROWS_WITH(DecoderBlock(c), Catch::Contains("context must be in 1.."));
  c = Config(DecoderFamily::kGpt2, DecoderPhase::kPrefill, 16, 0);
  c.dims.heads = 7;
  CHECK_THROWS_WITH(DecoderBlock(c), Catch::Contains("heads must divide hidden 768"));
}

TEST_CASE("the model's end: the last token's final norm and LM head", "[decoder_block]") {
  const int64_t S = 16;
  for (DecoderFamily f : {DecoderFamily::kGpt2, DecoderFamily::kLlama}) {
    for (DecoderPhase p : {DecoderPhase::kPrefill, DecoderPhase::kDecode}) {
      const bool llama = f == DecoderFamily::kLlama, prefill = p == DecoderPhase::kPrefill;
      INFO(DecoderFamilyName(f) << " " << DecoderPhaseName(p));
      DecoderBlockConfig c = Config(f, p, S, 100);
      const NetworkSpec block = DecoderBlock(c);
      CHECK(DecoderEndLayers(c).empty());
      c.lm_head = true;
      const NetworkSpec model = DecoderBlock(c);
      const int64_t hidden = c.dims.hidden, vocab = llama ? 128256 : 50257;
      CHECK(c.dims.vocab == vocab);
      CHECK(model.name == block.name + "_lm_head");
      // The block's layers come first, unchanged; then the end, in DecoderEndLayers' order.
      const std::vector<std::string> end = DecoderEndLayers(c);
      REQUIRE(model.layers.size() == block.layers.size() + end.size());
      for (size_t i = 0; i < block.layers.size(); ++i) {
        CHECK(model.layers[i].name == block.layers[i].name);
        CHECK(model.layers[i].macs == block.layers[i].macs);
        CHECK(model.layers[i].output_shape == block.layers[i].output_shape);
      }
      for (size_t i = 0; i < end.size(); ++i) {
        CHECK(model.layers[block.layers.size() + i].name == end[i]);
      }
      std::vector<std::string> expect;
      if (prefill) {
        expect.push_back("last_token");  // T > 1: the last row only
      }
      for (const char* n : llama ? std::vector<const char*>{"norm"}
                                 : std::vector<const char*>{"ln_f.mean", "ln_f.centered", "ln_f"}) {
        expect.push_back(n);
      }
      expect.push_back("lm_head");
      CHECK(end == expect);
      if (prefill) {
        CHECK(OutShape(model, "last_token") == Shape{1, hidden});
        CHECK(model.FindLayer("last_token")->inputs == std::vector<std::string>{"mlp_residual"});
      }
      CHECK(model.FindLayer(llama ? "norm" : "ln_f")->op == NetOp::kRmsNorm);
      // One token's logits: [1, hidden] x [vocab, hidden]^T, no bias.
      CHECK(OutShape(model, "lm_head") == Shape{1, vocab});
      CHECK(Macs(model, "lm_head") == hidden * vocab);
      CHECK(model.FindLayer("lm_head")->params == hidden * vocab);
      CHECK(model.TotalMacs() == block.TotalMacs() + hidden * vocab);
    }
  }
  DecoderBlockConfig c = Config(DecoderFamily::kLlama, DecoderPhase::kDecode, 0, 16);
  CHECK(DecoderModelScope(c) == "one block");
  c.blocks = 32;
  CHECK(DecoderModelScope(c) == "32 blocks");
  c.lm_head = true;
  CHECK(DecoderModelScope(c) == "32 blocks and the LM head");
  CHECK_FALSE(c.JustTheBlock());
  c.dims.vocab = 0;
  CHECK_THROWS_WITH(DecoderBlock(c),
                    Catch::Contains("vocab must be in 1..") && Catch::Contains("got 0"));
  c.lm_head = false;  // the vocabulary matters only with the LM head
  CHECK_NOTHROW(DecoderBlock(c));
}
