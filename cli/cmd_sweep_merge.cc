// `quasar sweep-merge`: joins the part files of a sharded sweep (`quasar sweep --shard I/N`) into
// the sweep's CSV, byte-identical to a single-process `quasar sweep` (docs/sweep.md, "Running on
// a cluster"). The checks and the merge are report::MergeSweepShards.

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "commands.h"
#include "quasar/models/error.h"
#include "quasar/report/sweep.h"
#include "output_paths.h"

namespace quasar::cli {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::vector<std::string> parts;
  std::string out;
};

int Run(const Options& o) {
  // Through a temporary file, so a refused or failed merge leaves an earlier output alone.
  const std::string tmp = o.out + ".tmp";
  size_t rows = 0;
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      throw InputError("--out " + o.out + ": cannot write " + tmp);
    }
    try {
      rows = report::MergeSweepShards(o.parts, f);
    } catch (...) {
      f.close();
      std::error_code ec;
      fs::remove(tmp, ec);
      throw;
    }
    if (!f.flush()) {
      throw InputError("cannot write " + tmp);
    }
  }
  std::error_code ec;
  fs::rename(tmp, o.out, ec);
  if (ec) {
    throw InputError("cannot write " + o.out + ": " + ec.message());
  }
  fmt::print(stderr, "[sweep-merge] {} configurations from {} part files written to {}\n", rows,
             o.parts.size(), o.out);
  return 0;
}

}  // namespace

Command AddSweepMergeCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "sweep-merge",
      "Join the part files of `quasar sweep --shard I/N` (every shard, any order) into the "
      "sweep's CSV with its Pareto marks, the same bytes as one `quasar sweep` (docs/sweep.md)");
  cmd->add_option("parts", o->parts, "The part files, one per shard")
      ->required()
      ->check(InputFile());
  cmd->add_option("--out", o->out, "The merged CSV")->required()->check(OutputFile());
  return [o]() { return Run(*o); };
}

}  // namespace quasar::cli
