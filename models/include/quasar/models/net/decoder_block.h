#pragma once
// Decoder-only transformer blocks, generated as network-format YAML text (docs/llm.md) and read
// by the normal parser: a GPT-2-small block and a Llama-style block (Llama 3 8B dimensions), in
// one of two phases: prefill (S new tokens, no cache) or decode (one new token attending over a
// KV cache of L tokens, network inputs `past_key` and `past_value`). Optionally followed by the
// model's end, the final norm and the LM head over the last token, which a model runs once after
// all its blocks.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/net/network.h"

namespace quasar::models {

enum class DecoderFamily { kGpt2, kLlama };
enum class DecoderPhase { kPrefill, kDecode };

// The zoo-like name (`gpt2_block`, `llama_block`) and its parse; nullopt for any other name.
std::string DecoderFamilyName(DecoderFamily f);
std::optional<DecoderFamily> ParseDecoderFamily(const std::string& name);
std::vector<std::string> DecoderBlockNames();
std::string DecoderPhaseName(DecoderPhase p);
std::optional<DecoderPhase> ParseDecoderPhase(const std::string& name);

struct DecoderDims {
  int64_t hidden = 0;
  int64_t heads = 0;     // query heads
  int64_t kv_heads = 0;  // key/value heads (== heads: multi-head attention)
  int64_t ffn = 0;       // feed-forward width
  double rope_base = 0;  // Llama: rotary base (theta)
  double norm_epsilon = 0;
  int64_t vocab = 0;  // the LM head's outputs (DecoderBlockConfig::lm_head)
  int64_t HeadDim() const { return hidden / heads; }
};
// GPT-2 small (Radford et al. 2019; transformers GPT2Config: n_embd 768, n_head 12, n_inner
// 4 * 768, layer_norm_epsilon 1e-5) or Llama 3 8B ("The Llama 3 Herd of Models", Meta 2024,
// Table 3: model dimension 4096, FFN dimension 14336, 32 attention heads, 8 key/value heads, RoPE
// base 500000; rms_norm_eps 1e-5 from its released config.json). Vocabularies: GPT-2's 50,257
// tokens (Radford et al. 2019, Sec. 2.3), Llama 3 8B's 128,256 (vocab_size of its config.json).
DecoderDims DefaultDecoderDims(DecoderFamily f);

struct DecoderBlockConfig {
  DecoderFamily family = DecoderFamily::kGpt2;
  DecoderPhase phase = DecoderPhase::kPrefill;
  int64_t seq = 128;    // prefill: new tokens S
  int64_t context = 0;  // decode: tokens already in the KV cache L (>= 1)
  // Independent sequences run together (B): the projections and the FFN read each weight once
  // for all B x T new tokens; each sequence attends over its own P positions and, in decode,
  // reads its own KV cache (the attention tensors gain a leading axis of B when B > 1).
  int64_t batch = 1;
  // prefill: the attention in this many chunks of S / C queries, each over the positions up to
  // its last token only, skipping the score and context tiles the causal mask zeroes (1: all
  // S x S scores, as an array that skips nothing)
  int64_t query_chunks = 1;
  int kv_bits = 0;      // decode: the cache's bits (0: the policy's activations)
  // decode: a number format the cache is stored in (NetInput::storage), converted to its
  // precision (kv_bits or the activations') where the attention matmuls read it
  std::optional<QuantCode> kv_format;
  DecoderDims dims;     // DefaultDecoderDims(family) unless overridden
  // The model's blocks (Llama 3 8B 32, GPT-2 small 12): the reports' LLM figures are for this
  // many of the block run one after another (sim/core/llm_metrics.h); the block is the same.
  int64_t blocks = 1;
  // Append the model's end after the block: the final norm and the LM head ([1, hidden] x
  // [vocab, hidden]^T) over the last new token, whose logits give the next token. The reports
  // count these layers once, not once per block (DecoderEndLayers, sim/core/llm_metrics.h).
  bool lm_head = false;
  // The reports' LLM figures are those of the run itself: one block, no model end.
  bool JustTheBlock() const { return blocks == 1 && !lm_head; }
  // New tokens of one sequence (T: S, or 1 in decode), and of the whole batch (B x T).
  int64_t SequenceTokens() const { return phase == DecoderPhase::kPrefill ? seq : 1; }
  int64_t Tokens() const { return batch * SequenceTokens(); }
  // The positions each sequence's new tokens attend over (P: S, or L + 1).
  int64_t Positions() const { return phase == DecoderPhase::kPrefill ? seq : context + 1; }
};
constexpr int64_t kDefaultPrefillSeq = 128;

// The block as network-format YAML. InputError naming the field when the configuration is
// inconsistent (heads not dividing hidden, kv_heads not dividing heads, a length below 1, ...).
std::string DecoderBlockYaml(const DecoderBlockConfig& c);
// The block parsed by ParseNetwork (precision not yet resolved with command-line options).
NetworkSpec DecoderBlock(const DecoderBlockConfig& c);
// The layers of the model's end that DecoderBlockYaml appends when c.lm_head is set, in order
// (in prefill the slice of each sequence's last token, with the reshapes around it for a batch;
// the final norm's layers; `lm_head`); empty otherwise.
std::vector<std::string> DecoderEndLayers(const DecoderBlockConfig& c);
// The largest batch whose block keeps every tensor within 2^40 elements, every layer within
// 2^50 MACs and every dimension within kMaxExtent (the network format's limits), at least 1.
int64_t MaxBatch(const DecoderBlockConfig& c);
// What the reports' LLM figures are for: "one block", "32 blocks", "32 blocks and the LM head".
std::string DecoderModelScope(const DecoderBlockConfig& c);

}  // namespace quasar::models
