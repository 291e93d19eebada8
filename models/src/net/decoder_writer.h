#pragma once
// Internal to the decoder-block generator (decoder_block.cc, decoder_attention.cc): the writer
// of the layer list, the batch's leading axis, and the attention's layers.

#include <fmt/core.h>

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/models/net/decoder_block.h"
#include "quasar/models/tensor.h"

namespace quasar::models::decoder {

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

// A number in its shortest round-trip form.
inline std::string ShortestNum(double v) { return fmt::format("{}", v); }

// The attention of `x_norm` [B*T, hidden] into the output projection `out_proj` [B*T, hidden]
// (decoder_attention.cc): the Q, K, V projections, RoPE for Llama, grouped-query attention over
// every position at once or in query chunks (DecoderBlockConfig::query_chunks), decode split at
// the KV cache.
void Attention(Writer* w, const DecoderBlockConfig& c, const std::string& x_norm,
               const std::string& prefix, const std::string& q_proj, const std::string& k_proj,
               const std::string& v_proj, const std::string& out_proj);

}  // namespace quasar::models::decoder
