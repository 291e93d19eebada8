#pragma once
// Who reads which layer's output in an imported network, for the fusions that replace a chain of
// layers by one (fuse_layer_norm.cc, fuse_decoder.cc).

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "quasar/models/net/network.h"

namespace quasar::models::onnx_import {

// Who reads what, by layer index; the network output counts as a reader.
class Readers {
 public:
  explicit Readers(const NetworkSpec& net) : net_(net) {
    for (size_t i = 0; i < net.layers.size(); ++i) {
      index_[net.layers[i].name] = i;
      for (const std::string& t : net.layers[i].inputs) {
        of_[t].push_back(&net.layers[i]);
      }
    }
    of_[net.output].push_back(nullptr);
  }
  // The layers reading `tensor` (null for the network output).
  const std::vector<const NetLayer*>& Of(const std::string& tensor) const {
    static const std::vector<const NetLayer*> none;
    const auto r = of_.find(tensor);
    return r == of_.end() ? none : r->second;
  }
  // The one reader of `tensor` when it is an `op` layer with no activation; else null.
  const NetLayer* Sole(const std::string& tensor, NetOp op) const {
    const auto& r = Of(tensor);
    return r.size() == 1 && r[0] != nullptr && r[0]->op == op &&
                   r[0]->activation == Activation::kNone
               ? r[0]
               : nullptr;
  }
  const NetLayer* Layer(const std::string& name) const {
    const auto i = index_.find(name);
    return i == index_.end() ? nullptr : &net_.layers[i->second];
  }

 private:
  const NetworkSpec& net_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::vector<const NetLayer*>> of_;
};

// Puts `fused` in the place of a chain's last layer, keeping what the rest of the network and
// the precision policy know that layer by: its name, output shape and precision override.
inline void TakeOver(NetLayer* last, NetLayer fused) {
  fused.name = last->name;
  fused.output_shape = last->output_shape;
  fused.precision_override = last->precision_override;
  *last = std::move(fused);
}

// Fuses chains one at a time until none is left: `try_fuse(readers, layer)` fuses the chain that
// `layer` starts, if any, and says whether it did (the network changed, so the readers are built
// again and the scan starts over). A model with fixed quantization parameters (QDQ) quantizes
// the chains' intermediates itself and is left as written. Returns the number of fusions.
template <typename TryFuse>
int FuseUntilNone(NetworkSpec* net, TryFuse try_fuse) {
  if (!net->fixed_params.empty()) {
    return 0;
  }
  int fused = 0;
  for (bool again = true; again;) {
    again = false;
    const Readers r(*net);
    for (const NetLayer& l : net->layers) {
      if (try_fuse(r, l)) {  // `l` is gone: stop this scan
        ++fused;
        again = true;
        break;
      }
    }
  }
  return fused;
}

// Whether `axis` (as an ONNX attribute: -1 counts from the end) is the last axis of `x`.
inline bool IsLastAxis(int64_t axis, const Shape& x) {
  return axis == -1 || axis == static_cast<int64_t>(x.size()) - 1;
}

inline const Shape* ShapeOf(const NetworkSpec& net, const Readers& r, const std::string& tensor) {
  if (const NetLayer* l = r.Layer(tensor)) {
    return &l->output_shape;
  }
  for (const NetInput& in : net.inputs) {
    if (in.name == tensor) {
      return &in.shape;
    }
  }
  return nullptr;
}

}  // namespace quasar::models::onnx_import
