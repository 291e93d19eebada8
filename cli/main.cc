// quasar: the command-line front end.
//
// Exit codes: 0 success; 2 bad input (the message names the file, key path and value);
// 3 `run` / `compile`: a layer cannot run on the accelerator (the report says why);
// 4 `run --backend` (a backend that moves values), `verify`: the backend disagrees with the
//   golden reference;
// 1 internal failure. A write error on standard output turns exit code 0 into 2.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <system_error>

#include "commands.h"
#include "output_paths.h"
#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"

// libsystemc.so brings its own main(), which calls sc_main(); Quasar drives SystemC from its
// own main, so this one is never called.
extern "C" int sc_main(int, char**) { return 1; }

int main(int argc, char** argv) {
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
