// `quasar import-onnx`: an ONNX model written out in Quasar's network format (YAML plus its
// weights as .npy), or with --check, every node the importer cannot take, listed at once.

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "net_common.h"
#include "quasar/models/error.h"
#include "quasar/models/onnx/onnx_import.h"
#include "output_paths.h"

namespace quasar::cli {
namespace {

using namespace quasar::models;

struct Options {
  std::string model, out, format = "table";
  bool check = false;
  std::vector<std::string> input_shapes;
};

int Check(const Options& o, const OnnxImportOptions& options) {
  const auto issues = CheckOnnx(o.model, options);
  if (o.format == "json") {
    nlohmann::json j = {{"model", o.model}, {"unsupported", nlohmann::json::array()}};
    for (const auto& i : issues) {
      j["unsupported"].push_back({{"node", i.node},
                                  {"op_type", i.op_type},
                                  {"domain", i.domain},
                                  {"opset", i.opset},
                                  {"problem", i.problem}});
    }
    fmt::print("{}\n", j.dump(2));
  } else if (issues.empty()) {
    fmt::print("{}: every node imports\n", o.model);
  } else {
    fmt::print("{}: {} node{} cannot be imported\n", o.model, issues.size(),
               issues.size() == 1 ? "" : "s");
    fmt::print("{:<32} {:<20} {:<12} {:>5}  {}\n", "node", "op_type", "domain", "opset",
               "problem");
    for (const auto& i : issues) {
      fmt::print("{:<32} {:<20} {:<12} {:>5}  {}\n", i.node, i.op_type,
                 i.domain.empty() ? "ai.onnx" : i.domain, i.opset, i.problem);
    }
  }
  return issues.empty() ? 0 : 2;
}

int Import(const Options& o) {
  OnnxImportOptions options;
  options.input_shapes = ParseInputShapes(o.input_shapes);
  if (o.check) {
    return Check(o, options);
  }
  if (o.out.empty()) {
    throw InputError("import-onnx: give -o DIR (where to write the network), or --check");
  }
  const NetworkSpec net = ImportOnnx(o.model, options);
  const std::string yaml = WriteNetworkWithWeights(net, o.out);
  fmt::print("{}: {} layers, {} MACs, {} parameters -> {}\n", o.model, net.layers.size(),
             net.TotalMacs(), net.TotalParams(), yaml);
  return 0;
}

}  // namespace

Command AddImportOnnxCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "import-onnx",
      "Convert an ONNX model into Quasar's network format (YAML + .npy weights), or --check "
      "which of its nodes cannot be imported (exit 2 if any)");
  cmd->add_option("model", o->model, "ONNX model (.onnx)")->required()->check(InputFile());
  cmd->add_option("-o,--out", o->out, "Directory to write <name>.yaml and weights/ into")
      ->check(OutputDir());
  cmd->add_flag("--check", o->check, "List every node that cannot be imported; write nothing");
  cmd->add_option("--format", o->format, "Output format of --check")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  AddInputShapeOption(cmd, &o->input_shapes);
  return [o]() { return Import(*o); };
}

}  // namespace quasar::cli
