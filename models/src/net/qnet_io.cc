// Saving and loading a quantized network: network.yaml (topology and policy, the network format),
// quant.yaml (every tensor's and weight tensor's parameters) and one .npy per weight and bias.

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>

#include "bias_rule.h"
#include "quasar/models/error.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/npy.h"
#include "quasar/models/spec/layer_spec.h"
#include "quasar/models/spec/yaml_reader.h"
#include "quasar/models/text_file.h"

namespace quasar::models {
namespace {

namespace fs = std::filesystem;

void WriteText(const fs::path& path, const std::string& text) {
  WriteTextFile(path.string(), text, "quantized network");
}

}  // namespace

void SaveQuantizedNetwork(const QuantizedNetwork& qnet, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw InputError(dir + ": cannot create directory: " + ec.message());
  }
  // quant.yaml holds every tensor's parameters and the weights' integers: network.yaml is the
  // topology alone (a fixed `weights_quant` there would name integer weight files it does not
  // have, and `quant` would state the parameters twice).
  NetworkSpec topology = qnet.net;
  topology.fixed_params.clear();
  topology.fixed_weight_params.clear();
  WriteText(fs::path(dir) / "network.yaml", NetworkToYaml(topology));
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << YAML::BeginMap << YAML::Key << "version" << YAML::Value << 1;
  out << YAML::Key << "rounding" << YAML::Value << RoundingModeName(qnet.net.policy.rounding);
  if (qnet.seed) {
    out << YAML::Key << "seed" << YAML::Value << *qnet.seed;
  }
  out << YAML::Key << "tensors" << YAML::Value << YAML::BeginMap;
  for (const auto& in : qnet.net.inputs) {
    out << YAML::Key << in.name << YAML::Value;
    EmitQuantParams(out, qnet.tensors.at(in.name));
  }
  for (const auto& l : qnet.net.layers) {
    out << YAML::Key << l.name << YAML::Value;
    EmitQuantParams(out, qnet.tensors.at(l.name));
  }
  out << YAML::EndMap << YAML::Key << "layers" << YAML::Value << YAML::BeginMap;
  for (size_t i = 0; i < qnet.net.layers.size(); ++i) {
    const NetLayer& l = qnet.net.layers[i];
    const QuantizedLayer& ql = qnet.layers[i];
    if (!NetOpHasWeights(l.op)) {
      continue;
    }
    // Files are named by position, never by layer name (a name may hold '/' or '..').
    char stem[32];
    std::snprintf(stem, sizeof stem, "layer%03zu", i);
    const std::string wfile = std::string(stem) + ".weights.npy";
    WriteNpy((fs::path(dir) / wfile).string(), ql.weights, NpyDtypeFor(ql.spec.weights.type));
    out << YAML::Key << l.name << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "weights" << YAML::Value << wfile;
    out << YAML::Key << "weights_quant" << YAML::Value;
    EmitQuantParams(out, ql.spec.weights);
    if (ql.bias) {
      const std::string bfile = std::string(stem) + ".bias.npy";
      WriteNpy((fs::path(dir) / bfile).string(), *ql.bias, NpyDtype::kInt32);
      out << YAML::Key << "bias" << YAML::Value << bfile;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  WriteText(fs::path(dir) / "quant.yaml", std::string(out.c_str()) + "\n");
}

QuantizedNetwork LoadQuantizedNetwork(const std::string& dir) {
  QuantizedNetwork q;
  q.net = LoadNetwork((fs::path(dir) / "network.yaml").string());
  const std::string qpath = (fs::path(dir) / "quant.yaml").string();
  ErrorList errors(qpath);
  const MapReader root(LoadYamlFile(qpath), "", &errors);
  root.RejectUnknownKeys({"version", "rounding", "seed", "tensors", "layers"});
  if (auto v = root.Int("version", true); v && *v != 1) {
    root.Error("version", "must be 1, got " + std::to_string(*v));
  }
  if (auto r = root.String("rounding", true); r && *r != RoundingModeName(q.net.policy.rounding)) {
    root.Error("rounding", "must match network.yaml (" + RoundingModeName(q.net.policy.rounding) +
                               "), got '" + *r + "'");
  }
  auto tensors = root.Map("tensors", true);
  auto layers = root.Map("layers", true);
  if (!tensors || !layers) {
    errors.ThrowIfAny();
  }
  if (auto seed = root.Int("seed", false)) {
    q.seed = static_cast<uint64_t>(*seed);
  }
  for (const auto& [name, prec] : q.net.tensor_precision) {
    QuantParams p = ReadQuantParams(*tensors, name, false);
    if (p.type != prec.StorageType()) {
      tensors->Error(name + ".type", "must be " + prec.StorageType().Name() +
                                         " (the network's precision), got " + p.type.Name());
    }
    q.tensors[name] = p;
  }
  // Pools, flatten, reshape and transpose keep their input's quantization; a file that says
  // otherwise would silently rescale the tensor.
  for (const NetLayer& l : q.net.layers) {
    if (!NetOpMovesDataOnly(l.op)) {
      continue;
    }
    const QuantParams& in = q.tensors.at(l.inputs[0]);
    const QuantParams& out = q.tensors.at(l.name);
    if ((in.scales != out.scales || in.zero_points != out.zero_points || in.type != out.type)) {
      tensors->Error(l.name, "must equal the quantization of its input '" + l.inputs[0] + "' (" +
                                 NetOpName(l.op) + " keeps it)");
    }
  }
  std::map<std::string, QuantParams> weight_params;
  q.layers.resize(q.net.layers.size());
  for (const std::string& key : layers->Keys()) {
    const NetLayer* l = q.net.FindLayer(key);
    if (!l || !NetOpHasWeights(l->op)) {
      layers->Error(key, "is not a layer with weights in network.yaml");
    }
  }
  for (size_t i = 0; i < q.net.layers.size(); ++i) {
    const NetLayer& l = q.net.layers[i];
    if (!NetOpHasWeights(l.op)) {
      continue;
    }
    auto m = layers->Map(l.name, true);
    if (!m) {
      continue;
    }
    m->RejectUnknownKeys({"weights", "weights_quant", "bias"});
    QuantParams wp = ReadQuantParams(*m, "weights_quant", true);
    for (size_t n : {wp.scales.size(), wp.zero_points.size()}) {
      if (n != 1 && static_cast<int64_t>(n) != l.out_channels) {
        m->Error("weights_quant", "scale and zero_point must have 1 or " +
                                      std::to_string(l.out_channels) + " values, got " +
                                      std::to_string(n));
      }
    }
    if (wp.type != l.precision.weights.StorageType()) {
      m->Error("weights_quant.type", "must be " + l.precision.weights.StorageType().Name() +
                                         " (the layer's precision), got " + wp.type.Name());
    }
    weight_params[l.name] = wp;
    if (auto f = m->String("weights", true)) {
      const std::string path = (fs::path(dir) / *f).string();
      try {
        IntTensor w = ToIntTensor(ReadNpy(path), path);
        if (w.shape != l.weight_shape) {
          m->Error("weights", path + " has shape " + ShapeToString(w.shape) + ", expected " +
                                  ShapeToString(l.weight_shape));
        }
        CheckValues(w, wp.type, path);
        q.layers[i].weights = std::move(w);
      } catch (const InputError& e) {
        m->Error("weights", e.what());
      }
    }
    // Running without a bias the quantizer kept would be silently wrong.
    const bool needs_bias = KeepsIntegerBias(l, q.tensors.at(l.name));
    if (auto f = m->String("bias", needs_bias)) {
      const std::string path = (fs::path(dir) / *f).string();
      try {
        IntTensor b = ToIntTensor(ReadNpy(path), path);
        if (b.shape != Shape{l.out_channels}) {
          m->Error("bias", path + " has shape " + ShapeToString(b.shape) + ", expected [" +
                               std::to_string(l.out_channels) + "]");
        }
        q.layers[i].bias = std::move(b);
      } catch (const InputError& e) {
        m->Error("bias", e.what());
      }
    }
  }
  errors.ThrowIfAny();
  BuildLayerSpecs(&q, weight_params);
  return q;
}

}  // namespace quasar::models
