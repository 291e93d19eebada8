// quasar: the command-line front end.
//
// Exit codes: 0 success; 2 bad input (the message names the file, key path and value);
// 3 `run` / `compile`: a layer cannot run on the accelerator (the report says why);
// 4 `run --backend` (a backend that moves values), `verify`: the backend disagrees with the
//   golden reference;
// 1 internal failure. A write error on standard output turns exit code 0 into 2.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "commands.h"
#include "output_paths.h"
#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"
#include "quasar/models/parallel.h"

// libsystemc.so brings its own main(), which calls sc_main(); Quasar drives SystemC from its
// own main, so this one is never called.
extern "C" int sc_main(int, char**) { return 1; }

namespace {

// The edit distance between two words (insertions, deletions, substitutions).
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "" if `word` (the first argument, not an option) names a command, else the message: the word,
// the nearest command when it looks misspelt, and every command.
std::string UnknownCommand(const std::string& word,
                           const std::map<std::string, quasar::cli::Command>& commands) {
  if (commands.count(word) > 0) {
    return "";
  }
  if (word == "verify" || word == "rtl-params") {
    return "command '" + word + "' is not in this build: it needs the RTL (Verilator; cmake "
           "-DQUASAR_WITH_RTL=ON)";
  }
  std::string names, nearest;
  size_t best = 3;  // a misspelling: at most two edits
  for (const auto& [name, run] : commands) {
    names += (names.empty() ? "" : ", ") + name;
    const size_t d = EditDistance(word, name);
    if (d < best) {
      best = d;
      nearest = name;
    }
  }
  return "unknown command '" + word + "'" +
         (nearest.empty() ? "" : " (did you mean '" + nearest + "'?)") + "; the commands are: " +
         names + " (quasar --help)";
}

}  // namespace

int main(int argc, char** argv) {
  quasar::models::KeepFreedMemory();
  CLI::App app{
      "Quasar: a hardware/software co-design simulator for quantized neural-network "
      "accelerators"};
  app.set_version_flag("--version", std::string("quasar ") + QUASAR_VERSION);
  app.require_subcommand(1);
  std::string memory_limit;  // quasar/models/memory_limit.h; before the subcommand
  app.add_option("--memory-limit", memory_limit,
                 "Refuse inputs whose tensors, padding, data or sweep rows would need more "
                 "memory than SIZE bytes (suffix K, M, G or T); default QUASAR_MEMORY_LIMIT, else "
                 "half the physical memory")
      ->type_name("SIZE");
  std::map<std::string, quasar::cli::Command> commands;
  commands["layer"] = quasar::cli::AddLayerCommand(app);
  commands["gen-tensor"] = quasar::cli::AddGenTensorCommand(app);
  commands["networks"] = quasar::cli::AddNetworksCommand(app);
  commands["import-scalesim"] = quasar::cli::AddImportScaleSimCommand(app);
  commands["import-onnx"] = quasar::cli::AddImportOnnxCommand(app);
  commands["quantize"] = quasar::cli::AddQuantizeCommand(app);
  commands["infer"] = quasar::cli::AddInferCommand(app);
  commands["run"] = quasar::cli::AddRunCommand(app);
  commands["compile"] = quasar::cli::AddCompileCommand(app);
  commands["compare"] = quasar::cli::AddCompareCommand(app);
  commands["sweep"] = quasar::cli::AddSweepCommand(app);
  commands["sweep-merge"] = quasar::cli::AddSweepMergeCommand(app);
  commands["backends"] = quasar::cli::AddBackendsCommand(app);
  commands["arch"] = quasar::cli::AddArchCommand(app);
#ifdef QUASAR_WITH_RTL
  commands["verify"] = quasar::cli::AddVerifyCommand(app);
  commands["rtl-params"] = quasar::cli::AddRtlParamsCommand(app);
#endif
  // CLI11 would answer any word that is not a command with "A subcommand is required".
  if (argc > 1 && argv[1][0] != '-') {
    const std::string unknown = UnknownCommand(argv[1], commands);
    if (!unknown.empty()) {
      std::cerr << "error: " << unknown << "\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  int code = 2;
  try {
    // Resolved once here, so a bad value is refused before any work.
    quasar::models::SetMemoryLimit(
        memory_limit.empty()
            ? quasar::models::MemoryLimit()
            : quasar::models::ParseMemorySize(memory_limit, quasar::models::kMemoryLimitOption));
    for (auto& [name, run] : commands) {
      if (app.got_subcommand(name)) {
        code = run();
        break;
      }
    }
  } catch (const quasar::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    code = 2;
  } catch (const std::system_error& e) {
    // fmt::print throws this when a write to standard output fails part-way; any other system
    // error is internal.
    const bool output_lost = std::ferror(stdout) != 0;
    std::cerr << (output_lost ? "error: cannot write standard output: " : "internal error: ")
              << e.what() << "\n";
    code = output_lost ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    code = 1;
  }
  // A report lost on the way out (full disk, closed pipe) is never a success.
  const std::string lost = quasar::cli::FlushStdout();
  if (!lost.empty()) {
    std::cerr << "error: cannot write standard output: " << lost << "\n";
    return code == 0 ? 2 : code;
  }
  return code;
}
