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

#include "commands.h"
#include "net_common.h"
#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/report/sweep.h"
#include "quasar/sim/backends.h"
#include "quasar/sim/explore/backend_eval.h"
#include "quasar/sim/explore/sweep.h"
#include "target.h"

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
  std::optional<double> max_area, max_latency, max_energy, min_sqnr, min_top1;
};

// The sweep file: a path, or the name of a file in workloads/sweeps/.
std::string ResolveSweepPath(const std::string& name) {
  if (fs::is_regular_file(name)) {
    return name;
  }
  const fs::path named = fs::path(QUASAR_SOURCE_DIR) / "workloads/sweeps" / (name + ".yaml");
  return fs::is_regular_file(named) ? named.string() : name;  // LoadSweep reports a missing file
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

// Writes `text` to `path` through a temporary file, so a reader never sees half of it.
void WriteWhole(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    if (!f.flush()) {
      throw InputError("cannot write " + tmp);
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    throw InputError("cannot write " + path + ": " + ec.message());
  }
}

// Adds the rows of a sweep CSV (the output, or a leftover <out>.partial) to `done`, keeping rows
// already there; returns how many rows of the file were new.
size_t ReadRows(const ex::SweepSpec& spec, const std::string& path,
                std::vector<std::optional<ex::SweepRow>>* done) {
  size_t dropped = 0, added = 0;
  std::vector<std::optional<ex::SweepRow>> rows = report::ReadSweepCsv(spec, path, &dropped);
  done->resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] && !(*done)[i]) {
      (*done)[i] = std::move(rows[i]);
      ++added;
    }
  }
  if (dropped > 0) {
    fmt::print(stderr, "[sweep] {}: {} rows match no configuration of this sweep (dropped)\n", path,
               dropped);
  }
  return added;
}

// Progress on stderr: a bar redrawn in place on a terminal, else a line every 10%.
class Progress {
 public:
  Progress() : tty_(isatty(fileno(stderr)) != 0), t0_(std::chrono::steady_clock::now()) {}

  void Update(size_t done, size_t total, size_t reused) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const double rate = s > 0 ? static_cast<double>(done - reused) / s : 0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    if (tty_) {
      constexpr size_t kWidth = 30;
      const size_t filled = total ? kWidth * done / total : kWidth;
      fmt::print(stderr, "\r[sweep] [{}{}] {}/{} {:.1f} configs/s ETA {:.0f} s   ",
                 std::string(filled, '#'), std::string(kWidth - filled, '.'), done, total, rate,
                 eta);
      if (done == total) {
        fmt::print(stderr, "\n");
      }
    } else {
      const size_t decile = total ? 10 * done / total : 10;
      if (decile > last_decile_ || done == total) {
        last_decile_ = decile;
        fmt::print(stderr, "[sweep] {}/{} configurations ({:.0f}%), {:.1f} configs/s\n", done,
                   total, 100.0 * static_cast<double>(done) / static_cast<double>(total), rate);
      }
    }
  }

 private:
  bool tty_;
  std::chrono::steady_clock::time_point t0_;
  size_t last_decile_ = 0;
};

