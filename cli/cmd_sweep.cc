// `quasar sweep`: a design-space sweep on the analytical backend (docs/sweep.md). Reads a sweep
// file (base accelerator, networks, precisions, ranges of ArchSpec fields), evaluates every
// configuration on all cores with a progress bar on stderr, writes one row per configuration to
// CSV and/or JSON (the CSV's rows as they are known to <out>.partial, renamed over the CSV only
// when complete, so an interrupted sweep never damages an earlier output and --resume completes
// it), marks each network's Pareto front over latency, energy and area among the rows meeting
// the constraints, and prints the fronts.

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <tuple>

#include "commands.h"
#include "net_common.h"
#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/report/sweep.h"
#include "quasar/sim/backends.h"
#include "quasar/sim/explore/backend_eval.h"
#include "quasar/sim/explore/sweep.h"
#include "sweep_mpi.h"
#include "target.h"
#include "output_paths.h"
#include "quasar/models/text_file.h"
#include "sweep_progress.h"
#include "sweep_resume.h"
#include "sweep_ordered_rows.h"
#include "sweep_outputs.h"

namespace quasar::cli {
namespace {

namespace fs = std::filesystem;
namespace ex = sim::explore;

struct Options {
  std::string file;
  std::vector<std::string> out;
  std::string format;
  int jobs = 0;
  std::string backend = "analytical";
  bool resume = false;
  std::string shard;  // "I/N", empty: the whole sweep
  bool mpi = false;   // initialize MPI even without a launcher's environment
  std::optional<double> max_area, max_latency, max_energy, min_sqnr, min_top1;
};

// The sweep file: a path, or the name of a file in workloads/sweeps/.
std::string ResolveSweepPath(const std::string& name) {
  if (IsRegularFile(name)) {
    return name;
  }
  const fs::path named = fs::path(QUASAR_SOURCE_DIR) / "workloads/sweeps" / (name + ".yaml");
  return IsRegularFile(named.string()) ? named.string() : name;  // LoadSweep reports a missing file
}

// "csv" or "json" for an output file: --format when given, else the extension.
std::string FormatOf(const std::string& path, const std::string& format) {
  if (!format.empty()) {
    return format;
  }
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".csv" || ext == ".json") {
    return ext.substr(1);
  }
  throw InputError("--out " + path + ": cannot tell the format from the extension (use .csv or " +
                   ".json, or --format csv|json)");
}

// Overrides a constraint of the sweep file with an option's value, checked.
void SetConstraint(const std::optional<double>& value, const std::string& flag, bool any_sign,
                   std::optional<double>* target) {
  if (!value) {
    return;
  }
  if (!std::isfinite(*value) || (!any_sign && *value <= 0)) {
    throw InputError(flag + " must be a finite number" + (any_sign ? "" : " > 0") + ", got " +
                     fmt::format("{}", *value));
  }
  *target = value;
}

// The constraint options, over the sweep file's constraints.
void ApplyConstraintOptions(const Options& o, ex::SweepSpec* spec) {
  SetConstraint(o.max_area, "--max-area", false, &spec->constraints.max_area_mm2);
  SetConstraint(o.max_latency, "--max-latency", false, &spec->constraints.max_latency_s);
  SetConstraint(o.max_energy, "--max-energy", false, &spec->constraints.max_energy_uj);
  if (o.min_sqnr && !spec->fidelity) {
    throw InputError("--min-sqnr needs `fidelity: true` in " + spec->file);
  }
  SetConstraint(o.min_sqnr, "--min-sqnr", true, &spec->constraints.min_sqnr_db);
  if (o.min_top1 && !spec->data) {
    throw InputError("--min-top1 needs `data:` (a labelled dataset) in " + spec->file);
  }
  SetConstraint(o.min_top1, "--min-top1", true, &spec->constraints.min_top1_pct);
}

// The CSV and JSON outputs of --out (either may be empty), by --format or their extensions.
std::pair<std::string, std::string> OutputFiles(const Options& o) {
  if (!o.format.empty() && o.out.size() > 1) {
    throw InputError("--format applies to a single --out; name the files .csv and .json instead");
  }
  if (o.out.size() > 2) {
    throw InputError("--out: at most two files (one .csv, one .json), got " +
                     std::to_string(o.out.size()));
  }
  std::string csv, json;
  for (const std::string& path : o.out) {
    std::string& slot = FormatOf(path, o.format) == "csv" ? csv : json;
    if (!slot.empty()) {
      throw InputError("--out " + path + ": a second " + FormatOf(path, o.format) + " output");
    }
    slot = path;
  }
  return {csv, json};
}

// Notes on what a sweep's figures can and cannot say (rank 0 only).
void PrintNotes(const ex::SweepSpec& spec) {
  for (size_t n = 0; spec.fidelity && n < spec.networks.size(); ++n) {
    if (models::HasSyntheticWeights(spec.nets[n * spec.precisions.size()])) {
      fmt::print(stderr,
                 "[sweep] note: {} has synthetic weights (seed 1): its fidelity compares "
                 "precisions but says nothing of accuracy{}\n",
                 spec.networks[n],
                 spec.data ? "" : " (data: measures accuracy on a trained network, docs/sweep.md)");
    }
  }
  if (spec.precisions.size() > 1 && !spec.fidelity) {
    fmt::print(stderr,
               "[sweep] note: {} precisions without `fidelity: true`: SQNR is not an objective, "
               "so a lower precision that runs faster dominates the front (docs/sweep.md)\n",
               spec.precisions.size());
  }
}

// Writes the outputs from the rows file, removes it and reports: for a shard its part file (no
// front: it needs every shard's rows), otherwise the CSV and JSON and the fronts on stdout.
int Finish(const ex::SweepSpec& spec, const RowsFile& rows_file, const std::string& csv,
           const std::string& json, const Shard* shard, const ex::SweepResult& result,
           double seconds) {
  const size_t total = spec.ConfigCount();
  SweepOutputFiles files;
  files.csv = csv;
  files.json = json;
  if (shard) {
    files.shard = std::make_pair(shard->index, shard->count);
  }
  const ex::SweepFronts fronts = WriteSweepOutputs(spec, rows_file, files);
  std::error_code ec;
  fs::remove(rows_file.path, ec);  // the outputs hold its rows now
  if (shard) {
    fmt::print(stderr,
               "[sweep] shard {}/{}: {} of {} configurations ({} evaluated, {} resumed) in "
               "{:.2f} s, written to {}; merge the parts with `quasar sweep-merge`\n",
               shard->index, shard->count, result.evaluated + result.reused, total,
               result.evaluated, result.reused,
               seconds, csv);
    return 0;
  }
  size_t feasible = 0;
  for (size_t n = 0; n < spec.networks.size(); ++n) {
    feasible += fronts.Of(n).feasible;
  }
  fmt::print(stderr,
             "[sweep] {} configurations ({} evaluated, {} resumed, {} feasible) in {:.2f} s{}\n",
             total, result.evaluated, result.reused, feasible, seconds,
             result.fidelity_runs ? fmt::format(", {} fidelity runs", result.fidelity_runs) : "");
  for (const std::string& path : {csv, json}) {
    if (!path.empty()) {
      fmt::print(stderr, "[sweep] {} written to {}\n", path == csv ? "csv" : "json", path);
    }
  }
  fmt::print("{}", report::FrontTable(spec, fronts));
  return 0;
}

int RunSweepCommand(const Options& o, std::unique_ptr<SweepMpi>* mpi_slot) {
  ex::SweepSpec spec = ex::LoadSweep(ResolveSweepPath(o.file), {ZooDir(), AcceleratorDir()});
  ApplyConstraintOptions(o, &spec);
  std::string csv, json;
  std::tie(csv, json) = OutputFiles(o);
  const Shard shard_value = o.shard.empty() ? Shard{} : ParseShard(o.shard);
  const Shard* shard = o.shard.empty() ? nullptr : &shard_value;
  if (shard && (csv.empty() || !json.empty())) {
    throw InputError("--shard writes a CSV part file (merged by `quasar sweep-merge`): give one "
                     "--out FILE.csv");
  }
  if (shard && o.mpi) {
    throw InputError("--shard and --mpi: give one (an MPI run shards over its ranks)");
  }
  // Under an MPI launcher (or --mpi) the ranks share the configurations (sweep_mpi.h); rank 0
  // gathers the rows in the CSV's partial file and writes the outputs.
  *mpi_slot = shard ? nullptr : SweepMpi::Start(o.mpi);
  SweepMpi* mpi = mpi_slot->get();
  const bool ranks = mpi != nullptr && mpi->size() > 1;
  const bool root = !ranks || mpi->rank() == 0;
  if (ranks && csv.empty()) {
    throw InputError("an MPI run gathers the rows in <out>.partial: give --out FILE.csv (and a "
                     ".json too if wanted)");
  }
  if (root) {
    PrintNotes(spec);
  }
  const size_t total = spec.ConfigCount();
  // The configurations this process evaluates: every one, or its shard's.
  const auto mine = [&](size_t i) { return !shard || i % shard->count == shard->index; };
  size_t count = 0;
  for (size_t i = 0; i < total; ++i) {
    count += mine(i) ? 1 : 0;
  }
  // The rows file (sweep_outputs.h): the rows as they are known, from which the outputs are
  // written when complete. Beside the CSV, where --resume finds it after an interruption.
  const std::string partial = (csv.empty() ? json : csv) + ".partial";
  std::vector<std::optional<ex::SweepRow>> done;
  size_t reused = 0;
  if (o.resume && root) {
    reused = ReadResumedRows(spec, csv, partial, shard, &done);
  }
  if (ranks) {  // every rank skips the rows rank 0 kept
    ShareKeptRows(mpi, total, &done);
  }
  const sim::BackendInfo& backend = sim::BuiltinBackends().Get(o.backend);
  const int jobs =
      !backend.concurrent ? 1
      : o.jobs > 0        ? o.jobs
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (root) {
    fmt::print(stderr, "[sweep] {}: {} configurations{}, {} to evaluate on {}{} thread{}{}\n",
               spec.file, total,
               shard ? fmt::format(" (shard {}/{}: {})", shard->index, shard->count, count) : "",
               count - reused, ranks ? fmt::format("{} MPI ranks x ", mpi->size()) : "", jobs,
               jobs == 1 ? "" : "s",
               reused ? fmt::format(" ({} resumed from {})", reused, csv) : "");
  }

  std::ofstream rows_out;
  RowsFile rows_file;
  rows_file.path = partial;
  if (root) {
    rows_file = StartRowsFile(spec, partial, done, &rows_out);
  }
  SweepProgress progress;
  ex::SweepOptions options;
  options.jobs = jobs;
  options.backend = backend.timing_reference ? nullptr : &backend;
  options.keep_rows = false;  // they go to the rows file
  OrderedRows gathered(&rows_out, partial, done, total);
  const auto gather = [&](size_t index, std::string line) {
    gathered.Add(index, std::move(line));
    progress.Update(reused + gathered.written(), total, reused);
  };
  options.on_row = [&](const ex::SweepRow& r) {
    if (ranks) {  // rank 0 writes every rank's rows in order; the others send theirs
      if (done.empty() || !done[r.index]) {
        std::string line = report::SweepCsvLine(spec, r, std::nullopt, std::nullopt);
        if (root) {
          gather(r.index, std::move(line));
        } else {
          mpi->SendRow(r.index, line);
        }
      }
      if (root) {
        mpi->Receive(false, gather);
      }
      return;
    }
    if (rows_out.is_open() && (done.empty() || !done[r.index])) {  // kept rows are there already
      rows_out << report::SweepCsvLine(spec, r, std::nullopt, std::nullopt) << std::flush;
      if (!rows_out) {
        throw InputError("cannot write " + partial);
      }
    }
  };
  if (!ranks) {
    options.progress = [&](size_t d, size_t t) { progress.Update(d, t, reused); };
  }
  if (root) {  // one rank speaks
    options.note = [](const std::string& msg) { fmt::print(stderr, "[sweep] {}\n", msg); };
  }
  if (shard) {
    options.shard_index = shard->index;
    options.shard_count = shard->count;
  } else if (ranks) {
    options.shard_index = static_cast<size_t>(mpi->rank());
    options.shard_count = static_cast<size_t>(mpi->size());
    options.shard_block = ex::SharedCountsRun(spec);
  }
  const auto t0 = std::chrono::steady_clock::now();
  ex::SweepResult result;
  try {
    result = ex::RunSweep(spec, options, done);
  } catch (const ex::BackendMismatch& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    if (ranks) {
      mpi->Abort(kExitMismatch);
    }
    return kExitMismatch;
  }
  if (ranks && !root) {
    mpi->SendEnd();
    return 0;
  }
  if (ranks) {  // the other ranks' rows
    mpi->Receive(true, gather);
    if (!gathered.complete()) {
      throw std::logic_error("sweep: a rank's rows are missing");
    }
    result.evaluated = gathered.written();
    result.reused = reused;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rows_out.close();
  if (rows_out.fail()) {
    throw InputError("cannot write " + partial);
  }

  return Finish(spec, rows_file, csv, json, shard, result, seconds);
}

// An error on one rank of an MPI run ends every rank (the others would wait for its rows).
int Run(const Options& o) {
  std::unique_ptr<SweepMpi> mpi;
  try {
    return RunSweepCommand(o, &mpi);
  } catch (const std::exception& e) {
    if (mpi && mpi->size() > 1) {
      fmt::print(stderr, "error: {}\n", e.what());
      mpi->Abort(dynamic_cast<const InputError*>(&e) ? 2 : 1);
    }
    throw;
  }
}

}  // namespace

Command AddSweepCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Evaluate every configuration of a sweep file (ranges of accelerator fields x networks x "
      "precisions) with the analytical model on all cores; write one row per configuration and "
      "print each network's Pareto front over latency, energy and area (docs/sweep.md)");
  cmd->add_option("sweep", o->file, "The sweep file (YAML), or a name of workloads/sweeps/")
      ->required();
  cmd->add_option("--out", o->out,
                  "Output file, CSV or JSON by its extension (.csv, .json); give it twice for "
                  "both")
      ->required()
      ->check(OutputFile())
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--format", o->format, "Format of the single --out file, whatever its name")
      ->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--jobs,-j", o->jobs, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--backend", o->backend,
                  "A backend of `quasar backends`; one that moves values is checked against the "
                  "golden reference at every configuration, one configuration at a time "
                  "(exit 4 on a disagreement)")
      ->check(CLI::IsMember(sim::BuiltinBackends().Names()))
      ->capture_default_str();
  cmd->add_flag("--resume", o->resume,
                "Keep the rows of the existing CSV --out (and of its .partial file left by an "
                "interrupted run) that belong to this sweep and evaluate only the missing "
                "configurations");
  cmd->add_option("--shard", o->shard,
                  "I/N: evaluate only the configurations whose index % N is I and write them to "
                  "a CSV part file; `quasar sweep-merge` joins the N parts (docs/sweep.md)");
  cmd->add_flag("--mpi", o->mpi,
                "Run as the ranks of an MPI job even without an MPI launcher's environment "
                "(mpirun is detected by itself; builds with MPI only)");
  cmd->add_option("--max-area", o->max_area, "Front only among designs of at most this area (mm2)");
  cmd->add_option("--max-latency", o->max_latency,
                  "Front only among designs of at most this latency (s)");
  cmd->add_option("--max-energy", o->max_energy,
                  "Front only among designs of at most this energy per inference (uJ)");
  cmd->add_option("--min-sqnr", o->min_sqnr,
                  "Front only among designs of at least this output SQNR (dB; needs fidelity)");
  cmd->add_option("--min-top1", o->min_top1,
                  "Front only among designs of at least this top-1 accuracy (percent; needs "
                  "data:)")
      ->check(CLI::Range(0.0, 100.0));
  return [o]() { return Run(*o); };
}

}  // namespace quasar::cli
