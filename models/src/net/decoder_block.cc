// Decoder-only transformer blocks as network-format YAML (decoder_block.h, docs/llm.md). One
// attention body serves both families and both phases: T new tokens (S in prefill, 1 in decode)
// attend over P positions (S, or L + 1 with the cache). Grouped-query attention folds each KV
// head's g = heads / kv_heads query heads into the rows of one matmul: Q [T, heads, d] ->
// [heads, T, d] -> [kv, g*T, d] (head h = kv*g + j reads KV head h / g, transformers'
// repeat_kv), times K^T [kv, d, P], so the matmul's batch dimensions match without broadcasting.
// Decode splits the score and context matmuls at the cache (its L positions, the new token's T)
// so that they read the cache inputs in place instead of a concatenated copy.

#include "quasar/models/net/decoder_block.h"

#include <fmt/core.h>

#include <cmath>

#include "quasar/models/enum_names.h"
#include "quasar/models/error.h"
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
  } else {
    d.hidden = 4096;
    d.heads = 32;
    d.kv_heads = 8;
    d.ffn = 14336;
    d.rope_base = 500000;
    d.norm_epsilon = 1e-5;
  }
  return d;
}

namespace {

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
    last_ = name;
  }
  void Comment(const std::string& c) { text_ += "  # " + c + "\n"; }
  const std::string& last() const { return last_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_, last_;
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
}

// The attention of `x_norm` [T, hidden] into the output projection `out_proj` [T, hidden].
void Attention(Writer* w, const DecoderBlockConfig& c, const std::string& x_norm,
               const std::string& prefix, const std::string& q_proj, const std::string& k_proj,
               const std::string& v_proj, const std::string& out_proj) {
  const DecoderDims& d = c.dims;
  const int64_t T = c.Tokens(), P = c.Positions(), H = d.heads, KV = d.kv_heads, D = d.HeadDim(),
                g = H / KV;
  const bool llama = c.family == DecoderFamily::kLlama;
  const bool decode = c.phase == DecoderPhase::kDecode;
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
  w->Layer(prefix + "query_heads", "reshape", {q_proj}, "shape: " + ShapeToString({T, H, D}));
  w->Layer(prefix + "query_t", "transpose", {}, "perm: [1, 0, 2]");
  if (rope) {
    w->Layer(prefix + "query_rope", "rotary_embedding", {}, rope_keys);
  }
  w->Layer(prefix + "query_groups", "reshape", {}, "shape: " + ShapeToString({KV, g * T, D}));
  const std::string q = w->last();
  w->Comment("K: [T, kv, d] -> [kv, T, d]" + std::string(rope ? " -> RoPE" : "") +
             " -> K^T [kv, d, T]");
  w->Layer(prefix + "key_heads", "reshape", {k_proj}, "shape: " + ShapeToString({T, KV, D}));
  if (rope) {
    w->Layer(prefix + "key_t", "transpose", {}, "perm: [1, 0, 2]");
    w->Layer(prefix + "key_rope", "rotary_embedding", {}, rope_keys);
    w->Layer(prefix + "key_kt", "transpose", {}, "perm: [0, 2, 1]");
  } else {
    w->Layer(prefix + "key_kt", "transpose", {}, "perm: [1, 2, 0]");
  }
  const std::string keys = w->last();
  w->Comment("V: [T, kv, d] -> [kv, T, d]");
  w->Layer(prefix + "value_heads", "reshape", {v_proj}, "shape: " + ShapeToString({T, KV, D}));
  w->Layer(prefix + "value_t", "transpose", {}, "perm: [1, 0, 2]");
  const std::string values = w->last();
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
        "scores [kv, g*T, P] = Q K^T, scaled by 1/sqrt(d), softmax over P (no causal "
        "mask)");
    w->Layer(prefix + "scores", "matmul", {q, keys}, none);
  }
  w->Layer(prefix + "scores_scaled", "affine", {},
           "alpha: " + ShortestNum(1.0 / std::sqrt(static_cast<double>(D))) + ", beta: 0");
  w->Layer(prefix + "probs", "softmax", {}, "axis: -1");
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
  w->Layer(prefix + "context_heads", "reshape", {}, "shape: " + ShapeToString({H, T, D}));
  w->Layer(prefix + "context_t", "transpose", {}, "perm: [1, 0, 2]");
  w->Layer(prefix + "context_merged", "reshape", {}, "shape: " + ShapeToString({T, H * D}));
  w->Layer(out_proj, "fully_connected", {}, "out_features: " + std::to_string(d.hidden) + fc);
}

