#pragma once
// The pieces of `quasar compare` that are not command-line plumbing: the operand widths a
// quantized network asks of a MAC, the iso-area accelerator for a precision (a narrower MAC is
// smaller, so more PEs fit the same PE-array area), and one column of the comparison (a
// precision on one accelerator: performance from the analytical model, fidelity from a golden
// run against the float network). docs/compare.md.

#include <optional>
#include <string>
#include <vector>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/analytical.h"

namespace quasar::sim::explore {

// The widest weight and activation operands of a network's weighted layers and matmuls, in
// storage bits (binary and ternary count as 1 and 2), after its precision policy is resolved.
struct MacWidths {
  int w_bits = 1, a_bits = 1;
};
MacWidths NetworkMacWidths(const models::NetworkSpec& net);

// `base` with a plain MAC for `widths` (no precision scaling, no XNOR lanes; the accumulator,
// signedness, buffers, DRAM and clock unchanged) and `base`'s rows and cols scaled by the same
// factor sqrt(area ratio), rounded down (at least 1, at most 4096 each), so that the PE array
// fits the area of `base`'s PE array priced with `table` and keeps its aspect ratio. (A
// different shape may hold a few more PEs.) The name gets the suffix "-iso-w<W>a<A>".
models::ArchSpec IsoAreaArch(const models::ArchSpec& base, const models::CostTable& table,
                             MacWidths widths);

// One precision on one accelerator.
struct ComparisonColumn {
  std::string precision;  // as given, e.g. "w4a4"
  std::string view;       // "same-array" or "iso-area"
  models::ArchSpec arch;  // as run
  NetworkPerf perf;       // analytical, priced
  // From the golden run (the same for both views: the arithmetic does not depend on the array).
  // All nullopt when the golden run was skipped. An SQNR of +infinity means the quantized output
  // equals the float one.
  std::optional<double> output_sqnr_db;    // output vs the float network
  std::optional<int> required_acc_bits;    // widest accumulator a layer needs for any input
  std::optional<int64_t> overflow_events;  // in the golden run with the accelerator's accumulator
};

// The metric rows of the comparison, in report order: (label, unit, value per column). A value
// is nullopt where it does not apply (an infeasible column, fidelity not measured).
struct MetricRow {
  std::string key;    // JSON/CSV name, e.g. "latency_ms"
  std::string label;  // table label, e.g. "latency"
  std::string unit;   // e.g. "ms"
  std::vector<std::optional<double>> values;
};
std::vector<MetricRow> ComparisonMetrics(const std::vector<ComparisonColumn>& columns);

}  // namespace quasar::sim::explore
