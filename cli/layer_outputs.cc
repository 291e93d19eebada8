#include "layer_outputs.h"

#include <fmt/core.h>

#include <filesystem>

#include "output_paths.h"
#include "quasar/models/npy.h"

namespace quasar::cli {

void AddSaveOutputsOption(CLI::App* cmd, std::string* dir, const std::string& help) {
  cmd->add_option("--save-outputs", *dir, help)->check(OutputDir());
  // The former spelling of `infer` (one FILE, the network output): refused, not guessed at.
  cmd->add_option("--save-output")
      ->group("")
      ->each([](const std::string& value) {
        // Not a ValidationError: CLI11 would prefix it with the name of a hidden option, "".
        throw CLI::ParseError("--save-output: the option is now --save-outputs DIR (every "
                              "layer's output as DIR/<layer>.npy; the network output is "
                              "DIR/<output layer>.npy), got '" + value + "'",
                              CLI::ExitCodes::ValidationError);
      });
}

void WriteLayerOutputs(const std::string& dir, const models::QuantizedNetwork& q,
                       const std::map<std::string, models::IntTensor>& tensors, size_t count,
                       const std::string& tag) {
  std::filesystem::create_directories(dir);
  for (size_t i = 0; i < count && i < q.net.layers.size(); ++i) {
    const models::NetLayer& l = q.net.layers[i];
    models::WriteNpy(dir + "/" + l.name + ".npy", tensors.at(l.name),
                     models::NpyDtypeFor(q.tensors.at(l.name).type));
  }
  fmt::print(stderr, "{} {} layer outputs written to {}/<layer>.npy\n", tag, count, dir);
}

}  // namespace quasar::cli
