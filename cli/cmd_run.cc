// `quasar run`: a network on an accelerator. Compiles it with the mapper (or reads a schedule
// written by `quasar compile`), runs every layer on a backend of the registry (`quasar
// backends`) and reports cycles, stalls, utilization, DRAM traffic, energy and area
// (docs/run-output.md). A backend that moves values (systemc, ...) is checked element by element
// against the golden reference. Exit code 3 when a layer cannot run on the accelerator (the
// report is still written, with the reason), 4 when the backend disagrees with the golden
// reference.

#include <fmt/core.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "commands.h"
#include "cycle_check.h"
#include "layer_outputs.h"
#include "output_paths.h"
#include "quasar/compiler/schedule_json.h"
#include "quasar/models/error.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/text_file.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/backends.h"
#include "quasar/sim/scalesim_reports.h"
#include "target.h"
#include "timing.h"

namespace quasar::cli {
namespace {

struct Options {
  TargetOptions target;
  std::string schedule, format = "table", out;
  std::string backend = "analytical";
  std::string scalesim_reports;  // a directory for SCALE-Sim's report files
  CycleOptionsCli cycle;
  bool timing = false;
};

// Writes COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv to `dir`.
void WriteScaleSimReports(const compiler::Schedule& s, const models::ArchSpec& arch,
                          const std::string& dir) {
  const sim::ScaleSimReports r = sim::MakeScaleSimReports(s, arch);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::pair<const char*, const std::string*> files[] = {
      {"COMPUTE_REPORT.csv", &r.compute},
      {"BANDWIDTH_REPORT.csv", &r.bandwidth},
      {"DETAILED_ACCESS_REPORT.csv", &r.detail}};
  for (const auto& [name, text] : files) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    WriteTextFile(path, *text, "--scalesim-reports");
  }
  fmt::print(stderr, "[run] SCALE-Sim reports written to {}\n", dir);
}

// The backends of this build that move values, for messages.
std::string MovingBackendNames() {
  std::string names;
  for (const sim::BackendInfo& b : sim::BuiltinBackends().All()) {
    if (b.moves_values) {
      names += (names.empty() ? "" : ", ") + b.name;
    }
  }
  return names;
}

int Run(const Options& o) {
  const sim::BackendInfo& info = sim::BuiltinBackends().Get(o.backend);
  if (!info.moves_values && (!o.cycle.run.trace_path.empty() || !o.cycle.save_outputs.empty())) {
    throw InputError(std::string(o.cycle.run.trace_path.empty() ? "--save-outputs" : "--trace") +
                     " needs a backend that moves values (this build has: " +
                     MovingBackendNames() + "); " + info.name + " moves none");
  }
  RefuseUselessTiming(o.timing,
                      !info.moves_values ? "the " + info.name + " backend measures no wall time "
                                           "(backends that do: " + MovingBackendNames() + ")"
                      : o.format != "json" ? "it adds the wall time to the JSON report "
                                             "(--format json)"
                                           : "");
  if (!info.moves_values) {
    RefuseValueOptions(o.target.net, "the " + info.name +
                                         " backend computes no values to calibrate, round or "
                                         "seed (backends that do: " + MovingBackendNames() + ")");
  }
  const compiler::Objective objective = ParseObjectiveOption(o.target.objective);
  const Target t = LoadTarget(o.target);
  if (t.block && t.block->blocks != 1 && o.format == "csv") {
    throw InputError("--blocks " + std::to_string(t.block->blocks) +
                     " scales the LLM figures of the table and JSON reports; the CSV has one row "
                     "per layer and none of them (--format table or json)");
  }
  if (!o.scalesim_reports.empty() && t.arch.conventions != models::Conventions::kScaleSim) {
    throw InputError(
        "--scalesim-reports needs conventions: scalesim (--conventions scalesim, "
        "or the key in " +
        t.arch.file + ")");
  }
  compiler::Schedule s;
  std::string note;
  if (o.schedule.empty()) {
    s = sim::Compile(t.net, t.arch, t.table, objective, SearchOption(o.target.search));
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
  // The analytical report: the result of `--backend analytical`, and the timing reference of
  // every other backend.
  sim::NetworkPerf perf = sim::EvaluateSchedule(s, t.arch, t.table);
  std::optional<CycleResult> cycle;
  if (!info.timing_reference && perf.ok()) {
    const std::unique_ptr<sim::Backend> backend = info.make();
    if (info.moves_values) {
      cycle = models::NeedsEmulation(t.net)
                  ? RunCheckedFormatBackend(*backend, s, t, o.target, o.cycle, perf)
                  : RunCheckedBackend(*backend, s, t, o.target, o.cycle, perf);
      perf = cycle->perf;
    } else {
      const sim::Job job{&s, &t.arch, &t.table};
      perf = backend->Run(job, o.cycle.run).perf;
    }
    note += " [backend " + info.name + "]";
  }
  AttachRtlArea(t.arch, &perf.area);

  std::string text;
  if (o.format == "json") {
    nlohmann::ordered_json j = RunJson(s, perf, t);
    j["backend"] = o.backend;
    j["check"] = cycle ? CheckJson(*cycle, o.timing) : nlohmann::ordered_json();
    text = j.dump(2) + "\n";
  } else if (o.format == "csv") {
    text = RunCsv(s, perf, t);
  } else {
    text = RunTable(s, perf, t, note) + (cycle ? CheckTable(*cycle) : "");
  }
  WriteReport(text, o.out, o.format, "run");
  if (!o.scalesim_reports.empty()) {
    WriteScaleSimReports(s, t.arch, o.scalesim_reports);
  }
  if (!perf.ok()) {
    if (o.format != "table" || !o.out.empty()) {
      fmt::print(stderr, "infeasible: {}\n", perf.status);
    }
    return kExitInfeasible;
  }
  if (const std::string failure = cycle ? CheckFailure(*cycle) : ""; !failure.empty()) {
    fmt::print(stderr, "error: {}\n", failure);
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
  AddBlocksOption(cmd, &o->target.net.decoder);
  cmd->add_option("--schedule", o->schedule,
                  "Run this schedule (written by `quasar compile`) instead of compiling")
      ->check(InputFile());
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Write the report to this file instead of stdout")
      ->check(OutputFile());
  cmd->add_option("--scalesim-reports", o->scalesim_reports,
                  "conventions scalesim: also write SCALE-Sim's COMPUTE_REPORT.csv, "
                  "BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv to DIR (docs/scalesim.md)")
      ->check(OutputDir());
  cmd->add_option("--backend", o->backend,
                  "A backend of `quasar backends`: analytical (closed form), systemc (cycle "
                  "model with real values, checked against the golden reference), ...")
      ->check(CLI::IsMember(sim::BuiltinBackends().Names()))
      ->capture_default_str();
  cmd->add_option("--trace", o->cycle.run.trace_path,
                  "systemc: write a VCD of the pipeline, buffers and every PE (at most 1024 PEs)")
      ->check(OutputFile());
  AddSaveOutputsOption(cmd, &o->cycle.save_outputs,
                       "systemc: write every layer's output to DIR/<layer>.npy");
  AddTimingOption(cmd, &o->timing);
  return [o]() { return Run(*o); };
}

}  // namespace quasar::cli