std::string Description(const DecoderBlockConfig& c) {
  const DecoderDims& d = c.dims;
  const bool llama = c.family == DecoderFamily::kLlama;
  std::string s = fmt::format(
      "One {} block (hidden {}, {} query heads of {}, {} KV heads, FFN {}), {}: {} new token{} "
      "attending over {} position{}. ",
      llama ? "Llama-style decoder" : "GPT-2 decoder", d.hidden, d.heads, d.HeadDim(), d.kv_heads,
      d.ffn, DecoderPhaseName(c.phase), c.Tokens(), c.Tokens() == 1 ? "" : "s", c.Positions(),
      c.Positions() == 1 ? "" : "s");
  if (c.phase == DecoderPhase::kDecode) {
    s += fmt::format(
        "The KV cache of {} tokens is read from DRAM (inputs past_key, stored transposed as K^T "
        "[kv, d, L], and past_value [kv, L, d]) {}, once: the score and context matmuls "
        "are split into the cached positions (reading past_key and past_value) and the new "
        "token, the scores joined by a concat and the two contexts added, so the cache is "
        "never copied (the same MACs as over L + 1 positions). ",
        c.context,
        (c.kv_format ? "stored in " + QuantCodeName(*c.kv_format) + " and converted to "
                     : std::string("at ")) +
            (c.kv_bits > 0 ? std::to_string(c.kv_bits) + "-bit precision"
                           : "the activations' precision"));
  }
  s += "Omitted or approximated: the causal mask (prefill computes all S x S scores, as a "
       "systolic array does without skipping; in decode every position is visible); embeddings, "
       "the final norm and the LM head (not part of a block); dropout. ";
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
  const int64_t T = c.Tokens(), KV = d.kv_heads, D = d.HeadDim(), L = c.context;
  std::string y = "version: 1\n";
  y += "name: " + DecoderFamilyName(c.family) + "_" + DecoderPhaseName(c.phase) +
       (c.phase == DecoderPhase::kPrefill ? "_s" + std::to_string(c.seq)
                                          : "_l" + std::to_string(L)) +
       "\n";
  y += "description: \"" + Description(c) + "\"\n";
  y += std::string("source: \"") +
       (llama ? "The Llama 3 Herd of Models, Meta 2024, Table 3 (8B: 32 layers, model dimension "
                "4096, FFN 14336, 32 attention heads, 8 key/value heads, RoPE base 500000); "
                "names: transformers LlamaDecoderLayer"
              : "Radford et al. 2019, Language Models are Unsupervised Multitask Learners, Sec. "
                "2.3 (pre-LayerNorm) and GPT-2 small (768 wide, 12 heads, FFN 3072); names: "
                "transformers GPT2Block") +
       "\"\n";
  y += "inputs:\n  - {name: hidden_states, shape: " + ShapeToString({T, d.hidden}) + "}\n";
  if (c.phase == DecoderPhase::kDecode) {
    const std::string prec =
        (c.kv_bits > 0 ? ", precision: {bits: " + std::to_string(c.kv_bits) + "}" : "") +
        (c.kv_format ? ", storage: " + QuantCodeName(*c.kv_format) : "");
    y += "  - {name: past_key, shape: " + ShapeToString({KV, D, L}) + prec + "}\n";
    y += "  - {name: past_value, shape: " + ShapeToString({KV, L, D}) + prec + "}\n";
  }
  y += "layers:\n";
  Writer w;
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
    w.Layer("mlp_residual", "add", {"mlp.down_proj", "attn_residual"});
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
    w.Layer("mlp_residual", "add", {"mlp.c_proj", "attn_residual"});
  }
  return y + w.text();
}

NetworkSpec DecoderBlock(const DecoderBlockConfig& c) {
  return ParseNetwork(DecoderBlockYaml(c), DecoderFamilyName(c.family) + " (generated)");
}

}  // namespace quasar::models
