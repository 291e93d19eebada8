#pragma once
// What `quasar run` and `quasar compile` share: the accelerator, technology and network a run
// targets, the schedule check, and the writers of the performance report (table, JSON, CSV;
// every field is documented in docs/run-output.md).

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "net_common.h"
#include "quasar/compiler/mapper.h"
#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"
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
  std::string search = "fast";               // the mapper's search (mapper.h MapperSearch)
  std::string conventions;  // overrides ArchSpec::conventions unless empty
};

// Adds --arch, --net with the precision options, --objective, --search and --conventions.
void AddTargetOptions(CLI::App* cmd, TargetOptions* o);

struct Target {
  models::NetworkSpec net;
  models::ArchSpec arch;
  models::CostTable table;  // the arch's `technology`, a name or a path relative to its file
};

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

// Parses --search (validated by the option itself).
compiler::MapperSearch SearchOption(const TargetOptions& o);
// Parses --objective; InputError naming the value otherwise.
compiler::Objective ParseObjectiveOption(const std::string& value);

// Checks that `s` (read from `where`) schedules exactly the layers of `t.net`, in order, with the
// GEMMs and operand widths this network and accelerator give; InputError naming the first
// layer that differs otherwise.
void CheckScheduleMatches(const compiler::Schedule& s, const Target& t, const std::string& where);

// The human-readable report: header, one row per layer, totals, energy and area breakdowns,
// warnings and, for an infeasible configuration, the reason. `objective_note` follows the
// objective's name in the header (e.g. where the schedule came from).
std::string RunTable(const compiler::Schedule& s, const sim::NetworkPerf& perf, const Target& t,
                     const std::string& objective_note);

// The JSON report (one object; keys in the documented order).
nlohmann::ordered_json RunJson(const compiler::Schedule& s, const sim::NetworkPerf& perf,
                               const Target& t);

// The CSV report: a header line, one row per layer, a final TOTAL row.
std::string RunCsv(const compiler::Schedule& s, const sim::NetworkPerf& perf, const Target& t);

// `quasar compile`'s per-layer summary of the mapping.
std::string CompileSummary(const compiler::Schedule& s, const Target& t);

}  // namespace quasar::cli
