// `quasar backends`: the simulator backends of this build, one line each (name, whether it
// moves values and is checked against the golden reference, what it is).

#include <fmt/core.h>

#include "commands.h"
#include "quasar/sim/backends.h"

namespace quasar::cli {

Command AddBackendsCommand(CLI::App& app) {
  app.add_subcommand("backends",
                     "List the simulator backends (--backend of run, compare, sweep, verify)");
  return [] {
    for (const sim::BackendInfo& b : sim::BuiltinBackends().All()) {
      fmt::print("{:<18} {:<7} {}\n", b.name, b.moves_values ? "values" : "timing", b.description);
    }
    return 0;
  };
}

}  // namespace quasar::cli
