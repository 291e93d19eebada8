// Decoder-only transformer blocks as network-format YAML (decoder_block.h, docs/llm.md): the
// inputs, the norms, the attention (decoder_attention.cc), the FFN and the residual adds of one
// block, in prefill or decode, and with lm_head the model's end: the last token's final norm and
// LM head. Also the configuration's checks, the block's description and the largest batch.

#include "quasar/models/net/decoder_block.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "decoder_writer.h"
#include "quasar/models/enum_names.h"
#include "quasar/models/error.h"
#include "quasar/models/int128.h"
#include "quasar/models/spec/geometry_reader.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

namespace {

constexpr EnumTable<DecoderFamily, 2> kFamilies = {
    {{DecoderFamily::kGpt2, "gpt2_block"}, {DecoderFamily::kLlama, "llama_block"}}};
constexpr EnumTable<DecoderPhase, 2> kPhases = {
    {{DecoderPhase::kPrefill, "prefill"}, {DecoderPhase::kDecode, "decode"}}};

}  // namespace

std::string DecoderFamilyName(DecoderFamily f) { return EnumName(kFamilies, f); }

std::optional<DecoderFamily> ParseDecoderFamily(const std::string& name) {
  return ParseEnum(kFamilies, name);
}

std::vector<std::string> DecoderBlockNames() {
  std::vector<std::string> out;
  for (const auto& [family, name] : kFamilies) out.push_back(name);
  return out;
}

std::string DecoderPhaseName(DecoderPhase p) { return EnumName(kPhases, p); }

std::optional<DecoderPhase> ParseDecoderPhase(const std::string& name) {
  return ParseEnum(kPhases, name);
}

DecoderDims DefaultDecoderDims(DecoderFamily f) {
  DecoderDims d;
  if (f == DecoderFamily::kGpt2) {
    d.hidden = 768;
    d.heads = 12;
    d.kv_heads = 12;
    d.ffn = 3072;
    d.norm_epsilon = 1e-5;
    d.vocab = 50257;
  } else {
    d.hidden = 4096;
    d.heads = 32;
    d.kv_heads = 8;
    d.ffn = 14336;
    d.rope_base = 500000;
    d.norm_epsilon = 1e-5;
    d.vocab = 128256;
  }
  return d;
}

