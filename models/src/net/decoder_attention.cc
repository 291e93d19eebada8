// The attention layers of the generated decoder blocks (decoder_writer.h, docs/llm.md). One
// attention body serves both families and both phases: T new tokens (S in prefill, 1 in decode)
// attend over P positions (S, or L + 1 with the cache). Grouped-query attention folds each KV
// head's g = heads / kv_heads query heads into the rows of one matmul: Q [T, heads, d] ->
// [heads, T, d] -> [kv, g*T, d] (head h = kv*g + j reads KV head h / g, transformers'
// repeat_kv), times K^T [kv, d, P], so the matmul's batch dimensions match without broadcasting.
// Decode splits the score and context matmuls at the cache (its L positions, the new token's T)
// so that they read the cache inputs in place instead of a concatenated copy.

#include <cmath>

#include "decoder_writer.h"

namespace quasar::models::decoder {
namespace {

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

}  // namespace

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

}  // namespace quasar::models::decoder
