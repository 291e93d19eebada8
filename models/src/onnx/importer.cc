#include "importer.h"

#include <algorithm>
#include <cctype>

#include "../net/ops/shape_util.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::models::onnx_import {

std::string Dims(const Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    out += (i ? "x" : "") + std::to_string(s[i]);
  }
  return out.empty() ? "scalar" : out;
}

Constant DecodeConstant(const onnx::TensorProto& t) {
  Constant c;
  try {
    c.shape = onnx_io::ShapeOf(t);
    c.data_type = t.data_type();
    if (t.data_type() == onnx_io::kFloat) {
      c.floats = onnx_io::DecodeFloats(t);
    } else if (onnx_io::IntegerBits(t.data_type()) > 0) {
      c.integer = true;
      c.ints = onnx_io::DecodeIntegers(t);
    } else {
      throw NodeError("tensor '" + t.name() + "' has element type " +
                      onnx_io::DataTypeName(t.data_type()) +
                      "; float models take float32 and integer constants");
    }
  } catch (const NodeError&) {
    throw;
  } catch (const std::exception& e) {
    throw NodeError(e.what());
  }
  return c;
}

FloatTensor ToFloatTensor(const Constant& c) {
  if (c.integer) {
    FloatTensor t(c.shape);
    std::transform(c.ints.begin(), c.ints.end(), t.data.begin(),
                   [](int64_t v) { return static_cast<float>(v); });
    return t;
  }
  return FloatTensor(c.shape, c.floats);
}

std::string LayerName(const Node& node) {
  return node.proto().name().empty() ? node.proto().op_type() : node.proto().name();
}

// ---- Node ------------------------------------------------------------------------------------

bool Node::Has(int i) const { return i < proto_.input_size() && !proto_.input(i).empty(); }

const Value& Node::In(int i) const {
  if (!Has(i)) {
    throw NodeError("input " + std::to_string(i) + " is required");
  }
  return im_->Get(proto_.input(i));
}

const Value& Node::Activation(int i, const char* what) const {
  const Value& v = In(i);
  if (v.is_constant()) {
    throw NodeError(std::string(what) + " (input " + std::to_string(i) + ", '" + proto_.input(i) +
                    "') is a constant; Quasar takes it only as a tensor computed by the network");
  }
  return v;
}

const Constant& Node::ConstantIn(int i, const char* what) const {
  const Value& v = In(i);
  if (!v.is_constant()) {
    throw NodeError(std::string(what) + " (input " + std::to_string(i) + ", '" + proto_.input(i) +
                    "') must be a constant (an initializer or a Constant node), not a tensor the "
                    "network computes");
  }
  return *v.constant;
}

std::string Node::TensorIn(int i) const {
  const Value& v = In(i);
  return v.is_constant() ? im_->ConstantLayer(proto_.input(i), *v.constant) : v.tensor;
}

const std::string& Node::Out(int i) const {
  if (i >= proto_.output_size() || proto_.output(i).empty()) {
    throw NodeError("output " + std::to_string(i) + " is missing");
  }
  return proto_.output(i);
}

const onnx::AttributeProto* Node::Find(const char* name) const {
  for (const auto& a : proto_.attribute()) {
    if (a.name() == name) {
      return &a;
    }
  }
  return nullptr;
}

void Node::KnownAttributes(std::initializer_list<const char*> known) const {
  for (const auto& a : proto_.attribute()) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return a.name() == k; })) {
      throw NodeError("attribute '" + a.name() + "' is not supported");
    }
  }
}

bool Node::HasAttribute(const char* name) const { return Find(name) != nullptr; }

int64_t Node::Int(const char* name, int64_t default_value) const {
  const auto* a = Find(name);
  if (a == nullptr) {
    return default_value;
  }
  if (a->type() != onnx::AttributeProto::INT) {
    throw NodeError("attribute '" + std::string(name) + "' must be an int");
  }
  return a->i();
}

float Node::Float(const char* name, float default_value) const {
  const auto* a = Find(name);
  if (a == nullptr) {
    return default_value;
  }
  if (a->type() != onnx::AttributeProto::FLOAT) {
    throw NodeError("attribute '" + std::string(name) + "' must be a float");
  }
  return a->f();
}

std::string Node::String(const char* name, const std::string& default_value) const {
  const auto* a = Find(name);
  if (a == nullptr) {
    return default_value;
  }
  if (a->type() != onnx::AttributeProto::STRING) {
    throw NodeError("attribute '" + std::string(name) + "' must be a string");
  }
  return a->s();
}

std::vector<int64_t> Node::Ints(const char* name) const {
  const auto* a = Find(name);
  if (a == nullptr) {
    return {};
  }
  if (a->type() != onnx::AttributeProto::INTS) {
    throw NodeError("attribute '" + std::string(name) + "' must be a list of ints");
  }
  return {a->ints().begin(), a->ints().end()};
}

Constant Node::Tensor(const char* name) const {
  const auto* a = Find(name);
  if (a == nullptr || a->type() != onnx::AttributeProto::TENSOR) {
    throw NodeError("attribute '" + std::string(name) + "' must be a tensor");
  }
  return DecodeConstant(a->t());
}

int64_t Axis(int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) {
    throw NodeError("axis " + std::to_string(axis) + " is out of range for rank " +
                    std::to_string(rank));
  }
  return axis < 0 ? axis + r : axis;
}

