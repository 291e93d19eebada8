#pragma once
// The performance report of `quasar run` (table, JSON, CSV; every field is documented in
// docs/run-output.md) and the mapping summary of `quasar compile`.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/decoder_block.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/perf.h"

namespace quasar::report {

// What a run targets: the network, the accelerator and its technology table.
struct Target {
  models::NetworkSpec net;
  models::ArchSpec arch;
  models::CostTable table;  // the arch's `technology`, a name or a path relative to its file
  // A generated decoder block (decoder_block.h): the run also reports its phase's figures
  // (time to first token, tokens/s, J/token, DRAM-bound fraction; sim/core/llm_metrics.h).
  std::optional<models::DecoderBlockConfig> block;
};

// The `llm` object of the JSON report for a decoder block (docs/run-output.md).
nlohmann::ordered_json LlmJson(const models::DecoderBlockConfig& block,
                               const sim::NetworkPerf& perf, double clock_hz);

// The human-readable report: header, one row per layer, totals, energy and area breakdowns,
// warnings and, for an infeasible configuration, the reason. `objective_note` follows the
// objective's name in the header (e.g. where the schedule came from).
std::string RunTable(const compiler::Schedule& s, const sim::NetworkPerf& perf, const Target& t,
                     const std::string& objective_note);

// The JSON report (one object; keys in the documented order).
nlohmann::ordered_json RunJson(const compiler::Schedule& s, const sim::NetworkPerf& perf,
                               const Target& t);

// The CSV report: a header line, one row per layer, a final TOTAL row.
std::string RunCsv(const compiler::Schedule& s, const sim::NetworkPerf& perf, const Target& t);

// `quasar compile`'s per-layer summary of the mapping.
std::string CompileSummary(const compiler::Schedule& s, const Target& t);

}  // namespace quasar::report
