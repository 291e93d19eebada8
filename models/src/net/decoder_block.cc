// Decoder-only transformer blocks as network-format YAML (decoder_block.h, docs/llm.md). One
// attention body serves both families and both phases: T new tokens (S in prefill, 1 in decode)
// attend over P positions (S, or L + 1 with the cache). Grouped-query attention folds each KV
// head's g = heads / kv_heads query heads into the rows of one matmul: Q [T, heads, d] ->
// [heads, T, d] -> [kv, g*T, d] (head h = kv*g + j reads KV head h / g, transformers'
// repeat_kv), times K^T [kv, d, P], so the matmul's batch dimensions match without broadcasting.
// Decode splits the score and context matmuls at the cache (its L positions, the new token's T)
// so that they read the cache inputs in place instead of a concatenated copy. With lm_head, the
// model's end follows: the last token's final norm and LM head.

#include "quasar/models/net/decoder_block.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

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

// The block's output, which the model's end reads.
constexpr const char* kBlockOutput = "mlp_residual";

// The attention's shapes and permutations for a batch of B sequences: a leading axis of B when
// B > 1, none when B = 1, so that a batch of one is exactly the unbatched block.
class Batched {
 public:
  explicit Batched(int64_t b) : b_(b) {}
  std::string Shape(std::vector<int64_t> v) const {
    if (b_ > 1) v.insert(v.begin(), b_);
    return ShapeToString(v);
  }
  std::string Perm(std::vector<int64_t> p) const {
    if (b_ > 1) {
      for (int64_t& a : p) ++a;
      p.insert(p.begin(), 0);
    }
    return ShapeToString(p);
  }

 private:
  int64_t b_;
};

// The layer list, one flow mapping per line.
class Writer {
 public:
  // A layer: name, op, the tensors read (empty: the previous layer), then "key: value" pairs.
  void Layer(const std::string& name, const std::string& op, const std::vector<std::string>& in,
             const std::string& keys = "") {
    std::string line = "  - {name: " + name + ", op: " + op;
    if (in.size() == 1) {
      line += ", input: " + in[0];
    } else if (in.size() > 1) {
      line += ", inputs: [";
      for (size_t i = 0; i < in.size(); ++i) {
        line += (i ? ", " : "") + in[i];
      }
      line += "]";
    }
    text_ += line + (keys.empty() ? "" : ", " + keys) + "}\n";
    names_.push_back(name);
  }
  void Comment(const std::string& c) { text_ += "  # " + c + "\n"; }
  const std::string& last() const { return names_.empty() ? none_ : names_.back(); }
  const std::string& text() const { return text_; }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::string text_;
  std::vector<std::string> names_;  // the layers written, in order
  std::string none_;                // last() before any layer
};

std::string ShortestNum(double v) { return fmt::format("{}", v); }  // shortest round trip

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

// Prefill's attention in C chunks of Tc = T / C queries (DecoderBlockConfig::query_chunks):
// chunk i's tokens [i Tc, (i + 1) Tc) attend over positions [0, (i + 1) Tc) only, so the score
// and context matmuls skip the tiles above the diagonal, which the causal mask would zero. From
// the query heads `q_heads` [H, T, d] (after RoPE), K^T `keys` [kv, d, T] and `values`
// [kv, T, d] (each with a leading B when batched) into `<prefix>context_heads` [H, T, d]: the
// chunks' contexts joined along the tokens.
void CausalChunks(Writer* w, const DecoderBlockConfig& c, const std::string& prefix,
                  const std::string& q_heads, const std::string& keys, const std::string& values) {
  const DecoderDims& d = c.dims;
  const int64_t T = c.SequenceTokens(), C = c.query_chunks, Tc = T / C, H = d.heads,
                KV = d.kv_heads, D = d.HeadDim(), g = H / KV;
  const Batched bt(c.batch);
  const std::string none = "activation: none";
  std::vector<std::string> contexts;
  for (int64_t i = 0; i < C; ++i) {
    const std::string chunk = prefix + "chunk" + std::to_string(i) + ".";
    const std::string first = std::to_string(i * Tc), end = std::to_string((i + 1) * Tc);
    w->Comment("chunk " + std::to_string(i) + ": tokens [" + first + ", " + end +
               ") over positions [0, " + end + ")");
    w->Layer(chunk + "query_heads", "slice", {q_heads},
             "axis: -2, start: " + first + ", end: " + end);
    w->Layer(chunk + "query_groups", "reshape", {}, "shape: " + bt.Shape({KV, g * Tc, D}));
    std::string k = keys, v = values;  // the last chunk reads them whole
    if (i + 1 < C) {
      w->Layer(chunk + "keys", "slice", {keys}, "axis: -1, start: 0, end: " + end);
      w->Layer(chunk + "values", "slice", {values}, "axis: -2, start: 0, end: " + end);
      k = chunk + "keys";
      v = chunk + "values";
    }
    w->Layer(chunk + "scores", "matmul", {chunk + "query_groups", k}, none);
    w->Layer(chunk + "scores_scaled", "affine", {},
             "alpha: " + ShortestNum(1.0 / std::sqrt(static_cast<double>(D))) + ", beta: 0");
    w->Layer(chunk + "probs", "softmax", {},
             "axis: -1, causal: true, position_offset: " + first +
                 ", query_period: " + std::to_string(Tc));
    w->Layer(chunk + "context", "matmul", {chunk + "probs", v}, none);
    w->Layer(chunk + "context_heads", "reshape", {}, "shape: " + bt.Shape({H, Tc, D}));
    contexts.push_back(w->last());
  }
  w->Layer(prefix + "context_heads", "concat", contexts, "axis: -2");
}

