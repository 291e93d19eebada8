// Shape inference along a network graph: every layer's output and weight shapes (each op's
// shape rule, ops.h), MACs and parameters, with a recorded error wherever the graph does not
// chain.

#include <algorithm>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>

#include "net_keys.h"
#include "ops/shape_util.h"
#include "quasar/models/int128.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/ops.h"

namespace quasar::models {
namespace {

using shape::kMaxElements;
using shape::kMaxMacs;
using shape::Product;

// Infers one layer; returns false (with errors recorded) if its output shape is unknown.
bool InferLayer(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e) {
  l->weight_shape.clear();
  l->macs = 0;
  int128 macs = 0;
  Shape out;
  if (!OpOf(l->op).shape(l, in, e, &out, &macs)) {  // the op's shape rule (ops.h)
    return false;
  }
  if (Product(out, 0, out.size()) > kMaxElements ||
      Product(l->weight_shape, 0, l->weight_shape.size()) > kMaxElements) {
    e.Add("", "the output " + ShapeToString(out) + " or weights " + ShapeToString(l->weight_shape) +
                  " exceed 2^40 elements");
    return false;
  }
  if (macs > kMaxMacs) {
    e.Add("", "the layer's multiply-accumulates exceed 2^50");
    return false;
  }
  l->macs = static_cast<int64_t>(macs);
  l->params = (l->weight_shape.empty() ? 0 : NumElements(l->weight_shape)) +
              (NetOpHasWeights(l->op) && l->bias ? l->out_channels : 0);
  if (!l->output_shape.empty() && l->output_shape != out) {
    e.Add("output_shape", "the inferred output shape is " + ShapeToString(out) + ", got " +
                              ShapeToString(l->output_shape));
  }
  l->output_shape = out;
  return true;
}

}  // namespace

void InferShapes(NetworkSpec* net, ErrorList* errors) {
  std::map<std::string, Shape> shapes;
  std::set<std::string> broken;  // tensors whose shape could not be inferred
  for (size_t i = 0; i < net->inputs.size(); ++i) {
    const NetInput& in = net->inputs[i];
    if (shapes.count(in.name)) {
      errors->Add("inputs[" + std::to_string(i) + "].name", "'" + in.name + "' is used twice");
    }
    if (Product(in.shape, 0, in.shape.size()) > kMaxElements) {
      errors->Add("inputs[" + std::to_string(i) + "].shape",
                  "more than 2^40 elements, got " + ShapeToString(in.shape));
    }
    shapes[in.name] = in.shape;
  }
  for (size_t i = 0; i < net->layers.size(); ++i) {
    NetLayer& l = net->layers[i];
    const LayerErrors e{errors, LayerKey(i, l.name)};
    if (l.name.empty()) {
      continue;  // already reported as missing
    }
    if (shapes.count(l.name) || broken.count(l.name)) {
      e.Add("name", "'" + l.name + "' is already the name of an earlier tensor");
    }
    const int reads = OpOf(l.op).inputs;  // 0: one or more; kNoInputs: none
    if (l.inputs.empty() && reads != kNoInputs) {
      l.inputs = {i == 0 ? (net->inputs.empty() ? std::string() : net->inputs[0].name)
                         : net->layers[i - 1].name};
    }
    const size_t arity = reads == kNoInputs ? 0 : static_cast<size_t>(reads);
    const char* key = arity == 1 ? "input" : "inputs";
    bool ok = true;
    if (reads == kNoInputs && !l.inputs.empty()) {
      e.Add(key, NetOpName(l.op) + " reads no tensor, got " + std::to_string(l.inputs.size()));
      ok = false;
    } else if (arity != 0 && l.inputs.size() != arity) {
      e.Add(key, NetOpName(l.op) + " reads " + std::to_string(arity) + " tensor(s), got " +
                     std::to_string(l.inputs.size()));
      ok = false;
    }
    std::vector<const Shape*> in;
    for (const std::string& name : l.inputs) {
      if (broken.count(name)) {
        ok = false;  // the producer's error is already reported
      } else if (!shapes.count(name)) {
        e.Add(key, "'" + name + "' is not a network input or an earlier layer");
        ok = false;
      } else {
        in.push_back(&shapes[name]);
      }
    }
    if (ok && InferLayer(&l, in, e)) {
      shapes[l.name] = l.output_shape;
    } else {
      broken.insert(l.name);
    }
  }
  IndexTensors(net);
  if (net->output.empty() && !net->layers.empty()) {
    net->output = net->layers.back().name;
  } else if (!net->output.empty() && !net->FindLayer(net->output)) {
    errors->Add("output", "must name a layer of the network, got '" + net->output + "'");
  }
}

int64_t NetworkSpec::TotalMacs() const {
  int64_t total = 0;
  for (const auto& l : layers) {
    total += l.macs;
  }
  return total;
}

int64_t NetworkSpec::TotalParams() const {
  int64_t total = 0;
  for (const auto& l : layers) {
    total += l.params;
  }
  return total;
}

namespace {

// The index entry of `tensor` if it is current for `net`, else nothing.
std::optional<int64_t> Indexed(const NetworkSpec& net, const std::string& tensor) {
  if (!net.tensor_index) {
    return std::nullopt;
  }
  const auto it = net.tensor_index->find(tensor);
  if (it == net.tensor_index->end()) {
    return std::nullopt;
  }
  const int64_t at = it->second;
  if (at >= 0) {
    const auto i = static_cast<size_t>(at);
    return i < net.layers.size() && net.layers[i].name == tensor ? std::optional(at) : std::nullopt;
  }
  const auto i = static_cast<size_t>(-1 - at);
  return i < net.inputs.size() && net.inputs[i].name == tensor ? std::optional(at) : std::nullopt;
}

}  // namespace

void IndexTensors(NetworkSpec* net) {
  auto index = std::make_shared<std::unordered_map<std::string, int64_t>>();
  index->reserve(net->inputs.size() + net->layers.size());
  for (size_t i = 0; i < net->inputs.size(); ++i) {
    index->emplace(net->inputs[i].name, -1 - static_cast<int64_t>(i));  // the first one wins
  }
  for (size_t i = 0; i < net->layers.size(); ++i) {
    index->emplace(net->layers[i].name, static_cast<int64_t>(i));
  }
  net->tensor_index = std::move(index);
}

bool NetworkSpec::OwnsQuantParams(const std::string& tensor) const {
  const NetLayer* l = FindLayer(tensor);
  return !l || !NetOpMovesDataOnly(l->op);
}

const std::string& NetworkSpec::QuantParamsOwner(const std::string& tensor) const {
  const NetLayer* l = FindLayer(tensor);
  return l != nullptr && NetOpMovesDataOnly(l->op) ? QuantParamsOwner(l->inputs.at(0)) : tensor;
}

const NetLayer* NetworkSpec::FindLayer(const std::string& layer_name) const {
  if (const std::optional<int64_t> at = Indexed(*this, layer_name); at && *at >= 0) {
    return &layers[static_cast<size_t>(*at)];
  }
  for (const auto& l : layers) {
    if (l.name == layer_name) {
      return &l;
    }
  }
  return nullptr;
}

const NetInput* NetworkSpec::FindInput(const std::string& input_name) const {
  if (const std::optional<int64_t> at = Indexed(*this, input_name); at && *at < 0) {
    return &inputs[static_cast<size_t>(-1 - *at)];
  }
  for (const auto& in : inputs) {
    if (in.name == input_name) {
      return &in;
    }
  }
  return nullptr;
}

const Shape& NetworkSpec::ShapeOf(const std::string& tensor) const {
  if (const std::optional<int64_t> at = Indexed(*this, tensor)) {
    return *at >= 0 ? layers[static_cast<size_t>(*at)].output_shape
                    : inputs[static_cast<size_t>(-1 - *at)].shape;
  }
  for (const auto& in : inputs) {
    if (in.name == tensor) {
      return in.shape;
    }
  }
  if (const NetLayer* l = FindLayer(tensor)) {
    return l->output_shape;
  }
  throw std::logic_error("ShapeOf: unknown tensor '" + tensor + "'");
}

}  // namespace quasar::models
