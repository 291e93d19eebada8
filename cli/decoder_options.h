#pragma once
// The options of the generated decoder blocks (`--net gpt2_block`, `--net llama_block`,
// docs/llm.md): the phase, the prefill length, the decode cache length, the cache's bits and
// smaller dimensions; turned into the generator's configuration with every value checked.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/net/decoder_block.h"

namespace quasar::cli {

struct DecoderOptions {
  std::string phase;                  // prefill (default) | decode
  int64_t seq = 0;                    // 0: kDefaultPrefillSeq
  int64_t context = 0;                // decode: required
  int64_t batch = 1;                  // independent sequences run together
  int64_t query_chunks = 1;           // prefill: the attention in chunks of queries
  int kv_bits = 0;                    // 0: the activations' precision
  std::string kv_format;              // a number format the cache is stored in; empty: none
  std::string dims;                   // hidden=H,heads=N,kv_heads=K,ffn=F (any subset)
  int64_t blocks = 1;                 // --blocks (run and compare only)
  bool lm_head = false;               // --lm-head: the final norm and the LM head after the block
  std::vector<CLI::Option*> options;  // set by AddDecoderOptions
};

// Adds --phase, --seq, --context, --batch, --query-chunks, --kv-bits, --kv-format, --dims and
// --lm-head.
void AddDecoderOptions(CLI::App* cmd, DecoderOptions* o);
// Adds --blocks, for the commands that report the LLM figures (run, compare); after
// AddDecoderOptions.
void AddBlocksOption(CLI::App* cmd, DecoderOptions* o);

// The largest --blocks.
constexpr int64_t kMaxBlocks = 1024;

// The block `net` names with the options applied, or nullopt when `net` names no generated
// block. InputError naming the option and value for a bad value (an unknown phase, a context
// below 1, --context in prefill, ...) or for a decoder option given with another network.
std::optional<models::DecoderBlockConfig> DecoderConfig(const std::string& net,
                                                        const DecoderOptions& o);

}  // namespace quasar::cli