// Attention over every position at once: prefill's S x S scores (the causal mask zeroing the
// upper triangle in the softmax), or decode's split at the cache. From the query groups `q`
// [kv, g*T, d], K^T `keys` [kv, d, T] and `values` [kv, T, d] (each with a leading B when
// batched) into `<prefix>context_heads` [H, T, d].
void WholeAttention(Writer* w, const DecoderBlockConfig& c, const std::string& prefix,
                    const std::string& q, const std::string& keys, const std::string& values) {
  const DecoderDims& d = c.dims;
  const int64_t T = c.SequenceTokens(), P = c.Positions(), H = d.heads, D = d.HeadDim();
  const Batched bt(c.batch);
  const bool decode = c.phase == DecoderPhase::kDecode;
  const std::string none = "activation: none";
  if (decode) {
    // Split at the cache: each matmul reads the cache inputs themselves (at their own precision)
    // or the new token's K and V; only the small scores are joined, and the two halves of the
    // context added, so the cache is never copied. The same MACs as over K^T [kv, d, L+1].
    w->Comment(
        "scores [kv, g*T, L+T] = Q [past_key | K^T]: the cache's L positions, then the "
        "new token's T, joined along the last axis");
    w->Layer(prefix + "scores_past", "matmul", {q, "past_key"}, none);
    w->Layer(prefix + "scores_new", "matmul", {q, keys}, none);
    w->Layer(prefix + "scores", "concat", {prefix + "scores_past", prefix + "scores_new"},
             "axis: -1");
    w->Comment("scaled by 1/sqrt(d), softmax over P (no causal mask)");
  } else {
    w->Comment(
        "scores [kv, g*T, P] = Q K^T, scaled by 1/sqrt(d), softmax over P with the causal "
        "mask: token t sees positions 0..t (all S x S scores computed)");
    w->Layer(prefix + "scores", "matmul", {q, keys}, none);
  }
  w->Layer(prefix + "scores_scaled", "affine", {},
           "alpha: " + ShortestNum(1.0 / std::sqrt(static_cast<double>(D))) + ", beta: 0");
  // Prefill: row j*T + t of a KV head's scores is query head j's token t (query_period T), at
  // position t. Decode: the new token at position L sees all L + 1 positions, no mask.
  w->Layer(prefix + "probs", "softmax", {},
           decode
               ? "axis: -1"
               : "axis: -1, causal: true, position_offset: 0, query_period: " + std::to_string(T));
  if (decode) {
    const std::string L = std::to_string(P - T), end = std::to_string(P);
    w->Comment("context [kv, g*T, d] = probs[..., :L] past_value + probs[..., L:] V");
    w->Layer(prefix + "probs_past", "slice", {prefix + "probs"}, "axis: -1, start: 0, end: " + L);
    w->Layer(prefix + "probs_new", "slice", {prefix + "probs"},
             "axis: -1, start: " + L + ", end: " + end);
    w->Layer(prefix + "context_past", "matmul", {prefix + "probs_past", "past_value"}, none);
    w->Layer(prefix + "context_new", "matmul", {prefix + "probs_new", values}, none);
    w->Layer(prefix + "context", "add", {prefix + "context_past", prefix + "context_new"});
    w->Comment("context -> [heads, T, d] -> [T, heads, d] -> [T, hidden]");
  } else {
    w->Comment("context [kv, g*T, d] = P V -> [heads, T, d] -> [T, heads, d] -> [T, hidden]");
    w->Layer(prefix + "context", "matmul", {w->last(), values}, none);
  }
  w->Layer(prefix + "context_heads", "reshape", {}, "shape: " + bt.Shape({H, T, D}));
}

