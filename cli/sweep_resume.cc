// The rows a sweep keeps across runs (sweep_resume.h).

#include "sweep_resume.h"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>

#include "output_paths.h"
#include "quasar/models/error.h"
#include "quasar/models/text_file.h"
#include "quasar/report/sweep.h"

namespace quasar::cli {

namespace fs = std::filesystem;
namespace ex = sim::explore;

namespace {

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

}  // namespace

Shard ParseShard(const std::string& text) {
  const auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  const size_t slash = text.find('/');
  const std::string i = slash == std::string::npos ? text : text.substr(0, slash);
  const std::string n = slash == std::string::npos ? "" : text.substr(slash + 1);
  if (!digits(i) || !digits(n) || std::stoul(n) < 1 || std::stoul(i) >= std::stoul(n)) {
    throw InputError("--shard must be I/N with N >= 1 and 0 <= I < N (e.g. 0/4), got '" + text +
                     "'");
  }
  return {std::stoul(i), std::stoul(n)};
}

// --resume: the rows of the CSV and of a leftover rows file kept in `done` (rank 0). Returns how
// many of them are this process's (its shard's) to skip.
size_t ReadResumedRows(const ex::SweepSpec& spec, const std::string& csv,
                       const std::string& partial, const Shard* shard,
                       std::vector<std::optional<ex::SweepRow>>* done) {
  if (csv.empty()) {
    throw InputError("--resume reads the CSV output: give --out FILE.csv");
  }
  size_t reused = 0;
  for (const std::string& path : {csv, partial}) {
    if (PathExists(path)) {
      const size_t added = ReadRows(spec, path, done);
      reused += added;
      if (path == partial) {
        fmt::print(stderr, "[sweep] --resume: {} rows from the interrupted run's {}\n", added,
                   partial);
      }
    }
  }
  if (shard) {  // rows of other shards stay in the partial file but are not this run's
    reused = 0;
    for (size_t i = 0; i < done->size(); ++i) {
      reused += (*done)[i] && i % shard->count == shard->index ? 1 : 0;
    }
  }
  if (!PathExists(csv) && !PathExists(partial)) {
    fmt::print(stderr, "[sweep] --resume: {} does not exist yet, starting from the beginning\n",
               csv);
  }
  return reused;
}

// An MPI run: rank 0 tells every rank which configurations it kept, and the others mark them
// done (placeholders: only rank 0 writes rows).
void ShareKeptRows(SweepMpi* mpi, size_t total, std::vector<std::optional<ex::SweepRow>>* done) {
  const bool root = mpi->rank() == 0;
  std::vector<char> kept;
  if (root) {
    kept.assign(total, 0);
    for (size_t i = 0; i < done->size(); ++i) {
      kept[i] = (*done)[i] ? 1 : 0;
    }
  }
  mpi->Broadcast(&kept);
  if (!root && std::find(kept.begin(), kept.end(), 1) != kept.end()) {
    done->assign(total, std::nullopt);
    for (size_t i = 0; i < total; ++i) {
      if (kept[i]) {
        (*done)[i].emplace();
        (*done)[i]->index = i;
      }
    }
  }
}

// Starts the rows file with the header and every kept row, so no row is ever only in memory;
// it replaces an earlier one (read by --resume) only once it holds them all, and the CSV itself
// is left alone. Returns its layout; `out` stays open for the new rows.
RowsFile StartRowsFile(const ex::SweepSpec& spec, const std::string& partial,
                       const std::vector<std::optional<ex::SweepRow>>& done, std::ofstream* out) {
  RowsFile rows_file;
  rows_file.path = partial;
  const std::string tmp = partial + ".tmp";
  out->open(tmp, std::ios::binary | std::ios::trunc);
  *out << report::SweepCsvHeader(spec);
  rows_file.kept_begin = static_cast<uint64_t>(out->tellp());
  for (const auto& r : done) {
    if (r) {
      *out << report::SweepCsvLine(spec, *r, std::nullopt, std::nullopt);
      ++rows_file.kept;
    }
  }
  rows_file.new_begin = static_cast<uint64_t>(out->tellp());
  if (!out->flush()) {
    throw InputError("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, partial, ec);
  if (ec) {
    throw InputError("cannot write " + partial + ": " + ec.message());
  }
  return rows_file;
}

}  // namespace quasar::cli
