#include "decoder_options.h"

#include <algorithm>

#include "quasar/models/error.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/spec/geometry_reader.h"

namespace quasar::cli {

using namespace quasar::models;

void AddDecoderOptions(CLI::App* cmd, DecoderOptions* o) {
  o->options = {
      cmd->add_option("--phase", o->phase,
                      "gpt2_block, llama_block: prefill (S new tokens, default) or decode (one "
                      "token over a KV cache of --context tokens)"),
      cmd->add_option("--seq", o->seq,
                      "gpt2_block, llama_block, prefill: new tokens S (default " +
                          std::to_string(kDefaultPrefillSeq) + ")"),
      cmd->add_option("--context", o->context,
                      "gpt2_block, llama_block, decode: tokens already in the KV cache L"),
      cmd->add_option("--batch", o->batch,
                      "gpt2_block, llama_block: independent sequences run together (default 1): "
                      "the weights are read once for all their new tokens, each sequence "
                      "attends over its own positions and KV cache"),
      cmd->add_option("--query-chunks", o->query_chunks,
                      "gpt2_block, llama_block, prefill: the attention in C chunks of S / C "
                      "queries, each over the positions up to its last token, skipping the "
                      "tiles the causal mask zeroes (default 1: all S x S scores)"),
      cmd->add_option("--kv-bits", o->kv_bits,
                      "gpt2_block, llama_block, decode: bits of the KV cache in DRAM (default: "
                      "the activations')"),
      cmd->add_option("--kv-format", o->kv_format,
                      "gpt2_block, llama_block, decode: a number format the KV cache is stored "
                      "in (fp8_e4m3, fp8_e5m2, mxfp8_e4m3, ..., mxfp4_e2m1, or fp8, mxfp8, mxfp6, "
                      "mxfp4), converted to --kv-bits or the activations' precision where the "
                      "attention reads it (default: none)"),
      cmd->add_option("--dims", o->dims,
                      "gpt2_block, llama_block: other dimensions, e.g. "
                      "hidden=256,heads=4,kv_heads=2,ffn=512 (and vocab=V with --lm-head)"),
      cmd->add_flag("--lm-head", o->lm_head,
                    "gpt2_block, llama_block: append the model's end, the final norm and the LM "
                    "head of the last token (vocabulary 50257 for GPT-2, 128256 for Llama 3 8B, "
                    "or --dims vocab=V); run and compare count it once after the --blocks")};
}

void AddBlocksOption(CLI::App* cmd, DecoderOptions* o) {
  o->options.push_back(cmd->add_option(
      "--blocks", o->blocks,
      "gpt2_block, llama_block: the model's decoder blocks (default 1; Llama 3 8B has 32, "
      "GPT-2 small 12): time to first token, tokens/s and energy/token for that many blocks run "
      "one after another, and the LM head once after them with --lm-head"));
}

namespace {

QuantCode ParseKvFormat(const std::string& text) {
  const std::optional<QuantCode> code = ParseFormatShorthand(text);
  if (!code) {
    throw InputError("--kv-format must be a number format (" + NumberFormatChoices() +
                     ", or fp8, mxfp8, mxfp6, mxfp4), got '" + text + "'");
  }
  return *code;
}

bool Given(const DecoderOptions& o, const std::string& name) {
  return std::any_of(o.options.begin(), o.options.end(), [&](const CLI::Option* opt) {
    return opt != nullptr && opt->get_name() == name && opt->count() > 0;
  });
}

int64_t ParseCount(const std::string& option, const std::string& key, const std::string& v) {
  const bool digits =
      !v.empty() && v.size() <= 12 && v.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoll(v) < 1) {
    throw InputError(option + " " + key + "=" + v + ": not a positive integer");
  }
  return std::stoll(v);
}

// Sets the dimensions `text` names; returns the keys given.
std::vector<std::string> ApplyDims(const std::string& text, DecoderDims* d) {
  std::vector<std::string> keys;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    const size_t eq = item.find('=');
    const std::string key = item.substr(0, eq),
                      value = eq == std::string::npos ? "" : item.substr(eq + 1);
    int64_t* field = key == "hidden"     ? &d->hidden
                     : key == "heads"    ? &d->heads
                     : key == "kv_heads" ? &d->kv_heads
                     : key == "ffn"      ? &d->ffn
                     : key == "vocab"    ? &d->vocab
                                         : nullptr;
    if (eq == std::string::npos || field == nullptr) {
      throw InputError("--dims '" + item +
                       "': expected KEY=N with KEY one of hidden, heads, kv_heads, ffn, vocab, "
                       "e.g. hidden=256,heads=4,kv_heads=2,ffn=512");
    }
    *field = ParseCount("--dims", key, value);
    keys.push_back(key);
    at = comma + 1;
  }
  return keys;
}