// The attention of `x_norm` [B*T, hidden] into the output projection `out_proj` [B*T, hidden].
// Each sequence's tensors below carry a leading axis of B when B > 1 (Batched).
void Attention(Writer* w, const DecoderBlockConfig& c, const std::string& x_norm,
               const std::string& prefix, const std::string& q_proj, const std::string& k_proj,
               const std::string& v_proj, const std::string& out_proj) {
  const DecoderDims& d = c.dims;
  const int64_t T = c.SequenceTokens(), P = c.Positions(), H = d.heads, KV = d.kv_heads,
                D = d.HeadDim(), g = H / KV;
  const Batched bt(c.batch);
  const bool llama = c.family == DecoderFamily::kLlama;
  const bool bias = !llama;
  const std::string fc = std::string(", activation: none, bias: ") + (bias ? "true" : "false");
  const bool rope = llama;
  const std::string rope_keys =
      "base: " + ShortestNum(d.rope_base) + ", position_offset: " + std::to_string(P - T);
  w->Comment("projections: [T, hidden] x [hidden, out]^T");
  w->Layer(q_proj, "fully_connected", {x_norm}, "out_features: " + std::to_string(H * D) + fc);
  w->Layer(k_proj, "fully_connected", {x_norm}, "out_features: " + std::to_string(KV * D) + fc);
  w->Layer(v_proj, "fully_connected", {x_norm}, "out_features: " + std::to_string(KV * D) + fc);
  w->Comment("Q: [T, heads, d] -> [heads, T, d]" + std::string(rope ? " -> RoPE" : "") +
             " -> [kv, g*T, d]: each KV head's g query heads folded into M");
  w->Layer(prefix + "query_heads", "reshape", {q_proj}, "shape: " + bt.Shape({T, H, D}));
  w->Layer(prefix + "query_t", "transpose", {}, "perm: " + bt.Perm({1, 0, 2}));
  if (rope) {
    w->Layer(prefix + "query_rope", "rotary_embedding", {}, rope_keys);
  }
  const std::string q_heads = w->last();
  const bool chunked = c.query_chunks > 1;  // prefill only (CheckConfig)
  if (!chunked) {
    w->Layer(prefix + "query_groups", "reshape", {}, "shape: " + bt.Shape({KV, g * T, D}));
  }
  const std::string q = w->last();
  w->Comment("K: [T, kv, d] -> [kv, T, d]" + std::string(rope ? " -> RoPE" : "") +
             " -> K^T [kv, d, T]");
  w->Layer(prefix + "key_heads", "reshape", {k_proj}, "shape: " + bt.Shape({T, KV, D}));
  if (rope) {
    w->Layer(prefix + "key_t", "transpose", {}, "perm: " + bt.Perm({1, 0, 2}));
    w->Layer(prefix + "key_rope", "rotary_embedding", {}, rope_keys);
    w->Layer(prefix + "key_kt", "transpose", {}, "perm: " + bt.Perm({0, 2, 1}));
  } else {
    w->Layer(prefix + "key_kt", "transpose", {}, "perm: " + bt.Perm({1, 2, 0}));
  }
  const std::string keys = w->last();
  w->Comment("V: [T, kv, d] -> [kv, T, d]");
  w->Layer(prefix + "value_heads", "reshape", {v_proj}, "shape: " + bt.Shape({T, KV, D}));
  w->Layer(prefix + "value_t", "transpose", {}, "perm: " + bt.Perm({1, 0, 2}));
  const std::string values = w->last();
  if (chunked) {
    CausalChunks(w, c, prefix, q_heads, keys, values);
  } else {
    WholeAttention(w, c, prefix, q, keys, values);
  }
  w->Layer(prefix + "context_t", "transpose", {}, "perm: " + bt.Perm({1, 0, 2}));
  w->Layer(prefix + "context_merged", "reshape", {},
           "shape: " + ShapeToString({c.batch * T, H * D}));
  w->Layer(out_proj, "fully_connected", {}, "out_features: " + std::to_string(d.hidden) + fc);
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