namespace {

using decoder::Attention;
using decoder::Batched;
using decoder::ShortestNum;
using decoder::Writer;

// The block's output, which the model's end reads.
constexpr const char* kBlockOutput = "mlp_residual";

// A normalization of x over its last axis into a tensor named `name`, its gain (and GPT-2's
// bias) folded into the projections that read it: W (g * n + b) = (W diag g) n + W b exactly.
// LayerNorm(x) = RMSNorm(x - mean x) with the same epsilon, since the mean of the centred
// squares is the variance.
void Norm(Writer* w, const std::string& name, const std::string& x, bool center, double eps) {
  std::string in = x;
  if (center) {
    w->Layer(name + ".mean", "reduce_mean", {x}, "axis: -1");
    w->Layer(name + ".centered", "sub", {x, name + ".mean"});
    in = name + ".centered";
  }
  w->Layer(name, "rms_norm", {in}, "axis: -1, epsilon: " + ShortestNum(eps));
}

void CheckConfig(const DecoderBlockConfig& c) {
  const DecoderDims& d = c.dims;
  auto bad = [&](const std::string& field, const std::string& why, const std::string& v) {
    throw InputError(DecoderFamilyName(c.family) + ": " + field + " " + why + ", got " + v);
  };
  for (auto [field, v] : {std::pair<const char*, int64_t>{"hidden", d.hidden},
                          {"heads", d.heads},
                          {"kv_heads", d.kv_heads},
                          {"ffn", d.ffn}}) {
    if (v < 1 || v > kMaxExtent) {
      bad(field, "must be in 1.." + std::to_string(kMaxExtent), std::to_string(v));
    }
  }
  if (d.hidden % d.heads != 0) {
    bad("heads", "must divide hidden " + std::to_string(d.hidden), std::to_string(d.heads));
  }
  if (d.heads % d.kv_heads != 0) {
    bad("kv_heads", "must divide heads " + std::to_string(d.heads), std::to_string(d.kv_heads));
  }
  if (c.family == DecoderFamily::kGpt2 && d.kv_heads != d.heads) {
    bad("kv_heads", "must equal heads (GPT-2 has multi-head attention)",
        std::to_string(d.kv_heads));
  }
  if (c.phase == DecoderPhase::kPrefill && (c.seq < 1 || c.seq > kMaxExtent)) {
    bad("seq", "must be in 1.." + std::to_string(kMaxExtent), std::to_string(c.seq));
  }
  if (c.phase == DecoderPhase::kDecode && (c.context < 1 || c.context >= kMaxExtent)) {
    bad("context", "must be in 1.." + std::to_string(kMaxExtent - 1), std::to_string(c.context));
  }
  if (c.kv_bits < 0 || c.kv_bits > 16) {
    bad("kv_bits", "must be in 1..16 (0: the activations' precision)", std::to_string(c.kv_bits));
  }
  if (c.kv_format && !IsNumberFormat(*c.kv_format)) {
    bad("kv_format", "must be a number format (" + NumberFormatChoices() + ")",
        QuantCodeName(*c.kv_format));
  }
  if (c.kv_format && c.phase != DecoderPhase::kDecode) {
    bad("kv_format", "applies to the decode phase (prefill reads no KV cache)",
        QuantCodeName(*c.kv_format));
  }
  if (c.batch < 1 || c.batch > MaxBatch(c)) {
    bad("batch", "must be in 1.." + std::to_string(MaxBatch(c)), std::to_string(c.batch));
  }
  if (c.query_chunks < 1 || (c.phase == DecoderPhase::kPrefill && c.seq % c.query_chunks != 0)) {
    bad("query_chunks", "must divide seq " + std::to_string(c.seq), std::to_string(c.query_chunks));
  }
  if (c.query_chunks > 1 && c.phase != DecoderPhase::kPrefill) {
    bad("query_chunks", "applies to prefill (decode's one new token sees every position)",
        std::to_string(c.query_chunks));
  }
  if (c.lm_head && (d.vocab < 1 || d.vocab > kMaxExtent)) {
    bad("vocab", "must be in 1.." + std::to_string(kMaxExtent), std::to_string(d.vocab));
  }
}

// The model's end after the last block's output kBlockOutput [B*T, hidden]: each sequence's last
// token (a slice when T > 1; transformers' logits_to_keep = 1, the logits generation reads), the
// final norm (Llama's `norm`, GPT-2's `ln_f`, their gain folded into the head as in the blocks) and
// the LM head [B, hidden] x [vocab, hidden]^T, without a bias in both families.
void ModelEnd(Writer* w, const DecoderBlockConfig& c) {
  const std::string x = kBlockOutput;
  const bool llama = c.family == DecoderFamily::kLlama;
  const int64_t T = c.SequenceTokens(), B = c.batch;
  const std::string range = "start: " + std::to_string(T - 1) + ", end: " + std::to_string(T);
  w->Comment(
      "the model's end, once after the last block: final norm and LM head of the last token");
  std::string last = x;
  if (T > 1 && B == 1) {
    w->Layer("last_token", "slice", {x}, "axis: 0, " + range);
    last = w->last();
  } else if (T > 1) {
    w->Layer("sequences", "reshape", {x}, "shape: " + ShapeToString({B, T, c.dims.hidden}));
    w->Layer("last_token", "slice", {}, "axis: 1, " + range);
    w->Layer("last_tokens", "reshape", {}, "shape: " + ShapeToString({B, c.dims.hidden}));
    last = w->last();
  }
  Norm(w, llama ? "norm" : "ln_f", last, !llama, c.dims.norm_epsilon);
  w->Layer("lm_head", "fully_connected", {},
           "out_features: " + std::to_string(c.dims.vocab) + ", activation: none, bias: false");
}

std::string Description(const DecoderBlockConfig& c) {
  const DecoderDims& d = c.dims;
  const bool llama = c.family == DecoderFamily::kLlama;
  std::string s = fmt::format(
      "One {} block (hidden {}, {} query heads of {}, {} KV heads, FFN {}), {}: {}{} new token{} "
      "attending over {} position{}. ",
      llama ? "Llama-style decoder" : "GPT-2 decoder", d.hidden, d.heads, d.HeadDim(), d.kv_heads,
      d.ffn, DecoderPhaseName(c.phase),
      c.batch > 1 ? fmt::format("a batch of {} sequences, each of ", c.batch) : "",
      c.SequenceTokens(), c.SequenceTokens() == 1 ? "" : "s", c.Positions(),
      c.Positions() == 1 ? "" : "s");
  if (c.phase == DecoderPhase::kDecode) {
    s += fmt::format(
        "The KV cache of {} tokens{} is read from DRAM (inputs past_key, stored transposed as "
        "K^T [kv, d, L], and past_value [kv, L, d]{}) {}, once: the score and context matmuls "
        "are split into the cached positions (reading past_key and past_value) and the new "
        "token, the scores joined by a concat and the two contexts added, so the cache is "
        "never copied (the same MACs as over L + 1 positions). ",
        c.context, c.batch > 1 ? " per sequence" : "",
        c.batch > 1 ? ", each with a leading axis of the batch" : "",
        (c.kv_format ? "stored in " + QuantCodeName(*c.kv_format) + " and converted to "
                     : std::string("at ")) +
            (c.kv_bits > 0 ? std::to_string(c.kv_bits) + "-bit precision"
                           : "the activations' precision"));
  }
  if (c.lm_head) {
    s += fmt::format(
        "Followed by the model's end, run once after all the blocks: the final norm and the LM "
        "head (vocabulary {}) of each sequence's last new token. ",
        d.vocab);
  }
  if (c.phase == DecoderPhase::kDecode) {
    s += "In decode every position is visible, so no causal mask applies. ";
  } else if (c.query_chunks == 1) {
    s += "The causal mask is fused into the softmax (token t sees positions 0..t), but all S x "
         "S scores are computed, as a systolic array does without skipping the masked ones. ";
  } else {
    s += fmt::format(
        "The causal mask is fused into the softmax (token t sees positions 0..t), and the "
        "attention runs in {} chunks of {} queries, each over the positions up to its last "
        "token, so the tiles above the diagonal are skipped at that granularity. ",
        c.query_chunks, c.seq / c.query_chunks);
  }
  s += "Omitted or approximated: ";
  s += c.lm_head ? "the token embedding (a lookup of the new tokens' rows, which the block's "
                   "read of its input stands for); dropout. "
                 : "embeddings, the final norm and the LM head (not part of a block); dropout. ";
  if (!llama) {
    s += "c_attn's three thirds are the separate projections attn.q_proj, k_proj, v_proj (the "
         "same MACs). ";
  }
  s += std::string("The norms' gain") + (llama ? " is" : " and bias are") +
       " folded into the projections that read them (exact in real arithmetic). ";
  if (!llama) {
    s += "LayerNorm is RMSNorm of x - mean(x) (the same with the same epsilon). ";
  }
  return s;
}

}  // namespace