int Run(const Options& o) {
  ex::SweepSpec spec = ex::LoadSweep(ResolveSweepPath(o.file), {ZooDir(), AcceleratorDir()});
  SetConstraint(o.max_area, "--max-area", false, &spec.constraints.max_area_mm2);
  SetConstraint(o.max_latency, "--max-latency", false, &spec.constraints.max_latency_s);
  SetConstraint(o.max_energy, "--max-energy", false, &spec.constraints.max_energy_uj);
  if (o.min_sqnr && !spec.fidelity) {
    throw InputError("--min-sqnr needs `fidelity: true` in " + spec.file);
  }
  SetConstraint(o.min_sqnr, "--min-sqnr", true, &spec.constraints.min_sqnr_db);
  if (o.min_top1 && !spec.data) {
    throw InputError("--min-top1 needs `data:` (a labelled dataset) in " + spec.file);
  }
  SetConstraint(o.min_top1, "--min-top1", true, &spec.constraints.min_top1_pct);
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
  const size_t total = spec.ConfigCount();
  // The rows are written to `partial` as they are known and renamed over `csv` when complete.
  const std::string partial = csv.empty() ? "" : csv + ".partial";
  std::vector<std::optional<ex::SweepRow>> done;
  size_t reused = 0;
  if (o.resume) {
    if (csv.empty()) {
      throw InputError("--resume reads the CSV output: give --out FILE.csv");
    }
    for (const std::string& path : {csv, partial}) {
      if (fs::exists(path)) {
        const size_t added = ReadRows(spec, path, &done);
        reused += added;
        if (path == partial) {
          fmt::print(stderr, "[sweep] --resume: {} rows from the interrupted run's {}\n", added,
                     partial);
        }
      }
    }
    if (!fs::exists(csv) && !fs::exists(partial)) {
      fmt::print(stderr, "[sweep] --resume: {} does not exist yet, starting from the beginning\n",
                 csv);
    }
  }
  const sim::BackendInfo& backend = sim::BuiltinBackends().Get(o.backend);
  const int jobs =
      !backend.concurrent ? 1
      : o.jobs > 0        ? o.jobs
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  fmt::print(stderr, "[sweep] {}: {} configurations, {} to evaluate on {} thread{}{}\n", spec.file,
             total, total - reused, jobs, jobs == 1 ? "" : "s",
             reused ? fmt::format(" ({} resumed from {})", reused, csv) : "");

  // The partial file starts with every kept row, so no row is ever only in memory, and replaces
  // an earlier one (read above) only once it holds them all; the CSV itself is left alone.
  std::ofstream rows_out;
  if (!csv.empty()) {
    const std::string tmp = partial + ".tmp";
    rows_out.open(tmp, std::ios::binary | std::ios::trunc);
    rows_out << report::SweepCsvHeader(spec);
    for (const auto& r : done) {
      if (r) {
        rows_out << report::SweepCsvLine(spec, *r, std::nullopt, std::nullopt);
      }
    }
    if (!rows_out.flush()) {
      throw InputError("cannot write " + tmp);
    }
    std::error_code ec;
    fs::rename(tmp, partial, ec);
    if (ec) {
      throw InputError("cannot write " + partial + ": " + ec.message());
    }
  }
  Progress progress;
  ex::SweepOptions options;
  options.jobs = jobs;
  options.backend = backend.timing_reference ? nullptr : &backend;
  options.on_row = [&](const ex::SweepRow& r) {
    if (rows_out.is_open() && (done.empty() || !done[r.index])) {  // kept rows are there already
      rows_out << report::SweepCsvLine(spec, r, std::nullopt, std::nullopt) << std::flush;
      if (!rows_out) {
        throw InputError("cannot write " + partial);
      }
    }
  };
  options.progress = [&](size_t d, size_t t) { progress.Update(d, t, reused); };
  options.note = [](const std::string& msg) { fmt::print(stderr, "[sweep] {}\n", msg); };
  const auto t0 = std::chrono::steady_clock::now();
  ex::SweepResult result;
  try {
    result = ex::RunSweep(spec, options, done);
  } catch (const ex::BackendMismatch& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitMismatch;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rows_out.close();

  // The marks need every row: rewrite the files whole.
  const ex::SweepMarks marks = ex::MarkFront(spec, result.rows);
  if (!csv.empty()) {
    WriteWhole(csv, report::SweepCsv(spec, result.rows, marks));
    std::error_code ec;
    fs::remove(partial, ec);  // a leftover one only repeats the CSV's rows
  }
  if (!json.empty()) {
    WriteWhole(json, report::SweepJson(spec, result.rows, marks));
  }
  size_t feasible = 0;
  for (const auto& r : result.rows) {
    feasible += r.feasible() ? 1 : 0;
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
  fmt::print("{}", report::FrontTable(spec, result.rows, marks));
  return 0;
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