// ---- Importer --------------------------------------------------------------------------------

void Importer::BindConstant(const std::string& onnx_name, Constant c) {
  Value v;
  v.shape = c.shape;
  v.constant = std::make_shared<const Constant>(std::move(c));
  values_[onnx_name] = std::move(v);
}

void Importer::AddInput(const std::string& onnx_name, const Shape& shape) {
  NetInput in;
  in.name = onnx_name;
  in.shape = shape;
  net_.inputs.push_back(in);
  names_.insert(onnx_name);
  values_[onnx_name] = Value{onnx_name, shape, nullptr};
  live_[onnx_name] = 1;
}

std::string Importer::AddLayer(NetLayer layer, const std::string& onnx_output) {
  const std::string name = Append(std::move(layer));
  values_[onnx_output] = Value{name, net_.layers.back().output_shape, nullptr};
  return name;
}

std::string Importer::ConstantLayer(const std::string& onnx_name, const Constant& c) {
  const auto done = constant_layers_.find(onnx_name);
  if (done != constant_layers_.end()) {
    return done->second;
  }
  if (c.integer) {
    throw NodeError("reads the integer constant '" + onnx_name +
                    "' as a tensor; Quasar's constant layers hold float values");
  }
  NetLayer layer;
  layer.name = onnx_name;
  layer.op = NetOp::kConstant;
  layer.weights_data = std::make_shared<const FloatTensor>(c.shape, c.floats);
  const std::string name = Append(std::move(layer));
  if (c.quant) {  // a QDQ model's DequantizeLinear of an integer initializer: its own parameters
    if (c.quant->scales.size() != 1) {
      throw NodeError("reads the constant '" + onnx_name + "', quantized per axis, as a tensor; "
                      "Quasar quantizes tensors with one scale");
    }
    net_.fixed_params[name] = *c.quant;
  }
  constant_layers_[onnx_name] = name;
  return name;
}

std::string Importer::Append(NetLayer layer) {
  std::string name = layer.name;
  for (int n = 2; names_.count(name); ++n) {
    name = layer.name + "_" + std::to_string(n);
  }
  layer.name = name;
  std::vector<const Shape*> shapes;
  for (const auto& t : layer.inputs) {
    const size_t at = layer_of_.count(t) ? layer_of_.at(t) : SIZE_MAX;
    if (at != SIZE_MAX) {
      shapes.push_back(&net_.layers[at].output_shape);
    } else {
      auto it = std::find_if(net_.inputs.begin(), net_.inputs.end(),
                             [&](const NetInput& in) { return in.name == t; });
      shapes.push_back(&it->shape);
    }
  }
  ErrorList errors(file_);
  Shape out;
  int128 macs = 0;
  if (!OpOf(layer.op).shape(&layer, shapes, LayerErrors{&errors, "layer " + name}, &out, &macs)) {
    std::string all;
    for (const auto& m : errors.messages()) {
      all += (all.empty() ? "" : "; ") + m.substr(file_.size() + 2);
    }
    throw NodeError("as Quasar's " + NetOpName(layer.op) + ": " + all);
  }
  if (NetOpHasWeights(layer.op) && layer.weights_data &&
      layer.weights_data->shape != layer.weight_shape) {
    throw NodeError("the weights have shape " + Dims(layer.weights_data->shape) +
                    "; on its input " + Dims(*shapes.at(0)) + " the layer needs " +
                    Dims(layer.weight_shape));
  }
  layer.output_shape = out;
  names_.insert(name);
  layer_of_[name] = net_.layers.size();
  net_.layers.push_back(std::move(layer));
  live_[name] = 1;
  return name;
}

NetLayer* Importer::SoleProducer(const std::string& onnx_name) {
  const auto v = values_.find(onnx_name);
  if (v == values_.end() || v->second.is_constant()) {
    return nullptr;
  }
  const auto at = layer_of_.find(v->second.tensor);
  if (at == layer_of_.end() || uses_[onnx_name] != 1) {
    return nullptr;
  }
  // No other ONNX name may still stand for the same output (an Identity of it read elsewhere).
  return live_[v->second.tensor] == 1 ? &net_.layers[at->second] : nullptr;
}

NetLayer* Importer::ReadOnceLayer(const std::string& tensor) {
  const auto at = layer_of_.find(tensor);
  if (at == layer_of_.end() || live_[tensor] != 1) {
    return nullptr;
  }
  int readers = 0;
  for (const NetLayer& l : net_.layers) {
    readers += static_cast<int>(std::count(l.inputs.begin(), l.inputs.end(), tensor));
  }
  return readers == 1 ? &net_.layers[at->second] : nullptr;
}

void Importer::Consumed(const onnx::NodeProto& node) {
  for (const auto& in : node.input()) {
    const auto v = values_.find(in);
    if (!in.empty() && --remaining_[in] == 0 && v != values_.end() && v->second.is_constant()) {
      values_.erase(v);
    }
  }
}

void Importer::PassThrough(const std::string& from, const std::string& to) {
  const Value v = values_.at(from);
  values_[to] = v;
  if (!v.is_constant()) {
    ++live_[v.tensor];
    if (uses_[from] == 1) {  // this node was its only reader: `from` is dead from here on
      --live_[v.tensor];
    }
  }
}

}  // namespace quasar::models::onnx_import
