#pragma once
// The reports of `quasar compare` (docs/compare.md): the metric rows of a set of columns and
// their table, JSON and CSV. The columns themselves are computed by sim/explore (compare.h).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/rtl_area.h"
#include "quasar/models/data/dataset.h"
#include "quasar/models/net/decoder_block.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/explore/compare.h"

namespace quasar::report {

using sim::explore::ComparisonColumn;

// The metric rows of the comparison, in report order: (label, unit, value per column). A value
// is nullopt where it does not apply (an infeasible column, fidelity not measured).
struct MetricRow {
  std::string key;    // JSON/CSV name, e.g. "latency_ms"
  std::string label;  // table label, e.g. "latency"
  std::string unit;   // e.g. "ms"
  std::vector<std::optional<double>> values;
};
// With a decoder block (`block`), also its phase's rows: time to first token (prefill),
// tokens/s, mJ/token and the DRAM-bound share of the cycles (sim/core/llm_metrics.h).
std::vector<MetricRow> ComparisonMetrics(const std::vector<ComparisonColumn>& columns,
                                         const models::DecoderBlockConfig* block = nullptr);

// An accelerator on one line: name, array, dataflow, MAC widths, Bit Fusion, XNOR lanes.
std::string ArchLine(const models::ArchSpec& a);

// The metric rows under `title`, one column per precision, then each column's accelerator, note
// and, when it cannot run, the reason.
std::string CompareTable(const std::vector<ComparisonColumn>& cols, const std::string& title,
                         const models::DecoderBlockConfig* block = nullptr);
// One object per column: precision, view, arch, status, note, overflow_events and the metrics
// (an infinite SQNR as the string "inf").
nlohmann::ordered_json CompareJson(const std::vector<ComparisonColumn>& cols,
                                   const models::DecoderBlockConfig* block = nullptr);
// A header line, then one line per column: view, precision, arch, rows, cols, the metrics and
// the status.
std::string CompareCsv(const std::vector<ComparisonColumn>& cols,
                       const models::DecoderBlockConfig* block = nullptr);

// A whole comparison as `quasar compare` reports it: the columns of both views and what the
// report says of them.
struct Comparison {
  models::ArchSpec base;  // the accelerator of the same-array view (--scaling applied)
  std::vector<std::string> precisions;
  std::optional<std::string> fidelity_note;  // how fidelity was measured, when it was
  const models::Dataset* data = nullptr;     // with --data: the labelled data (borrowed)
  std::vector<ComparisonColumn> same, iso;   // one of them may be empty (--view)
  double iso_pe_array_mm2 = 0;               // the PE-array area the iso-area arrays fit
  std::string iso_area_sources;              // IsoAreaSources, said under the iso-area table
  std::optional<models::DecoderBlockConfig> block;  // a generated decoder block: its phase rows
  // The network's name, from the first column (at least one view has columns).
  std::string Network() const;
};
// {"network", "arch", "precisions", "fidelity_note", "data", "same_array", "iso_area"}.
nlohmann::ordered_json ComparisonJson(const Comparison& c);
// Every column of both views (CompareCsv).
std::string ComparisonCsv(const Comparison& c);
// The header lines, then the table of each view present and the iso-area note.
std::string ComparisonTable(const Comparison& c);

// Where the iso-area PE areas come from, with the binary-to-8-bit ratio of each source.
std::string IsoAreaSources(const models::ArchSpec& base, const models::CostTable& table,
                           const models::RtlMacCells& cells);

}  // namespace quasar::report