std::string DecoderBlockYaml(const DecoderBlockConfig& c) {
  CheckConfig(c);
  const DecoderDims& d = c.dims;
  const bool llama = c.family == DecoderFamily::kLlama;
  const int64_t KV = d.kv_heads, D = d.HeadDim(), L = c.context;
  const Batched bt(c.batch);
  std::string y = "version: 1\n";
  y += "name: " + DecoderFamilyName(c.family) + "_" + DecoderPhaseName(c.phase) +
       (c.phase == DecoderPhase::kPrefill ? "_s" + std::to_string(c.seq)
                                          : "_l" + std::to_string(L)) +
       (c.query_chunks > 1 ? "_c" + std::to_string(c.query_chunks) : "") +
       (c.batch > 1 ? "_b" + std::to_string(c.batch) : "") + (c.lm_head ? "_lm_head" : "") + "\n";
  y += "description: \"" + Description(c) + "\"\n";
  y += std::string("source: \"") +
       (llama ? "The Llama 3 Herd of Models, Meta 2024, Table 3 (8B: 32 layers, model dimension "
                "4096, FFN 14336, 32 attention heads, 8 key/value heads, RoPE base 500000); "
                "names: transformers LlamaDecoderLayer"
              : "Radford et al. 2019, Language Models are Unsupervised Multitask Learners, Sec. "
                "2.3 (pre-LayerNorm) and GPT-2 small (768 wide, 12 heads, FFN 3072); names: "
                "transformers GPT2Block") +
       "\"\n";
  y += "inputs:\n  - {name: hidden_states, shape: " + ShapeToString({c.Tokens(), d.hidden}) + "}\n";
  if (c.phase == DecoderPhase::kDecode) {
    const std::string prec =
        (c.kv_bits > 0 ? ", precision: {bits: " + std::to_string(c.kv_bits) + "}" : "") +
        (c.kv_format ? ", storage: " + QuantCodeName(*c.kv_format) : "");
    y += "  - {name: past_key, shape: " + bt.Shape({KV, D, L}) + prec + "}\n";
    y += "  - {name: past_value, shape: " + bt.Shape({KV, L, D}) + prec + "}\n";
  }
  y += "layers:\n";
  Writer w;
  if (c.batch > 1) {
    w.Comment("a batch of " + std::to_string(c.batch) +
              " sequences: the attention's tensors below have a leading axis of that size");
  }
  if (llama) {
    Norm(&w, "input_layernorm", "hidden_states", false, d.norm_epsilon);
    Attention(&w, c, "input_layernorm", "self_attn.", "self_attn.q_proj", "self_attn.k_proj",
              "self_attn.v_proj", "self_attn.o_proj");
    w.Layer("attn_residual", "add", {"self_attn.o_proj", "hidden_states"});
    Norm(&w, "post_attention_layernorm", "attn_residual", false, d.norm_epsilon);
    w.Comment("SwiGLU: down(silu(gate x) * up x)");
    const std::string ffn =
        "out_features: " + std::to_string(d.ffn) + ", activation: none, bias: false";
    w.Layer("mlp.gate_proj", "fully_connected", {"post_attention_layernorm"}, ffn);
    w.Layer("mlp.up_proj", "fully_connected", {"post_attention_layernorm"}, ffn);
    w.Layer("mlp.act_fn", "silu", {"mlp.gate_proj"});  // x sigmoid(x), Llama's hidden_act
    w.Layer("mlp.gated", "mul", {"mlp.act_fn", "mlp.up_proj"});
    w.Layer("mlp.down_proj", "fully_connected", {},
            "out_features: " + std::to_string(d.hidden) + ", activation: none, bias: false");
    w.Layer(kBlockOutput, "add", {"mlp.down_proj", "attn_residual"});
  } else {
    Norm(&w, "ln_1", "hidden_states", true, d.norm_epsilon);
    Attention(&w, c, "ln_1", "attn.", "attn.q_proj", "attn.k_proj", "attn.v_proj", "attn.c_proj");
    w.Layer("attn_residual", "add", {"attn.c_proj", "hidden_states"});
    Norm(&w, "ln_2", "attn_residual", true, d.norm_epsilon);
    w.Layer("mlp.c_fc", "fully_connected", {"ln_2"},
            "out_features: " + std::to_string(d.ffn) + ", activation: none");
    // GPT-2's activation_function "gelu_new": the tanh approximation of GELU.
    w.Layer("mlp.act", "gelu", {"mlp.c_fc"}, "approximate: tanh");
    w.Layer("mlp.c_proj", "fully_connected", {},
            "out_features: " + std::to_string(d.hidden) + ", activation: none");
    w.Layer(kBlockOutput, "add", {"mlp.c_proj", "attn_residual"});
  }
  if (c.lm_head) {
    ModelEnd(&w, c);
  }
  return y + w.text();
}

