#pragma once
// The reports of `quasar compare` (docs/compare.md): the metric rows of a set of columns and
// their table, JSON and CSV. The columns themselves are computed by sim/explore (compare.h).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/rtl_area.h"
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
std::vector<MetricRow> ComparisonMetrics(const std::vector<ComparisonColumn>& columns);

// An accelerator on one line: name, array, dataflow, MAC widths, Bit Fusion, XNOR lanes.
std::string ArchLine(const models::ArchSpec& a);

// The metric rows under `title`, one column per precision, then each column's accelerator, note
// and, when it cannot run, the reason.
std::string CompareTable(const std::vector<ComparisonColumn>& cols, const std::string& title);
// One object per column: precision, view, arch, status, note, overflow_events and the metrics
// (an infinite SQNR as the string "inf").
nlohmann::ordered_json CompareJson(const std::vector<ComparisonColumn>& cols);
// A header line, then one line per column: view, precision, arch, rows, cols, the metrics and
// the status.
std::string CompareCsv(const std::vector<ComparisonColumn>& cols);

// Where the iso-area PE areas come from, with the binary-to-8-bit ratio of each source.
std::string IsoAreaSources(const models::ArchSpec& base, const models::CostTable& table,
                           const models::RtlMacCells& cells);

}  // namespace quasar::report
