// `quasar run`: a network on an accelerator. Compiles it with the mapper (or reads a schedule
// written by `quasar compile`), runs every layer on a backend and reports cycles, stalls,
// utilization, DRAM traffic, energy and area (docs/run-output.md). Backends: `analytical` (the
// closed-form model) and `systemc` (the cycle model with real values, checked element by element
// against the golden reference). Exit code 3 when a layer cannot run on the accelerator (the
// report is still written, with the reason), 4 when the cycle model disagrees with the golden
// reference.

#include <fmt/core.h>

#include <memory>
#include <optional>

#include "commands.h"
#include "cycle_check.h"
#include "quasar/compiler/schedule_json.h"
#include "quasar/models/error.h"
#include "quasar/sim/analytical.h"
#include "run_report.h"

namespace quasar::cli {
namespace {

struct Options {
  TargetOptions target;
  std::string schedule, format = "table", out;
  std::string backend = "analytical";
  CycleOptionsCli cycle;
};

inline constexpr int kExitMismatch = 4;

int Run(const Options& o) {
  const bool systemc = o.backend == "systemc";
  if (!systemc && (!o.cycle.trace.empty() || !o.cycle.save_outputs.empty())) {
    throw InputError(std::string(o.cycle.trace.empty() ? "--save-outputs" : "--trace") +
                     " needs --backend systemc");
  }
  const compiler::Objective objective = ParseObjectiveOption(o.target.objective);
  const Target t = LoadTarget(o.target);
  compiler::Schedule s;
  std::string note;
  if (o.schedule.empty()) {
    s = sim::Compile(t.net, t.arch, t.table, objective);
  } else {
    s = compiler::LoadSchedule(o.schedule);
    if (o.target.objective_option->count() > 0 && s.objective != objective) {
      throw InputError("--objective " + o.target.objective +
                       " applies when compiling; --schedule " + o.schedule + " was compiled for " +
                       compiler::ObjectiveName(s.objective));
    }
    CheckScheduleMatches(s, t, o.schedule);
    if (s.arch != t.arch.name) {
      fmt::print(stderr, "[run] note: --schedule {} was compiled for '{}', running on '{}'\n",
                 o.schedule, s.arch, t.arch.name);
    }
    note = " (from schedule " + o.schedule + ")";
  }
  sim::NetworkPerf perf = sim::EvaluateSchedule(s, t.arch, t.table);
  std::optional<CycleResult> cycle;
  if (systemc && perf.ok()) {
    cycle = RunCycleBackend(s, t, o.target, o.cycle, perf);
    perf = cycle->perf;
    note += " [backend systemc]";
  }
  AttachRtlArea(t.arch, &perf.area);

  std::string text;
  if (o.format == "json") {
    nlohmann::ordered_json j = RunJson(s, perf, t);
    j["backend"] = o.backend;
    j["check"] = cycle ? CheckJson(*cycle) : nlohmann::ordered_json();
    text = j.dump(2) + "\n";
  } else if (o.format == "csv") {
    text = RunCsv(s, perf, t);
  } else {
    text = RunTable(s, perf, t, note) + (cycle ? CheckTable(*cycle) : "");
  }
  WriteReport(text, o.out, o.format, "run");
  if (!perf.ok()) {
    if (o.format != "table" || !o.out.empty()) {
      fmt::print(stderr, "infeasible: {}\n", perf.status);
    }
    return kExitInfeasible;
  }
  if (cycle && !cycle->bit_exact()) {
    fmt::print(stderr, "error: the cycle model disagrees with the golden reference\n");
    return kExitMismatch;
  }
  return 0;
}

}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Compile a network for an accelerator and report cycles, energy and area (analytical "
      "model, or --backend systemc: the cycle model checked against the golden reference); "
      "exit 3 if a layer cannot run, 4 if the cycle model disagrees");
  AddTargetOptions(cmd, &o->target);
  cmd->add_option("--schedule", o->schedule,
                  "Run this schedule (written by `quasar compile`) instead of compiling");
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Write the report to this file instead of stdout");
  cmd->add_option("--backend", o->backend,
                  "analytical (closed form) or systemc (cycle model with real values, checked "
                  "against the golden reference)")
      ->check(CLI::IsMember({"analytical", "systemc"}))
      ->capture_default_str();
  cmd->add_option("--trace", o->cycle.trace,
                  "systemc: write a VCD of the pipeline, buffers and every PE (at most 1024 PEs)");
  cmd->add_option("--save-outputs", o->cycle.save_outputs,
                  "systemc: write every layer's output to DIR/<layer>.npy");
  return [o]() { return Run(*o); };
}

}  // namespace quasar::cli