NetworkSpec DecoderBlock(const DecoderBlockConfig& c) {
  return ParseNetwork(DecoderBlockYaml(c), DecoderFamilyName(c.family) + " (generated)");
}

std::vector<std::string> DecoderEndLayers(const DecoderBlockConfig& c) {
  if (!c.lm_head) {
    return {};
  }
  Writer w;
  ModelEnd(&w, c);
  return w.names();
}

int64_t MaxBatch(const DecoderBlockConfig& c) {
  const DecoderDims& d = c.dims;
  const int128 T = c.SequenceTokens(), P = c.Positions(), H = d.heads, D = d.HeadDim();
  // One sequence's largest tensor (the FFN's activations, the scores, a cache input, the logits)
  // and largest layer (an FFN projection, the scores' matmul, the LM head); B multiplies each.
  const int128 elements = std::max({T * std::max(d.hidden, d.ffn), H * T * P,
                                    int128{d.kv_heads} * D * P, int128{c.lm_head ? d.vocab : 0}});
  const int128 macs =
      std::max({T * d.hidden * d.ffn, H * T * P * D, int128{c.lm_head ? d.hidden * d.vocab : 0}});
  const int128 b =
      std::min({int128{kMaxExtent} / T, (int128{1} << 40) / std::max<int128>(elements, 1),
                (int128{1} << 50) / std::max<int128>(macs, 1)});
  return static_cast<int64_t>(std::max<int128>(b, 1));
}

std::string DecoderModelScope(const DecoderBlockConfig& c) {
  return (c.blocks == 1 ? std::string("one block") : std::to_string(c.blocks) + " blocks") +
         (c.lm_head ? " and the LM head" : "");
}

}  // namespace quasar::models
