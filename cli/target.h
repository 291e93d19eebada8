#pragma once
// What `quasar run`, `compile` and `verify` share on the command line: the options that choose
// the accelerator, technology and network a run targets, loading them, the schedule check, and
// writing a report to stdout or a file. The reports themselves are the report library's
// (quasar/report/run.h).

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "net_common.h"
#include "quasar/compiler/mapper.h"
#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/report/run.h"
#include "quasar/sim/analytical.h"

namespace quasar::cli {

// Exit code of `run` and `compile` when a layer cannot run on the accelerator (the report is
// still written, with the reason).
inline constexpr int kExitInfeasible = 3;
// A backend that moves values disagrees with the golden reference.
inline constexpr int kExitMismatch = 4;

struct TargetOptions {
  NetOptions net;
  std::string arch;  // preset name or path
  std::string objective = "cycles";
  CLI::Option* objective_option = nullptr;  // to tell an explicit --objective from the default
  std::string search = compiler::MapperSearchName(compiler::kDefaultMapperSearch);
  std::string conventions;  // overrides ArchSpec::conventions unless empty
};

// Adds --arch, --net with the precision options, --objective, --search and --conventions.
void AddTargetOptions(CLI::App* cmd, TargetOptions* o);

// The network, accelerator and technology table a run targets (the report library's).
using report::Target;

// Loads the accelerator, its technology table and the network with the precision options.
Target LoadTarget(const TargetOptions& o);

// Adds the synthesized cell count of the project's RTL MAC that matches the accelerator's MAC
// (rtl/synth/mac_cells.yaml, docs/rtl-area.md) to `area`, for the report; a note on stderr
// instead when the file cannot be read.
void AttachRtlArea(const models::ArchSpec& arch, models::AreaBreakdown* area);

// Prints `text` to stdout, or writes it to `out` (InputError if it cannot) and says so on stderr
// as "[<tag>] <format> report written to <out>".
void WriteReport(const std::string& text, const std::string& out, const std::string& format,
                 const std::string& tag);

// Adds --search (refined by default, compiler::kDefaultMapperSearch) to `cmd`.
void AddSearchOption(CLI::App* cmd, std::string* search);
// Parses --search (validated by the option itself).
compiler::MapperSearch SearchOption(const std::string& search);
// Parses --objective; InputError naming the value otherwise.
compiler::Objective ParseObjectiveOption(const std::string& value);

// Checks that `s` (read from `where`) schedules exactly the layers of `t.net`, in order, with the
// GEMMs and operand widths this network and accelerator give; InputError naming the first
// layer that differs otherwise.
void CheckScheduleMatches(const compiler::Schedule& s, const Target& t, const std::string& where);

}  // namespace quasar::cli
