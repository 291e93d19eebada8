#pragma once
// `--save-outputs DIR`, one option for every command that computes layer outputs (`infer`,
// `run` with a backend that moves values, `verify`): each layer's output as DIR/<layer>.npy,
// in the dtype of the tensor's type.

#include <CLI/CLI.hpp>
#include <cstddef>
#include <map>
#include <string>

#include "quasar/models/net/quantized_net.h"

namespace quasar::cli {

// Adds --save-outputs DIR (checked writable when the command line is parsed, OutputDir) with
// `help`, and refuses the former `infer --save-output FILE` with a message naming the new
// option.
void AddSaveOutputsOption(CLI::App* cmd, std::string* dir, const std::string& help);

// Writes the outputs of the first `count` layers of `q` (those that ran) from `tensors` to
// `dir`/<layer>.npy, creating `dir`, and says so on stderr after `tag` ("[run]").
void WriteLayerOutputs(const std::string& dir, const models::QuantizedNetwork& q,
                       const std::map<std::string, models::IntTensor>& tensors, size_t count,
                       const std::string& tag);

}  // namespace quasar::cli
