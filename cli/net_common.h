#pragma once
// What the whole-network commands share: finding a network by zoo name or path, an accelerator by
// preset name or path, and the options that set a network's precision and its post-training
// quantization.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "decoder_options.h"
#include "quasar/models/data/dataset.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/quantized_net.h"

namespace quasar::cli {

// The zoo directory: $QUASAR_ZOO if set, else workloads/networks of the source tree.
std::string ZooDir();
// The zoo's networks, by name (file stem), sorted.
std::vector<std::string> ZooNames();
// A path as given when it names a file, else <zoo>/<name>.yaml; InputError listing the zoo
// otherwise.
std::string ResolveNetworkPath(const std::string& name_or_path);

// The accelerator presets: $QUASAR_ACCELERATORS if set, else workloads/accelerators of the source
// tree.
std::string AcceleratorDir();
// The presets, by name (file stem), sorted.
std::vector<std::string> AcceleratorNames();
// A path as given when it names a file, else <presets>/<name>.yaml; InputError listing the
// presets otherwise.
std::string ResolveArchPath(const std::string& name_or_path);

struct NetOptions {
  std::string net;
  std::string bits;          // w8a8, w4a4, ... (empty: the file's policy)
  std::string calib;         // activation calibration (empty: the file's)
  std::string weight_calib;  // weight calibration (empty: the file's)
  int first_last_bits = -1;  // -1: the file's rule; 0: off; else that many bits
  std::string rounding;      // empty: the file's
  uint64_t seed = 1;
  int calib_samples = 4;
  std::vector<std::string> input_shapes;  // NAME=1x3x224x224, for .onnx models
  DecoderOptions decoder;                 // --net gpt2_block, llama_block
  // Set by AddNetOptions: which options the user gave explicitly.
  CLI::Option* seed_option = nullptr;
  std::vector<CLI::Option*> quantize_options;  // meaningless for an already quantized network
  // The options that only shape computed values (calibration, rounding, seed): meaningless
  // where no value is computed.
  std::vector<CLI::Option*> value_options;
};

// InputError naming the first value option given (NetOptions::value_options), saying `why` it
// has no effect, if any was given.
void RefuseValueOptions(const NetOptions& o, const std::string& why);

// Adds --net, the decoder-block options and, when `quantize`, the precision and calibration
// options.
void AddNetOptions(CLI::App* cmd, NetOptions* o, bool quantize);

// Parses --input-shape values NAME=D0xD1x... (every dimension positive). InputError otherwise.
std::map<std::string, models::Shape> ParseInputShapes(const std::vector<std::string>& values);

// Adds --input-shape (for .onnx models) to `cmd`.
void AddInputShapeOption(CLI::App* cmd, std::vector<std::string>* values);

// Loads a network by zoo name or file: YAML, SCALE-Sim .csv, or ONNX with `input_shapes` bound.
models::NetworkSpec LoadAnyNetwork(const std::string& name_or_path,
                                   const std::vector<std::string>& input_shapes);

// Loads the network (a generated decoder block, decoder_options.h, or LoadAnyNetwork's) and
// applies the precision options to its policy.
models::NetworkSpec LoadNetworkWithOptions(const NetOptions& o);

// Calibrates and quantizes: on `data`'s calibration split when given (checked to fit the network),
// else on `calib_samples` synthetic inputs (samples 1..n; the evaluation input is sample 0, held
// out); progress goes to stderr.
models::QuantizedNetwork QuantizeWithOptions(const NetOptions& o, const models::NetworkSpec& net,
                                             const models::FloatNetParams& params,
                                             const models::Dataset* data = nullptr);

// The items of a list option, checked before any work: `values` as given (each
// comma-separated, the option repeated, or both; the option takes no CLI11 delimiter, which
// would drop the empty item of "a,,b") split at every comma. InputError naming `option` when
// there is no item or an item is empty ("give e.g. `example`"), and, unless `repeats_allowed`
// (a shape's dimensions), when an item is given twice.
std::vector<std::string> ListItems(const std::string& option,
                                   const std::vector<std::string>& values,
                                   const std::string& example, bool repeats_allowed = false);
// The same checks of items that are not split at commas (file paths, NAME=SHAPE values).
void CheckListItems(const std::string& option, const std::vector<std::string>& items,
                    const std::string& example, bool repeats_allowed = false);

// --data NAME|PATH and --images N, for the commands that measure accuracy.
// A CLI11 check for unsigned options (seeds, --first-last-bits): CLI11 would wrap "-1" to
// 2^64 - 1, and --first-last-bits took -1 for its default (the file's rule).
const CLI::Validator& NonNegativeInteger();

struct DataOptions {
  std::string data;
  int64_t images = -1;  // -1: the whole test split
};
void AddDataOptions(CLI::App* cmd, DataOptions* o);
// Loads --data, setting aside `net`'s calibration count (--calib-samples when given, else 256)
// for a bare path's calibration split.
models::Dataset LoadDataWithOptions(const DataOptions& d, const NetOptions& net);

}  // namespace quasar::cli
