#pragma once
// The rows a sweep keeps across runs (`quasar sweep`, docs/sweep.md "Resume"): --shard's part
// of the configurations, the rows --resume reads back from the CSV and from an interrupted run's
// <out>.partial, their sharing among MPI ranks, and the rows file that holds every row written.

#include <cstddef>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "quasar/sim/explore/sweep.h"
#include "sweep_mpi.h"
#include "sweep_outputs.h"

namespace quasar::cli {

// `--shard I/N`: this process evaluates the configurations whose index % N is I (round robin, so
// each shard gets its share of every network and of every slow corner of the space).
struct Shard {
  size_t index = 0, count = 1;
};
// Parses --shard's "I/N"; throws InputError naming the option otherwise.
Shard ParseShard(const std::string& text);

// --resume: the rows of the CSV and of a leftover rows file kept in `done` (rank 0). Returns how
// many of them are this process's (its shard's) to skip.
size_t ReadResumedRows(const sim::explore::SweepSpec& spec, const std::string& csv,
                       const std::string& partial, const Shard* shard,
                       std::vector<std::optional<sim::explore::SweepRow>>* done);

// An MPI run: rank 0 tells every rank which configurations it kept, and the others mark them
// done (placeholders: only rank 0 writes rows).
void ShareKeptRows(SweepMpi* mpi, size_t total, std::vector<std::optional<sim::explore::SweepRow>>* done);

// Starts the rows file with the header and every kept row, so no row is ever only in memory;
// it replaces an earlier one (read by --resume) only once it holds them all, and the CSV itself
// is left alone. Returns its layout; `out` stays open for the new rows.
RowsFile StartRowsFile(const sim::explore::SweepSpec& spec, const std::string& partial,
                       const std::vector<std::optional<sim::explore::SweepRow>>& done, std::ofstream* out);

}  // namespace quasar::cli
