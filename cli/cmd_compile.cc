// `quasar compile`: maps every layer of a network onto an accelerator (tile extents, loop order,
// packing) with the analytical model as the mapper's price and writes the Schedule as JSON
// (docs/schedule-format.md), for `quasar run --schedule` and the other backends. Exit code 3
// when a layer cannot run; the schedule is still written, with each layer's status.

#include <fmt/core.h>

#include <memory>

#include "commands.h"
#include "quasar/compiler/schedule_json.h"
#include "quasar/sim/analytical.h"
#include "target.h"
#include "output_paths.h"

namespace quasar::cli {
namespace {

struct Options {
  TargetOptions target;
  std::string out;
};

int Run(const Options& o) {
  RefuseValueOptions(o.target.net, "compile maps the network and computes no values to "
                                   "calibrate, round or seed");
  const compiler::Objective objective = ParseObjectiveOption(o.target.objective);
  const Target t = LoadTarget(o.target);
  const compiler::Schedule s =
      sim::Compile(t.net, t.arch, t.table, objective, SearchOption(o.target.search));
  compiler::SaveSchedule(s, o.out);
  fmt::print("{}", CompileSummary(s, t));
  fmt::print("schedule written to {}\n", o.out);
  if (const compiler::LayerSchedule* bad = s.FirstInfeasible()) {
    fmt::print(stderr, "infeasible: layer {}: {}\n", bad->name, bad->status);
    return kExitInfeasible;
  }
  return 0;
}

}  // namespace

Command AddCompileCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "compile",
      "Map a network onto an accelerator and write the schedule (JSON); exit 3 if a layer "
      "cannot run");
  AddTargetOptions(cmd, &o->target);
  cmd->add_option("--out", o->out, "The schedule file to write (JSON)")->required()
      ->check(OutputFile());
  return [o]() { return Run(*o); };
}

}  // namespace quasar::cli