bool Has(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

std::optional<DecoderBlockConfig> DecoderConfig(const std::string& net, const DecoderOptions& o) {
  const std::optional<DecoderFamily> family = ParseDecoderFamily(net);
  if (!family) {
    for (const CLI::Option* opt : o.options) {
      if (opt != nullptr && opt->count() > 0) {
        throw InputError(opt->get_name() + " applies to the generated decoder blocks (--net " +
                         DecoderBlockNames()[0] + ", " + DecoderBlockNames()[1] + "), not to " +
                         net);
      }
    }
    return std::nullopt;
  }
  DecoderBlockConfig c;
  c.family = *family;
  c.dims = DefaultDecoderDims(*family);
  if (!o.phase.empty()) {
    const auto p = ParseDecoderPhase(o.phase);
    if (!p) {
      throw InputError("--phase must be prefill or decode, got '" + o.phase + "'");
    }
    c.phase = *p;
  }
  const bool decode = c.phase == DecoderPhase::kDecode;
  if (decode) {
    if (Given(o, "--seq")) {
      throw InputError("--seq " + std::to_string(o.seq) +
                       " applies to --phase prefill; decode runs one new token over --context");
    }
    if (Given(o, "--query-chunks")) {
      throw InputError("--query-chunks " + std::to_string(o.query_chunks) +
                       " applies to --phase prefill; decode's one new token sees every position");
    }
    if (!Given(o, "--context")) {
      throw InputError("--phase decode needs --context L (the tokens already in the KV cache)");
    }
    if (o.context < 1 || o.context >= kMaxExtent) {
      throw InputError("--context must be in 1.." + std::to_string(kMaxExtent - 1) + ", got " +
                       std::to_string(o.context));
    }
    c.context = o.context;
    if (Given(o, "--kv-bits") && (o.kv_bits < 1 || o.kv_bits > 16)) {
      throw InputError("--kv-bits must be in 1..16, got " + std::to_string(o.kv_bits));
    }
    c.kv_bits = o.kv_bits;
    if (Given(o, "--kv-format")) {
      c.kv_format = ParseKvFormat(o.kv_format);
    }
  } else {
    for (const char* name : {"--context", "--kv-bits", "--kv-format"}) {
      if (Given(o, name)) {
        throw InputError(std::string(name) +
                         " applies to --phase decode (prefill reads no KV cache)");
      }
    }
    if (Given(o, "--seq") && (o.seq < 1 || o.seq > kMaxExtent)) {
      throw InputError("--seq must be in 1.." + std::to_string(kMaxExtent) + ", got " +
                       std::to_string(o.seq));
    }
    c.seq = Given(o, "--seq") ? o.seq : kDefaultPrefillSeq;
    if (Given(o, "--query-chunks")) {
      if (o.query_chunks < 1 || o.query_chunks > c.seq || c.seq % o.query_chunks != 0) {
        throw InputError("--query-chunks must divide --seq " + std::to_string(c.seq) + ", got " +
                         std::to_string(o.query_chunks));
      }
      c.query_chunks = o.query_chunks;
    }
  }
  if (Given(o, "--blocks")) {
    if (o.blocks < 1 || o.blocks > kMaxBlocks) {
      throw InputError("--blocks must be in 1.." + std::to_string(kMaxBlocks) + ", got " +
                       std::to_string(o.blocks));
    }
    c.blocks = o.blocks;
  }
  c.lm_head = o.lm_head;
  if (Given(o, "--dims")) {
    const std::vector<std::string> keys = ApplyDims(o.dims, &c.dims);
    if (c.family == DecoderFamily::kGpt2 && !Has(keys, "kv_heads")) {
      c.dims.kv_heads = c.dims.heads;  // multi-head attention: one KV head per query head
    }
    if (Has(keys, "vocab") && !c.lm_head) {
      throw InputError("--dims vocab=" + std::to_string(c.dims.vocab) +
                       " sizes the LM head, which only --lm-head adds");
    }
  }
  if (Given(o, "--batch")) {  // its bound depends on the dimensions and the head
    if (o.batch < 1 || o.batch > MaxBatch(c)) {
      throw InputError("--batch must be in 1.." + std::to_string(MaxBatch(c)) +
                       " (the format's limits on a tensor's elements and a layer's MACs), got " +
                       std::to_string(o.batch));
    }
    c.batch = o.batch;
  }
  return c;
}

}  // namespace quasar::cli
