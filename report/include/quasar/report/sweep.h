#pragma once
// The output of `quasar sweep` (docs/sweep.md): its columns, the CSV and JSON writers, reading a
// CSV back for --resume, and the table of the Pareto front. What a sweep computes (its
// configurations, rows and marks) is sim/explore's sweep.h.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "quasar/sim/explore/sweep.h"

namespace quasar::report {

using sim::explore::SweepMarks;
using sim::explore::SweepRow;
using sim::explore::SweepSpec;

// The output columns, in order: config, network, precision, one per axis (its key), status,
// reason, cycles, latency_s, inferences_per_s, utilization, energy_pj, energy_uj, tops_per_watt,
// area_mm2, dram_bytes, [with fidelity: top1_pct and agreement_pct with data, sqnr_db,
// sqnr_p5_db], within_constraints, pareto, context.
std::vector<std::string> SweepColumns(const SweepSpec& spec);

// The CSV header line, and one row's line (RFC 4180 quoting; marks empty when not given, as in
// the rows written while the sweep runs). Numbers are written in the shortest form that reads
// back exactly, so a resumed file is byte-identical to an uninterrupted one.
std::string SweepCsvHeader(const SweepSpec& spec);
std::string SweepCsvLine(const SweepSpec& spec, const SweepRow& row,
                         std::optional<bool> within_constraints, std::optional<bool> pareto);
// The whole CSV (header, every row with its marks).
std::string SweepCsv(const SweepSpec& spec, const std::vector<SweepRow>& rows,
                     const SweepMarks& marks);
// The JSON document: {"sweep", "base", "objective", "constraints", "columns", "rows": [...]},
// each row an object with the CSV's columns (numbers as numbers, NaN/infinity as null).
std::string SweepJson(const SweepSpec& spec, const std::vector<SweepRow>& rows,
                      const SweepMarks& marks);
// The same document in three parts, for writing it a row at a time: the head (up to the rows'
// opening bracket), each row (`first` for the first one), and the tail (`any_rows`: whether a
// row was written). SweepJson is Head + every Row + Tail.
std::string SweepJsonHead(const SweepSpec& spec);
std::string SweepJsonRow(const SweepSpec& spec, const SweepRow& row, bool within_constraints,
                         bool pareto, bool first);
std::string SweepJsonTail(bool any_rows);

// Reads a CSV written by this sweep (complete or an interrupted prefix) for --resume: rows whose
// configuration key is one of the spec's configurations, indexed by configuration; a last line
// cut short is ignored; the rows need not be in order. InputError when the header is not this
// sweep's columns, or when a row of a configuration has another context than the spec's (the
// message names what differs: base architecture, technology, objective, first_last_bits,
// fidelity or network file). `dropped` (optional) receives how many rows matched no
// configuration.
std::vector<std::optional<SweepRow>> ReadSweepCsv(const SweepSpec& spec, const std::string& path,
                                                  size_t* dropped = nullptr);
// One line of such a CSV (without its newline), `line_no` of `path` for messages: the row, or
// nothing when its key is none of the spec's configurations; InputError as ReadSweepCsv.
std::optional<SweepRow> ParseSweepCsvRow(const SweepSpec& spec, const std::string& line,
                                         const std::string& path, size_t line_no);

// ---- Shards (sweep_shard.cc): `quasar sweep --shard I/N` and `quasar sweep-merge` ----

// A fingerprint of everything a sweep's output depends on: its columns, networks, precisions,
// swept values, the contexts of its rows and its constraints (after the options). Parts of
// sweeps with another fingerprint are not merged.
std::string SweepFingerprint(const SweepSpec& spec);

// A shard's part file: the line "# quasar sweep shard I/N of T configurations, sweep <hash>",
// the CSV header, then the rows of the shard (configurations I, I+N, I+2N, ...) in order, with
// their within_constraints mark and an empty pareto mark (the front needs every row).
std::string SweepShardLine(const SweepSpec& spec, size_t index, size_t count);
std::string SweepShardCsv(const SweepSpec& spec, const std::vector<SweepRow>& rows, size_t index,
                          size_t count);

// Merges the part files of every shard of one sweep (any order of `paths`) into the sweep's CSV,
// written to `out`: the rows in configuration order with the Pareto marks recomputed over all
// rows, the same bytes as the single-process sweep's CSV. InputError (naming the file) when a
// file is not a part file, the parts come from different sweeps or shard counts, a shard is
// missing or given twice, or a part lacks a row or holds one of another shard. Returns the
// number of rows.
size_t MergeSweepShards(const std::vector<std::string>& paths, std::ostream& out);

// A text table of the front rows (each network's, sorted by latency, then energy, area, index),
// with the swept values and the objectives; at most `limit` rows per network.
std::string FrontTable(const SweepSpec& spec, const sim::explore::SweepFronts& fronts,
                       size_t limit = 50);
// The same for all rows of a sweep (their fronts as MarkFront marks them).
std::string FrontTable(const SweepSpec& spec, const std::vector<SweepRow>& rows,
                       size_t limit = 50);

}  // namespace quasar::report
