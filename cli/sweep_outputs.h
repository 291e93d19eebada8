#pragma once
// The rows file of `quasar sweep` and the outputs written from it (used by cli/cmd_sweep.cc).
//
// While a sweep runs, its rows go to a rows file (<out>.partial) as soon as each one and every
// row before it are known: the CSV header, the rows kept by --resume, then the new rows, each
// of the two runs in configuration order. Once the last row is in, the outputs are written from
// that file in two passes that read one row at a time: the first finds each network's Pareto
// front (sim::explore::SweepFronts), the second writes the CSV, the JSON or a shard's part file
// with the marks, each to a temporary file renamed over the output. A sweep of millions of
// configurations so holds its fronts, not its rows.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "quasar/sim/explore/sweep.h"

namespace quasar::cli {

// Where a rows file's two runs of rows start (byte offsets), and how many rows the first holds.
struct RowsFile {
  std::string path;
  uint64_t kept_begin = 0, new_begin = 0;
  size_t kept = 0;
};

// Calls `f` with every row of the rows file, in configuration order (the two runs merged).
void ForEachRow(const sim::explore::SweepSpec& spec, const RowsFile& rows,
                const std::function<void(const sim::explore::SweepRow&)>& f);

// The outputs of one sweep: a CSV and/or a JSON file (empty: none), or a shard's part file (the
// CSV, with each row's within_constraints mark and no Pareto mark: the front needs every shard).
struct SweepOutputFiles {
  std::string csv, json;
  std::optional<std::pair<size_t, size_t>> shard;  // index, count
};

// Writes the outputs from the rows file; returns the fronts (for a shard, those of its rows).
sim::explore::SweepFronts WriteSweepOutputs(const sim::explore::SweepSpec& spec,
                                            const RowsFile& rows, const SweepOutputFiles& out);

}  // namespace quasar::cli
