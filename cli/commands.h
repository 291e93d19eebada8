#pragma once
// Registration of the CLI subcommands. Each Add*Command adds its options to `app` and returns a
// callback that runs it; the callback returns the process exit code (0, or 3 when `run` or
// `compile` finds a layer that cannot run on the accelerator) or throws (InputError -> 2).

#include <CLI/CLI.hpp>
#include <functional>

namespace quasar::cli {

using Command = std::function<int()>;

Command AddLayerCommand(CLI::App& app);
Command AddGenTensorCommand(CLI::App& app);
Command AddNetworksCommand(CLI::App& app);
Command AddImportScaleSimCommand(CLI::App& app);
Command AddImportOnnxCommand(CLI::App& app);  // cmd_import_onnx.cc
Command AddQuantizeCommand(CLI::App& app);
Command AddInferCommand(CLI::App& app);
Command AddRunCommand(CLI::App& app);
Command AddCompileCommand(CLI::App& app);
Command AddCompareCommand(CLI::App& app);  // cmd_compare.cc
Command AddSweepCommand(CLI::App& app);    // cmd_sweep.cc
Command AddSweepMergeCommand(CLI::App& app);  // cmd_sweep_merge.cc
Command AddBackendsCommand(CLI::App& app);  // cmd_backends.cc
Command AddArchCommand(CLI::App& app);      // cmd_arch.cc
#ifdef QUASAR_WITH_RTL
Command AddVerifyCommand(CLI::App& app);     // cmd_verify.cc (built with the RTL)
Command AddRtlParamsCommand(CLI::App& app);  // cmd_verify.cc
#endif

}  // namespace quasar::cli
