// `quasar networks`: the model zoo with MAC and parameter counts, or one network layer by layer;
// `--emit` writes a generated decoder block (decoder_block.h) as network-format YAML.
// `quasar import-scalesim`: a SCALE-Sim topology CSV written out in the network format.

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "net_common.h"
#include "quasar/models/error.h"
#include "quasar/models/net/scalesim_import.h"
#include "output_paths.h"
#include "quasar/models/text_file.h"

namespace quasar::cli {
namespace {

using namespace quasar::models;

struct Options {
  std::string net, format = "table", emit, out;
  std::vector<std::string> input_shapes;
  DecoderOptions decoder;
};

// "1.81 G", "300.8 M", "61.7 k".
std::string Human(int64_t v) {
  if (v >= 1000000000) {
    return fmt::format("{:.2f} G", static_cast<double>(v) / 1e9);
  }
  if (v >= 1000000) {
    return fmt::format("{:.1f} M", static_cast<double>(v) / 1e6);
  }
  if (v >= 1000) {
    return fmt::format("{:.1f} k", static_cast<double>(v) / 1e3);
  }
  return std::to_string(v);
}

// "gpt2_block, llama_block".
std::string BlockNames() {
  std::string s;
  for (const std::string& n : DecoderBlockNames()) {
    s += (s.empty() ? "" : ", ") + n;
  }
  return s;
}

nlohmann::json LayerJson(const NetworkSpec& net, const NetLayer& l) {
  nlohmann::json j = {{"name", l.name},
                      {"op", NetOpName(l.op)},
                      {"inputs", l.inputs},
                      {"output_shape", l.output_shape},
                      {"macs", l.macs},
                      {"params", l.params},
                      {"output_precision", net.tensor_precision.at(l.name).Describe()}};
  if (NetOpHasWeights(l.op)) {
    j["weight_shape"] = l.weight_shape;
    j["weight_precision"] = l.precision.weights.Describe();
  }
  return j;
}

int ListZoo(const Options& o) {
  nlohmann::json all = nlohmann::json::array();
  std::vector<NetworkSpec> nets;
  for (const auto& name : ZooNames()) {
    nets.push_back(LoadNetwork(ResolveNetworkPath(name)));
    const NetworkSpec& n = nets.back();
    all.push_back({{"name", name},
                   {"file", n.file},
                   {"layers", n.layers.size()},
                   {"input_shape", n.inputs[0].shape},
                   {"macs", n.TotalMacs()},
                   {"params", n.TotalParams()},
                   {"precision", n.policy.weights.Describe() + " weights, " +
                                     n.policy.activations.Describe() + " activations"},
                   {"source", n.source}});
  }
  if (o.format == "json") {
    fmt::print("{}\n", all.dump(2));
    return 0;
  }
  fmt::print("{:<16} {:>6} {:<18} {:>10} {:>10}  {}\n", "network", "layers", "input", "MACs",
             "params", "source");
  for (size_t i = 0; i < nets.size(); ++i) {
    const NetworkSpec& n = nets[i];
    std::string source = n.source.substr(0, 60) + (n.source.size() > 60 ? "..." : "");
    fmt::print("{:<16} {:>6} {:<18} {:>10} {:>10}  {}\n", all[i]["name"].get<std::string>(),
               n.layers.size(), ShapeToString(n.inputs[0].shape), Human(n.TotalMacs()),
               Human(n.TotalParams()), source);
  }
  fmt::print("\nzoo: {}  (details: quasar networks --net <name>)\n", ZooDir());
  fmt::print("generated: {} (--phase, --seq, --context, --kv-bits, --dims; docs/llm.md)\n",
             BlockNames());
  return 0;
}

int ShowNetwork(const Options& o) {
  const std::optional<DecoderBlockConfig> block = DecoderConfig(o.net, o.decoder);
  const NetworkSpec net =
      block ? ResolvePrecision(DecoderBlock(*block)) : LoadAnyNetwork(o.net, o.input_shapes);
  if (o.format == "json") {
    nlohmann::json j = {{"name", net.name},
                        {"file", net.file},
                        {"source", net.source},
                        {"macs", net.TotalMacs()},
                        {"params", net.TotalParams()},
                        {"layers", nlohmann::json::array()}};
    for (const auto& l : net.layers) {
      j["layers"].push_back(LayerJson(net, l));
    }
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{} ({})\n{}\n\n", net.name, net.file, net.source);
  fmt::print("{:<24} {:<17} {:<20} {:>12} {:>10}  {}\n", "layer", "op", "output", "MACs", "params",
             "weights -> output precision");
  for (const auto& l : net.layers) {
    const std::string prec =
        (NetOpHasWeights(l.op) ? l.precision.weights.Describe() + " -> " : std::string()) +
        net.tensor_precision.at(l.name).Describe();
    fmt::print("{:<24} {:<17} {:<20} {:>12} {:>10}  {}\n", l.name, NetOpName(l.op),
               ShapeToString(l.output_shape), l.macs, l.params, prec);
  }
  fmt::print("\ntotal: {} MACs ({}), {} parameters ({})\n", net.TotalMacs(), Human(net.TotalMacs()),
             net.TotalParams(), Human(net.TotalParams()));
  return 0;
}

int Emit(const Options& o) {
  if (!o.net.empty()) {
    throw InputError("give --emit NAME or --net NAME, not both");
  }
  const std::optional<DecoderBlockConfig> block = DecoderConfig(o.emit, o.decoder);
  if (!block) {
    throw InputError("--emit must name a generated block (" + BlockNames() + "), got '" + o.emit +
                     "'");
  }
  const std::string yaml = DecoderBlockYaml(*block);
  const NetworkSpec net = DecoderBlock(*block);  // what is written parses
  if (o.out.empty()) {
    fmt::print("{}", yaml);
    return 0;
  }
  WriteTextFile(o.out, yaml, "--out");
  fmt::print(stderr, "{}: {} layers, {} MACs -> {}\n", net.name, net.layers.size(), net.TotalMacs(),
             o.out);
  return 0;
}

struct ImportOptions {
  std::string csv, out;
};

int Import(const ImportOptions& o) {
  const NetworkSpec net = ImportScaleSimCsv(o.csv);
  WriteTextFile(o.out,
                "# Imported from the SCALE-Sim topology " + o.csv + " by quasar import-scalesim.\n" +
                    NetworkToYaml(net),
                "--out");
  fmt::print("{}: {} layers, {} MACs, {} parameters -> {}\n", o.csv, net.layers.size(),
             net.TotalMacs(), net.TotalParams(), o.out);
  return 0;
}

}  // namespace

Command AddNetworksCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "networks", "List the model zoo with MAC and parameter counts, or show one network");
  cmd->add_option("--net", o->net,
                  "A zoo name or a network file (.yaml, .onnx, .csv): show it layer by layer");
  AddInputShapeOption(cmd, &o->input_shapes);
  AddDecoderOptions(cmd, &o->decoder);
  cmd->add_option("--emit", o->emit,
                  "Write a generated block (gpt2_block, llama_block) as network-format YAML, "
                  "with the decoder options");
  cmd->add_option("-o,--out", o->out, "With --emit: the file to write (default: stdout)")
      ->check(OutputFile());
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  return [o]() {
    if (!o->emit.empty()) {
      return Emit(*o);
    }
    if (!o->out.empty()) {
      throw InputError("--out writes --emit's YAML; give --emit NAME");
    }
    return o->net.empty() ? ListZoo(*o) : ShowNetwork(*o);
  };
}

Command AddImportScaleSimCommand(CLI::App& app) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import-scalesim", "Convert a SCALE-Sim topology CSV into Quasar's network format");
  cmd->add_option("csv", o->csv, "SCALE-Sim topology (.csv)")->required();
  cmd->add_option("-o,--out", o->out, "Network file to write (.yaml)")->required()
      ->check(OutputFile());
  return [o]() { return Import(*o); };
}

}  // namespace quasar::cli
