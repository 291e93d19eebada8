// NetworkSpec -> version-1 YAML (docs/network-format.md), so imports and quantized networks can
// be saved and read back by ParseNetwork.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "quasar/models/net/network.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/spec/layer_spec.h"
#include "ops/op_keys.h"

namespace quasar::models {
namespace {

void EmitOperand(YAML::Emitter& out, const char* key, const OperandPrecision& p) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "code" << YAML::Value << QuantCodeName(p.code);
  if (QuantCodeOf(p.code).fixed_bits == 0) {  // a code's fixed bits go without saying
    out << YAML::Key << "bits" << YAML::Value << p.bits;
  }
  out << YAML::Key << "signed" << YAML::Value << p.is_signed;
  out << YAML::Key << "symmetric" << YAML::Value << p.symmetric;
  out << YAML::Key << "granularity" << YAML::Value << GranularityName(p.granularity);
  if (p.granularity == Granularity::kPerGroup) {
    out << YAML::Key << "group_size" << YAML::Value << p.group_size;
  }
  out << YAML::Key << "calibration" << YAML::Value << CalibMethodName(p.calibration);
  out << YAML::EndMap;
}

void EmitOverride(YAML::Emitter& out, const char* key, const OperandOverride& o) {
  if (o.empty()) {
    return;
  }
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  if (o.code) {
    out << YAML::Key << "code" << YAML::Value << QuantCodeName(*o.code);
  }
  if (o.bits) {
    out << YAML::Key << "bits" << YAML::Value << *o.bits;
  }
  if (o.is_signed) {
    out << YAML::Key << "signed" << YAML::Value << *o.is_signed;
  }
  if (o.symmetric) {
    out << YAML::Key << "symmetric" << YAML::Value << *o.symmetric;
  }
  if (o.group_size) {
    out << YAML::Key << "group_size" << YAML::Value << *o.group_size;
  }
  if (o.granularity) {
    out << YAML::Key << "granularity" << YAML::Value << GranularityName(*o.granularity);
  }
  if (o.calibration) {
    out << YAML::Key << "calibration" << YAML::Value << CalibMethodName(*o.calibration);
  }
  out << YAML::EndMap;
}

void EmitAccumulator(YAML::Emitter& out, const AccumulatorSpec& a) {
  out << YAML::Key << "accumulator" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
      << "bits" << YAML::Value << a.bits << YAML::Key << "overflow" << YAML::Value
      << OverflowModeName(a.overflow) << YAML::EndMap;
}

// The fixed quantization of tensor `name` under `key`, when the network has one (fixed_quant.h).
void EmitFixed(YAML::Emitter& out, const char* key,
               const std::map<std::string, QuantParams>& fixed, const std::string& name) {
  const auto f = fixed.find(name);
  if (f != fixed.end()) {
    out << YAML::Key << key << YAML::Value;
    EmitQuantParams(out, f->second);
  }
}

void EmitLayer(YAML::Emitter& out, const NetworkSpec& net, const NetLayer& l) {
  KeyWriter keys(out);
  out << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << l.name;
  out << YAML::Key << "op" << YAML::Value << NetOpName(l.op);
  if (l.inputs.size() == 1) {
    out << YAML::Key << "input" << YAML::Value << l.inputs[0];
  } else if (!l.inputs.empty()) {  // a constant reads none
    keys.StringList("inputs", l.inputs);
  }
  if (OpOf(l.op).write_keys) {  // its own keys (ops/*.cc)
    OpOf(l.op).write_keys(keys, l);
  }
  if (NetOpHasWeights(l.op)) {
    out << YAML::Key << "bias" << YAML::Value << l.bias;
  }
  // The element-wise ops' parameters, wherever the op takes them (ops/elementwise.cc).
  const auto takes = [&](const char* key) {
    const auto& own = OpOf(l.op).keys;
    return std::find(own.begin(), own.end(), key) != own.end();
  };
  for (auto [key, value] : {std::pair<const char*, double>{"alpha", l.alpha},
                            {"beta", l.beta},
                            {"min", l.clip_min},
                            {"max", l.clip_max},
                            {"exponent", l.exponent},
                            {"epsilon", l.epsilon}}) {
    if (takes(key)) {
      out << YAML::Key << key << YAML::Value << value;
    }
  }
  for (auto [key, value] : {std::pair<const char*, int64_t>{"axis", l.axis},
                            {"start", l.start},
                            {"end", l.end}}) {
    if (takes(key)) {
      out << YAML::Key << key << YAML::Value << value;
    }
  }
  if (l.activation != Activation::kNone) {
    out << YAML::Key << "activation" << YAML::Value << ActivationName(l.activation);
  }
  if (!l.weights_file.empty()) {
    out << YAML::Key << (takes("value_file") ? "value_file" : "weights_file") << YAML::Value
        << l.weights_file;
  }
  if (!l.bias_file.empty()) {
    out << YAML::Key << "bias_file" << YAML::Value << l.bias_file;
  }
  keys.IntList("output_shape", l.output_shape);
  EmitFixed(out, "quant", net.fixed_params, l.name);
  EmitFixed(out, "weights_quant", net.fixed_weight_params, l.name);
  const PrecisionOverride& o = l.precision_override;
  if (!o.empty()) {
    out << YAML::Key << "precision" << YAML::Value << YAML::Flow << YAML::BeginMap;
    EmitOverride(out, "weights", o.weights);
    EmitOverride(out, "activations", o.activations);
    if (!o.accumulator.empty()) {
      out << YAML::Key << "accumulator" << YAML::Value << YAML::Flow << YAML::BeginMap;
      if (o.accumulator.bits) {
        out << YAML::Key << "bits" << YAML::Value << *o.accumulator.bits;
      }
      if (o.accumulator.overflow) {
        out << YAML::Key << "overflow" << YAML::Value << OverflowModeName(*o.accumulator.overflow);
      }
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

}  // namespace

std::string NetworkToYaml(const NetworkSpec& net) {
  for (const auto* fixed : {&net.fixed_params, &net.fixed_weight_params}) {
    for (const auto& entry : *fixed) {
      if (net.FindLayer(entry.first) == nullptr &&
          std::none_of(net.inputs.begin(), net.inputs.end(),
                       [&](const NetInput& in) { return in.name == entry.first; })) {
        throw std::logic_error("fixed quantization of '" + entry.first + "', which is no tensor");
      }
    }
  }
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << 1;
  out << YAML::Key << "name" << YAML::Value << net.name;
  if (!net.description.empty()) {
    out << YAML::Key << "description" << YAML::Value << net.description;
  }
  if (!net.source.empty()) {
    out << YAML::Key << "source" << YAML::Value << net.source;
  }
  out << YAML::Key << "inputs" << YAML::Value << YAML::BeginSeq;
  for (const auto& in : net.inputs) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << in.name;
    KeyWriter(out).IntList("shape", in.shape);
    if (!in.file.empty()) {
      out << YAML::Key << "file" << YAML::Value << in.file;
    }
    if (!in.calibration.empty()) {
      out << YAML::Key << "calibration" << YAML::Value << YAML::Flow << in.calibration;
    }
    EmitFixed(out, "quant", net.fixed_params, in.name);
    EmitOverride(out, "precision", in.precision);
    if (in.storage) {
      out << YAML::Key << "storage" << YAML::Value << QuantCodeName(*in.storage);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  const PrecisionPolicy& p = net.policy;
  out << YAML::Key << "precision" << YAML::Value << YAML::BeginMap;
  EmitOperand(out, "weights", p.weights);
  EmitOperand(out, "activations", p.activations);
  out << YAML::Key << "rounding" << YAML::Value << RoundingModeName(p.rounding);
  EmitAccumulator(out, p.accumulator);
  if (p.first_last_bits) {
    out << YAML::Key << "first_last_bits" << YAML::Value << *p.first_last_bits;
  }
  out << YAML::Key << "percentile" << YAML::Value << p.percentile;
  out << YAML::EndMap;
  out << YAML::Key << "output" << YAML::Value << net.output;
  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  for (const auto& l : net.layers) {
    EmitLayer(out, net, l);
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace quasar::models
